package main

import (
	"strings"
	"testing"
)

// Issue 25: "configuration errors come one at a time at start, although
// the README promises all". A start with four mistakes, each caught by a
// different check (a value that does not parse, a Jira URL the client
// refuses, a pair list without "=", the Slack token a worker needs),
// names all four in one run, for run and once alike.
func TestStartReportsEveryConfigurationMistake(t *testing.T) {
	for k, v := range map[string]string{
		"SLABOT_JIRA_URL":       "http://jira.example.com",
		"SLABOT_JIRA_EMAIL":     "bot@example.com",
		"SLABOT_JIRA_TOKEN":     "secret-jira-token",
		"SLABOT_SLACK_TOKEN":    "",
		"SLABOT_DRY_RUN":        "",
		"SLABOT_DISPATCH_EVERY": "soon",
		"SLABOT_SLACK_USERS":    "alice",
		"SLABOT_DB":             t.TempDir() + "/slabot.db",
	} {
		t.Setenv(k, v)
	}
	for _, verb := range []string{"run", "once"} {
		code, _, errs := runCLI(t, verb)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d:\n%s", verb, code, exitUsage, errs)
		}
		for _, want := range []string{`SLABOT_DISPATCH_EVERY="soon"`, "SLABOT_JIRA_URL: the Jira base URL http://jira.example.com must use https",
			`SLABOT_SLACK_USERS: "alice"`, "SLABOT_SLACK_TOKEN is not set"} {
			if !strings.Contains(errs, want) {
				t.Errorf("%s: the start does not report %q:\n%s", verb, want, errs)
			}
		}
		if strings.Contains(errs, "SLABOT_DISPATCH_EVERY=0s") {
			t.Errorf("%s: a value that did not parse is reported a second time as zero:\n%s", verb, errs)
		}
		if strings.Contains(errs, "secret-jira-token") {
			t.Errorf("%s: the token leaked:\n%s", verb, errs)
		}
	}
}
