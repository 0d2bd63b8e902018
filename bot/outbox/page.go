package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/slabot/slabot/bot/store"

	"github.com/slabot/slabot/rules"
)

// KindPage rows are pages to an on-call service (PagerDuty Events API v2):
// a rung that pages triggers an alert when its step falls due, and the
// alert is resolved when the goal is met. Like every row they are stored
// before they are sent and sent once; the events API deduplicates by
// DedupKey, so a retry after an unknown outcome adds nothing.
const KindPage Kind = "page"

// Pager sends page events (connectors/pagerduty). Its errors are
// classified like a Sender's (RetryIn, NeedsPerson ...).
type Pager interface {
	Send(ctx context.Context, p rules.Page) error
}

const kindPageField = "page"

// pageV2 is a rules.Page as stored in the version 2 envelope. Rung is
// stored as a message names it ("team lead").
type pageV2 struct {
	Action     string `json:"action"`
	RoutingKey string `json:"routing_key_env"`
	DedupKey   string `json:"dedup_key"`
	Summary    string `json:"summary,omitempty"`
	Source     string `json:"source,omitempty"`
	Severity   string `json:"severity,omitempty"`
	Link       string `json:"link,omitempty"`
	Issue      string `json:"issue"`
	Goal       string `json:"goal"`
	Cycle      int    `json:"cycle"`
	Step       string `json:"step,omitempty"`
	Level      int    `json:"level,omitempty"`
	Rung       string `json:"rung,omitempty"`
	Only       bool   `json:"only,omitempty"`
	// Hold and Deadline were added with the pages recorded ahead of their
	// instant (rows written before have neither: nothing to check).
	Hold     *holdV1   `json:"hold,omitempty"`
	Deadline time.Time `json:"deadline,omitzero"`
}

type pagePayload struct {
	V    int    `json:"v"`
	Kind string `json:"kind"`
	Page pageV2 `json:"page"`
}

func encodePage(p rules.Page) ([]byte, error) {
	rung := ""
	if p.Rung != "" {
		rung = rules.RungTitle(p.Rung)
	}
	g := pageV2{Action: p.Action, RoutingKey: p.RoutingKey,
		DedupKey: p.DedupKey, Summary: p.Summary, Source: p.Source, Severity: p.Severity, Link: p.Link, Issue: p.Issue, Goal: p.Goal,
		Cycle: p.Cycle, Step: p.Step, Level: p.Level, Rung: rung, Only: p.Only, Deadline: p.Deadline}
	if p.Hold != nil {
		g.Hold = &holdV1{After: p.Hold.After, Rule: p.Hold.Rule}
	}
	return json.Marshal(pagePayload{V: envelopeVersion, Kind: kindPageField, Page: g})
}

// TriggerPage records a paging step once per (issue, goal, cycle, step).
// A page ahead of its instant (DueAt after now) is held until then and
// follows the later hand-overs like a notice recorded ahead: its instant
// and content move while it is still ahead, and Withdraw cancels it when
// no cycle foresees it any more. Just before sending, the dispatcher
// checks that the step still stands (its goal not stopped, no
// acknowledgement holding it, no snooze).
func (o *Outbox) TriggerPage(ctx context.Context, now time.Time, p rules.Page) (inserted bool, err error) {
	p.Action = rules.PageTrigger
	if p.DedupKey == "" {
		p.DedupKey = rules.PageDedupKey(p.Issue, p.Goal, p.Cycle)
	}
	if p.Issue == "" || p.Goal == "" || p.Step == "" || p.RoutingKey == "" || p.Summary == "" {
		return false, fmt.Errorf("%w: page %+v lacks an issue, goal, step, routing key or summary", ErrInvalid, p)
	}
	b, err := encodePage(p)
	if err != nil {
		return false, err
	}
	in := intent{Kind: KindPage, Issue: p.Issue, Goal: p.Goal, Cycle: p.Cycle,
		Step: PageStep(p.Step), Level: 1, Payload: b, DueAt: p.DueAt, Dest: "pagerduty:" + p.RoutingKey}
	if in.DueAt.IsZero() {
		in.DueAt = now
	}
	if in.DueAt.After(now) {
		in.NotBefore = in.DueAt
	}
	inserted, err = o.rows.enqueue(ctx, now, in)
	if err == nil && !inserted {
		var moved bool
		if moved, err = o.rows.reschedule(ctx, now, in, rules.NoticeKey(p.Issue, p.Goal, p.Cycle, in.Step)); moved {
			o.notify()
		}
	}
	if inserted {
		o.notify()
	}
	return inserted, err
}

