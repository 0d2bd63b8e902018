package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/connectors/pagerduty"
	slackc "github.com/slabot/slabot/connectors/slack"
)

// Classify reads the connectors' real errors by their methods alone; each
// row quotes the class's meaning (classify.go) it shows.
func TestClassify(t *testing.T) {
	const (
		person  = "retrying cannot help until someone changes the configuration, the workspace or the site"
		passing = "it may go away by itself (no answer, a timeout, a 5xx, a rate limit)"
		nobody  = "nothing in the error says what it is"
	)
	noAnswer := &url.Error{Op: "Post", URL: "https://slack.example/api/chat.postMessage", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	cases := []struct {
		name  string
		err   error
		want  outbox.Class
		quote string
	}{
		{"Slack: the bot is not in the channel", &slackc.APIError{Method: "chat.postMessage", Code: "not_in_channel"}, outbox.NeedsPerson, person},
		{"Slack: the token was revoked", &slackc.APIError{Method: "auth.test", Code: "token_revoked"}, outbox.NeedsPerson, person},
		{"Slack: a ladder channel is archived", &slackc.ChannelError{Name: "#support", Problem: "archived"}, outbox.NeedsPerson, person},
		{"Slack: a scope is missing", &slackc.ScopeError{Missing: []string{"chat:write"}}, outbox.NeedsPerson, person},
		{"PagerDuty: a wrong routing key", &pagerduty.Error{Code: "invalid_event", Person: true, Err: errors.New("400")}, outbox.NeedsPerson, person},
		{"Slack: rate limited", &slackc.RateLimitError{Method: "chat.postMessage", RetryAfter: 30 * time.Second}, outbox.Transient, passing},
		{"Slack: no answer to a post", &slackc.UncertainError{Method: "chat.postMessage", Err: noAnswer}, outbox.Transient, passing},
		{"Slack: no answer to auth.test (nothing posted)", &slackc.UncertainError{Method: "auth.test", Err: errors.New("EOF")}, outbox.Transient, passing},
		{"PagerDuty: rate limited", &pagerduty.RateLimitError{RetryAfter: time.Minute, Err: errors.New("429")}, outbox.Transient, passing},
		{"Jira: 503", &jira.APIError{Method: "GET", Endpoint: "/rest/api/2/field", Status: 503}, outbox.Transient, passing},
		{"Jira: rate limited past the wait", &jira.RateLimitError{Method: "GET", Endpoint: "/rest/api/2/search/jql", RetryAfter: 2 * time.Minute}, outbox.Transient, passing},
		{"Jira: a write with no answer", &jira.UncertainWriteError{Method: "PUT", Issue: "SUP-1", Err: errors.New("EOF")}, outbox.Transient, passing},
		{"the network: connection refused", noAnswer, outbox.Transient, passing},
		{"a deadline that expired", fmt.Errorf("check: %w", context.DeadlineExceeded), outbox.Transient, passing},
		{"Jira: 403 (an answer about the request)", &jira.PermissionError{Action: "edit SUP-1", Err: &jira.APIError{Status: 403}}, outbox.Unclassified, nobody},
		{"Slack: internal_error (no fix a person could make, none that waiting promises)", &slackc.APIError{Method: "chat.postMessage", Code: "internal_error"}, outbox.Unclassified, nobody},
		{"PagerDuty: an error it does not call a person's", &pagerduty.Error{Code: "server", Err: errors.New("500")}, outbox.Unclassified, nobody},
		{"a plain error", errors.New("render: template failed"), outbox.Unclassified, nobody},
		{"wrapped: the class is found down the chain", fmt.Errorf("deliver: %w", &slackc.APIError{Code: "channel_not_found"}), outbox.NeedsPerson, person},
		{"joined: a person's fix wins over time", errors.Join(&slackc.RateLimitError{RetryAfter: time.Second}, &slackc.ChannelError{Name: "#x", Problem: "p"}), outbox.NeedsPerson, person},
		{"joined: time wins over nothing", errors.Join(errors.New("plain"), &slackc.RateLimitError{RetryAfter: time.Second}), outbox.Transient, passing},
	}
	for _, c := range cases {
		if got := outbox.Classify(c.err); got != c.want {
			t.Errorf("%s: %s, want %s (%s)", c.name, got, c.want, c.quote)
		}
	}
}
