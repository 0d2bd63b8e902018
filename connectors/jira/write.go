package jira

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/slabot/slabot/rules"
)

// wire returns the JSON value of v for a field holding kind k. A zero
// value clears the field.
func wire(k rules.FieldKind, v rules.FieldValue) (any, error) {
	if v.IsZero() {
		return nil, nil
	}
	switch k {
	case rules.KindDatetime:
		if v.Kind != rules.KindDatetime {
			return nil, fmt.Errorf("a datetime field needs a time, not %s %q", v.Kind, v.String())
		}
		return formatTime(v.Time), nil
	case rules.KindOption:
		if v.Kind != rules.KindOption && v.Kind != rules.KindText {
			return nil, fmt.Errorf("a select field needs an option value, not %s %q", v.Kind, v.String())
		}
		return wireOption{Value: v.Text}, nil
	case rules.KindText:
		if v.Kind != rules.KindOption && v.Kind != rules.KindText {
			return nil, fmt.Errorf("a text field needs text, not %s %q", v.Kind, v.String())
		}
		return v.Text, nil
	case rules.KindNumber:
		if v.Kind != rules.KindNumber {
			return nil, fmt.Errorf("a number field needs a number, not %s %q", v.Kind, v.String())
		}
		return v.Number, nil
	}
	return nil, fmt.Errorf("unsupported field kind %s", k)
}

// Applied reports what Apply did.
type Applied struct {
	Edited     bool     // the PUT went through (perhaps without refused fields)
	CommentIDs []string // ids of the comments posted, in order
	Posted     []string // keys (rules.NewComment.Key) of the comments posted, in order
	// Withheld are the keys of internal comments not posted because Jira
	// would not restrict them (internal.go); never posted unrestricted.
	Withheld []string
	Requests int // HTTP requests made, retries included
	// Refused are the fields Jira would not set on this issue; everything
	// else in the patch was written without them.
	Refused []Refusal
}

// Refusal is one field an edit could not set, with Jira's reason and what
// to change so that slabot can write it.
type Refusal struct {
	Field  string // the policy's field name ("priority" for the priority)
	ID     string // customfield_NNNNN
	Reason string // Jira's message
	Fix    string
}

func (r Refusal) String() string {
	return fmt.Sprintf("field %q (%s): %s. Fix: %s", r.Field, r.ID, r.Reason, r.Fix)
}

// Apply writes a patch with the fewest calls: one PUT carrying every
// field, the priority and label add/remove operations, then one POST per
// comment. Writes are not retried when their outcome is unknown
// (UncertainWriteError); 429s (never applied) are waited out.
//
// One field Jira refuses (not on the issue's edit screen, an option the
// field lacks, a value of the wrong type) does not hold back the rest: the
// PUT is sent again without the refused fields, and the labels and
// comments go through; the refusals come back in Applied.Refused.
//
// The comments do not wait for the edit either: when Jira refuses the
// whole edit for a reason that names no field slabot can leave out (the
// account may comment but not edit, a workflow validator, a 400 on the
// labels), the comments are still posted, and the error is an
// *EditRefusedError saying why with the fix. Whenever Apply fails after
// posting comments, its error has a PostedComments method listing them
// (a *PartialWriteError), so the caller can record them and never post
// them twice. When the edit fails otherwise (rate limited, no answer, the
// issue gone) nothing is posted: the next cycle tries again.
func (c *Client) Apply(ctx context.Context, pt rules.Patch) (Applied, error) {
	var done Applied
	if err := c.ready(); err != nil {
		return done, err
	}
	path := "rest/api/2/issue/" + url.PathEscape(pt.Key)
	p := path
	if c.cfg.Quiet {
		// go-jira's UpdateQueryOptions drops notifyUsers=false
		// (omitempty), so the query is built here.
		p += "?notifyUsers=false"
	}
	pt, done.Refused = withoutLongLabels(pt)
	refused := map[string]bool{} // field ids, and "priority"
	var editErr *EditRefusedError
	for {
		body, ids, err := c.editBody(pt, refused)
		if err != nil {
			return done, err
		}
		if body == nil {
			break
		}
		resp, err := c.call(ctx, op{method: "PUT", path: p, endpoint: "/rest/api/2/issue/{key}", body: body, issue: pt.Key, write: true})
		done.Requests += attempts(resp)
		if err == nil {
			done.Edited = true
			break
		}
		more := c.refusals(err, ids, refused)
		if len(more) == 0 {
			if editErr = editRefused(pt.Key, err); editErr == nil {
				return done, err
			}
			break
		}
		done.Refused = append(done.Refused, more...)
	}
	project, _, _ := strings.Cut(pt.Key, "-")
	for _, cm := range pt.Comments {
		nb, withheld, err := c.commentBody(ctx, project, cm)
		if err != nil {
			return done, done.partial(err)
		}
		if withheld != "" {
			c.withhold(ctx, pt.Key, project, withheld, false)
			done.Withheld = append(done.Withheld, cm.Key)
			continue
		}
		var out gojira.Comment
		resp, err := c.call(ctx, op{method: "POST", path: path + "/comment", endpoint: "/rest/api/2/issue/{key}/comment",
			body: nb, out: &out, issue: pt.Key, write: true})
		done.Requests += attempts(resp)
		if reason, ok := restrictionRefused(err); ok && nb.Visibility != nil {
			c.withhold(ctx, pt.Key, project, reason, true)
			done.Withheld = append(done.Withheld, cm.Key)
			continue
		}
		if err != nil {
			return done, done.partial(err)
		}
		done.CommentIDs = append(done.CommentIDs, out.ID)
		done.Posted = append(done.Posted, cm.Key)
	}
	if editErr != nil {
		return done, done.partial(editErr)
	}
	return done, nil
}

