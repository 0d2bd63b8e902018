package outbox

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

// Rows written by the release before the notice types moved to rules, as
// that release's code encoded them (captured from its encodeEscalation,
// encodeReport and payload structs). A database it wrote must read
// unchanged: the same step, recipient and key, so nobody is pinged again
// after the upgrade; and what this release writes for the same values is
// byte for byte what that one wrote.
var previousRelease = map[string]string{
	"escalation":         `{"v":1,"issue_key":"SAN-2","issue_url":"https://sanarise.atlassian.net/browse/SAN-2","goal":"first_response","goal_title":"First response","cycle":1,"step":"breach/team_lead","level":2,"rung":"team lead","target":{"channel":"C0LEADS"},"earlier":[{"assignee_account_id":"acc-1","assignee_email":"ayse@sanarise.com","assignee_name":"Ayşe","fallback_channel":"C0SUP"}],"groups":["support-leads"],"summary":"Login \u003cfails\u003e \u0026 more","customer":"Acme","plan":"Gold","priority":"Critical","deadline":"2026-11-03T08:00:00.585Z","remaining":-92000000,"as_of":"2026-11-03T08:15:00.585Z","status":"breached","due_at":"2026-11-03T08:00:00.585Z","data_as_of":"2026-11-03T07:00:00.585Z"}`,
	"escalation, sparse": `{"v":1,"issue_key":"SUP-1","issue_url":"","goal":"resolution","cycle":0,"level":1,"rung":"agent","target":{"fallback_channel":"C1"},"summary":"","deadline":"0001-01-01T00:00:00Z","remaining":0,"as_of":"0001-01-01T00:00:00Z","status":""}`,
	"report":             `{"v":2,"kind":"report","report":{"product":"Botron","project":"BOT","period":"2026-10","title":"October 2026","summary":"*x*","file_name":"botron-2026-10.md","content":"IyByCg==","channel":"C9","due_at":"2026-11-03T08:00:00.585Z"}}`,
	"page":               `{"v":2,"kind":"page","page":{"action":"trigger","routing_key_env":"SLABOT_PD","dedup_key":"slabot/SAN-2/first_response/1","summary":"s","source":"slabot/x","severity":"critical","link":"l","issue":"SAN-2","goal":"first_response","cycle":1,"step":"breach/management","level":3,"rung":"management","only":true}}`,
	"digest":             `{"v":2,"kind":"digest","digest":{"product":"Botron","period":"2026-11-03T09:00:00Z","title":"t","channel":"C2","at_risk":1,"breached":1,"items":[{"key":"BOT-1","url":"u","summary":"s","goal":"First response","state":"breached","deadline":"d","owner":"o","level":2,"ack_by":"U1"},{"key":"BOT-2","summary":"s2","goal":"g","state":"at risk","deadline":"d","owner":"unassigned","level":0}],"due_at":"2026-11-03T08:00:00.585Z"}}`,
	"snooze click":       `{"v":2,"kind":"action","action":{"kind":"snooze","issue":"BOT-1","goal":"first_response","cycle":1,"step":"75%/agent","user":"U1","name":"lead","email":"l@x","account":"acc","channel":"C1","message_ts":"1.2","action_ts":"3.4","at":"2026-11-03T08:00:00.585Z","snooze":1800000000000}}`,
	"acknowledge click":  `{"v":2,"kind":"action","action":{"kind":"acknowledge","issue":"BOT-1","goal":"first_response","cycle":1,"step":"75%/agent","user":"U1","channel":"C1","message_ts":"1.2","action_ts":"3.4","at":"2026-11-03T08:00:00.585Z"}}`,
}

func TestPreviousReleaseRowsDecodeAndReencodeByteForByte(t *testing.T) {
	reencode := map[string]func(b []byte) ([]byte, error){
		"escalation": func(b []byte) ([]byte, error) {
			e, err := decodeEscalation(b)
			if err != nil {
				return nil, err
			}
			return encodeEscalation(e)
		},
		"report": func(b []byte) ([]byte, error) {
			_, r, err := decodeRow(b)
			if err != nil {
				return nil, err
			}
			return encodeReport(*r)
		},
		"page": func(b []byte) ([]byte, error) {
			p, err := decodePage(b)
			if err != nil {
				return nil, err
			}
			return encodePage(p)
		},
		"digest": func(b []byte) ([]byte, error) {
			d, err := decodeDigest(b)
			if err != nil {
				return nil, err
			}
			return encodeDigest(d)
		},
		"click": func(b []byte) ([]byte, error) {
			a, err := decodeAction(b)
			if err != nil {
				return nil, err
			}
			return json.Marshal(actionPayload{V: envelopeVersion, Kind: kindActionField, Action: actionV2(a)})
		},
	}
	for name, row := range previousRelease {
		kind := name
		switch name {
		case "escalation, sparse":
			kind = "escalation"
		case "snooze click", "acknowledge click":
			kind = "click"
		}
		got, err := reencode[kind]([]byte(row))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if string(got) != row {
			t.Errorf("%s re-encoded differs from the previous release's row:\n got %s\nwant %s", name, got, row)
		}
	}
}

func TestPreviousReleaseEscalationReadsAsTheSameNotice(t *testing.T) {
	e, err := decodeEscalation([]byte(previousRelease["escalation"]))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 3, 8, 0, 0, 585_000_000, time.UTC)
	if e.Rung != rules.RungTeamLead || e.Step != "breach/team_lead" || e.Level != 2 || e.Cycle != 1 || !e.DueAt.Equal(at) ||
		e.Recipient.Channel != "C0LEADS" || len(e.Earlier) != 1 || e.Earlier[0].AssigneeEmail != "ayse@sanarise.com" ||
		e.Remaining != -92*time.Millisecond || e.Skip != "" {
		t.Errorf("decoded %+v", e)
	}
	// The key the message carries in Slack (and the row's key) is built
	// from the same parts as before: the step identity is unchanged.
	if k := rules.NoticeKey(e.IssueKey, e.Goal, e.Cycle, e.Step); k != "SAN-2|first_response|1|breach/team_lead" {
		t.Errorf("key %q", k)
	}
	p, err := decodePage([]byte(previousRelease["page"]))
	if err != nil || p.Rung != rules.RungManagement || !p.Only || p.Action != rules.PageTrigger {
		t.Errorf("page %+v %v", p, err)
	}
	if a, err := decodeAction([]byte(previousRelease["snooze click"])); err != nil || a.Kind != rules.ClickSnooze || a.Snooze != 30*time.Minute ||
		rules.ClickKey(a) != "action|BOT-1|first_response|1|snooze@3.4" {
		t.Errorf("click %+v %v", a, err)
	}
}
