package jira

import (
	"errors"
	"strings"
	"testing"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// Issue 25: "a Claim failure tells the user to set SLABOT_SLACK_DIRECTORY,
// which does not exist (connectors/jira/assign.go; the variable is
// SLABOT_SLACK_USERS)". The advice names the variable the process reads.
func TestAccountByEmailUnknownNamesSlackUsers(t *testing.T) {
	s := newSite(t, jirasim.DefaultSeed(), jirasim.Options{}, nil)
	_, err := s.client.AccountByEmail(ctx(t), "nobody@example.invalid")
	if !errors.Is(err, ErrNoAccount) {
		t.Fatalf("err = %v, want ErrNoAccount", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "SLABOT_SLACK_USERS") || strings.Contains(msg, "SLABOT_SLACK_DIRECTORY") {
		t.Errorf("advice names the wrong variable: %s", msg)
	}
}
