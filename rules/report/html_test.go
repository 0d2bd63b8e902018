package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// The HTML report travels alone as a chat or e-mail attachment and is
// printed for the meeting: one file with its style and charts inline, no
// script and nothing fetched, and a print stylesheet. The golden files pin
// the bytes; this test states the properties, so a golden update cannot
// quietly drop one.
func TestHTMLSelfContained(t *testing.T) {
	// Anything that makes a browser fetch or run something.
	external := regexp.MustCompile(`(?i)<script|<link|<iframe|<object|<embed|<img|\ssrc=|@import|url\(|href="(https?:)?//`)
	for name, r := range goldenReports(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := r.WriteHTML(&buf); err != nil {
				t.Fatal(err)
			}
			page := buf.String()
			if m := external.FindString(page); m != "" {
				t.Errorf("the page refers to something outside itself: %q", m)
			}
			for _, want := range []string{"<!DOCTYPE html>", "<meta charset=\"utf-8\">", "<style>", "@media print", "@page", "break-before: page"} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			// The three charts the issue asks for, as inline SVG.
			charts := map[string]bool{
				`aria-label="Compliance by week`:                  true,
				`times (business), clocks stopped in the period"`: true, // response-time distribution
				`aria-label="Credits used against the plan`:       r.HasCredits,
			}
			for label, want := range charts {
				if got := strings.Contains(page, label); got != want {
					t.Errorf("chart %q present %v, want %v", label, got, want)
				}
			}
			if n, m := strings.Count(page, "<svg"), strings.Count(page, "</svg>"); n == 0 || n != m {
				t.Errorf("%d <svg> and %d </svg>", n, m)
			}
		})
	}
}
