package jira

import "strings"

// redactWhole replaces each whole occurrence of a secret in s with
// [redacted]. Whole means not inside a longer run of token characters
// (letters, digits, - _ . + /): a short token that happens to be part of
// a URL path, an id or a word leaves it intact, while the token itself,
// wherever it stands alone (a header echoed back, a query value), goes.
// It is the one place slabot cleans network text of credentials.
func redactWhole(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		var b strings.Builder
		rest := s
		for {
			i := strings.Index(rest, sec)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			before, after := rest[:i], rest[i+len(sec):]
			whole := (before == "" || !tokenChar(before[len(before)-1])) && (after == "" || !tokenChar(after[0]))
			b.WriteString(before)
			if whole {
				b.WriteString("[redacted]")
			} else {
				b.WriteString(sec)
			}
			rest = after
		}
		s = b.String()
	}
	return s
}

func tokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.+/", c) >= 0
}
