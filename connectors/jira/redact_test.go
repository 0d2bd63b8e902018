package jira

import "testing"

// "one redaction helper that only replaces whole secrets": a short token
// inside a URL or an id stays (the URL stays usable), the token standing
// alone goes, and so does the basic-auth value.
func TestRedactWhole(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"GET https://acme.atlassian.net/rest/api/2/issue/SUP-12: abc", "GET https://acme.atlassian.net/rest/api/2/issue/SUP-12: [redacted]"},
		{"https://site.example/abcdef/x?q=abc1", "https://site.example/abcdef/x?q=abc1"},
		{"token=abc&next", "token=[redacted]&next"},
		{`header "abc" echoed`, `header "[redacted]" echoed`},
		{"Basic c2xhYm90OmFiYw== was refused", "Basic [redacted] was refused"},
		{"abc", "[redacted]"},
		{"", ""},
	} {
		if got := redactWhole(tc.in, []string{"abc", "c2xhYm90OmFiYw==", ""}); got != tc.want {
			t.Errorf("redactWhole(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
