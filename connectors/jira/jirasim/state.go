package jirasim

import (
	"strconv"
	"strings"
	"time"
)

// The internal representation keeps pointers to site objects so renames are
// impossible and lookups cheap; everything is guarded by Server.mu.

type project struct {
	Project
	nextNum int
}

type field struct {
	Field // Options are the seeded ones: a context holds the site's (contexts.go)
}

type issue struct {
	id          int64
	num         int
	key         string
	project     *project
	typ         *IssueType
	priority    *Priority
	status      *Status
	resolution  string
	summary     string
	description string
	reporter    string
	assignee    string
	labels      []string
	fields      map[string]any // by field id: time.Time, string, float64, []string
	created     time.Time
	updated     time.Time
	resolved    time.Time
	histories   []history // chronological
	comments    []comment
	worklogs    []worklog

	// The search index's view (index.go): versions not yet superseded, and
	// the updated instant and key last captured.
	versions    []indexVersion
	capturedAt  time.Time
	capturedKey string
}

type history struct {
	id     int64
	at     time.Time
	author string
	items  []histItem
}

type histItem struct {
	field, fieldID, fieldType string
	from, fromString          string
	to, toString              string
}

type comment struct {
	id       int64
	author   string
	body     string
	internal bool
	vis      *Visibility // nil: unrestricted
	created  time.Time
	updated  time.Time
}

type worklog struct {
	id      int64
	author  string
	started time.Time
	seconds int
	comment string
	created time.Time
}

func (i *issue) idString() string { return strconv.FormatInt(i.id, 10) }

// setLabel adds or removes a label, reporting whether anything changed.
func (i *issue) setLabel(l string, add bool) bool {
	for n, x := range i.labels {
		if x == l {
			if add {
				return false
			}
			i.labels = append(i.labels[:n:n], i.labels[n+1:]...)
			return true
		}
	}
	if !add {
		return false
	}
	i.labels = append(i.labels[:len(i.labels):len(i.labels)], l)
	return true
}

func labelsString(ls []string) string { return strings.Join(ls, " ") }
