package jira

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gojira "github.com/andygrunwald/go-jira"
)

// ChangeSet is what the bot wants changed on one issue, already reduced to
// differences (the bot reconciles; the client writes).
type ChangeSet struct {
	Key string
	// Fields to set, by configured field name.
	Fields map[string]FieldValue
	// Priority to set (by name); empty leaves it.
	Priority string
	// AddLabels and RemoveLabels are applied as update operations, so
	// labels people add in the meantime survive.
	AddLabels, RemoveLabels []string
	// Comments to post, in order.
	Comments []NewComment
}

// NewComment is a comment to post. Internal makes it a JSM internal note
// (sd.public.comment), invisible to the customer.
type NewComment struct {
	Body     string
	Internal bool
}

// Empty reports whether applying cs would do nothing.
func (cs ChangeSet) Empty() bool {
	return len(cs.Fields) == 0 && cs.Priority == "" && len(cs.AddLabels) == 0 && len(cs.RemoveLabels) == 0 && len(cs.Comments) == 0
}

type valueKind int

const (
	kindClear valueKind = iota
	kindTime
	kindText
	kindNumber
	kindRaw
)

// FieldValue is a value for a custom field. The zero value clears the field.
type FieldValue struct {
	kind valueKind
	t    time.Time
	s    string
	n    float64
}

// TimeValue sets a datetime field.
func TimeValue(t time.Time) FieldValue { return FieldValue{kind: kindTime, t: t} }

// TextValue sets a text field, or a select field to the option with this value.
func TextValue(s string) FieldValue { return FieldValue{kind: kindText, s: s} }

// NumberValue sets a number field.
func NumberValue(n float64) FieldValue { return FieldValue{kind: kindNumber, n: n} }

// ClearValue empties a field.
func ClearValue() FieldValue { return FieldValue{} }

// ParseFieldValue takes a value as rules.Issue.Fields holds it (RFC 3339
// for datetimes, option value for selects, decimal for numbers; empty
// clears) and converts it according to the field's configured type when
// applied.
func ParseFieldValue(s string) FieldValue {
	if s == "" {
		return FieldValue{}
	}
	return FieldValue{kind: kindRaw, s: s}
}

// wire returns the JSON value of v for a field of type t.
func (v FieldValue) wire(t FieldType) (any, error) {
	if v.kind == kindClear {
		return nil, nil
	}
	switch t {
	case Datetime:
		tm := v.t
		switch v.kind {
		case kindTime:
		case kindRaw, kindText:
			var err error
			if tm, err = time.Parse(time.RFC3339Nano, v.s); err != nil {
				return nil, fmt.Errorf("%q is not an RFC 3339 time", v.s)
			}
		default:
			return nil, fmt.Errorf("a datetime field needs a time")
		}
		return tm.Format(jiraTime), nil
	case Select:
		if v.kind != kindText && v.kind != kindRaw {
			return nil, fmt.Errorf("a select field needs an option value")
		}
		return wireOption{Value: v.s}, nil
	case Text:
		if v.kind != kindText && v.kind != kindRaw {
			return nil, fmt.Errorf("a text field needs text")
		}
		return v.s, nil
	case Number:
		switch v.kind {
		case kindNumber:
			return v.n, nil
		case kindRaw, kindText:
			n, err := strconv.ParseFloat(v.s, 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", v.s)
			}
			return n, nil
		}
		return nil, fmt.Errorf("a number field needs a number")
	}
	return nil, fmt.Errorf("unsupported field type %q", t)
}

// Applied reports what Apply did.
type Applied struct {
	Edited     bool     // the PUT went through
	CommentIDs []string // ids of the comments posted, in order
	Requests   int      // HTTP requests made, retries included
}

// Apply writes a change set with the fewest calls: one PUT carrying every
// field, the priority and label add/remove operations, then one POST per
// comment. Writes are not retried when their outcome is unknown
// (UncertainWriteError); 429s (never applied) are waited out. When the
// PUT fails, no comment is posted.
func (c *Client) Apply(ctx context.Context, cs ChangeSet) (Applied, error) {
	var done Applied
	if err := c.ready(); err != nil {
		return done, err
	}
	body, err := c.editBody(cs)
	if err != nil {
		return done, err
	}
	path := "rest/api/2/issue/" + url.PathEscape(cs.Key)
	if body != nil {
		p := path
		if c.cfg.Quiet {
			// go-jira's UpdateQueryOptions drops notifyUsers=false
			// (omitempty), so the query is built here.
			p += "?notifyUsers=false"
		}
		resp, err := c.call(ctx, op{method: "PUT", path: p, endpoint: "/rest/api/2/issue/{key}", body: body, issue: cs.Key, write: true})
		done.Requests += attempts(resp)
		if err != nil {
			return done, err
		}
		done.Edited = true
	}
	for _, cm := range cs.Comments {
		nb := newCommentBody{Body: cm.Body}
		if cm.Internal {
			nb.Properties = []wireProperty{{Key: "sd.public.comment", Value: map[string]bool{"internal": true}}}
		}
		var out gojira.Comment
		resp, err := c.call(ctx, op{method: "POST", path: path + "/comment", endpoint: "/rest/api/2/issue/{key}/comment",
			body: nb, out: &out, issue: cs.Key, write: true})
		done.Requests += attempts(resp)
		if err != nil {
			return done, err
		}
		done.CommentIDs = append(done.CommentIDs, out.ID)
	}
	return done, nil
}

func attempts(r *Response) int {
	if r == nil {
		return 1
	}
	return r.Attempts
}

// editBody builds the PUT body, or nil when only comments are to be posted.
func (c *Client) editBody(cs ChangeSet) (map[string]any, error) {
	var probs []string
	fields := map[string]any{}
	c.mu.RLock()
	for _, name := range sortedFieldNames(cs.Fields) {
		spec, ok := c.fields[name]
		if !ok {
			probs = append(probs, fmt.Sprintf("field %q is not configured", name))
			continue
		}
		v, err := cs.Fields[name].wire(spec.Type)
		if err != nil {
			probs = append(probs, fmt.Sprintf("field %q: %v", name, err))
			continue
		}
		fields[spec.ID] = v
	}
	c.mu.RUnlock()
	if cs.Priority != "" {
		fields["priority"] = map[string]string{"name": cs.Priority}
	}
	var labelOps []map[string]string
	adding := map[string]bool{}
	for _, l := range cs.AddLabels {
		if l == "" || strings.ContainsAny(l, " \t\n") {
			probs = append(probs, fmt.Sprintf("label %q is empty or contains spaces, which Jira labels cannot", l))
			continue
		}
		adding[l] = true
		labelOps = append(labelOps, map[string]string{"add": l})
	}
	for _, l := range cs.RemoveLabels {
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
	for i, cm := range cs.Comments {
		if strings.TrimSpace(cm.Body) == "" {
			probs = append(probs, fmt.Sprintf("comment %d is empty", i+1))
		}
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("jira: change set for %s: %s", cs.Key, strings.Join(probs, "; "))
	}
	if len(fields) == 0 && len(labelOps) == 0 {
		return nil, nil
	}
	body := map[string]any{}
	if len(fields) > 0 {
		body["fields"] = fields
	}
	if len(labelOps) > 0 {
		body["update"] = map[string]any{"labels": labelOps}
	}
	return body, nil
}

func sortedFieldNames(m map[string]FieldValue) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return ks
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
