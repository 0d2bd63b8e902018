package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/expiring"
)

// Resolver turns a rung's Target into a Route: an explicit user or
// channel as given; an assignee through the configured directory (Jira
// accountId or e-mail to Slack user id) first, then users.lookupByEmail,
// then the fallback channel with the assignee's name written out. Users
// get a DM through conversations.open. Lookups are cached because every
// tick may escalate many issues of the same few agents, and
// users.lookupByEmail is rate limited per workspace.
type Resolver struct {
	client    *Client
	directory map[string]string              // accountId or lower-case e-mail -> Slack user id
	ttl       time.Duration                  // how long a "no such user" answer is trusted
	byMail    expiring.Cache[string, string] // lower-case e-mail -> Slack user id, "" when Slack has none

	mu  sync.Mutex
	dms map[string]string // user id -> DM channel id
}

// NewResolver builds a resolver. directory maps Jira accountIds and
// e-mail addresses (any case) to Slack user ids; it wins over lookups.
// missTTL bounds how long an unknown e-mail is remembered (default 1h):
// someone may join Slack later. The look-ups are timed by c's clock.
func NewResolver(c *Client, directory map[string]string, missTTL time.Duration) *Resolver {
	if missTTL <= 0 {
		missTTL = time.Hour
	}
	dir := make(map[string]string, len(directory))
	for k, v := range directory {
		if strings.Contains(k, "@") {
			k = strings.ToLower(strings.TrimSpace(k))
		}
		dir[k] = v
	}
	return &Resolver{client: c, directory: dir, ttl: missTTL,
		dms: map[string]string{}}
}

// Resolve returns where to post. Errors are Slack errors from the lookup
// or conversations.open (retry later); an assignee who simply has no Slack
// user is not an error but a fallback Route.
//
// A channel still named "#name" (one slabot could not use when it started:
// a private channel the bot was not invited to, an archived one) is
// looked up by name again; while it cannot be used the error is a
// *ChannelError saying what a person must do, so the outbox keeps the row,
// blocked, and sends it once the channel works.
func (r *Resolver) Resolve(ctx context.Context, t rules.Recipient) (rules.Route, error) {
	for _, ch := range []*string{&t.Channel, &t.FallbackChannel} {
		if strings.HasPrefix(*ch, "#") {
			id, err := r.client.ChannelID(ctx, *ch)
			if err != nil {
				return rules.Route{}, err
			}
			*ch = id
		}
	}
	if t.User != "" {
		return r.dm(ctx, t.User)
	}
	if t.AssigneeAccountID != "" || t.AssigneeEmail != "" {
		user, err := r.userFor(ctx, t)
		if err != nil {
			return rules.Route{}, err
		}
		why := fmt.Sprintf("No Slack user found for the assignee %s: posted here instead of a direct message.", t.AssigneeLabel())
		if user != "" {
			route, err := r.dm(ctx, user)
			var ae *APIError
			if !errors.As(err, &ae) || !ae.NeedsPerson() {
				return route, err
			}
			// A mapping to a deactivated or unknown user must not swallow
			// the escalation: say so in the fallback channel.
			why = fmt.Sprintf("Could not message the assignee %s (Slack user %s: %s): posted here instead.", t.AssigneeLabel(), user, ae.Code)
		}
		ch := t.FallbackChannel
		if ch == "" {
			ch = t.Channel
		}
		return rules.Route{Channel: ch, Fallback: true, Why: why}, nil
	}
	if t.Channel != "" {
		return rules.Route{Channel: t.Channel}, nil
	}
	if t.FallbackChannel != "" {
		return rules.Route{Channel: t.FallbackChannel, Fallback: true, Why: "The issue has no assignee."}, nil
	}
	return rules.Route{}, errors.New("slack: target names no channel, user or assignee")
}

func (r *Resolver) userFor(ctx context.Context, t rules.Recipient) (string, error) {
	if u := r.directory[t.AssigneeAccountID]; t.AssigneeAccountID != "" && u != "" {
		return u, nil
	}
	email := strings.ToLower(strings.TrimSpace(t.AssigneeEmail))
	if email == "" {
		return "", nil
	}
	if u := r.directory[email]; u != "" {
		return u, nil
	}
	if user, ok := r.byMail.Get(email, r.client.clock.Now()); ok {
		return user, nil
	}
	user, err := r.client.LookupByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNoSlackUser) {
		return "", err
	}
	// A user found stays that user; an e-mail without one may join Slack.
	ttl := expiring.Forever
	if user == "" {
		ttl = r.ttl
	}
	r.byMail.Put(email, user, r.client.clock.Now(), ttl)
	return user, nil
}

func (r *Resolver) dm(ctx context.Context, user string) (rules.Route, error) {
	r.mu.Lock()
	ch, ok := r.dms[user]
	r.mu.Unlock()
	if !ok {
		var err error
		if ch, err = r.client.OpenDM(ctx, user); err != nil {
			return rules.Route{}, err
		}
		r.mu.Lock()
		r.dms[user] = ch
		r.mu.Unlock()
	}
	return rules.Route{Channel: ch, UserID: user}, nil
}