// partial wraps err with the comments already posted, if any.
func (done Applied) partial(err error) error {
	if len(done.Posted) == 0 {
		return err
	}
	return &PartialWriteError{Posted: done.Posted, Err: err}
}

// PartialWriteError is a write that failed after some of its comments
// were posted: the caller records those (PostedComments) so they are never
// posted again.
type PartialWriteError struct {
	Posted []string // comment keys
	Err    error
}

func (e *PartialWriteError) Error() string {
	return fmt.Sprintf("%v (comments posted: %s)", e.Err, strings.Join(e.Posted, ", "))
}

func (e *PartialWriteError) Unwrap() error { return e.Err }

// PostedComments lists the keys of the comments that were posted.
func (e *PartialWriteError) PostedComments() []string { return e.Posted }

// EditRefusedError is Jira refusing an issue's whole edit for a reason that
// names no field slabot could leave out; its comments were posted all the
// same.
type EditRefusedError struct {
	Issue  string
	Status int
	Reason string // Jira's message
	Fix    string
	Err    error
}

func (e *EditRefusedError) Error() string {
	return fmt.Sprintf("%v; the edit of %s is refused, its comments are posted all the same. Fix: %s", e.Err, e.Issue, e.Fix)
}

func (e *EditRefusedError) Unwrap() error { return e.Err }

// ErrorCode names the class for /readyz and logs.
func (e *EditRefusedError) ErrorCode() string { return "jira_edit_refused" }

// RefusalKey identifies the refusal without the issue, so it is reported
// once per project and reason, not once per issue.
func (e *EditRefusedError) RefusalKey() string { return fmt.Sprintf("%d %s", e.Status, e.Reason) }

// editRefused reads a definitive refusal of an edit: 400 (a validator, the
// labels, a field the account may not edit), 403 (the account may comment
// but not edit) or 422 ("a configuration problem prevents the issue being
// updated", Atlassian's description of PUT /rest/api/3/issue/{key}). Any
// other failure (rate limit, no answer, 404, 409) is not one.
func editRefused(issue string, err error) *EditRefusedError {
	var ae *APIError
	if !errors.As(err, &ae) || (ae.Status != 400 && ae.Status != 403 && ae.Status != 422) {
		return nil
	}
	reason := strings.TrimPrefix(detail(ae.Messages, ae.Fields), ": ")
	if reason == "" {
		reason = "no reason given"
	}
	var fix string
	switch {
	case ae.Status == 403 && strings.Contains(strings.ToLower(reason), "notification"):
		fix = "grant slabot's account Administer Projects in the project (Jira refuses notifyUsers=false without it), or set " +
			"SLABOT_JIRA_QUIET=false; slabot edits the issue on a later cycle"
	case ae.Status == 403:
		fix = "grant slabot's account the Edit issues permission in the project's permission scheme (it may comment but not edit); " +
			"slabot edits the issue on a later cycle"
	case ae.Fields["labels"] != "":
		fix = "Jira refuses slabot's labels on this issue: check that the Labels field is on the issue type's edit screen and that " +
			"no app or automation restricts labels; slabot edits the issue again on a later cycle"
	case ae.Status == 422:
		fix = "a configuration problem in the project stops every edit (Jira's message above): fix it in Project settings; slabot edits the issue again on a later cycle"
	default:
		fix = "Jira's message names the cause: a workflow validator or condition, a required field, or a field slabot's account may not " +
			"edit; change the workflow or screens (Project settings > Workflows, Screens) so an edit of these fields passes; slabot edits the issue again on a later cycle"
	}
	return &EditRefusedError{Issue: issue, Status: ae.Status, Reason: reason, Fix: fix, Err: err}
}

// maxLabelLength is the longest label Jira accepts: 400 "The label '...'
// exceeds the maximum length for a single label of 255 characters"
// (reported from Jira Cloud in github.com/prometheus-community/jiralert
// issue 146; not in Atlassian's OpenAPI description).
const maxLabelLength = 255

// withoutLongLabels leaves out of the patch the labels Jira would refuse
// for their length (which would fail the whole edit) and reports each as a
// refusal of the labels field.
func withoutLongLabels(pt rules.Patch) (rules.Patch, []Refusal) {
	var out []Refusal
	var keep []string
	for _, l := range pt.AddLabels {
		if utf16Len(l) > maxLabelLength {
			out = append(out, Refusal{Field: "labels", ID: "labels",
				Reason: fmt.Sprintf("label %.40q... has %d characters; Jira accepts at most 255", l, utf16Len(l)),
				Fix:    "shorten the policy's labels.prefix or the goal's name, which make up slabot's labels"})
			continue
		}
		keep = append(keep, l)
	}
	if len(out) > 0 {
		pt.AddLabels = keep
	}
	return pt, out
}

