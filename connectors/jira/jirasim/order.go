package jirasim

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Search answers from an index kept in the query's order, as Jira's does,
// so a search that pages through N issues costs about N, not N per page:
// the first page sorts every issue the searcher may browse by the ORDER BY
// (on the index's view of each issue, index.go), and the next pages find
// their place in that order by binary search (after the token's issue)
// and test the query's condition on issues from there until the page is
// full. The condition is evaluated at each page, on the issues as the
// index holds them then; only the order is kept between pages.
//
// An ordering stays valid while nothing changed: any change to an issue,
// its key, its project's permissions or the site's settings (every request
// but a read, every scripted change) makes a new generation, and the next
// search sorts again. With an index lag, it stays valid until a held-back
// version of an issue becomes visible, and never serves a clock that went
// back. Requests that reconcile issues (matched on their current state)
// sort for themselves.

// orderedHit is an issue in a search order: the index's view of it (what
// the query matches and orders on) and the issue itself (what is rendered).
type orderedHit struct{ view, is *issue }

// ordering is one sorted view of the browsable issues.
type ordering struct {
	gen   uint64
	built time.Time // the clock when it was sorted
	until time.Time // when a held-back version becomes visible; zero: none
	hits  []orderedHit
}

// maxOrderings bounds the orderings kept (per account and ORDER BY).
const maxOrderings = 16

// changed starts a new generation: orderings sorted before are stale.
// Caller holds mu.
func (s *Server) changed() { s.gen++ }

// orderedHits returns the issues user may browse that the index knows at
// now, sorted by q's order. Caller holds mu.
func (s *Server) orderedHits(user *User, q *jqlQuery, reconcile map[int64]bool, now time.Time) []orderedHit {
	var key string
	if len(reconcile) == 0 {
		var b strings.Builder
		if user != nil {
			b.WriteString(user.AccountID)
		}
		for _, k := range q.order {
			b.WriteString("|" + k.field + ":" + strconv.FormatBool(k.desc))
		}
		key = b.String()
		if o := s.orderings[key]; o != nil && o.gen == s.gen && !now.Before(o.built) && (o.until.IsZero() || now.Before(o.until)) {
			return o.hits
		}
	}
	o := &ordering{gen: s.gen, built: now, hits: make([]orderedHit, 0, len(s.issues))}
	for _, is := range s.issues {
		if !canBrowse(user, is.project) {
			continue
		}
		view := is
		if !reconcile[is.id] {
			view = s.indexed(is, now)
			if next := pendingVersion(is, now); !next.IsZero() && (o.until.IsZero() || next.Before(o.until)) {
				o.until = next
			}
			if view == nil {
				continue
			}
		}
		o.hits = append(o.hits, orderedHit{view, is})
	}
	slices.SortFunc(o.hits, func(a, b orderedHit) int { return s.less(q, a.view, b.view) })
	if key != "" {
		if len(s.orderings) >= maxOrderings {
			clear(s.orderings)
		}
		s.orderings[key] = o
	}
	return o.hits
}

// pendingVersion is when the next version of is the index holds back
// becomes visible (zero: none). Caller holds mu, after indexed.
func pendingVersion(is *issue, now time.Time) time.Time {
	for _, v := range is.versions {
		if v.visible.After(now) {
			return v.visible
		}
	}
	return time.Time{}
}

// searchPage returns up to limit issues matching q strictly after the
// position after (nil: from the start), and whether more match.
func (s *Server) searchPage(hits []orderedHit, q *jqlQuery, after *issue, limit int) (page []orderedHit, more bool) {
	start := 0
	if after != nil {
		start = sort.Search(len(hits), func(i int) bool { return s.less(q, hits[i].view, after) > 0 })
	}
	for _, h := range hits[start:] {
		if !q.where(h.view) {
			continue
		}
		if len(page) == limit {
			return page, true
		}
		page = append(page, h)
	}
	return page, false
}
