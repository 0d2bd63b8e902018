package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/deploy"
	"github.com/slabot/slabot/rules"
)

// slabot check against a site that lacks a field the policies write fails
// and names the field; with every field present it passes.
func TestCheckAgainstJiraSite(t *testing.T) {
	policies, err := rules.LoadFS(deploy.Policies, "policies")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		drop    string
		wantErr bool
	}{
		{"every field present", "", false},
		{"a deadline field missing", "Reaction due", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seed, err := demoSeed(policies)
			if err != nil {
				t.Fatal(err)
			}
			var kept []jirasim.Field
			for _, f := range seed.Fields {
				if f.Name != tc.drop {
					kept = append(kept, f)
				}
			}
			seed.Fields = kept
			sim, err := jirasim.New(seed, jirasim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(sim)
			defer srv.Close()
			slackSrv := slacksim.NewServer()
			defer slackSrv.Close()
			t.Setenv("SLABOT_JIRA_URL", srv.URL)
			t.Setenv("SLABOT_JIRA_EMAIL", jirasim.BotEmail)
			t.Setenv("SLABOT_JIRA_TOKEN", jirasim.BotToken)
			t.Setenv("SLABOT_SLACK_TOKEN", "xoxb-test")
			t.Setenv("SLABOT_SLACK_API_URL", slackSrv.APIURL())
			code, out, errs := runCLI(t, "check", "--policies", "../../deploy/policies")
			if (code != 0) != tc.wantErr {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			if tc.wantErr && !strings.Contains(errs, tc.drop) {
				t.Errorf("error does not name the field %q:\n%s", tc.drop, errs)
			}
			if !tc.wantErr && (!strings.Contains(out, "ok  jira") || !strings.Contains(out, "ok  slack")) {
				t.Errorf("want both sites checked:\n%s", out)
			}
			if strings.Contains(out+errs, jirasim.BotToken) {
				t.Error("the token leaked into the output")
			}
		})
	}
}
