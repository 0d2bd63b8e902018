package rules_test

import (
	"strings"
	"testing"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// The ladder's agent rung goes to the assignee. "A reminder not sent yet
// goes to whoever owns the issue now; a step that may already have been
// sent is looked for wherever it could have gone" (README, Delivery):
// AssigneesSince(due) names those people, from the changelog.
func TestAssigneesSince(t *testing.T) {
	boris, lina, ayse := "boris@botronsoft.com", "lina@botronsoft.com", "ayşe@sanarise.com"
	due := "2026-11-03T16:00:00.412Z"
	type step struct{ at, email string }
	cases := []struct {
		name    string
		assign  []step
		comment string // an internal note by this person (the issue then shows their e-mail)
		want    string
	}{
		{"never assigned", nil, "", "nobody"},
		{"assigned before the step and still: that person alone", []step{{"2026-11-03T09:00:00Z", boris}}, "",
			"boris@botronsoft.com <boris@botronsoft.com>"},
		{"reassigned a millisecond before the step fell due: only who holds it now",
			[]step{{"2026-11-03T09:00:00Z", boris}, {"2026-11-03T16:00:00.411Z", lina}}, "", "lina@botronsoft.com <lina@botronsoft.com>"},
		{"reassigned at the due instant itself: the change is in effect",
			[]step{{"2026-11-03T09:00:00Z", boris}, {due, lina}}, "", "lina@botronsoft.com <lina@botronsoft.com>"},
		{"reassigned after: who held it then (the changelog has no e-mail), then who holds it now",
			[]step{{"2026-11-03T09:00:00Z", boris}, {"2026-11-03T16:20:00.007Z", lina}}, "",
			"boris@botronsoft.com <>, lina@botronsoft.com <lina@botronsoft.com>"},
		{"an e-mail the issue shows elsewhere (his internal note) is filled in",
			[]step{{"2026-11-03T09:00:00Z", boris}, {"2026-11-03T16:20:00.007Z", lina}}, boris,
			"boris@botronsoft.com <boris@botronsoft.com>, lina@botronsoft.com <lina@botronsoft.com>"},
		{"away and back: every holder in order, the current one last",
			[]step{{"2026-11-03T09:00:00Z", boris}, {"2026-11-03T17:00:00Z", lina}, {"2026-11-03T18:00:00Z", boris}}, "",
			"boris@botronsoft.com <boris@botronsoft.com>, lina@botronsoft.com <>, boris@botronsoft.com <boris@botronsoft.com>"},
		{"unassigned when the step fell due, assigned since",
			[]step{{"2026-11-03T09:00:00Z", boris}, {"2026-11-03T12:00:00Z", ""}, {"2026-11-04T08:00:00Z", ayse}}, "",
			"nobody, ayşe@sanarise.com <ayşe@sanarise.com>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			created := rulestest.RFC3339(t, "2026-11-03T08:00:00.120Z")
			opts := []rulestest.Opt{rulestest.MoveTo(rulestest.RFC3339(t, "2026-11-03T08:30:00Z"), "In Progress", rules.CategoryInProgress)}
			for _, s := range tc.assign {
				opts = append(opts, rulestest.Assign(rulestest.RFC3339(t, s.at), s.email))
			}
			if tc.comment != "" {
				opts = append(opts, rulestest.Comment(rulestest.RFC3339(t, "2026-11-03T10:00:00.001Z"), tc.comment, false))
			}
			iss := rulestest.Issue("BEXP-7", "Medium", "Question", created, opts...)
			var got []string
			for _, u := range iss.AssigneesSince(rulestest.RFC3339(t, due)) {
				if u == nil {
					got = append(got, "nobody")
					continue
				}
				got = append(got, u.DisplayName+" <"+u.Email+">")
			}
			if s := strings.Join(got, ", "); s != tc.want {
				t.Errorf("got  %s\nwant %s", s, tc.want)
			}
		})
	}

	// A changelog that lags the issue (the cache assigned it before the
	// next poll brought the entry): the issue's assignee ends the list.
	iss := rulestest.Issue("BEXP-8", "Medium", "Question", rulestest.RFC3339(t, "2026-11-03T08:00:00Z"),
		rulestest.Assign(rulestest.RFC3339(t, "2026-11-03T09:00:00Z"), boris))
	u := rulestest.User(lina)
	iss.Assignee = &u
	got := iss.AssigneesSince(rulestest.RFC3339(t, due))
	if len(got) != 2 || got[0].AccountID != "acc-"+boris || got[1].AccountID != "acc-"+lina {
		t.Errorf("lagging changelog: %+v, want Boris then Lina", got)
	}
}
