package rules

import (
	"slices"
	"strings"
	"time"
)

// eventKind is something that happened to an issue and may start, pause or
// stop a goal's clock.
type eventKind uint8

const (
	evCreated eventKind = iota
	evStatus
	evResolutionSet
	evResolutionCleared
	evAgentComment
	evQualified
	evPriority
	evType
)

type event struct {
	at   time.Time
	kind eventKind
	// ch is the changelog entry behind evStatus, evPriority and evType: To
	// is the status entered (or the new value), From the status left.
	ch *Change
}

// timeline is an issue's history up to now, as the clocks see it.
type timeline struct {
	events        []event
	initialStatus string
	initialPrio   string
	initialType   string
}

// buildTimeline orders the issue's history. Changes after now are ignored so
// that an evaluation "as of" a past instant sees only what had happened.
func buildTimeline(iss *Issue, p *Policy, bot string, qualifiedAt time.Time, now time.Time) timeline {
	tl := timeline{initialStatus: iss.Status, initialPrio: iss.Priority, initialType: iss.Type}
	evs := make([]event, 0, len(iss.Changes)+4)
	evs = append(evs, event{at: iss.Created, kind: evCreated})
	seenStatus, seenPrio, seenType := false, false, false
	for i := range iss.Changes {
		ch := &iss.Changes[i]
		switch ch.Field {
		case FieldStatus:
			if !seenStatus {
				tl.initialStatus, seenStatus = ch.From, true
			}
		case FieldPriority:
			if !seenPrio {
				tl.initialPrio, seenPrio = ch.From, true
			}
		case FieldType:
			if !seenType {
				tl.initialType, seenType = ch.From, true
			}
		}
		if ch.At.After(now) {
			continue
		}
		switch ch.Field {
		case FieldStatus:
			evs = append(evs, event{at: ch.At, kind: evStatus, ch: ch})
		case FieldResolution:
			switch {
			case ch.To != "" && ch.From == "":
				evs = append(evs, event{at: ch.At, kind: evResolutionSet})
			case ch.To == "" && ch.From != "":
				evs = append(evs, event{at: ch.At, kind: evResolutionCleared})
			}
		case FieldPriority:
			evs = append(evs, event{at: ch.At, kind: evPriority, ch: ch})
		case FieldType:
			evs = append(evs, event{at: ch.At, kind: evType, ch: ch})
		}
	}
	for i := range iss.Comments {
		cm := &iss.Comments[i]
		if !cm.Public || cm.Created.After(now) || !p.isAgent(cm.Author, iss.Reporter, bot) {
			continue
		}
		evs = append(evs, event{at: cm.Created, kind: evAgentComment})
	}
	if !qualifiedAt.IsZero() && !qualifiedAt.After(now) {
		evs = append(evs, event{at: qualifiedAt, kind: evQualified})
	}
	slices.SortStableFunc(evs, func(a, b event) int { return a.at.Compare(b.at) })
	tl.events = evs
	return tl
}

// valueAt returns the priority or type in effect at t.
func (tl *timeline) valueAt(kind eventKind, initial string, t time.Time) string {
	v := initial
	for _, e := range tl.events {
		if e.at.After(t) {
			break
		}
		if e.kind == kind {
			v = e.ch.To
		}
	}
	return v
}

func (c Condition) matches(e *event) bool {
	switch c.Kind {
	case OnCreated:
		return e.kind == evCreated
	case OnFirstAgentComment:
		return e.kind == evAgentComment
	case OnResolutionSet:
		return e.kind == evResolutionSet
	case OnResolutionCleared:
		return e.kind == evResolutionCleared
	case OnQualified:
		return e.kind == evQualified
	case OnEntered:
		return e.kind == evStatus && strings.EqualFold(e.ch.To, c.Status)
	case OnLeft:
		return e.kind == evStatus && strings.EqualFold(e.ch.From, c.Status) && !strings.EqualFold(e.ch.To, c.Status)
	case OnCategory:
		return e.kind == evStatus && e.ch.ToCategory == c.Status
	}
	return false
}

func anyMatches(conds []Condition, e *event) bool {
	for _, c := range conds {
		if c.matches(e) {
			return true
		}
	}
	return false
}

// Span is a stretch of wall time [From, To). A zero To means "still open".
type Span struct {
	From, To time.Time
}

// cycle is one run of a goal's clock, from a start condition to a stop
// condition (or now).
type cycle struct {
	start    time.Time
	stop     time.Time // zero while the clock is still going
	running  []Span    // when the clock ran; the last may be open
	pauses   []Span    // when it stood still; the last may be open
	pausedAt string    // the status that holds it paused now, if any
}

// cycles walks the timeline once for goal g. A start condition while the
// clock is idle opens a new cycle (a reopen starts a new cycle); a stop
// condition closes it; a pause status stops the clock without closing it.
func (tl *timeline) cycles(g *Goal) []cycle {
	var out []cycle
	status := tl.initialStatus
	active := false
	var cur cycle
	paused := func() bool { return containsFold(g.Pause, status) }
	for i := range tl.events {
		e := &tl.events[i]
		if e.kind == evStatus {
			status = e.ch.To
		}
		if active {
			if anyMatches(g.Stop, e) {
				closeOpen(&cur, e.at)
				cur.stop = e.at
				cur.pausedAt = ""
				out = append(out, cur)
				active = false
				continue
			}
			if e.kind == evStatus {
				p := paused()
				wasPaused := cur.pausedAt != ""
				switch {
				case p && !wasPaused:
					closeOpen(&cur, e.at)
					cur.pauses = append(cur.pauses, Span{From: e.at})
					cur.pausedAt = status
				case !p && wasPaused:
					closeOpen(&cur, e.at)
					cur.running = append(cur.running, Span{From: e.at})
					cur.pausedAt = ""
				case p:
					cur.pausedAt = status
				}
			}
			continue
		}
		if anyMatches(g.Start, e) {
			active = true
			cur = cycle{start: e.at}
			if paused() {
				cur.pauses = []Span{{From: e.at}}
				cur.pausedAt = status
			} else {
				cur.running = []Span{{From: e.at}}
			}
		}
	}
	if active {
		out = append(out, cur)
	}
	return out
}

// closeOpen ends whichever span (running or paused) is open at t.
func closeOpen(c *cycle, t time.Time) {
	if n := len(c.running); n > 0 && c.running[n-1].To.IsZero() {
		c.running[n-1].To = t
	}
	if n := len(c.pauses); n > 0 && c.pauses[n-1].To.IsZero() {
		c.pauses[n-1].To = t
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
