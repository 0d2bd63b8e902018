package view

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/slabot/slabot/rules"
)

// deadlineLayout writes a deadline in the product's zone, with the zone's
// abbreviation: the reader sees which clock the contract runs on.
const deadlineLayout = "Mon 2006-01-02 15:04 MST"

// sectionLimit bounds each section's rows: a site with thousands of
// breached issues still gets a page that loads (and says how many more).
const sectionLimit = 200

// goalRow is one goal cycle of one open issue, as the board lists it.
type goalRow struct {
	Key, Summary, Owner, Goal, Word string
	// Deadline is rules' deadline in the product's zone; DeadlineMS the
	// same instant for the countdown script (milliseconds since the
	// epoch). Paused: the projection if the clock resumed now, so it does
	// not count down.
	Deadline   string
	DeadlineMS int64
	Paused     bool
	// Left is rules' business time to the deadline (Margin), over by it
	// once breached.
	Left string
	// Level is the ladder step most recently due (rules), "" for none.
	Level string
	// Acked is who acknowledged the goal cycle, from the ledger ("" for
	// nobody).
	Acked string
}

// section is one list of a product's board.
type section struct {
	Title string
	Rows  []goalRow
	More  int   // rows left out past sectionLimit
	NowMS int64 // the instant the page is rendered at, for the countdowns
}

// product is one product's board.
type product struct {
	Name, Zone       string
	AtRisk, Breached section
	Paused           section
	Open             int // issues evaluated
	LedgerProblem    string
}

// Listed reports whether any section has a row.
func (p product) Listed() bool {
	return len(p.AtRisk.Rows)+len(p.Breached.Rows)+len(p.Paused.Rows) > 0
}

// board builds every product's lists from the worker's evaluation as of
// now and the ledger's acknowledgements.
func (p *Page) board(ctx context.Context, now time.Time) []product {
	var out []product
	for _, name := range p.Worker.Products() {
		pol, ev := p.Worker.Outcomes(name, now)
		loc := pol.Location
		if loc == nil {
			loc = time.UTC
		}
		pr := product{Name: name, Zone: loc.String(), Open: len(ev.Outcomes),
			AtRisk: section{Title: "At risk now", NowMS: now.UnixMilli()}, Breached: section{Title: "Breached", NowMS: now.UnixMilli()},
			Paused: section{Title: "Paused", NowMS: now.UnixMilli()}}
		acks := map[string]map[string]string{} // issue -> goal/cycle -> who
		for i := range ev.Outcomes {
			o := &ev.Outcomes[i]
			for j := range o.Goals {
				g := &o.Goals[j]
				var s *section
				switch {
				case g.Stopped():
					continue
				case g.State == rules.StateBreached:
					s = &pr.Breached
				case g.AtRisk && g.State == rules.StateRunning:
					s = &pr.AtRisk
				case g.State == rules.StatePaused:
					s = &pr.Paused
				default:
					continue
				}
				if len(s.Rows) >= sectionLimit {
					s.More++
					continue
				}
				if _, read := acks[o.Issue.Key]; !read {
					m, err := p.acknowledged(ctx, o.Issue.Key)
					if err != nil {
						pr.LedgerProblem = err.Error()
					}
					acks[o.Issue.Key] = m
				}
				s.Rows = append(s.Rows, row(o, g, loc, acks[o.Issue.Key][cycleKey(g.Goal.Name, g.Cycle)]))
			}
		}
		for _, s := range []*section{&pr.AtRisk, &pr.Breached, &pr.Paused} {
			slices.SortStableFunc(s.Rows, func(a, b goalRow) int { return cmp.Compare(a.DeadlineMS, b.DeadlineMS) })
		}
		out = append(out, pr)
	}
	return out
}

func row(o *rules.Outcome, g *rules.GoalStatus, loc *time.Location, acked string) goalRow {
	r := goalRow{Key: o.Issue.Key, Summary: o.Issue.Summary, Owner: "unassigned", Goal: g.Goal.Name, Word: g.Word(),
		Paused: g.State == rules.StatePaused, Acked: acked}
	if o.Issue.Assignee != nil {
		r.Owner = o.Issue.Assignee.DisplayName
	}
	if !g.Deadline.IsZero() {
		r.Deadline, r.DeadlineMS = g.Deadline.In(loc).Format(deadlineLayout), g.Deadline.UnixMilli()
		r.Left = rules.Margin(g.Remaining)
		if g.Remaining < 0 {
			r.Left = "over by " + r.Left
		} else {
			r.Left += " business time left"
		}
	}
	// The step most recently due, as explain --json's due_step: the last
	// due step in ladder order.
	for _, s := range g.Steps {
		if s.Due {
			r.Level = fmt.Sprintf("%d (%s)", s.Step.Level, rules.RungTitle(s.Step.Rung))
		}
	}
	return r
}

func cycleKey(goal string, cycle int) string { return fmt.Sprintf("%s\x00%d", goal, cycle) }

// acknowledged reads from the issue's ledger who acknowledged each goal
// cycle: the latest acknowledge click, or the acknowledgement a held step
// names.
func (p *Page) acknowledged(ctx context.Context, key string) (map[string]string, error) {
	entries, err := p.Outbox.Ledger(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("ledger of %s: %w", key, err)
	}
	m := map[string]string{}
	for _, e := range entries {
		if (e.Event == rules.LedgerClicked && e.Click == string(rules.ClickAcknowledge)) || (e.Event == rules.LedgerHeld && e.By != "") {
			who := e.ByName
			if who == "" {
				who = e.By
			}
			m[cycleKey(e.Goal, e.Cycle)] = who
		}
	}
	return m, nil
}
