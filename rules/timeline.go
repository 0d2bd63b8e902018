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
	events []event
	// kinds has bit 1<<k set when an event of kind k is in events, so
	// looking up a value that never changed needs no walk.
	kinds         uint16
	initialStatus string
	initialPrio   string
	initialType   string
}

// buildTimeline orders the issue's history. Changes after now are ignored so
// that an evaluation "as of" a past instant sees only what had happened.
// Events at the same instant keep their input order: the changelog, then
// the comments, then the qualified instant. The timeline lives in sc's
// buffers until the next call.
func buildTimeline(iss *Issue, p *Policy, bot string, qualifiedAt time.Time, now time.Time, sc *scratch) timeline {
	tl := timeline{initialStatus: iss.Status, initialPrio: iss.Priority, initialType: iss.Type}
	evs := append(sc.changeEvents[:0], event{at: iss.Created, kind: evCreated})
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
	cms := sc.commentEvents[:0]
	for i := range iss.Comments {
		cm := &iss.Comments[i]
		if !cm.Public || cm.Created.After(now) || !p.isAgent(cm.Author, iss.Reporter, bot) {
			continue
		}
		cms = append(cms, event{at: cm.Created, kind: evAgentComment})
	}
	var last *event
	if !qualifiedAt.IsZero() && !qualifiedAt.After(now) {
		last = &event{at: qualifiedAt, kind: evQualified}
	}
	sortEvents(evs)
	sortEvents(cms)
	tl.events = mergeEvents(sc.events[:0], evs, cms, last)
	for _, e := range tl.events {
		tl.kinds |= 1 << e.kind
	}
	sc.changeEvents, sc.commentEvents, sc.events = evs, cms, tl.events
	return tl
}

func compareEvents(a, b event) int { return a.at.Compare(b.at) }

// sortEvents orders evs by time, keeping the order of equal times (as
// slices.SortStableFunc does). The changelog and the comments normally
// arrive in order, so checking first spares the sort.
func sortEvents(evs []event) {
	if !slices.IsSortedFunc(evs, compareEvents) {
		slices.SortStableFunc(evs, compareEvents)
	}
}

// mergeEvents appends to dst the events of a, b and then last (if not
// nil) in time order; a and b must each be in time order already. At equal
// times a's come first, then b's, then last. Merging stably sorted parts of
// a list this way is exactly a stable sort of the whole list (it is how
// merge sort works), so the timeline is what stably sorting all events
// together gives; last, the final element, goes before the first event
// strictly later than it.
func mergeEvents(dst, a, b []event, last *event) []event {
	for len(a) > 0 || len(b) > 0 {
		var next event
		if len(a) == 0 || (len(b) > 0 && compareEvents(b[0], a[0]) < 0) {
			next, b = b[0], b[1:]
		} else {
			next, a = a[0], a[1:]
		}
		if last != nil && compareEvents(next, *last) > 0 {
			dst, last = append(dst, *last), nil
		}
		dst = append(dst, next)
	}
	if last != nil {
		dst = append(dst, *last)
	}
	return dst
}

// valueAt returns the priority or type in effect at t.
func (tl *timeline) valueAt(kind eventKind, initial string, t time.Time) string {
	v := initial
	if tl.kinds&(1<<kind) == 0 {
		return v
	}
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

// kinds is the set of event kinds (bit 1<<kind) the condition can match;
// it must agree with matches.
func (c Condition) kinds() uint16 {
	switch c.Kind {
	case OnCreated:
		return 1 << evCreated
	case OnFirstAgentComment:
		return 1 << evAgentComment
	case OnResolutionSet:
		return 1 << evResolutionSet
	case OnResolutionCleared:
		return 1 << evResolutionCleared
	case OnQualified:
		return 1 << evQualified
	case OnEntered, OnLeft, OnCategory:
		return 1 << evStatus
	}
	return 0
}

// kindsOf is the set of event kinds any of conds can match.
func kindsOf(conds []Condition) uint16 {
	var k uint16
	for _, c := range conds {
		k |= c.kinds()
	}
	return k
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

// lastCycle walks the timeline once for goal g and returns how many cycles
// it found and the last one (zero if none). A start condition while the
// clock is idle opens a new cycle (a reopen starts a new cycle); a stop
// condition closes it; a pause status stops the clock without closing it.
// Earlier cycles are not kept: the spans are gathered in sc's buffers and
// only the last cycle's are copied out.
func (tl *timeline) lastCycle(g *Goal, sc *scratch) (int, cycle) {
	n := 0
	var last cycle
	status := tl.initialStatus
	active := false
	var cur cycle
	cur.running, cur.pauses = sc.running[:0], sc.pauses[:0]
	paused := func() bool { return containsFold(g.Pause, status) }
	// Most events cannot start or stop the clock: their kind says so.
	startKinds, stopKinds := kindsOf(g.Start), kindsOf(g.Stop)
	for i := range tl.events {
		e := &tl.events[i]
		if e.kind == evStatus {
			status = e.ch.To
		}
		if active {
			if stopKinds&(1<<e.kind) != 0 && anyMatches(g.Stop, e) {
				closeOpen(&cur, e.at)
				cur.stop = e.at
				cur.pausedAt = ""
				n, last = n+1, cur
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
		if startKinds&(1<<e.kind) != 0 && anyMatches(g.Start, e) {
			active = true
			cur = cycle{start: e.at, running: cur.running[:0], pauses: cur.pauses[:0]}
			if paused() {
				cur.pauses = append(cur.pauses, Span{From: e.at})
				cur.pausedAt = status
			} else {
				cur.running = append(cur.running, Span{From: e.at})
			}
		}
	}
	if active {
		n, last = n+1, cur
	}
	sc.running, sc.pauses = cur.running[:0], cur.pauses[:0]
	// last's spans are cur's buffers: no later start reset them.
	last.running = sc.spans.clone(last.running)
	last.pauses = sc.spans.clone(last.pauses)
	return n, last
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
