package view

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// Evaluator is what the page needs of the worker: its products and the
// evaluation of a product's cached issues (bot.Worker).
type Evaluator interface {
	Products() []string
	Outcomes(name string, now time.Time) (*rules.Policy, *rules.Evaluation)
}

// Ledger is what the page needs of the outbox (*outbox.Outbox): an issue's
// ledger, the rows by state, the blocked rows.
type Ledger interface {
	Ledger(ctx context.Context, issueKey string) ([]rules.LedgerEntry, error)
	Counts(ctx context.Context) (map[string]int, error)
	Blocked(ctx context.Context, limit int) ([]outbox.Row, error)
}

// blockedLimit is how many blocked rows the health section lists.
const blockedLimit = 50

// Page serves the board at / and an issue's page at /issue/{key}. Wrap it
// in Guard.
type Page struct {
	Worker Evaluator
	Outbox Ledger
	Clock  clock.Clock
	Log    *slog.Logger
}

// Handler routes the page's two views.
func (p *Page) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.serveBoard)
	mux.HandleFunc("GET /issue/{key}", p.serveIssue)
	return mux
}

// health is the outbox's state as the page shows it.
type health struct {
	Counts  []count
	Blocked []outbox.Row
	Problem string
}

type count struct {
	State string
	N     int
}

// countOrder lists the states first, then the flags Counts adds.
var countOrder = []string{outbox.StatePending, outbox.StateSending, outbox.StateSent, outbox.StateCancelled, "ahead", "uncertain", "blocked"}

func (p *Page) health(ctx context.Context) health {
	var h health
	counts, err := p.Outbox.Counts(ctx)
	if err != nil {
		h.Problem = err.Error()
		return h
	}
	for _, s := range countOrder {
		h.Counts = append(h.Counts, count{s, counts[s]})
	}
	if h.Blocked, err = p.Outbox.Blocked(ctx, blockedLimit); err != nil {
		h.Problem = err.Error()
	}
	return h
}

func (p *Page) serveBoard(rw http.ResponseWriter, r *http.Request) {
	now := p.Clock.Now()
	data := struct {
		Now      string
		NowMS    int64
		Products []product
		Health   health
	}{Now: now.UTC().Format(time.RFC3339), NowMS: now.UnixMilli(), Products: p.board(r.Context(), now), Health: p.health(r.Context())}
	p.render(rw, boardPage, data)
}

// entryRow is one ledger entry as the history table shows it.
type entryRow struct {
	At, Goal, Step, Event, Detail string
	Cycle                         int
}

func (p *Page) serveIssue(rw http.ResponseWriter, r *http.Request) {
	key := strings.ToUpper(r.PathValue("key"))
	now := p.Clock.Now()
	pol, o := p.find(key, now)
	if o == nil {
		http.Error(rw, fmt.Sprintf("%s is not among the issues slabot watches (open issues and this month's, of the policies' projects)", key), http.StatusNotFound)
		return
	}
	loc := pol.Location
	if loc == nil {
		loc = time.UTC
	}
	lg := rules.Ledger{Available: true}
	entries, err := p.Outbox.Ledger(r.Context(), key)
	if err != nil {
		lg = rules.Ledger{Why: err.Error()}
	}
	lg.Entries = entries
	data := struct {
		Key, Summary, Now, Explain, LedgerWhy string
		History                               []entryRow
	}{Key: key, Summary: o.Issue.Summary, Now: now.UTC().Format(time.RFC3339Nano),
		// The same words as `slabot explain KEY`: one truth.
		Explain: o.ExplainLedger(pol, now, lg), LedgerWhy: lg.Why}
	for _, e := range entries {
		data.History = append(data.History, historyRow(e, loc))
	}
	p.render(rw, issuePage, data)
}

// find evaluates the products and returns the first outcome for key (nil
// when no product has the issue in its cache). Only the products
// governing the key's project are searched.
func (p *Page) find(key string, now time.Time) (*rules.Policy, *rules.Outcome) {
	project, _, _ := strings.Cut(key, "-")
	for _, name := range p.Worker.Products() {
		pol, ev := p.Worker.Outcomes(name, now)
		if !slices.ContainsFunc(pol.Projects, func(k string) bool { return strings.EqualFold(k, project) }) {
			continue
		}
		for i := range ev.Outcomes {
			if ev.Outcomes[i].Issue.Key == key {
				return pol, &ev.Outcomes[i]
			}
		}
	}
	return nil, nil
}

// historyRow writes an entry's facts; the wording of what each event means
// stays the explanation's.
func historyRow(e rules.LedgerEntry, loc *time.Location) entryRow {
	ts := func(t time.Time) string { return t.In(loc).Format("Mon 2006-01-02 15:04:05 MST") }
	r := entryRow{At: ts(e.At), Goal: e.Goal, Cycle: e.Cycle, Step: e.Step, Event: string(e.Event)}
	var d []string
	who := e.ByName
	if who == "" {
		who = e.By
	}
	switch e.Event {
	case rules.LedgerSent:
		d = append(d, "to "+e.Destination())
	case rules.LedgerClicked:
		d = append(d, e.Click)
	}
	if who != "" {
		d = append(d, "by "+who)
	}
	if !e.DueAt.IsZero() {
		d = append(d, "due "+ts(e.DueAt))
	}
	if !e.Until.IsZero() {
		d = append(d, "until "+ts(e.Until))
	}
	if e.Rule != "" {
		d = append(d, "rule: "+e.Rule)
	}
	if e.Reason != "" {
		d = append(d, e.Reason)
	}
	r.Detail = strings.Join(d, "; ")
	return r
}

func (p *Page) render(rw http.ResponseWriter, t *template.Template, data any) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		if p.Log != nil {
			p.Log.Error("page: rendering failed", "err", err)
		}
		http.Error(rw, "slabot's page could not be rendered", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	_, _ = rw.Write([]byte(b.String()))
}

// countdown is the wall time from now to the deadline, to the second, as
// the script writes it after the first second.
func countdown(deadlineMS, nowMS int64) string {
	d := time.Duration(deadlineMS-nowMS) * time.Millisecond
	over := d < 0
	if over {
		d = -d
	}
	d = d.Truncate(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	txt := fmt.Sprintf("%dh %02dm %02ds", h, m, s)
	if over {
		return "passed " + txt + " ago"
	}
	return "in " + txt
}
