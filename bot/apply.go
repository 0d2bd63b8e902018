package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/calendar"
)

// ActionSource lists the stored clicks on ladder messages (bot/outbox).
type ActionSource interface {
	Actions(ctx context.Context, projects ...string) ([]rules.Click, error)
}

// Assigner is what a Claim needs from Jira; the IssueWriter implements it
// when the connection can assign (the claim waits otherwise).
type Assigner interface {
	// AccountByEmail finds the Jira account of an e-mail; ErrNoAccount
	// when none matches.
	AccountByEmail(ctx context.Context, email string) (string, error)
	// Assign sets the issue's assignee; ErrIssueGone when the issue is gone.
	Assign(ctx context.Context, key, accountID string) error
}

// ErrNoAccount: no Jira account matches the claimer. A person must fix the
// mapping; the claim is logged and not retried. As with ErrIssueGone, any
// error in the chain with a NoAccount() bool method answering true counts
// (connectors/jira's ErrNoAccount has one).
var ErrNoAccount error = noAccountError{}

type noAccountError struct{}

func (noAccountError) Error() string   { return "no Jira account for the Slack user" }
func (noAccountError) NoAccount() bool { return true }

// isNoAccount reports whether err says no account matches (ErrNoAccount).
func isNoAccount(err error) bool {
	var n interface{ NoAccount() bool }
	return errors.As(err, &n) && n.NoAccount()
}

// clicks are one issue's stored clicks.
type clicks []rules.Click

// loadActions reads the product's clicks once per cycle, by issue key.
func (w *Worker) loadActions(ctx context.Context, p *rules.Policy) map[string]clicks {
	if w.cfg.Actions == nil {
		return nil
	}
	acts, err := w.cfg.Actions.Actions(ctx, p.Projects...)
	if err != nil {
		w.log.Warn("could not read all clicks from Slack; the readable ones apply", "product", p.Product, "err", err)
	}
	out := map[string]clicks{}
	for _, a := range acts {
		out[a.Issue] = append(out[a.Issue], a)
	}
	return out
}

// ack returns the acknowledgement of a goal cycle, if any.
func (cs clicks) ack(goal string, cycle int) (rules.Click, bool) {
	for _, a := range cs {
		if a.Kind == rules.ClickAcknowledge && a.Goal == goal && a.Cycle == cycle {
			return a, true
		}
	}
	return rules.Click{}, false
}

// snoozedUntil is when the latest snooze of a goal cycle ends (never past
// the deadline); zero without one.
func (cs clicks) snoozedUntil(goal string, cycle int, deadline time.Time) time.Time {
	var until time.Time
	var at time.Time
	for _, a := range cs {
		if a.Kind == rules.ClickSnooze && a.Goal == goal && a.Cycle == cycle && !a.At.Before(at) {
			at, until = a.At, rules.SnoozeUntil(a.At, a.Snooze, deadline)
		}
	}
	return until
}

