package bot

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/slabot/slabot/rules"
)

// A field Jira refuses in a project (not on the edit screen, an option
// missing, the wrong type) stays refused until a person changes Jira. The
// worker writes everything else of the issue, logs the refusal once per
// field and project with the fix, counts every refusal
// (slabot_field_refusals_total) and shows the product degraded on /readyz.
// It leaves the field out of that project's writes for a while (one resync
// interval), then tries again: a write per issue and cycle that Jira
// refuses would spend the rate limit for nothing.

type refusalKey struct{ field, project string }

type refusal struct {
	at     time.Time // when Jira last refused it
	detail string    // Jira's reason and the fix
}

// noteRefused records the fields Jira refused on one issue.
func (w *Worker) noteRefused(pr *product, project, issue string, refused map[string]string, now time.Time) {
	p := pr.policy
	names := make([]string, 0, len(refused))
	for name := range refused {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w.cfg.Metrics.FieldRefusals.WithLabelValues(p.Product, name).Inc()
		k := refusalKey{name, project}
		pr.mu.Lock()
		_, known := pr.refused[k]
		if pr.refused == nil {
			pr.refused = map[refusalKey]refusal{}
		}
		pr.refused[k] = refusal{at: now, detail: refused[name]}
		pr.mu.Unlock()
		if !known {
			w.log.Warn("Jira refuses a field; the issue's other fields, labels and comments were written",
				"product", p.Product, "project", project, "issue", issue, "field", name, "detail", refused[name])
		}
	}
}

// withoutRefused leaves out of pt the fields Jira refused in project within
// the last retry interval.
func (pr *product) withoutRefused(pt rules.Patch, project string, now time.Time, retry time.Duration) rules.Patch {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	var drop map[string]string
	for name := range pt.Fields {
		if r, ok := pr.refused[refusalKey{name, project}]; ok && now.Sub(r.at) < retry {
			if drop == nil {
				drop = map[string]string{}
			}
			drop[name] = r.detail
		}
	}
	return withoutFields(pt, drop)
}

// withoutFields is pt without the named fields.
func withoutFields(pt rules.Patch, drop map[string]string) rules.Patch {
	if len(drop) == 0 {
		return pt
	}
	fields := maps.Clone(pt.Fields)
	for name := range drop {
		delete(fields, name)
	}
	if len(fields) == 0 {
		fields = nil
	}
	pt.Fields = fields
	return pt
}

// degraded lists, for /readyz, the fields Jira refuses in the product's
// projects (field and project only: the detail is in the log).
func (pr *product) degraded() []string {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	var out []string
	for k := range pr.refused {
		out = append(out, fmt.Sprintf("Jira refuses field %q in project %s (see the log for the fix)", k.field, k.project))
	}
	seen := map[string]bool{}
	for k := range pr.editRefused {
		if !seen[k.project] {
			seen[k.project] = true
			out = append(out, fmt.Sprintf("Jira refuses edits of issues in project %s; their comments are posted (see the log for the fix)", k.project))
		}
	}
	sort.Strings(out)
	return out
}

// A whole edit Jira refuses for a reason that names no field slabot could
// leave out (the account may comment but not edit, a workflow validator, a
// 400 on labels) does not hold back the issue's comments: the writer posts
// them and says so with an error carrying PostedComments() []string (the
// comment keys). The refusal itself stays until a person changes Jira, so
// the worker logs it once per project and reason (the error's
// RefusalKey() string) with the fix the error carries, counts each as a
// write error, shows it on /readyz, and tries the edit again next cycle.

// postedComments lists the comments a failed write still posted.
func postedComments(err error) []string {
	var p interface{ PostedComments() []string }
	if errors.As(err, &p) {
		return p.PostedComments()
	}
	return nil
}

// editRefusal reports whether err is a refused edit, and its reason.
func editRefusal(err error) (string, bool) {
	var r interface{ RefusalKey() string }
	if errors.As(err, &r) {
		return r.RefusalKey(), true
	}
	return "", false
}

// onlyComments is the part of pt that posted: the named comments.
func onlyComments(pt rules.Patch, keys []string) rules.Patch {
	out := rules.Patch{Key: pt.Key}
	for _, c := range pt.Comments {
		if slices.Contains(keys, c.Key) {
			out.Comments = append(out.Comments, c)
		}
	}
	return out
}

// noteEditRefused logs a refused edit the first time its reason is seen
// in the project.
func (w *Worker) noteEditRefused(pr *product, project, issue, key string, err error) {
	k := refusalKey{key, project}
	pr.mu.Lock()
	known := pr.editRefused[k]
	if pr.editRefused == nil {
		pr.editRefused = map[refusalKey]bool{}
	}
	pr.editRefused[k] = true
	pr.mu.Unlock()
	if !known {
		w.log.Warn("Jira refuses the edit of an issue; its comments were posted, the edit is tried again each cycle (logged once per project and reason)",
			"product", pr.policy.Product, "project", project, "issue", issue, "err", err)
	}
}
