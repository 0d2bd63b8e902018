package slack

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// ChannelError is a ladder channel the bot cannot use: not found among the
// channels it can see, archived, or without the bot. Problem says what a
// person must do.
type ChannelError struct {
	Name    string // as the policy writes it
	ID      string // when known
	Problem string
}

func (e *ChannelError) Error() string {
	if e.ID != "" && e.ID != e.Name {
		return fmt.Sprintf("slack: channel %s (%s): %s", e.Name, e.ID, e.Problem)
	}
	return fmt.Sprintf("slack: channel %s: %s", e.Name, e.Problem)
}

// ErrorCode is the class of the problem for /readyz and metrics.
func (e *ChannelError) ErrorCode() string { return "channel_unusable" }

// ResolveChannels maps each channel as a policy names it to a Slack id:
// an id (C0123...) as it is; a "#name" through overrides
// (SLABOT_SLACK_CHANNELS) first, else by name among the channels the bot
// can see (conversations.list: public ones, and private ones it was
// invited to). Every name it cannot find comes back in one error.
func (c *Client) ResolveChannels(ctx context.Context, names []string, overrides map[string]string) (map[string]string, error) {
	out := map[string]string{}
	var want []string
	for _, n := range names {
		switch id, ok := overrides[n]; {
		case ok:
			out[n] = id
		case !strings.HasPrefix(n, "#"):
			out[n] = n
		default:
			want = append(want, n)
		}
	}
	if len(want) == 0 {
		return out, nil
	}
	byName := map[string]string{}
	params := &slack.GetConversationsParameters{Types: []string{"public_channel", "private_channel"}, ExcludeArchived: true, Limit: 200}
	for {
		chans, next, err := c.api.GetConversationsContext(ctx, params)
		if err != nil {
			return out, classify("conversations.list", "", err)
		}
		for _, ch := range chans {
			byName[ch.Name] = ch.ID
		}
		if next == "" {
			break
		}
		params.Cursor = next
	}
	var errs []error
	for _, n := range want {
		if id, ok := byName[strings.TrimPrefix(n, "#")]; ok {
			out[n] = id
			continue
		}
		errs = append(errs, &ChannelError{Name: n, Problem: "no such channel among those the bot can see: create it, invite the bot " +
			"(/invite @slabot) if it is private, or map it with " + n + "=C... in SLABOT_SLACK_CHANNELS"})
	}
	return out, errors.Join(errs...)
}

// Verify checks what every escalation needs before the first one is due:
// the token works (auth.test), each ladder channel resolves, and the bot
// can post to it. It returns the channel ids, and every problem at once.
func (c *Client) Verify(ctx context.Context, names []string, overrides map[string]string) (map[string]string, error) {
	if _, err := c.AuthTest(ctx); err != nil {
		return nil, err
	}
	ids, err := c.ResolveChannels(ctx, names, overrides)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	sorted := make([]string, 0, len(ids))
	for n := range ids {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		if err := c.CanPost(ctx, ids[n]); err != nil {
			var ae *APIError
			if errors.As(err, &ae) || !isTransient(err) {
				err = &ChannelError{Name: n, ID: ids[n], Problem: strings.TrimPrefix(err.Error(), "slack: ")}
			}
			errs = append(errs, err)
		}
	}
	return ids, errors.Join(errs...)
}

// WaitReady calls Verify until it succeeds or ctx ends, waiting 5 s
// doubling to 5 min in between, and hands each failure to report (for
// readiness). A bad token or a missing channel is retried too: a person
// may fix it while slabot runs.
func (c *Client) WaitReady(ctx context.Context, names []string, overrides map[string]string, report func(error)) (map[string]string, error) {
	delay := 5 * time.Second
	for {
		ids, err := c.Verify(ctx, names, overrides)
		if err == nil {
			report(nil)
			return ids, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		report(err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Minute)
	}
}

func isTransient(err error) bool {
	var rl *RateLimitError
	var ue *UncertainError
	return errors.As(err, &rl) || errors.As(err, &ue)
}

// Reason describes a Verify error for /readyz: Slack's error code and
// what to do, or the class of a transport failure, never the raw text of
// a network error (which may carry URLs) and never a token.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var parts []string
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var (
			ce *ChannelError
			ae *APIError
			rl *RateLimitError
			ue *UncertainError
		)
		switch {
		case errors.As(err, &ce):
			parts = append(parts, ce.Error())
		case errors.As(err, &ae):
			parts = append(parts, ae.Error())
		case errors.As(err, &rl):
			parts = append(parts, "slack: rate limited, retrying")
		case errors.As(err, &ue):
			parts = append(parts, "slack: "+ue.Method+": no answer (network or Slack unavailable), retrying")
		default:
			parts = append(parts, "slack: unexpected error, retrying")
		}
	}
	walk(err)
	return strings.Join(parts, "; ")
}
