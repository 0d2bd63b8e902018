package main

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/slack"
)

// Real Slack is untidy: Hydra's team-lead channel is private and nobody
// invited the bot (Slack hides it: channel_not_found), its management
// channel was archived, and the token is installed with exactly the
// manifest's scopes. slabot once still runs: Hydra's agent steps and
// every Sanarise step go out, Hydra's steps to the two broken channels
// stay in the outbox, blocked, and slabot check (online, exit 3) names
// each channel with the fix in plain words. Without groups:read, check
// says which scope to add.
func TestUnusableLadderChannels(t *testing.T) {
	created := time.Now().Add(-72 * time.Hour)
	sites := newTestSites(t, func(seed *jirasim.Seed) {
		seed.Issues = []jirasim.Issue{
			{Project: "HYD", Type: "Incident", Priority: "High", Reporter: hydraCust, Summary: "Billing run stuck", Created: created, Status: "Open"},
			{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust, Summary: "Banner", Created: created, Status: "Open"},
		}
	}, "")
	ids := demoChannels(sites.policies)
	sites.slack.AddPrivateChannel(ids["#hydra-leads"], "#hydra-leads", false)
	sites.slack.Archive(ids["#hydra-management"])
	sites.slack.SetScopes("xoxb-test", slack.RequiredScopes...)
	t.Setenv("SLABOT_SLACK_CHANNELS", "") // found by name, as in production
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_DB", filepath.Join(t.TempDir(), "slabot.db"))
	t.Setenv("SLABOT_LOG_LEVEL", "error")

	// One run delivers every due level (agent, team lead, management); a
	// step blocked on its channel lets the later ones go ahead.
	if code, _, errs := runCLI(t, "once"); code != exitOK || !strings.Contains(errs, "invite @slabot to #hydra-leads") {
		t.Fatalf("once: exit %d\n%s", code, errs)
	}
	for name, want := range map[string]bool{"#hydra-support": true, "#hydra-leads": false, "#hydra-management": false,
		"#sanarise-support": true, "#sanarise-leads": true, "#sanarise-management": true} {
		if got := len(sites.slack.Messages(ids[name])) > 0; got != want {
			t.Errorf("%s has messages: %v, want %v", name, got, want)
		}
	}
	code, _, errs := runCLI(t, "check")
	for _, want := range []string{
		"FAIL  slack: channel #hydra-leads: not found among the channels the bot can see: if it is private, invite @slabot to #hydra-leads",
		"FAIL  slack: channel #hydra-management (" + ids["#hydra-management"] + "): the channel is archived: pick another in the policy",
		"FAIL  outbox: HYD-1|", // the held-back steps, with the same fixes
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("check lacks %q", want)
		}
	}
	var blocked []string
	for _, l := range strings.Split(errs, "\n") {
		if strings.HasPrefix(l, "FAIL  outbox: ") {
			blocked = append(blocked, l)
			if !strings.Contains(l, "invite @slabot to #hydra-leads") && !strings.Contains(l, "pick another in the policy") {
				t.Errorf("blocked row without the fix: %s", l)
			}
		}
		if strings.Contains(l, "SAN-") {
			t.Errorf("a Sanarise step is held back: %s", l)
		}
	}
	if code != exitSite || len(blocked) == 0 {
		t.Fatalf("check: exit %d, %d blocked rows\n%s", code, len(blocked), errs)
	}

	sites.slack.SetMember(ids["#hydra-leads"], true) // invited, but the app lost groups:read
	sites.slack.SetScopes("xoxb-test", slices.DeleteFunc(slices.Clone(slack.RequiredScopes), func(s string) bool { return s == "groups:read" })...)
	code, _, errs = runCLI(t, "check")
	if code != exitSite || !strings.Contains(errs, "FAIL  slack: the bot token lacks groups:read: add scope groups:read in the app manifest (deploy/slack-app-manifest.yaml) and reinstall the app") ||
		!strings.Contains(errs, "#hydra-leads: not found among the public channels") {
		t.Errorf("check without groups:read: exit %d\n%s", code, errs)
	}
}

// slabot run does not wait for a ladder channel a person must fix: it
// starts, becomes ready once its cycles run, and /readyz says what is
// degraded and the fix (restarting cannot invite a bot).
func TestRunStartsDespiteUnusableChannel(t *testing.T) {
	newTestSites(t, nil, "#hydra-leads")
	t.Setenv("SLABOT_SCHEDULE", "@every 1h")
	cfg := daemonConfig(t, t.TempDir()+"/slabot.db")
	d := startDaemon(t, cfg)
	var code int
	var body string
	for range 1000 {
		if code, body = d.get("/readyz"); code == http.StatusOK {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != http.StatusOK || !strings.Contains(body, "degraded: slack: channel #hydra-leads (C0008): the bot is not in it: invite @slabot to #hydra-leads") {
		t.Errorf("/readyz = %d %q, want ready, degraded, naming the channel and the fix", code, body)
	}
	d.stop()
}