// PageStep is the step of a paging step's trigger row: its key is
// rules.NoticeKey(issue, goal, cycle, PageStep(step)), the key a worker
// keeps standing for it (Withdraw).
func PageStep(step string) string { return rules.PageTrigger + ":" + step }

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
	var trig []rules.Page
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
		step := rules.PageResolve
		if i > 0 {
			step += ":" + p.RoutingKey
		}
		p.Action, p.Step = rules.PageResolve, ""
		b, err := encodePage(p)
		if err != nil {
			return err
		}
		if _, err := o.rows.enqueue(ctx, now, intent{Kind: KindPage, Issue: issue, Goal: goal, Cycle: cycle, Step: step,
			Level: 1, Payload: b, DueAt: now.Add(time.Millisecond), Dest: "pagerduty:" + p.RoutingKey}); err != nil {
			return err
		}
	}
	return nil
}

func decodePage(b []byte) (rules.Page, error) {
	var p pagePayload
	if err := json.Unmarshal(b, &p); err != nil {
		return rules.Page{}, fmt.Errorf("stored page is not valid JSON: %w", err)
	}
	if p.V != envelopeVersion || p.Kind != kindPageField {
		return rules.Page{}, fmt.Errorf("stored payload is %q v%d, not a page", p.Kind, p.V)
	}
	g := p.Page
	var rung rules.Rung
	if g.Rung != "" {
		rung = rules.RungOfTitle(g.Rung)
	}
	p2 := rules.Page{Action: g.Action, RoutingKey: g.RoutingKey, DedupKey: g.DedupKey, Summary: g.Summary, Source: g.Source,
		Severity: g.Severity, Link: g.Link, Issue: g.Issue, Goal: g.Goal, Cycle: g.Cycle, Step: g.Step, Level: g.Level, Rung: rung, Only: g.Only,
		Deadline: g.Deadline}
	if g.Hold != nil {
		p2.Hold = &rules.Hold{After: g.Hold.After, Rule: g.Hold.Rule}
	}
	return p2, nil
}

// sendPage delivers one claimed page row through the Pager.
func (o *Outbox) sendPage(ctx context.Context, rep *pass, r Row) {
	p, err := decodePage(r.Payload)
	if err != nil {
		o.fail(ctx, rep, r, rules.Route{}, "", err, true)
		return
	}
	if o.opt.Pager == nil {
		o.fail(ctx, rep, r, rules.Route{}, "", errNoPager, false)
		return
	}
	if p.Action == rules.PageTrigger {
		var st rules.ThreadStatus
		o.threadActions(ctx, r.Issue, r.Goal, r.Cycle, &st)
		if !o.stands(ctx, rep, r, rules.Notice{Hold: p.Hold, Deadline: p.Deadline}, st) {
			return
		}
	}
	if !o.lease.confirm(ctx, o.opt.Clock.Now()) {
		o.putBack(ctx, rep, []job{{row: r}}, o.opt.Clock.Now(), "writer lease lost before paging")
		return
	}
	if err := o.opt.Pager.Send(ctx, p); err != nil {
		o.fail(ctx, rep, r, rules.Route{}, "", err, false)
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
	return err == nil && p.Action == rules.PageTrigger && p.Only
}

// threadPages adds to st the highest ladder level of the goal cycle that
// paged on-call (sent triggers), so a thread whose later step only pages
// says so. A row it cannot read is left out: the status line is display.
func (o *Outbox) threadPages(ctx context.Context, issue, goal string, cycle int, st *rules.ThreadStatus) {
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
