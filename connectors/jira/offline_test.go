package jira

import (
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// The offline decoder (slabot explain --issue FILE.json) maps a saved
// GET /rest/api/2/issue/KEY?expand=changelog,names exactly as the live
// client maps the same issue.
func TestDecodeIssueMatchesLiveMapping(t *testing.T) {
	created := t0.Add(-3 * time.Hour)
	seed := seedWith(jirasim.Issue{
		Key: "SUP-9", Project: "SUP", Type: "Incident", Priority: "High", Status: "In Progress", Summary: "VPN down",
		Organizations: []string{"Acme Çorp"},
		Reporter:      jirasim.CustomerID, Assignee: jirasim.AgentID, Labels: []string{"vip", "sla-first_response-at-risk"},
		Created: created, Fields: map[string]any{"First Response Due": created.Add(time.Hour), "Customer Tier": "Premium"},
		History: []jirasim.History{
			{At: created.Add(10 * time.Minute), Author: jirasim.AgentID, Items: []jirasim.Item{{Field: "priority", From: "Medium", To: "High"}}},
			{At: created.Add(30 * time.Minute), Author: jirasim.AgentID, Items: []jirasim.Item{{Field: "status", From: "Open", To: "In Progress"}}},
		},
		Comments: []jirasim.Comment{{Author: jirasim.AgentID, Body: "looking", Created: created.Add(15 * time.Minute)}},
		Worklogs: []jirasim.Worklog{{Author: jirasim.AgentID, Started: created.Add(time.Hour), SpentSeconds: 1800}},
	})
	s := newSite(t, seed, jirasim.Options{}, nil)
	live, _, err := s.client.Issue(ctx(t), "SUP-9")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", s.srv.URL+"/rest/api/2/issue/SUP-9?expand=changelog,names", nil)
	req.SetBasicAuth(jirasim.BotEmail, jirasim.BotToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	offline, err := DecodeIssue(body, defaultFields(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Organizations) != 1 {
		t.Fatalf("live organizations %v, want the issue's one", live.Organizations)
	}
	if !reflect.DeepEqual(live, offline) {
		t.Errorf("offline mapping differs:\nlive    %+v\noffline %+v", live, offline)
	}
	if _, err := DecodeIssue([]byte("{not json"), nil, ""); err == nil {
		t.Error("bad JSON accepted")
	}
}
