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

// NeedsPerson is true: a person must invite the bot, pick another channel
// or grant a scope; an escalation to the channel waits (blocked) until then.
func (e *ChannelError) NeedsPerson() bool { return true }

// ScopeError is a token without scopes slabot needs (auth.test's
// X-OAuth-Scopes header lacks them).
type ScopeError struct {
	Missing []string
}

func (e *ScopeError) Error() string {
	return "slack: the bot token lacks " + strings.Join(e.Missing, ", ") + ": " + addScopes(strings.Join(e.Missing, ", "))
}

// ErrorCode is Slack's code for the same problem.
func (e *ScopeError) ErrorCode() string { return "missing_scope" }

// NeedsPerson is true: only reinstalling the app grants a scope.
func (e *ScopeError) NeedsPerson() bool { return true }

// invite is the fix for a channel the bot is not in.
func invite(name string) string {
	return "invite @slabot to " + name + " (/invite @slabot in the channel)"
}

// archived is the fix for an archived channel.
const archived = "the channel is archived: pick another in the policy (or unarchive it)"

// ResolveChannels maps each channel as a policy names it to a Slack id:
// an id (C0123...) as it is; a "#name" through overrides
// (SLABOT_SLACK_CHANNELS) first, else by name among the channels the bot
// can see (conversations.list: public ones, and private ones it was
// invited to, which Slack lists only with groups:read). Every name it
// cannot find, or finds archived, comes back in one error; an archived
// channel is not in the map. Without groups:read the public channels are
// still found, and the names not found say the scope is missing.
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
	byName := map[string]slack.Channel{}
	types := []string{"public_channel", "private_channel"}
	noPrivate := false
	params := &slack.GetConversationsParameters{Types: types, Limit: 200}
	for {
		chans, next, err := c.api.GetConversationsContext(ctx, params)
		if err != nil {
			err = classify("conversations.list", "", err)
			var ae *APIError
			if errors.As(err, &ae) && ae.Code == "missing_scope" && ae.Needed == "groups:read" && !noPrivate {
				// Public channels can still be found: list them alone.
				noPrivate = true
				params = &slack.GetConversationsParameters{Types: types[:1], Limit: 200}
				continue
			}
			return out, err
		}
		for _, ch := range chans {
			byName[ch.Name] = ch
		}
		if next == "" {
			break
		}
		params.Cursor = next
	}
	var errs []error
	for _, n := range want {
		ch, ok := byName[strings.TrimPrefix(n, "#")]
		switch {
		case ok && ch.IsArchived:
			errs = append(errs, &ChannelError{Name: n, ID: ch.ID, Problem: archived})
		case ok:
			out[n] = ch.ID
		case noPrivate:
			errs = append(errs, &ChannelError{Name: n, Problem: "not found among the public channels, and the bot token lacks groups:read, " +
				"so private channels cannot be seen: " + addScopes("groups:read") + "; if it is private, also " + invite(n)})
		default:
			errs = append(errs, &ChannelError{Name: n, Problem: "not found among the channels the bot can see: if it is private, " + invite(n) +
				"; otherwise create it, fix the name in the policy, or map it with " + n + "=C... in SLABOT_SLACK_CHANNELS"})
		}
	}
	return out, errors.Join(errs...)
}

// needsPerson: only a person can fix err (a NeedsPerson method says so).
func needsPerson(err error) bool {
	var p interface{ NeedsPerson() bool }
	return errors.As(err, &p) && p.NeedsPerson()
}

// namedChannel is what Slack said of a channel name: its id, or why it
// cannot be used.
type namedChannel struct {
	id  string
	err error
}

// namedTTL is how long a channel name's resolution is trusted: a person
// may invite the bot, unarchive or rename a channel at any time, and a
// blocked row is tried again every few minutes.
const namedTTL = time.Minute

