package jirasim

import (
	"encoding/json"
	"strings"
)

// The v3 API serves the same resources as v2; rich text (descriptions,
// comment bodies, worklog comments) is an Atlassian Document Format
// document instead of a string, both ways. The simulator keeps text and
// converts at the edge: paragraphs are lines.

// adfDoc is an ADF node.
type adfDoc struct {
	Type    string   `json:"type"`
	Version int      `json:"version,omitempty"`
	Text    string   `json:"text,omitempty"`
	Content []adfDoc `json:"content,omitempty"`
}

// toADF renders plain text as a document of one paragraph per line.
func toADF(text string) adfDoc {
	d := adfDoc{Type: "doc", Version: 1, Content: []adfDoc{}}
	if text == "" {
		return d
	}
	for _, line := range strings.Split(text, "\n") {
		p := adfDoc{Type: "paragraph"}
		if line != "" {
			p.Content = []adfDoc{{Type: "text", Text: line}}
		}
		d.Content = append(d.Content, p)
	}
	return d
}

// fromADF reads the text of a document: text nodes, block nodes (and hard
// breaks) ending lines. It fails when raw is not an ADF document.
func fromADF(raw json.RawMessage) (string, bool) {
	var d adfDoc
	if json.Unmarshal(raw, &d) != nil || d.Type != "doc" {
		return "", false
	}
	var lines []string
	var cur strings.Builder
	var walk func(n adfDoc, top bool)
	walk = func(n adfDoc, top bool) {
		switch n.Type {
		case "text":
			cur.WriteString(n.Text)
		case "hardBreak":
			lines = append(lines, cur.String())
			cur.Reset()
		}
		for _, ch := range n.Content {
			walk(ch, false)
		}
		if top {
			lines = append(lines, cur.String())
			cur.Reset()
		}
	}
	for _, n := range d.Content {
		walk(n, true)
	}
	return strings.Join(lines, "\n"), true
}

// richText renders a stored text for the request's API version.
func (c rc) richText(text string) any {
	if c.v3 {
		return toADF(text)
	}
	return text
}

// readRichText reads a rich-text value of a request body: a string on v2,
// a document on v3. ok is false when it has the wrong form.
func (c rc) readRichText(raw json.RawMessage) (string, bool) {
	if c.v3 {
		return fromADF(raw)
	}
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}

// adfFields rewrites the rich-text fields of a v3 edit or create request
// as v2 strings, so one code path applies both; it reports the fields that
// were not documents.
func (c rc) adfFields(fields map[string]json.RawMessage) map[string]string {
	if !c.v3 {
		return nil
	}
	errs := map[string]string{}
	for _, name := range []string{"description", "environment"} {
		raw, ok := fields[name]
		if !ok || string(raw) == "null" {
			continue
		}
		text, ok := fromADF(raw)
		if !ok {
			errs[name] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
			continue
		}
		b, _ := json.Marshal(text)
		fields[name] = b
	}
	return errs
}