// ackComments proposes the one internal Jira comment per acknowledged goal
// cycle. It goes out through the ordinary write path: posted once, found
// again by its marker after a restart, retried while Jira refuses it.
func (w *Worker) ackComments(p *rules.Policy, o *rules.Outcome, cs clicks, bot string) {
	for _, a := range cs {
		if a.Kind != rules.ClickAcknowledge {
			continue
		}
		loc := time.UTC
		if gs := o.Goal(a.Goal); gs != nil && gs.Calendar != nil {
			loc = gs.Calendar.Location()
		}
		name := a.Name
		if name == "" {
			name = a.User
		}
		body := fmt.Sprintf("Acknowledged in Slack by %s (Slack user %s) at %s: %s. %s.", name, a.User,
			a.At.In(loc).Format("Mon 2 Jan 2006 15:04 MST"), goalTitle(p, a.Goal), upperFirst(p.Ladder.Ack.Describe()))
		o.ProposeComment(fmt.Sprintf("ack-%s-%d", a.Goal, a.Cycle), p.Ladder.Ack.Internal, bot, body)
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// claims assigns the issue to whoever claimed it, once per claim: the
// claim's key is remembered (Cursors) after Jira took it, so a later
// reassignment in Jira is not fought; a crash before that only repeats an
// assignment to the same person, which changes nothing.
func (w *Worker) claims(ctx context.Context, jc *jiraConn, pr *product, iss *rules.Issue, cs clicks, now time.Time) {
	as, ok := jc.wr.(Assigner)
	if !ok || w.cfg.DryRun {
		return
	}
	for _, a := range cs {
		if a.Kind != rules.ClickClaim {
			continue
		}
		done := "claim:" + rules.ClickKey(a)
		if _, ok, err := w.cfg.Cursors.Cursor(ctx, done); err != nil || ok {
			continue
		}
		account := a.Account
		var err error
		if account == "" {
			if a.Email == "" {
				err = fmt.Errorf("%w: Slack user %s has no e-mail (scope users:read.email) and no directory entry", ErrNoAccount, a.User)
			} else {
				account, err = as.AccountByEmail(ctx, a.Email)
			}
		}
		if err == nil && (iss.Assignee == nil || iss.Assignee.AccountID != account) {
			err = as.Assign(ctx, iss.Key, account)
		}
		switch {
		case isNoAccount(err), isIssueGone(err):
			w.log.Warn("claim from Slack not applied", "product", pr.policy.Product, "issue", iss.Key, "user", a.User, "err", err)
			account = "not applied: " + err.Error()
		case err != nil:
			w.log.Warn("claim from Slack failed; retrying next cycle", "product", pr.policy.Product, "issue", iss.Key, "user", a.User, "err", err)
			continue
		default:
			w.log.Info("issue claimed from Slack", "product", pr.policy.Product, "issue", iss.Key, "user", a.User, "account", account)
			if c := pr.cache[iss.ID]; c != nil {
				// With the changelog entry Jira wrote, as the next poll
				// will bring it: who held the issue when matters to
				// where its steps may have gone (earlierTargets).
				ch := rules.Change{At: now, AuthorID: jc.account, Field: rules.FieldAssignee, To: a.Name, ToID: account}
				if old := c.Assignee; old != nil {
					ch.From, ch.FromID = old.DisplayName, old.AccountID
				}
				c.Changes = append(c.Changes, ch)
				c.Assignee = &rules.User{AccountID: account, Email: a.Email, DisplayName: a.Name}
			}
		}
		if err := w.cfg.Cursors.SetCursor(ctx, now, done, account); err != nil {
			w.log.Warn("could not record an applied claim", "issue", iss.Key, "err", err)
		}
	}
}

// held says why a due step is not posted: the goal cycle was acknowledged
// and the policy's rule holds this step back ("" when it goes out).
func held(p *rules.Policy, e rules.Notice, cs clicks) string {
	a, ok := cs.ack(e.Goal, e.Cycle)
	if !ok || e.Level < 1 || e.Level > len(p.Ladder.Steps) {
		return ""
	}
	if !p.Ladder.Ack.Held(p.Ladder.Steps[e.Level-1], e.DueAt, a.At) {
		return ""
	}
	return fmt.Sprintf("held back: acknowledged in Slack by %s at %s (%s)", who(a), a.At.UTC().Format(time.RFC3339), p.Ladder.Ack.Describe())
}

// goalCalendar is the calendar goal's clock runs on for the issue of o:
// its target row's, else the policy's default.
func goalCalendar(p *rules.Policy, o *rules.Outcome, goal string) *calendar.Calendar {
	for i := range o.Goals {
		if gs := &o.Goals[i]; gs.Goal.Name == goal && gs.Calendar != nil {
			return gs.Calendar
		}
	}
	return p.DefaultCalendar
}

// repeatDue returns the latest repeat of a step that repeats (ladder
// steps[].repeat) when one is due: the step's row again as "STEP#k", due
// k*Repeat after At, in wall-clock time or, with repeat_clock: business,
// in business time of cal (the calendar of the issue's target: the k-th
// repeat is due when k*Repeat of business time has passed since At, so
// none falls due at night or over a weekend). Only the latest repeat is
// recorded, so a bot that was down does not send the missed ones in a
// burst. Repeats stop when the goal is met (the step is no longer due),
// when the cycle is acknowledged, and wait while it is snoozed.
func repeatDue(p *rules.Policy, cal *calendar.Calendar, esc rules.Notice, cs clicks, now time.Time) (rules.Notice, bool) {
	e := esc
	if esc.Skip != "" || e.Level < 1 || e.Level > len(p.Ladder.Steps) {
		return rules.Notice{}, false
	}
	step := p.Ladder.Steps[e.Level-1]
	every := step.Repeat
	if every <= 0 {
		return rules.Notice{}, false
	}
	var k int
	var at time.Time
	if step.RepeatBusiness && cal != nil {
		if k = int(cal.Between(e.DueAt, now) / every); k > 0 {
			at = cal.Add(e.DueAt, time.Duration(k)*every)
		}
	} else if k = int(now.Sub(e.DueAt) / every); k > 0 {
		at = e.DueAt.Add(time.Duration(k) * every)
	}
	if k <= 0 {
		return rules.Notice{}, false
	}
	if _, acked := cs.ack(e.Goal, e.Cycle); acked {
		return rules.Notice{}, false
	}
	if until := cs.snoozedUntil(e.Goal, e.Cycle, esc.Deadline); now.Before(until) && at.Before(until) {
		return rules.Notice{}, false
	}
	rep := esc
	rep.Step = fmt.Sprintf("%s#%d", esc.Step, k)
	rep.DueAt = at
	return rep, true
}
