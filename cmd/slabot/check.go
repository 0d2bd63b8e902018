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
			for _, p := range policies {
				for _, proj := range p.Projects {
					problems, err := cl.ScreenProblems(ctx, proj, writtenFields(p))
					if err != nil {
						problems = []string{err.Error()}
					}
					for _, pr := range problems {
						fmt.Fprintf(stderr, "jira: %s\n", pr)
						code = 1
					}
					if len(problems) == 0 {
						fmt.Fprintf(stdout, "ok  jira project %s: slabot's fields are on the edit screen\n", proj)
					}
				}
			}
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
			channels, err := parsePairs("SLABOT_SLACK_CHANNELS", cfg.SlackChannels)
			if err != nil {
				fmt.Fprintln(stderr, err)
				return 1
			}
			for _, name := range ladderChannels(policies) {
				id, ok := channelID(channels, name)
				if !ok {
					fmt.Fprintf(stderr, "slack: channel %s has no id: add %s=C... to SLABOT_SLACK_CHANNELS\n", name, name)
					code = 1
					continue
				}
				if err := sc.CanPost(ctx, id); err != nil {
					fmt.Fprintf(stderr, "slack: %s: %v\n", name, err)
					code = 1
				} else {
					fmt.Fprintf(stdout, "ok  slack channel %s (%s): the bot can post\n", name, id)
				}
			}
		}
	} else {
		fmt.Fprintln(stdout, "--  slack not checked (SLABOT_SLACK_TOKEN is not set)")
	}
	return code
}

// writtenFields lists the fields slabot writes for p: they must be on the
// edit screen.
func writtenFields(p *rules.Policy) []string {
	var out []string
	for _, g := range p.Goals {
		for _, f := range []string{g.DeadlineField, g.StateField} {
			if f != "" {
				out = append(out, f)
			}
		}
	}
	if p.Billing.Field != "" {
		out = append(out, p.Billing.Field)
	}
	return out
}

// ladderChannels lists every channel the policies escalate to, once.
func ladderChannels(policies []*rules.Policy) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range policies {
		for _, r := range []rules.Rung{rules.RungAgent, rules.RungTeamLead, rules.RungManagement} {
			if ch, ok := p.Ladder.Channels[r]; ok && !seen[ch] {
				seen[ch] = true
				out = append(out, ch)
			}
		}
	}
	return out
}
