package rules

import (
	"cmp"
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

// event is one entry of a timeline. It holds no pointers: timelines are
// built and walked in the call's scratch buffers for every issue, and
// pointer-free buffers are copied without write barriers and never scanned
// by the garbage collector. The instant is kept as Unix seconds and
// nanoseconds, which order events as time.Time.Compare does for times
// without a monotonic clock reading; the time.Time itself (location
// included) is read back from the issue when a clock needs it.
type event struct {
	sec  int64
	nsec int32
	kind eventKind
	// src is the index of the entry behind the event: in iss.Changes for
	// the changelog's events, in iss.Comments for evAgentComment.
	src int32
}

// zeroUnix is time.Time{}.Unix(): an event at the zero instant has sec
// zeroUnix and nsec 0.
const zeroUnix = -62135596800

func newEvent(t time.Time, kind eventKind, src int) event {
	return event{sec: t.Unix(), nsec: int32(t.Nanosecond()), kind: kind, src: int32(src)}
}

// isZero reports whether the event happened at the zero instant, as
// time.Time.IsZero does.
func (e *event) isZero() bool { return e.sec == zeroUnix && e.nsec == 0 }

// timeline is an issue's history up to now, as the clocks see it.
type timeline struct {
	iss         *Issue
	qualifiedAt time.Time
	events      []event
	// exact is set when an instant of the timeline carries a monotonic
	// clock reading: time.Time.Compare then compares readings rather than
	// wall instants, and events are compared as time.Time values so that
	// the order is exactly the one Compare gives.
	exact bool
	// kinds has bit 1<<k set when an event of kind k is in events, so
	// looking up a value that never changed needs no walk.
	kinds         uint16
	initialStatus string
	initialPrio   string
	initialType   string
}

// at returns the instant of event e, as the issue holds it.
func (tl *timeline) at(e *event) time.Time {
	switch e.kind {
	case evCreated:
		return tl.iss.Created
	case evAgentComment:
		return tl.iss.Comments[e.src].Created
	case evQualified:
		return tl.qualifiedAt
	}
	return tl.iss.Changes[e.src].At
}

// change returns the changelog entry behind a status, priority or type
// event: To is the status entered (or the new value), From the status left.
func (tl *timeline) change(e *event) *Change { return &tl.iss.Changes[e.src] }

// hasMonotonic reports whether t carries a monotonic clock reading (which
// Round(0) strips).
func hasMonotonic(t time.Time) bool { return t != t.Round(0) }

// buildTimeline orders the issue's history. Changes after now are ignored so
// that an evaluation "as of" a past instant sees only what had happened.
// Events at the same instant keep their input order: the changelog, then
// the comments, then the qualified instant. The timeline lives in sc's
// buffers until the next call.
func buildTimeline(iss *Issue, p *Policy, bot string, qualifiedAt time.Time, now time.Time, sc *scratch) timeline {
	tl := timeline{iss: iss, qualifiedAt: qualifiedAt, initialStatus: iss.Status, initialPrio: iss.Priority, initialType: iss.Type}
	exact := hasMonotonic(iss.Created)
	evs := append(sc.changeEvents[:0], newEvent(iss.Created, evCreated, 0))
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
		var kind eventKind
		ok := true
		switch ch.Field {
		case FieldStatus:
			kind = evStatus
		case FieldResolution:
			switch {
			case ch.To != "" && ch.From == "":
				kind = evResolutionSet
			case ch.To == "" && ch.From != "":
				kind = evResolutionCleared
			default:
				ok = false
			}
		case FieldPriority:
			kind = evPriority
		case FieldType:
			kind = evType
		default:
			ok = false
		}
		if ok {
			evs = append(evs, newEvent(ch.At, kind, i))
			exact = exact || hasMonotonic(ch.At)
		}
	}
	cms := sc.commentEvents[:0]
	for i := range iss.Comments {
		cm := &iss.Comments[i]
		if !cm.Public || cm.Created.After(now) || !p.isAgent(cm.Author, iss.Reporter, bot) {
			continue
		}
		cms = append(cms, newEvent(cm.Created, evAgentComment, i))
		exact = exact || hasMonotonic(cm.Created)
	}
	var last *event
	if !qualifiedAt.IsZero() && !qualifiedAt.After(now) {
		q := newEvent(qualifiedAt, evQualified, 0)
		last = &q
		exact = exact || hasMonotonic(qualifiedAt)
	}
	tl.exact = exact
	tl.sortEvents(evs)
	tl.sortEvents(cms)
	tl.events = tl.mergeEvents(sc.events[:0], evs, cms, last)
	for _, e := range tl.events {
		tl.kinds |= 1 << e.kind
	}
	sc.changeEvents, sc.commentEvents, sc.events = evs, cms, tl.events
	return tl
}

// compare orders events by time, as time.Time.Compare orders their
// instants.
func (tl *timeline) compare(a, b *event) int {
	if tl.exact {
		return tl.at(a).Compare(tl.at(b))
	}
	if c := cmp.Compare(a.sec, b.sec); c != 0 {
		return c
	}
	return cmp.Compare(a.nsec, b.nsec)
}

// sortEvents orders evs by time, keeping the order of equal times (as
// slices.SortStableFunc does). The changelog and the comments normally
// arrive in order, so checking first spares the sort.
func (tl *timeline) sortEvents(evs []event) {
	compare := func(a, b event) int { return tl.compare(&a, &b) }
	if !slices.IsSortedFunc(evs, compare) {
		slices.SortStableFunc(evs, compare)
	}
}

