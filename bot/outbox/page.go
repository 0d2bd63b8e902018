package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/slabot/slabot/bot/store"
)

// KindPage rows are pages to an on-call service (PagerDuty Events API v2):
// a rung that pages triggers an alert when its step falls due, and the
// alert is resolved when the goal is met. Like every row they are stored
// before they are sent and sent once; the events API deduplicates by
// DedupKey, so a retry after an unknown outcome adds nothing.
const KindPage Kind = "page"

// Page actions.
const (
	PageTrigger = "trigger"
	PageResolve = "resolve"
)

// Page is one event to send.
type Page struct {
	Action string `json:"action"` // trigger or resolve
	// RoutingKey names the environment variable holding the routing key
	// (the key itself is a secret and is never stored).
	RoutingKey string `json:"routing_key_env"`
	// DedupKey is the same for every event of one (issue, goal, cycle): a
	// second paging step adds to the open alert, the resolve closes it.
	DedupKey string `json:"dedup_key"`
	Summary  string `json:"summary,omitempty"`
	Source   string `json:"source,omitempty"`
	Severity string `json:"severity,omitempty"` // critical, error, warning, info
	Link     string `json:"link,omitempty"`
	Issue    string `json:"issue"`
	Goal     string `json:"goal"`
	Cycle    int    `json:"cycle"`
	Step     string `json:"step,omitempty"`  // the ladder step that paged
	Level    int    `json:"level,omitempty"` // its ladder level
	Rung     string `json:"rung,omitempty"`  // how a message names its rung
	// Only: the step's rung pages instead of posting, so no message of
	// the thread says it happened; once the trigger is sent the thread's
	// parent messages are re-rendered to show it (Status.PagedLevel).
	Only bool `json:"only,omitempty"`
}

// PageDedupKey is the dedup key of a goal cycle's alert.
func PageDedupKey(issue, goal string, cycle int) string {
	return "slabot/" + issue + "/" + goal + "/" + strconv.Itoa(cycle)
}

// Pager sends page events (connectors/pagerduty). Its errors are
// classified like a Sender's (RetryIn, NeedsPerson ...).
type Pager interface {
	Send(ctx context.Context, p Page) error
}

const kindPageField = "page"

type pagePayload struct {
	V    int    `json:"v"`
	Kind string `json:"kind"`
	Page Page   `json:"page"`
}

// TriggerPage records a paging step once per (issue, goal, cycle, step).
func (o *Outbox) TriggerPage(ctx context.Context, now time.Time, p Page) (inserted bool, err error) {
	p.Action = PageTrigger
	if p.DedupKey == "" {
		p.DedupKey = PageDedupKey(p.Issue, p.Goal, p.Cycle)
	}
	if p.Issue == "" || p.Goal == "" || p.Step == "" || p.RoutingKey == "" || p.Summary == "" {
		return false, fmt.Errorf("%w: page %+v lacks an issue, goal, step, routing key or summary", ErrInvalid, p)
	}
	b, err := json.Marshal(pagePayload{V: envelopeVersion, Kind: kindPageField, Page: p})
	if err != nil {
		return false, err
	}
	return o.rows.enqueue(ctx, now, intent{Kind: KindPage, Issue: p.Issue, Goal: p.Goal, Cycle: p.Cycle,
		Step: PageTrigger + ":" + p.Step, Level: 1, Payload: b, DueAt: now})
}

