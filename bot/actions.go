package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
	"github.com/slabot/slabot/rules/expiring"
)

// ActionStore keeps the clicks on ladder messages (bot/outbox).
type ActionStore interface {
	RecordAction(ctx context.Context, now time.Time, a rules.Click) (inserted bool, prior rules.Click, err error)
	Actions(ctx context.Context, projects ...string) ([]rules.Click, error)
}

// Workspace is what the click handler asks Slack: who is in a channel or
// a user group, and a user's e-mail (for Claim).
type Workspace interface {
	Members(ctx context.Context, channel string) ([]string, error)
	UserEmail(ctx context.Context, user string) (string, error)
	// UserGroupIDs maps the handles of the enabled user groups to their
	// ids, caching the list.
	UserGroupIDs(ctx context.Context) (map[string]string, error)
	UserGroupMembers(ctx context.Context, id string) ([]string, error)
	// ChannelID resolves a "#name" to its channel id (conversations.list),
	// caching the answer; an error that needs a person says so
	// (NeedsPerson).
	ChannelID(ctx context.Context, name string) (string, error)
}

// Clicks decides what a press of Acknowledge, Claim or Snooze does: it
// checks that the person may act (a member of one of the product's ladder
// channels or of a user group its ladder names), stores the click once, and says what happened. It applies
// nothing itself: the worker turns stored clicks into held steps, a Jira
// comment and an assignee at its next cycle, so a click survives a crash
// at any point after it is stored.
type Clicks struct {
	Store     ActionStore
	Workspace Workspace
	Policies  []*rules.Policy
	// Channels maps channel names as policies write them to ids.
	Channels map[string]string
	// Directory is the assignee mapping used for DMs (Jira accountId or
	// e-mail -> Slack user id); Claim reads it backwards.
	Directory map[string]string
	// MembersTTL is how long a channel's or user group's member list is
	// trusted (default 1m); the workspace caches channel names and the
	// list of user groups itself.
	MembersTTL time.Duration
	// Clock is the time of a click and of the member lists (default the
	// wall clock).
	Clock  clock.Clock
	Logger *slog.Logger
	// Metrics counts the clicks (Metrics.Clicks); nil: not counted.
	Metrics *Metrics
	// Wake, when set, is told the issue of every click stored (the
	// Worker's Take), so the click is applied within seconds rather than
	// at the product's next cycle: the writer re-reads the issue, a
	// standby relays it to the writer.
	Wake func(ctx context.Context, issue string) (bool, error)

	members expiring.Cache[string, map[string]bool] // member ids by channel id, or groupKey + user group id

	mu     sync.Mutex
	warned map[string]bool // problems logged once
}

