package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/rules"
)

// newJira builds and connects the Jira client for the policies' fields
// (check, explain, report, setup: one question, then exit).
func newJira(ctx context.Context, c config, policies []*rules.Policy) (*jira.Client, error) {
	jc, err := jiraConfig(c, policies)
	if err != nil {
		return nil, err
	}
	jc.Logger = c.logger()
	cl, err := jira.New(jc)
	if err != nil {
		return nil, err
	}
	if err := cl.Connect(ctx); err != nil {
		return nil, err
	}
	return cl, nil
}

// jiraConfig is the Jira client's configuration for the policies' fields;
// the caller adds the logger and, in the demo, the clock.
func jiraConfig(c config, policies []*rules.Policy) (jira.Config, error) {
	specs, err := rules.FieldsOf(policies)
	if err != nil {
		return jira.Config{}, err
	}
	return jira.Config{BaseURL: c.JiraURL, Email: c.JiraEmail, APIToken: c.JiraToken, Fields: specs,
		OrganizationsField: c.JiraOrgField, Quiet: c.JiraQuiet, ManagedLabelPrefixes: labelPrefixes(policies), IndexLag: c.JiraIndexLag,
		InternalVisibility: internalVisibility(policies), WriteConcurrency: c.JiraWriteConcurrency}, nil
}

// internalVisibility is, per project, who reads the internal comments of
// its policy outside Jira Service Management (internal_comments).
func internalVisibility(policies []*rules.Policy) map[string]rules.CommentRestriction {
	out := map[string]rules.CommentRestriction{}
	for _, p := range policies {
		for _, k := range p.Projects {
			out[k] = p.InternalComments
		}
	}
	return out
}

// labelPrefixes lists each policy's label prefix once: the Jira client
// refuses to remove any label without one of them, so labels people set
// survive whatever the engine asks.
func labelPrefixes(policies []*rules.Policy) []string {
	var out []string
	for _, p := range policies {
		if !slices.Contains(out, p.LabelPrefix) {
			out = append(out, p.LabelPrefix)
		}
	}
	return out
}

// liveIssue fetches one issue with the configured credentials and finds
// its policy by project key.
func liveIssue(key, policyPath string, stderr io.Writer) (rules.Issue, *rules.Policy, string, int) {
	c, err := loadConfig(true, false)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return rules.Issue{}, nil, "", 2
	}
	policies, err := loadPolicies(policyPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return rules.Issue{}, nil, "", 1
	}
	project, _, _ := strings.Cut(key, "-")
	p := policyFor(policies, project)
	if p == nil {
		fmt.Fprintf(stderr, "slabot explain: no policy in %s governs project %s\n", policyPath, project)
		return rules.Issue{}, nil, "", 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := newJira(ctx, c, []*rules.Policy{p})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return rules.Issue{}, nil, "", 1
	}
	iss, _, err := cl.Issue(ctx, key)
	if err != nil {
		fmt.Fprintln(stderr, "slabot explain:", err)
		return rules.Issue{}, nil, "", 1
	}
	return iss, p, cl.AccountID(), 0
}