// ResolvePages records the resolve of a goal cycle's alerts, once, and
// only if a page was triggered for it: one resolve per routing key its
// triggers used, since PagerDuty deduplicates within the service a key
// belongs to (a team lead's rota and a management on-call that only
// pages are two alerts, and a resolve closes only its own). The first
// key's resolve keeps the step "resolve"; another key's is
// "resolve:ENV". The dispatcher sends them after the triggers (a
// thread's rows go in order).
//
// A trigger not sent yet (waiting for a retry, or blocked) is cancelled
// first, and gets no resolve: sent now it would page on-call for a goal
// already met, and sent after the resolve it would open a new alert
// that nothing resolves (PagerDuty never reopens a resolved alert: "If
// there are no open incidents with this key, PagerDuty creates a new
// incident", PagerDuty Knowledge Base, Event Management). A trigger
// whose send is uncertain may have been accepted: it stays, and is
// resolved.
func (o *Outbox) ResolvePages(ctx context.Context, now time.Time, issue, goal string, cycle int) error {
	if _, err := o.rows.db.Exec(ctx, nil, `UPDATE outbox SET state = 'cancelled', last_error = 'goal met before paging', updated_at = ?
		WHERE kind = 'page' AND issue = ? AND goal = ? AND cycle = ? AND step LIKE 'trigger:%' AND state = 'pending' AND uncertain = 0`,
		ms(now), issue, goal, cycle); err != nil {
		return o.rows.db.Wrap("resolve pages", err)
	}
	rs, err := o.rows.db.Query(ctx, nil, `SELECT payload FROM outbox WHERE kind = 'page' AND issue = ? AND goal = ? AND cycle = ?
		AND step LIKE 'trigger:%' AND state != 'cancelled' ORDER BY id`, issue, goal, cycle)
	if err != nil {
		return o.rows.db.Wrap("resolve pages", err)
	}
	var trig []Page
	seen := map[string]bool{}
	for rs.Next() {
		var b []byte
		if err := rs.Scan(&b); err != nil {
			rs.Close()
			return o.rows.db.Wrap("resolve pages", err)
		}
		p, err := decodePage(b)
		if err != nil {
			rs.Close()
			return err
		}
		if !seen[p.RoutingKey] {
			seen[p.RoutingKey] = true
			trig = append(trig, p)
		}
	}
	err = rs.Err()
	rs.Close()
	if err != nil {
		return o.rows.db.Wrap("resolve pages", err)
	}
	for i, p := range trig {
		step := PageResolve
		if i > 0 {
			step += ":" + p.RoutingKey
		}
		p.Action, p.Step = PageResolve, ""
		b, err := json.Marshal(pagePayload{V: envelopeVersion, Kind: kindPageField, Page: p})
		if err != nil {
			return err
		}
		if _, err := o.rows.enqueue(ctx, now, intent{Kind: KindPage, Issue: issue, Goal: goal, Cycle: cycle, Step: step,
			Level: 1, Payload: b, DueAt: now.Add(time.Millisecond)}); err != nil {
			return err
		}
	}
	return nil
}

func decodePage(b []byte) (Page, error) {
	var p pagePayload
	if err := json.Unmarshal(b, &p); err != nil {
		return Page{}, fmt.Errorf("stored page is not valid JSON: %w", err)
	}
	if p.V != envelopeVersion || p.Kind != kindPageField {
		return Page{}, fmt.Errorf("stored payload is %q v%d, not a page", p.Kind, p.V)
	}
	return p.Page, nil
}

// sendPage delivers one claimed page row through the Pager.
func (o *Outbox) sendPage(ctx context.Context, rep *pass, r Row) {
	p, err := decodePage(r.Payload)
	if err != nil {
		o.fail(ctx, rep, r, Route{}, "", err, true)
		return
	}
	if o.opt.Pager == nil {
		o.fail(ctx, rep, r, Route{}, "", errNoPager, false)
		return
	}
	if !o.lease.holds(o.opt.Clock.Now()) {
		o.putBack(ctx, rep, []job{{row: r}}, o.opt.Clock.Now(), "writer lease lost before paging")
		return
	}
	if err := o.opt.Pager.Send(ctx, p); err != nil {
		o.fail(ctx, rep, r, Route{}, "", err, false)
		return
	}
	o.recordSent(ctx, rep, r, "pagerduty", p.DedupKey+"#"+p.Action, "")
	o.log.Info("outbox: page sent", "key", r.Key, "action", p.Action, "dedup_key", p.DedupKey)
}

type noPagerError struct{}

func (noPagerError) Error() string {
	return "a rung pages but no pager is configured: set SLABOT_PAGERDUTY_URL or remove page: from the policy"
}
func (noPagerError) NeedsPerson() bool { return true }

var errNoPager error = noPagerError{}

// shownInThread reports whether sending r changes what the thread's
// parent messages show: the trigger of a step whose rung only pages.
func shownInThread(r Row) bool {
	if r.Kind != KindPage {
		return false
	}
	p, err := decodePage(r.Payload)
	return err == nil && p.Action == PageTrigger && p.Only
}

// threadPages adds to st the highest ladder level of the goal cycle that
// paged on-call (sent triggers), so a thread whose later step only pages
// says so. A row it cannot read is left out: the status line is display.
func (o *Outbox) threadPages(ctx context.Context, issue, goal string, cycle int, st *Status) {
	rs, err := o.rows.db.Query(ctx, nil, `SELECT payload, sent_at FROM outbox WHERE kind = 'page' AND issue = ? AND goal = ? AND cycle = ?
		AND step LIKE 'trigger:%' AND state = 'sent'`, issue, goal, cycle)
	if err != nil {
		return
	}
	defer rs.Close()
	for rs.Next() {
		var b []byte
		var sent int64
		if rs.Scan(&b, &sent) != nil {
			continue
		}
		p, err := decodePage(b)
		if err != nil || p.Level <= st.PagedLevel {
			continue
		}
		st.PagedLevel, st.PagedRung, st.PagedAt = p.Level, p.Rung, store.FromMS(sent)
	}
}