// refusals reads a 400 that names fields of the edit (ids: field id ->
// policy name) and marks them refused. It returns nothing when the answer
// names anything else (labels, an unknown key), which fails the edit.
func (c *Client) refusals(err error, ids map[string]string, refused map[string]bool) []Refusal {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 || len(ae.Fields) == 0 {
		return nil
	}
	var out []Refusal
	for _, id := range sortedKeys(ae.Fields) {
		name, ok := ids[id]
		if !ok || refused[id] {
			return nil
		}
		msg := ae.Fields[id]
		out = append(out, Refusal{Field: name, ID: id, Reason: msg, Fix: refusalFix(name, msg)})
	}
	for _, r := range out {
		refused[r.ID] = true
	}
	return out
}

func refusalFix(name, msg string) string {
	switch {
	case strings.Contains(msg, "not on the appropriate screen"):
		// Jira says the same when no context of the field covers the
		// issue's project: the field does not exist there.
		return "run slabot setup (it puts the field on the edit screens and in a context covering the project), or in Jira open " +
			"Project settings > Issue types (or Settings > Issues > Screens), find the screen used for the Edit operation of this " +
			"issue type and add the field to it, and check that a context of the field covers this project (" + contextMenu(name) +
			"); slabot tries it again at its next full resync"
	case strings.Contains(msg, "not valid") || strings.Contains(msg, "Option"):
		return fmt.Sprintf("add the missing option to field %q (Settings > Issues > Custom fields > Contexts and default value) "+
			"in the field context of this project and issue type", name)
	}
	return fmt.Sprintf("check that field %q has the type the policy needs and is available in this project and issue type", name)
}

func attempts(r *Response) int {
	if r == nil {
		return 1
	}
	return r.Attempts
}

// editBody builds the PUT body, leaving out refused fields, or nil when
// nothing is left to edit. ids maps the field ids in the body to the
// policy's names.
func (c *Client) editBody(pt rules.Patch, refused map[string]bool) (map[string]any, map[string]string, error) {
	var probs []string
	fields := map[string]any{}
	ids := map[string]string{}
	c.mu.RLock()
	for _, name := range pt.FieldNames() {
		spec, ok := c.fields[name]
		if !ok {
			probs = append(probs, fmt.Sprintf("field %q is not configured", name))
			continue
		}
		if refused[spec.ID] {
			continue
		}
		v, err := wire(spec.Kind, pt.Fields[name])
		if err != nil {
			probs = append(probs, fmt.Sprintf("field %q: %v", name, err))
			continue
		}
		fields[spec.ID] = v
		ids[spec.ID] = name
	}
	c.mu.RUnlock()
	if pt.Priority != "" && !refused["priority"] {
		fields["priority"] = map[string]string{"name": pt.Priority}
		ids["priority"] = "priority"
	}
	var labelOps []map[string]string
	adding := map[string]bool{}
	for _, l := range pt.AddLabels {
		if l == "" || strings.ContainsAny(l, " \t\n") {
			probs = append(probs, fmt.Sprintf("label %q is empty or contains spaces, which Jira labels cannot", l))
			continue
		}
		adding[l] = true
		labelOps = append(labelOps, map[string]string{"add": l})
	}
	for _, l := range pt.RemoveLabels {
		switch {
		case adding[l]:
			probs = append(probs, fmt.Sprintf("label %q is both added and removed", l))
		case !c.managedLabel(l):
			probs = append(probs, fmt.Sprintf("label %q was not set by slabot (no %s prefix): labels people set are never removed",
				l, strings.Join(quoteAll(c.cfg.ManagedLabelPrefixes), " or ")))
		default:
			labelOps = append(labelOps, map[string]string{"remove": l})
		}
	}
	for i, cm := range pt.Comments {
		if strings.TrimSpace(cm.Body) == "" {
			probs = append(probs, fmt.Sprintf("comment %d is empty", i+1))
		}
	}
	if len(probs) > 0 {
		return nil, nil, fmt.Errorf("jira: patch for %s: %s", pt.Key, strings.Join(probs, "; "))
	}
	if len(fields) == 0 && len(labelOps) == 0 {
		return nil, nil, nil
	}
	body := map[string]any{}
	if len(fields) > 0 {
		body["fields"] = fields
	}
	if len(labelOps) > 0 {
		body["update"] = map[string]any{"labels": labelOps}
	}
	return body, ids, nil
}

// managedLabel reports whether slabot may remove label l: any label when no
// prefix is configured, else only labels with a managed prefix.
func (c *Client) managedLabel(l string) bool {
	if len(c.cfg.ManagedLabelPrefixes) == 0 {
		return true
	}
	for _, p := range c.cfg.ManagedLabelPrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}
