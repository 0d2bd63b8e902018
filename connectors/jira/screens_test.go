package jira

import (
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

func TestScreenProblemsNamesFieldsOffTheEditScreen(t *testing.T) {
	seed := seedWith(jirasim.Issue{Key: "SUP-1", Project: "SUP", Type: "Incident", Summary: "x", Reporter: jirasim.CustomerID, Created: t0.Add(-time.Hour)})
	for i := range seed.Fields {
		if seed.Fields[i].Name == "SLA State" {
			seed.Fields[i].NotOnEditScreen = true
		}
	}
	s := newSite(t, seed, jirasim.Options{}, nil)
	problems, err := s.client.ScreenProblems(ctx(t), "SUP", []string{"First Response Due", "SLA State"})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], `"SLA State"`) || !strings.Contains(problems[0], "edit screen of project SUP") {
		t.Errorf("problems %q, want one naming SLA State", problems)
	}
}
