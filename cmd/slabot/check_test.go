package main

import (
	"strings"
	"testing"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// slabot check against a site that lacks a field the policies write, has
// one off the edit screen, or a channel without the bot fails and says so;
// with everything in place it passes.
func TestCheckAgainstJiraSite(t *testing.T) {
	for _, tc := range []struct {
		name     string
		drop     string
		offEdit  string
		outsider string // a channel the bot is not in
		wantErr  string
	}{
		{name: "every field present"},
		{name: "a deadline field missing", drop: "Reaction due", wantErr: "Reaction due"},
		{name: "a state field off the edit screen", offEdit: "Resolution SLA", wantErr: `"Resolution SLA" (customfield`},
		{name: "the bot is not in a channel", outsider: "#hydra-leads", wantErr: "invite it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			newTestSites(t, func(seed *jirasim.Seed) {
				var kept []jirasim.Field
				for _, f := range seed.Fields {
					f.NotOnEditScreen = f.Name == tc.offEdit
					if f.Name != tc.drop {
						kept = append(kept, f)
					}
				}
				seed.Fields = kept
				for _, p := range seed.Projects {
					seed.Issues = append(seed.Issues, jirasim.Issue{Project: p.Key, Type: "Question", Summary: "x", Reporter: jirasim.BotAccountID, Priority: "Medium"})
				}
			}, tc.outsider)
			code, out, errs := runCLI(t, "check", "--policies", "../../deploy/policies")
			if (code != 0) != (tc.wantErr != "") {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			if tc.wantErr != "" && !strings.Contains(errs, tc.wantErr) {
				t.Errorf("error does not say %q:\n%s", tc.wantErr, errs)
			}
			if tc.wantErr == "" && (!strings.Contains(out, "ok  jira project SAN") || !strings.Contains(out, "ok  slack channel #botron-leads")) {
				t.Errorf("want both sites checked:\n%s", out)
			}
			if strings.Contains(out+errs, jirasim.BotToken) {
				t.Error("the token leaked into the output")
			}
		})
	}
}
