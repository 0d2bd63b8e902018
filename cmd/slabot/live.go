package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/rules"
)

// newJira builds and connects the Jira client for the policies' fields.
func newJira(ctx context.Context, c config, policies []*rules.Policy) (*jira.Client, error) {
	specs, err := fieldSpecs(policies, c.JiraFieldTypes)
	if err != nil {
		return nil, err
	}
	prefix := managedPrefix(policies)
	cl, err := jira.New(jira.Config{BaseURL: c.JiraURL, Email: c.JiraEmail, APIToken: c.JiraToken, Fields: specs,
		OrganizationsField: c.JiraOrgField, Quiet: c.JiraQuiet, ManagedLabelPrefix: prefix})
	if err != nil {
		return nil, err
	}
	if err := cl.Connect(ctx); err != nil {
		return nil, err
	}
	return cl, nil
}

// managedPrefix is the label prefix the Jira client guards removals with:
// the prefix every policy's labels share. Policies with different prefixes
// ("sla-", "sup-") get their common start, so no product's own labels are
// refused; the engine itself only ever removes its policy's labels.
func managedPrefix(policies []*rules.Policy) string {
	if len(policies) == 0 {
		return ""
	}
	prefix := policies[0].LabelPrefix
	for _, p := range policies[1:] {
		for !strings.HasPrefix(p.LabelPrefix, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	return prefix
}

// liveIssue fetches one issue with the configured credentials and finds
// its policy by project key.
func liveIssue(key string, stderr io.Writer) (rules.Issue, *rules.Policy, string, int) {
	c, err := loadConfig(true, false)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return rules.Issue{}, nil, "", 2
	}
	policies, err := rules.LoadDir(c.Policies)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return rules.Issue{}, nil, "", 1
	}
	project, _, _ := strings.Cut(key, "-")
	p := policyFor(policies, project)
	if p == nil {
		fmt.Fprintf(stderr, "slabot explain: no policy in %s governs project %s\n", c.Policies, project)
		return rules.Issue{}, nil, "", 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := newJira(ctx, c, []*rules.Policy{p})
	if err != nil {
		fmt.Fprintln(stderr, "slabot explain:", err)
		return rules.Issue{}, nil, "", 1
	}
	iss, _, err := cl.Issue(ctx, key)
	if err != nil {
		fmt.Fprintln(stderr, "slabot explain:", err)
		return rules.Issue{}, nil, "", 1
	}
	return iss, p, cl.AccountID(), 0
}
