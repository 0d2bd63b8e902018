package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slabot/slabot/rules"
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

// loadActions reads the product's clicks once per cycle, by issue key.
func (w *Worker) loadActions(ctx context.Context, p *rules.Policy) map[string][]rules.Click {
	if w.cfg.Actions == nil {
		return nil
	}
	acts, err := w.cfg.Actions.Actions(ctx, p.Projects...)
	if err != nil {
		w.log.Warn("could not read all clicks from Slack; the readable ones apply", "product", p.Product, "err", err)
	}
	out := map[string][]rules.Click{}
	for _, a := range acts {
		out[a.Issue] = append(out[a.Issue], a)
	}
	return out
}

// hasClaim reports whether cs holds a Claim (claims has work to do).
func hasClaim(cs []rules.Click) bool {
	for _, a := range cs {
		if a.Kind == rules.ClickClaim {
			return true
		}
	}
	return false
}

// claims assigns the issue to whoever claimed it, once per claim: the
// claim's key is remembered (Cursors) after Jira took it, so a later
// reassignment in Jira is not fought; a crash before that only repeats an
// assignment to the same person, which changes nothing.
func (w *Worker) claims(ctx context.Context, jc *jiraConn, pr *product, iss *rules.Issue, cs []rules.Click, now time.Time) {
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
			pr.wmu.Lock()
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
			pr.wmu.Unlock()
		}
		if err := w.cfg.Cursors.SetCursor(ctx, now, done, account); err != nil {
			w.log.Warn("could not record an applied claim", "issue", iss.Key, "err", err)
		}
	}
}
