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
)

// ActionStore keeps the clicks on ladder messages (bot/outbox).
type ActionStore interface {
	RecordAction(ctx context.Context, now time.Time, a outbox.Action) (inserted bool, prior outbox.Action, err error)
	Actions(ctx context.Context, projects ...string) ([]outbox.Action, error)
}

// Workspace is what the click handler asks Slack: who is in a channel,
// and a user's e-mail (for Claim).
type Workspace interface {
	Members(ctx context.Context, channel string) ([]string, error)
	UserEmail(ctx context.Context, user string) (string, error)
}

// Clicks decides what a press of Acknowledge, Claim or Snooze does: it
// checks that the person may act (a member of one of the product's ladder
// channels), stores the click once, and says what happened. It applies
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
	// MembersTTL is how long a channel's member list is trusted (default 1m).
	MembersTTL time.Duration
	Now        func() time.Time
	Logger     *slog.Logger

	mu      sync.Mutex
	members map[string]memberList
}

type memberList struct {
	ids map[string]bool
	at  time.Time
}

// Click handles one press (connectors/slack calls it before acknowledging
// the envelope). The reply goes to the presser alone.
func (c *Clicks) Click(ctx context.Context, a outbox.Action) (string, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	p := c.policyOf(a.Issue)
	if p == nil {
		return fmt.Sprintf("%s is not in a project slabot watches; nothing was done.", a.Issue), nil
	}
	ok, err := c.mayAct(ctx, p, a.User, now())
	if err != nil {
		return "", fmt.Errorf("checking who may act on %s: %w", p.Product, err)
	}
	if !ok {
		c.log().Info("click refused: not a member of the ladder's channels", "product", p.Product, "issue", a.Issue, "user", a.User, "action", a.Kind)
		return fmt.Sprintf("Only members of %s's escalation channels (%s) can act on %s. Nothing was done.",
			p.Product, strings.Join(ladderChannelNames(p), ", "), a.Issue), nil
	}
	if a.Kind == outbox.ActClaim {
		a.Account, a.Email = c.fromDirectory(a.User)
		if a.Email == "" && c.Workspace != nil {
			if email, err := c.Workspace.UserEmail(ctx, a.User); err == nil {
				a.Email = email
			}
		}
	}
	inserted, prior, err := c.Store.RecordAction(ctx, now(), a)
	if err != nil {
		return "", err
	}
	goal := goalTitle(p, a.Goal)
	switch a.Kind {
	case outbox.ActAcknowledge:
		if !inserted {
			return fmt.Sprintf("%s (%s) was already acknowledged by %s.", a.Issue, goal, who(prior)), nil
		}
		return fmt.Sprintf("Acknowledged %s (%s): %s. An internal comment says so in Jira.", a.Issue, goal, p.Ladder.Ack.Describe()), nil
	case outbox.ActClaim:
		if !inserted {
			return fmt.Sprintf("%s was already claimed by %s.", a.Issue, who(prior)), nil
		}
		return fmt.Sprintf("Claimed %s: it will be assigned to you in Jira within a cycle.", a.Issue), nil
	case outbox.ActSnooze:
		return fmt.Sprintf("Snoozed %s (%s) for %s: reminders wait until then, never past the deadline.", a.Issue, goal, a.Snooze), nil
	}
	return "", nil
}

func who(a outbox.Action) string {
	if a.User != "" {
		return "<@" + a.User + ">"
	}
	return a.Name
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
	for _, r := range []rules.Rung{rules.RungAgent, rules.RungTeamLead, rules.RungManagement} {
		if ch, ok := p.Ladder.Channels[r]; ok && ch != "" {
			out = append(out, ch)
		}
	}
	return out
}

// mayAct: the user is a member of one of the product's ladder channels.
func (c *Clicks) mayAct(ctx context.Context, p *rules.Policy, user string, now time.Time) (bool, error) {
	if c.Workspace == nil {
		return false, errors.New("no Slack workspace to check membership")
	}
	ttl := c.MembersTTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	var errs []error
	for _, name := range ladderChannelNames(p) {
		id := name
		if v, ok := c.Channels[name]; ok {
			id = v
		}
		c.mu.Lock()
		ml, ok := c.members[id]
		c.mu.Unlock()
		if !ok || now.Sub(ml.at) > ttl {
			ids, err := c.Workspace.Members(ctx, id)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ml = memberList{ids: map[string]bool{}, at: now}
			for _, u := range ids {
				ml.ids[u] = true
			}
			c.mu.Lock()
			if c.members == nil {
				c.members = map[string]memberList{}
			}
			c.members[id] = ml
			c.mu.Unlock()
		}
		if ml.ids[user] {
			return true, nil
		}
	}
	if len(errs) > 0 {
		return false, errors.Join(errs...)
	}
	return false, nil
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

func goalTitle(p *rules.Policy, name string) string {
	for _, g := range p.Goals {
		if g.Name == name && g.Title != "" {
			return g.Title
		}
	}
	return strings.ReplaceAll(name, "_", " ")
}
