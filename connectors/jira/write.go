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
	Requests   int      // HTTP requests made, retries included
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
// comments go through; the refusals come back in Applied.Refused. When the
// PUT fails for any other reason, no comment is posted.
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
	refused := map[string]bool{} // field ids, and "priority"
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
			return done, err
		}
		done.Refused = append(done.Refused, more...)
	}
	for _, cm := range pt.Comments {
		nb := newCommentBody{Body: cm.Body}
		if cm.Internal {
			nb.Properties = []wireProperty{{Key: "sd.public.comment", Value: map[string]bool{"internal": true}}}
		}
		var out gojira.Comment
		resp, err := c.call(ctx, op{method: "POST", path: path + "/comment", endpoint: "/rest/api/2/issue/{key}/comment",
			body: nb, out: &out, issue: pt.Key, write: true})
		done.Requests += attempts(resp)
		if err != nil {
			return done, err
		}
		done.CommentIDs = append(done.CommentIDs, out.ID)
	}
	return done, nil
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
