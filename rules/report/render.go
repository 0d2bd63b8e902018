package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Format is an output format of the report.
type Format string

// The formats Write knows.
const (
	Markdown Format = "md"
	HTML     Format = "html"
	CSV      Format = "csv"
)

// ErrBadFormat is returned (wrapped) for an unknown format.
var ErrBadFormat = errors.New("want md, html or csv")

// ParseFormat reads a format name; "markdown" is accepted for md.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "md", "markdown":
		return Markdown, nil
	case "html":
		return HTML, nil
	case "csv":
		return CSV, nil
	}
	return "", fmt.Errorf("format %q: %w", s, ErrBadFormat)
}

// Write renders the report in format f.
func (r *Report) Write(w io.Writer, f Format) error {
	switch f {
	case Markdown:
		return r.WriteMarkdown(w)
	case HTML:
		return r.WriteHTML(w)
	case CSV:
		return r.WriteCSV(w)
	}
	return fmt.Errorf("format %q: %w", f, ErrBadFormat)
}