// ChannelID resolves a channel a policy names as "#name" (one slabot
// could not use when it started: a private channel nobody had invited the
// bot to, an archived one) through conversations.list; an id passes as it
// is. An answer, or a problem only a person can fix (a *ChannelError), is
// trusted for namedTTL; Slack not answering is not remembered. Delivery
// (Resolver) and the buttons' membership check (bot.Clicks) share this
// cache, so a name costs one conversations.list scan a minute, not one
// per caller.
func (c *Client) ChannelID(ctx context.Context, name string) (string, error) {
	if !strings.HasPrefix(name, "#") {
		return name, nil
	}
	now := c.clock.Now()
	if n, ok := c.named.Get(name, now); ok {
		return n.id, n.err
	}
	ids, err := c.ResolveChannels(ctx, []string{name}, nil)
	if err != nil && !needsPerson(err) {
		return "", err
	}
	c.named.Put(name, namedChannel{id: ids[name], err: err}, now, namedTTL)
	return ids[name], err
}

// Verify checks what every escalation needs before the first one is due:
// the token works (auth.test) with every scope slabot uses, each ladder
// channel resolves, and the bot can post to it. It returns the channel
// ids that resolved, and every problem at once.
func (c *Client) Verify(ctx context.Context, names []string, overrides map[string]string) (map[string]string, error) {
	id, err := c.AuthTest(ctx)
	if err != nil {
		return nil, err
	}
	var errs []error
	if missing := id.Missing(); len(missing) > 0 {
		errs = append(errs, &ScopeError{Missing: missing})
	}
	ids, err := c.ResolveChannels(ctx, names, overrides)
	if err != nil {
		errs = append(errs, err)
	}
	sorted := make([]string, 0, len(ids))
	for n := range ids {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		if err := c.canPost(ctx, n, ids[n]); err != nil {
			var ae *APIError
			var ce *ChannelError
			switch {
			case errors.As(err, &ce):
			case errors.As(err, &ae) && ae.Code == "channel_not_found":
				err = &ChannelError{Name: n, ID: ids[n], Problem: "not found: if it is private, " + invite(n) + "; otherwise fix the channel id in SLABOT_SLACK_CHANNELS or the policy"}
			case errors.As(err, &ae) && !ae.NeedsPerson():
				// Slack's own failure (internal_error...): not the channel's,
				// and it may pass; WaitReady asks again.
			case errors.As(err, &ae) || !isTransient(err):
				err = &ChannelError{Name: n, ID: ids[n], Problem: strings.TrimPrefix(err.Error(), "slack: ")}
			}
			errs = append(errs, err)
		}
	}
	return ids, errors.Join(errs...)
}

// WaitReady calls Verify until Slack answered every question, i.e. the
// token works and no check failed for want of an answer (network, 5xx,
// 429), or ctx ends, waiting 5 s doubling to 5 min in between, and hands
// each failure to report (for readiness). A bad token is retried too: a
// person may fix it while slabot runs.
//
// It returns the channel ids that resolved and the problems left that
// only a person can fix (a channel the bot is not in, an archived one, a
// missing scope): those hold back only the escalations to their channels
// (the outbox keeps them, blocked, until fixed), so slabot starts anyway.
// err is ctx's error.
func (c *Client) WaitReady(ctx context.Context, names []string, overrides map[string]string, report func(error)) (ids map[string]string, problems, err error) {
	delay := 5 * time.Second
	for {
		ids, err := c.Verify(ctx, names, overrides)
		if err == nil || (ids != nil && !AnyTransient(err)) {
			report(err)
			return ids, err, nil
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		report(err)
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Minute)
	}
}

// AnyTransient reports whether any of the errors joined in err (Verify's)
// may go away by itself: no answer, a 5xx, a 429, or Slack's own failure
// (internal_error...), as opposed to what only a person can fix.
func AnyTransient(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if AnyTransient(e) {
				return true
			}
		}
		return false
	}
	var ae *APIError
	var ce *ChannelError
	var se *ScopeError
	if errors.As(err, &ce) || errors.As(err, &se) {
		return false
	}
	// An API error without a fix a person can make (internal_error,
	// fatal_error, service_unavailable...) is Slack's own trouble.
	return !errors.As(err, &ae) || !ae.NeedsPerson()
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
			se *ScopeError
			ae *APIError
			rl *RateLimitError
			ue *UncertainError
		)
		switch {
		case errors.As(err, &ce):
			parts = append(parts, ce.Error())
		case errors.As(err, &se):
			parts = append(parts, se.Error())
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