// mergeEvents appends to dst the events of a, b and then last (if not
// nil) in time order; a and b must each be in time order already. At equal
// times a's come first, then b's, then last. Merging stably sorted parts of
// a list this way is exactly a stable sort of the whole list (it is how
// merge sort works), so the timeline is what stably sorting all events
// together gives; last, the final element, goes before the first event
// strictly later than it.
func (tl *timeline) mergeEvents(dst, a, b []event, last *event) []event {
	for len(a) > 0 || len(b) > 0 {
		var next event
		if len(a) == 0 || (len(b) > 0 && tl.compare(&b[0], &a[0]) < 0) {
			next, b = b[0], b[1:]
		} else {
			next, a = a[0], a[1:]
		}
		if last != nil && tl.compare(&next, last) > 0 {
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
	for i := range tl.events {
		e := &tl.events[i]
		if tl.at(e).After(t) {
			break
		}
		if e.kind == kind {
			v = tl.change(e).To
		}
	}
	return v
}

// matches reports whether event e, whose changelog entry is ch for a
// status event (nil otherwise), meets the condition.
func (c Condition) matches(e *event, ch *Change) bool {
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
		return e.kind == evStatus && strings.EqualFold(ch.To, c.Status)
	case OnLeft:
		return e.kind == evStatus && strings.EqualFold(ch.From, c.Status) && !strings.EqualFold(ch.To, c.Status)
	case OnCategory:
		return e.kind == evStatus && ch.ToCategory == c.Status
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

func anyMatches(conds []Condition, e *event, ch *Change) bool {
	for _, c := range conds {
		if c.matches(e, ch) {
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

// spanAt is a span of the cycle being walked, by position in the
// timeline's events: to is -1 while the span is open. It holds no pointers
// (see event).
type spanAt struct{ from, to int32 }

// cycleAt is the cycle being walked, by position in the timeline's events
// (-1: none); materialize turns it into a cycle.
type cycleAt struct {
	start, stop     int32
	running, pauses []spanAt
	pausedAt        string
}

// open reports whether span s is still open. A span closed at the zero
// instant counts as open, as a Span whose To is the zero time does.
func (tl *timeline) open(s *spanAt) bool { return s.to < 0 || tl.events[s.to].isZero() }

// closeOpen ends whichever span (running or paused) is open at event i.
func (tl *timeline) closeOpen(c *cycleAt, i int32) {
	if n := len(c.running); n > 0 && tl.open(&c.running[n-1]) {
		c.running[n-1].to = i
	}
	if n := len(c.pauses); n > 0 && tl.open(&c.pauses[n-1]) {
		c.pauses[n-1].to = i
	}
}

// lastCycle walks the timeline once for goal g and returns how many cycles
// it found and the last one (zero if none). A start condition while the
// clock is idle opens a new cycle (a reopen starts a new cycle); a stop
// condition closes it; a pause status stops the clock without closing it.
// Earlier cycles are not kept: the spans are gathered in sc's buffers and
// only the last cycle's are copied out.
func (tl *timeline) lastCycle(g *Goal, sc *scratch) (int, cycle) {
	n := 0
	last := cycleAt{start: -1, stop: -1}
	status := tl.initialStatus
	active := false
	cur := cycleAt{start: -1, stop: -1, running: sc.running[:0], pauses: sc.pauses[:0]}
	paused := func() bool { return containsFold(g.Pause, status) }
	// Most events cannot start or stop the clock: their kind says so.
	startKinds, stopKinds := kindsOf(g.Start), kindsOf(g.Stop)
	for i := range tl.events {
		e := &tl.events[i]
		at := int32(i)
		var ch *Change
		if e.kind == evStatus {
			ch = tl.change(e)
			status = ch.To
		}
		if active {
			if stopKinds&(1<<e.kind) != 0 && anyMatches(g.Stop, e, ch) {
				tl.closeOpen(&cur, at)
				cur.stop = at
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
					tl.closeOpen(&cur, at)
					cur.pauses = append(cur.pauses, spanAt{from: at, to: -1})
					cur.pausedAt = status
				case !p && wasPaused:
					tl.closeOpen(&cur, at)
					cur.running = append(cur.running, spanAt{from: at, to: -1})
					cur.pausedAt = ""
				case p:
					cur.pausedAt = status
				}
			}
			continue
		}
		if startKinds&(1<<e.kind) != 0 && anyMatches(g.Start, e, ch) {
			active = true
			cur = cycleAt{start: at, stop: -1, running: cur.running[:0], pauses: cur.pauses[:0]}
			if paused() {
				cur.pauses = append(cur.pauses, spanAt{from: at, to: -1})
				cur.pausedAt = status
			} else {
				cur.running = append(cur.running, spanAt{from: at, to: -1})
			}
		}
	}
	if active {
		n, last = n+1, cur
	}
	sc.running, sc.pauses = cur.running[:0], cur.pauses[:0]
	// last's spans are cur's buffers: no later start reset them.
	return n, tl.materialize(&last, sc)
}

// materialize turns a cycle walked by event positions into times, with its
// spans cut from sc's slab (nil when there are none).
func (tl *timeline) materialize(c *cycleAt, sc *scratch) cycle {
	out := cycle{pausedAt: c.pausedAt, running: tl.spans(c.running, sc), pauses: tl.spans(c.pauses, sc)}
	if c.start >= 0 {
		out.start = tl.at(&tl.events[c.start])
	}
	if c.stop >= 0 {
		out.stop = tl.at(&tl.events[c.stop])
	}
	return out
}

func (tl *timeline) spans(src []spanAt, sc *scratch) []Span {
	if len(src) == 0 {
		return nil
	}
	out := sc.spans.take(len(src))
	for i, s := range src {
		out[i].From = tl.at(&tl.events[s.from])
		if s.to >= 0 {
			out[i].To = tl.at(&tl.events[s.to])
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
