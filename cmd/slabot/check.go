package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/slabot/slabot/connectors/slack"

	"github.com/slabot/slabot/rules"
)

// runCheck validates every policy file in a directory and prints every
// problem with file:line, not only the first.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("policies", "deploy/policies", "directory of policy files (*.yaml)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	policies, err := rules.LoadDir(*dir)
	var ps rules.Problems
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			fmt.Fprintln(stderr, p.String())
		}
		fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(ps), *dir)
		return 1
	case err != nil:
		fmt.Fprintln(stderr, "slabot check:", err)
		return 1
	}
	for _, p := range policies {
		fmt.Fprintf(stdout, "ok  %s  %s  projects %v, %d goal(s), %d calendar(s)\n", p.File, p.Product, p.Projects, len(p.Goals), len(p.Calendars))
	}
	return checkSites(policies, stdout, stderr)
}

// checkSites connects to Jira and Slack when their credentials are in the
// environment: the bot account must authenticate, and every custom field
// the policies name must exist once with the right type (all missing or
// mistyped fields are listed together).
func checkSites(policies []*rules.Policy, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(false, false)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := 0
	if cfg.JiraURL != "" {
		if cl, err := newJira(ctx, cfg, policies); err != nil {
			fmt.Fprintf(stderr, "jira: %v\n", err)
			code = 1
		} else {
			fmt.Fprintf(stdout, "ok  jira %s as account %s: every policy field found with its type\n", cfg.JiraURL, cl.AccountID())
		}
	} else {
		fmt.Fprintln(stdout, "--  jira not checked (SLABOT_JIRA_URL is not set)")
	}
	if cfg.SlackToken != "" {
		sc := slack.NewClient(cfg.SlackToken, slack.ClientOptions{APIURL: cfg.SlackAPIURL})
		if id, err := sc.AuthTest(ctx); err != nil {
			fmt.Fprintf(stderr, "slack: %v\n", err)
			code = 1
		} else {
			fmt.Fprintf(stdout, "ok  slack as %s\n", id.UserID)
		}
	} else {
		fmt.Fprintln(stdout, "--  slack not checked (SLABOT_SLACK_TOKEN is not set)")
	}
	return code
}
