package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/deploy"
	"github.com/slabot/slabot/rules"
)

// testSites are the demo's simulated Jira and Slack on loopback, with the
// environment pointing slabot at them.
type testSites struct {
	policies []*rules.Policy
	jira     *jirasim.Server
	jiraURL  string
	slack    *slacksim.Server
	// env is the environment that points slabot at the sites
	// (newTestSites sets it in the process's).
	env map[string]string
}

// newTestSites starts both simulators. tweak may change the Jira seed;
// outsider names a ladder channel the bot is not a member of.
func newTestSites(t testing.TB, tweak func(*jirasim.Seed), outsider string) *testSites {
	t.Helper()
	sites := startTestSites(t, tweak, outsider)
	for k, v := range sites.env {
		t.Setenv(k, v)
	}
	return sites
}

// startTestSites is newTestSites leaving the process's environment alone,
// for a test that runs in parallel (daemonConfigFrom).
func startTestSites(t testing.TB, tweak func(*jirasim.Seed), outsider string) *testSites {
	t.Helper()
	policies, err := rules.LoadFS(deploy.Policies, "policies")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := demoSeed(policies)
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(&seed)
	}
	sim, err := jirasim.New(seed, jirasim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	ss := slacksim.NewServer(append(demoUserGroups(policies), slacksim.WithToken("xoxb-test"))...)
	t.Cleanup(ss.Close)
	var pairs []string
	for name, id := range demoChannels(policies) {
		ss.AddChannel(id, name, name != outsider)
		pairs = append(pairs, name+"="+id)
	}
	env := map[string]string{
		"SLABOT_SLACK_CHANNELS": strings.Join(pairs, ","),
		"SLABOT_JIRA_URL":       srv.URL,
		"SLABOT_JIRA_EMAIL":     jirasim.BotEmail,
		"SLABOT_JIRA_TOKEN":     jirasim.BotToken,
		"SLABOT_SLACK_TOKEN":    "xoxb-test",
		"SLABOT_SLACK_API_URL":  ss.APIURL(),
	}
	return &testSites{policies: policies, jira: sim, jiraURL: srv.URL, slack: ss, env: env}
}

// searches counts the Jira searches made so far: a change that reaches its
// fields with none since the first cycle came by a webhook, not a poll.
func (s *testSites) searches() int {
	n := 0
	for _, r := range s.jira.Requests() {
		if strings.Contains(r.Path, "/search") {
			n++
		}
	}
	return n
}

// slabotComments counts the comments slabot wrote to Jira (those carrying
// its "[slabot:...]" marker) and fails t for any written twice to one
// issue.
func (s *testSites) slabotComments(t *testing.T) int {
	t.Helper()
	n := 0
	for _, key := range s.jira.IssueKeys() {
		is, _ := s.jira.Issue(key)
		seen := map[string]bool{}
		for _, c := range is.Comments {
			i := strings.Index(c.Body, "[slabot:")
			if i < 0 {
				continue
			}
			n++
			if seen[c.Body[i:]] {
				t.Errorf("%s: comment %s written twice", key, c.Body[i:])
			}
			seen[c.Body[i:]] = true
		}
	}
	return n
}
