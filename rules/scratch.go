package rules

// scratch is the working memory of one Evaluate call. Evaluating an issue
// needs a few short-lived buffers (its timeline, the cycle being walked)
// and produces many small slices and values (goals, spans, ladder steps,
// labels, flags, escalations, credit uses); allocating them issue by issue
// dominated the engine's cost. The buffers are reused from issue to issue,
// hold no pointers where they can (see event), and the small results are
// cut from shared blocks.
//
// A scratch belongs to one call and is never shared: Evaluate may run
// concurrently for different policies and issue sets.
type scratch struct {
	// Timeline buffers: events from the changelog, events from agent
	// comments, and all of them merged in time order. Only the timeline of
	// the issue being evaluated lives in them.
	changeEvents  []event
	commentEvents []event
	events        []event

	// The spans of the cycle being walked, by event position; the last
	// cycle's are turned into Spans.
	running, pauses []spanAt

	goals   slab[GoalStatus]
	spans   slab[Span]
	steps   slab[StepStatus]
	labels  slab[string]
	flags   slab[Flag]
	notices slab[Notice]
	credits slab[CreditUse]

	// notAllowed caches the reason of the priority-not-allowed flag: it
	// depends only on the priority and the type, and issues share a few
	// such pairs.
	notAllowed map[termPair]string
}

type termPair struct {
	prio *Priority
	typ  *IssueType
}

// slabBlock is how many elements a slab allocates at a time.
const slabBlock = 512

// slab hands out small slices cut from larger blocks: one allocation serves
// many issues. Each slice is capped at its own length, so appending to it
// reallocates rather than writing into a neighbour's elements.
type slab[T any] struct {
	free []T
}

// take returns a zeroed, non-nil slice of length n.
func (s *slab[T]) take(n int) []T {
	if s.free == nil || len(s.free) < n {
		s.free = make([]T, max(n, slabBlock))
	}
	out := s.free[:n:n]
	s.free = s.free[n:]
	return out
}

// clone returns a copy of src cut from the slab; nil if src is empty, so a
// copied list keeps the nil-ness of a list that was never appended to.
func (s *slab[T]) clone(src []T) []T {
	if len(src) == 0 {
		return nil
	}
	out := s.take(len(src))
	copy(out, src)
	return out
}
