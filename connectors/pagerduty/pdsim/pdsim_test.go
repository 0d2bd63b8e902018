package pdsim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/slabot/slabot/connectors/pagerduty/pdsim"
)

const key = "R0UT1NGKEY0123456789abcdefABCDEF" // 32 characters, as PagerDuty's

func send(t *testing.T, s *pdsim.Server, action, dedup string) {
	t.Helper()
	ev := map[string]any{"routing_key": key, "event_action": action, "dedup_key": dedup}
	if action == "trigger" {
		ev["payload"] = map[string]string{"summary": "SUP-1 breached resolution", "source": "slabot", "severity": "critical"}
	}
	b, _ := json.Marshal(ev)
	resp, err := http.Post(s.URL+"/v2/enqueue", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%s %s: HTTP %d, want 202", action, dedup, resp.StatusCode)
	}
}

// "If there are no open incidents with this key, PagerDuty creates a new
// incident" (PagerDuty Knowledge Base, Event Management, "Deduplicate
// Alerts"); "Once an incident is resolved ... the incident cannot be
// triggered again" (Knowledge Base, Incidents). A trigger with the dedup
// key of a resolved alert opens a new alert; the resolved one stays
// resolved. A resolve with no open alert changes nothing.
func TestTriggerAfterResolveOpensANewAlert(t *testing.T) {
	s := pdsim.NewServer(nil, key)
	defer s.Close()
	const dedup = "slabot/SUP-1/resolution/1"
	send(t, s, "trigger", dedup)
	send(t, s, "trigger", dedup) // open: adds to it
	send(t, s, "resolve", dedup)
	send(t, s, "resolve", dedup) // nothing open: ignored
	send(t, s, "trigger", dedup) // a new alert
	a := s.Alerts()
	if len(a) != 2 {
		t.Fatalf("%d alerts, want 2 (the resolved one and a new one): %+v", len(a), a)
	}
	if a[0].Status != "resolved" || a[0].Triggers != 2 || a[0].Resolves != 1 {
		t.Errorf("first alert %+v, want resolved after 2 triggers and 1 resolve", a[0])
	}
	if a[1].DedupKey != dedup || a[1].Status != "triggered" || a[1].Triggers != 1 || a[1].Resolves != 0 {
		t.Errorf("second alert %+v, want a new triggered alert under the same dedup key", a[1])
	}
	send(t, s, "resolve", dedup)
	if a := s.Alerts(); a[0].Resolves != 1 || a[1].Status != "resolved" {
		t.Errorf("after a second resolve: %+v, want only the new alert resolved by it", a)
	}
}