// Click handles one press (connectors/slack calls it before acknowledging
// the envelope). The reply goes to the presser alone.
func (c *Clicks) Click(ctx context.Context, a rules.Click) (string, error) {
	now := clock.Or(c.Clock).Now
	p := c.policyOf(a.Issue)
	if p == nil {
		return fmt.Sprintf("%s is not in a project slabot watches; nothing was done.", a.Issue), nil
	}
	ok, err := c.mayAct(ctx, p, a.User, now())
	if err != nil {
		c.count(p, a, "error")
		return "", fmt.Errorf("checking who may act on %s: %w", p.Product, err)
	}
	if !ok {
		c.count(p, a, "refused")
		c.log().Info("click refused: not a member of the ladder's channels or groups", "product", p.Product, "issue", a.Issue, "user", a.User, "action", a.Kind)
		who := strings.Join(ladderChannelNames(p), ", ")
		if hs := p.Ladder.GroupHandles(); len(hs) > 0 {
			// @handle in plain text: a mention (<!subteam^ID>) would notify the group.
			who += ") or of its user groups (@" + strings.Join(hs, ", @")
		}
		c.noteRefused(ctx, now(), a, "refused: "+a.User+" is not a member of "+p.Product+"'s escalation channels ("+who+"); nothing was done")
		return fmt.Sprintf("Only members of %s's escalation channels (%s) can act on %s. Nothing was done.",
			p.Product, who, a.Issue), nil
	}
	if a.Kind == rules.ClickClaim {
		a.Account, a.Email = c.fromDirectory(a.User)
		if a.Email == "" && c.Workspace != nil {
			if email, err := c.Workspace.UserEmail(ctx, a.User); err == nil {
				a.Email = email
			}
		}
	}
	inserted, prior, err := c.Store.RecordAction(ctx, now(), a)
	if err != nil {
		c.count(p, a, "error")
		return "", err
	}
	if inserted {
		c.count(p, a, "recorded")
		if c.Wake != nil {
			if _, err := c.Wake(ctx, a.Issue); err != nil {
				c.log().Warn("click stored; the writer applies it at the product's next cycle", "issue", a.Issue, "err", err)
			}
		}
	} else {
		c.count(p, a, "repeated")
	}
	goal := p.GoalTitle(a.Goal)
	switch a.Kind {
	case rules.ClickAcknowledge:
		if !inserted {
			return fmt.Sprintf("%s (%s) was already acknowledged by %s.", a.Issue, goal, prior.Who()), nil
		}
		return fmt.Sprintf("Acknowledged %s (%s): %s. An internal comment says so in Jira.", a.Issue, goal, p.Ladder.Ack.Describe()), nil
	case rules.ClickClaim:
		if !inserted {
			return fmt.Sprintf("%s was already claimed by %s.", a.Issue, prior.Who()), nil
		}
		return fmt.Sprintf("Claimed %s: it will be assigned to you in Jira within a cycle.", a.Issue), nil
	case rules.ClickSnooze:
		return fmt.Sprintf("Snoozed %s (%s) for %s: reminders wait until then, never past the deadline.", a.Issue, goal, a.Snooze), nil
	}
	return "", nil
}

// noteRefused enters a refused click in the ledger, when the store keeps
// one (bot/outbox's Outbox does): explain then says why the press did
// nothing. A failure is logged; the ledger never changes the answer.
func (c *Clicks) noteRefused(ctx context.Context, now time.Time, a rules.Click, reason string) {
	n, ok := c.Store.(LedgerNotes)
	if !ok || a.Issue == "" || a.Goal == "" {
		return
	}
	at := a.At
	if at.IsZero() {
		at = now
	}
	e := rules.LedgerEntry{Issue: a.Issue, Goal: a.Goal, Cycle: a.Cycle, Step: a.Step, Event: rules.LedgerClicked, At: at.UTC(),
		By: a.User, ByName: a.Name, Click: string(a.Kind), Reason: reason}
	if e.Step == "" {
		e.Step = string(a.Kind)
	}
	if err := n.Note(ctx, now, e); err != nil {
		c.log().Warn("could not enter a refused click in the ledger", "issue", a.Issue, "user", a.User, "err", err)
	}
}

// count adds the click to Metrics.Clicks.
func (c *Clicks) count(p *rules.Policy, a rules.Click, result string) {
	if c.Metrics != nil && c.Metrics.Clicks != nil {
		c.Metrics.Clicks.WithLabelValues(p.Product, string(a.Kind), result).Inc()
	}
}

func (c *Clicks) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

func (c *Clicks) policyOf(issue string) *rules.Policy {
	project, _, _ := strings.Cut(issue, "-")
	for _, p := range c.Policies {
		for _, pr := range p.Projects {
			if strings.EqualFold(pr, project) {
				return p
			}
		}
	}
	return nil
}

func ladderChannelNames(p *rules.Policy) []string {
	var out []string
	for _, r := range rules.Rungs() {
		if ch, ok := p.Ladder.Channels[r]; ok && ch != "" {
			out = append(out, ch)
		}
	}
	return out
}

