package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slabot/slabot/rules"
)

// internal_comments names who reads slabot's internal comments outside
// Jira Service Management (issue 22: "a role or group the policy names,
// with a sensible default that slabot setup creates"): a role or a group,
// not both; the default is the role rules.DefaultInternalRole.
func TestLoadInternalComments(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "good", "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		yaml string
		want rules.CommentRestriction
		prob string
	}{
		{"", rules.CommentRestriction{Role: rules.DefaultInternalRole}, ""},
		{"internal_comments: {role: Developers}\n", rules.CommentRestriction{Role: "Developers"}, ""},
		{"internal_comments: {group: support-staff}\n", rules.CommentRestriction{Group: "support-staff"}, ""},
		{"internal_comments: {role: Developers, group: staff}\n", rules.CommentRestriction{}, "not both"},
	} {
		p, err := rules.Load("p.yaml", append(append([]byte{}, base...), c.yaml...))
		switch {
		case c.prob != "":
			if err == nil || !strings.Contains(err.Error(), c.prob) || !strings.Contains(err.Error(), "p.yaml:") {
				t.Errorf("%q: error %v, want one with file:line saying %q", c.yaml, err, c.prob)
			}
		case err != nil:
			t.Errorf("%q: %v", c.yaml, err)
		case p.InternalComments != c.want:
			t.Errorf("%q: %+v, want %+v", c.yaml, p.InternalComments, c.want)
		}
	}
}
