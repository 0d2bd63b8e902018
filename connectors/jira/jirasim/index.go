package jirasim

import (
	"fmt"
	"maps"
	"strconv"
	"time"
)

// Search on Jira Cloud is eventually consistent: search/jql matches and
// orders issues by what its index holds, and a change reaches the index a
// moment after it was made (Atlassian documents seconds; it can be more).
// Options.IndexLag reproduces that: a search sees an issue's change only
// IndexLag after the change's "updated" instant, and a new issue only
// IndexLag after its creation. The answer still renders the issue as it is
// now (fields come from the database). The issues a request lists in
// reconcileIssues are matched on their current state, as Jira documents
// ("strong consistency issue IDs to be reconciled with search results").
//
// The index keeps the versions of an issue it has not caught up with: a
// version is captured when a search first finds the issue changed, and
// becomes visible at its updated instant plus the lag. Two changes between
// searches make one version, visible at the later one's instant plus the
// lag: the index is never ahead of the lag, at worst a little behind.

type indexVersion struct {
	visible time.Time
	snap    *issue
}

// SetIndexLag changes the index lag (0: search is consistent).
func (s *Server) SetIndexLag(d time.Duration) {
	s.mu.Lock()
	s.changed()
	s.opts.IndexLag = d
	s.mu.Unlock()
}

// indexed returns the issue as the search index holds it at now, nil when
// the index does not know it yet. Caller holds mu.
func (s *Server) indexed(is *issue, now time.Time) *issue {
	lag := s.opts.IndexLag
	if lag <= 0 {
		return is
	}
	if !is.capturedAt.Equal(is.updated) || is.capturedKey != is.key || len(is.versions) == 0 {
		snap := *is
		snap.versions = nil
		snap.fields = maps.Clone(is.fields) // JQL reads custom fields as indexed
		is.versions = append(is.versions, indexVersion{visible: is.updated.Add(lag), snap: &snap})
		is.capturedAt, is.capturedKey = is.updated, is.key
	}
	for len(is.versions) > 1 && !is.versions[1].visible.After(now) {
		is.versions = is.versions[1:]
	}
	if v := is.versions[0]; !v.visible.After(now) {
		return v.snap
	}
	return nil
}

// DeleteIssue deletes an issue, as a person with the Delete issues
// permission would: it is gone from search at once and every route
// answers 404 for it.
func (s *Server) DeleteIssue(key string) error {
	s.mu.Lock()
	s.changed()
	defer s.mu.Unlock()
	is, err := s.scriptIssue(key)
	if err != nil {
		return err
	}
	s.emit(is, "jira:issue_deleted")
	s.deleteIssue(is)
	for k, x := range s.byKey { // keys it had before moves
		if x == is {
			delete(s.byKey, k)
		}
	}
	return nil
}

// MoveIssue moves an issue to another project as actor at at (zero: now).
// It gets the next key of that project; the old key keeps resolving to it,
// as on Jira Cloud. The changelog records the project and key changes.
func (s *Server) MoveIssue(key, toProject, actor string, at time.Time) (string, error) {
	s.mu.Lock()
	s.changed()
	defer s.mu.Unlock()
	is, err := s.scriptIssue(key)
	if err != nil {
		return "", err
	}
	if err := s.checkActor(actor); err != nil {
		return "", err
	}
	to := s.projects[toProject]
	if to == nil {
		return "", fmt.Errorf("jirasim: unknown project %q", toProject)
	}
	if to == is.project {
		return is.key, nil
	}
	when := s.at(at)
	to.nextNum++
	oldKey, oldProj := is.key, is.project
	is.project, is.num = to, to.nextNum
	is.key = to.Key + "-" + strconv.Itoa(is.num)
	s.byKey[is.key] = is
	s.nextHistoryID++
	is.histories = append(is.histories, history{id: s.nextHistoryID, at: when, author: actor, items: []histItem{
		{field: "project", fieldID: "project", fieldType: "jira", from: oldProj.ID, fromString: oldProj.Name, to: to.ID, toString: to.Name},
		{field: "Key", fieldType: "jira", fromString: oldKey, toString: is.key},
	}})
	is.updated = later(is.updated, when)
	s.emit(is, "jira:issue_updated")
	return is.key, nil
}