// mayAct: the user is a member of one of the product's ladder channels,
// or of a Slack user group its ladder names (ladder.rungs.NAME.groups).
// Channels are asked first: they are what most people who act are in.
func (c *Clicks) mayAct(ctx context.Context, p *rules.Policy, user string, now time.Time) (bool, error) {
	if c.Workspace == nil {
		return false, errors.New("no Slack workspace to check membership")
	}
	var errs []error
	for _, name := range ladderChannelNames(p) {
		id, err := c.channelID(ctx, name)
		if outbox.Classify(err) == outbox.NeedsPerson {
			c.warnOnce("channel:"+name, "ladder channel cannot be used: its members cannot act until it is fixed (slabot check says how)",
				"product", p.Product, "channel", name, "err", err)
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ml, err := c.cached(id, now, func() ([]string, error) { return c.Workspace.Members(ctx, id) })
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ml[user] {
			return true, nil
		}
	}
	if handles := p.Ladder.GroupHandles(); len(handles) > 0 {
		ok, err := c.inGroup(ctx, p, handles, user, now)
		if ok {
			return true, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return false, errors.Join(errs...)
	}
	return false, nil
}

// inGroup: the user is a member of one of the user groups (by handle). A
// handle no enabled group has grants nothing, and so does a group slabot
// may not read (usergroups:read missing, a plan without user groups):
// both are a policy or installation problem slabot check names, logged
// here once, not at every click. Anything else (a rate limit, Slack
// down) is an error: the click is not refused for it, the person is told
// to try again.
func (c *Clicks) inGroup(ctx context.Context, p *rules.Policy, handles []string, user string, now time.Time) (bool, error) {
	ids, err := c.Workspace.UserGroupIDs(ctx)
	if outbox.Classify(err) == outbox.NeedsPerson {
		c.warnOnce("usergroups", "slack user groups cannot be read: they grant nothing until fixed (slabot check says how)", "product", p.Product, "err", err)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, h := range handles {
		id, ok := ids[h]
		if !ok {
			c.warnOnce("usergroup:"+h, "slack user group in the policy does not exist or is disabled: it grants nothing (slabot check names it)",
				"product", p.Product, "group", "@"+h)
			continue
		}
		ml, err := c.cached(groupKey+id, now, func() ([]string, error) { return c.Workspace.UserGroupMembers(ctx, id) })
		if outbox.Classify(err) == outbox.NeedsPerson {
			c.warnOnce("usergroup:"+h, "slack user group's members cannot be read: it grants nothing", "product", p.Product, "group", "@"+h, "err", err)
			continue
		}
		if err != nil {
			return false, err
		}
		if ml[user] {
			return true, nil
		}
	}
	return false, nil
}

// channelID is the id of a ladder channel as the policy names it: from
// Channels, else through the workspace's name cache (a "#name" slabot
// could not resolve at start, such as a private channel nobody had invited
// the bot to). Slack's conversations.members takes ids only, and the
// outbox delivers to such a channel once the bot is invited, so its
// members must be able to act then, without a restart.
func (c *Clicks) channelID(ctx context.Context, name string) (string, error) {
	if id, ok := c.Channels[name]; ok {
		return id, nil
	}
	return c.Workspace.ChannelID(ctx, name)
}

// groupKey prefixes a user group's id in the member cache, beside channel ids.
const groupKey = "usergroup:"

func (c *Clicks) ttl() time.Duration {
	if c.MembersTTL <= 0 {
		return time.Minute
	}
	return c.MembersTTL
}

// cached returns the member list under key, fetching it when it is older
// than MembersTTL: a burst of clicks costs Slack one call a minute per
// channel or group.
func (c *Clicks) cached(key string, now time.Time, fetch func() ([]string, error)) (map[string]bool, error) {
	if ml, ok := c.members.Get(key, now); ok {
		return ml, nil
	}
	ids, err := fetch()
	if err != nil {
		return nil, err
	}
	ml := make(map[string]bool, len(ids))
	for _, u := range ids {
		ml[u] = true
	}
	c.members.Put(key, ml, now, c.ttl())
	return ml, nil
}

// warnOnce logs a problem the first time it is seen (by key) in this
// process: a policy naming a group that does not exist would otherwise
// log at every click.
func (c *Clicks) warnOnce(key, msg string, args ...any) {
	c.mu.Lock()
	seen := c.warned[key]
	if c.warned == nil {
		c.warned = map[string]bool{}
	}
	c.warned[key] = true
	c.mu.Unlock()
	if !seen {
		c.log().Warn(msg, args...)
	}
}

// fromDirectory reads the DM directory backwards: the Jira account or
// e-mail mapped to this Slack user, if any (the same fallback DMs use).
func (c *Clicks) fromDirectory(user string) (account, email string) {
	for k, v := range c.Directory {
		if v != user {
			continue
		}
		if strings.Contains(k, "@") {
			email = k
		} else {
			account = k
		}
	}
	return account, email
}
