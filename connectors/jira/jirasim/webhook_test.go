package jirasim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// received is one delivery as the receiver saw it.
type received struct {
	id, retry, flow, sig string
	body                 []byte
}

// receiver answers each delivery with the next status of answers (then
// 200) and records it.
type receiver struct {
	mu      sync.Mutex
	got     []received
	answers []int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, received{id: req.Header.Get("X-Atlassian-Webhook-Identifier"), retry: req.Header.Get("X-Atlassian-Webhook-Retry"),
		flow: req.Header.Get("X-Atlassian-Webhook-Flow"), sig: req.Header.Get("X-Hub-Signature"), body: b})
	status := http.StatusOK
	if len(r.answers) > 0 {
		status, r.answers = r.answers[0], r.answers[1:]
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

// Deliveries as Jira Cloud's admin webhooks make them: the raw body signed
// with HMAC-SHA256 of the secret ("X-Hub-Signature: sha256=<hex>"), an
// identifier unchanged across retries with "X-Atlassian-Webhook-Retry"
// counting them, "X-Atlassian-Webhook-Flow: Primary", a body naming the
// event and the issue; a failed delivery retried with backoff; the JQL
// filter honoured; and, on purpose, duplicates and dropped deliveries.
func TestWebhookDeliveries(t *testing.T) {
	const secret = "whsec"
	rcv := &receiver{answers: []int{500, 503}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	s := newTestSim(t, Options{})
	if err := s.AddWebhook(Webhook{URL: srv.URL, Secret: secret, JQL: "project = SUP"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddWebhook(Webhook{URL: srv.URL, JQL: "project = (("}); err == nil {
		t.Error("a webhook with invalid JQL was registered")
	}
	s.SetWebhookFaults(WebhookFaults{RetryBackoff: time.Millisecond})
	if _, err := s.AddComment("SUP-1", AgentID, "on it", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s.WaitDeliveries()
	if len(rcv.got) != 3 {
		t.Fatalf("%d attempts, want 3 (two refused, then taken)", len(rcv.got))
	}
	first := rcv.got[0]
	for i, g := range rcv.got {
		if g.id == "" || g.id != first.id || g.flow != "Primary" || string(g.body) != string(first.body) {
			t.Errorf("attempt %d: id %q flow %q (want the first's id %q, Primary, the same body)", i, g.id, g.flow, first.id)
		}
		if want := []string{"", "1", "2"}[i]; g.retry != want {
			t.Errorf("attempt %d: X-Atlassian-Webhook-Retry %q, want %q", i, g.retry, want)
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(first.body)
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); first.sig != want {
		t.Errorf("signature %q, want %q", first.sig, want)
	}
	var ev struct {
		WebhookEvent string `json:"webhookEvent"`
		Issue        struct{ ID, Key string }
	}
	if err := json.Unmarshal(first.body, &ev); err != nil || ev.WebhookEvent != "comment_created" || ev.Issue.Key != "SUP-1" || ev.Issue.ID == "" {
		t.Errorf("body %s: %+v %v", first.body, ev, err)
	}

	rcv.mu.Lock()
	rcv.got = nil
	rcv.mu.Unlock()
	s.SetWebhookFaults(WebhookFaults{DuplicateEvery: 1})
	if err := s.SetFields("SUP-1", map[string]any{"summary": "VPN down again"}, AgentID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s.WaitDeliveries()
	if len(rcv.got) != 2 || rcv.got[0].id != rcv.got[1].id {
		t.Errorf("duplicated delivery: %d received, ids %v", len(rcv.got), rcv.got)
	}
	rcv.mu.Lock()
	rcv.got = nil
	rcv.mu.Unlock()
	s.SetWebhookFaults(WebhookFaults{DropEvery: 1})
	if err := s.SetFields("SUP-1", map[string]any{"summary": "VPN fixed"}, AgentID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s.WaitDeliveries()
	if len(rcv.got) != 0 {
		t.Errorf("a dropped delivery arrived: %v", rcv.got)
	}
	last := s.Deliveries()[len(s.Deliveries())-1]
	if !last.Dropped || last.IssueKey != "SUP-1" {
		t.Errorf("last delivery %+v, want SUP-1's, dropped", last)
	}
}

// The fallout of a bulk change comes in the Secondary flow
// ("X-Atlassian-Webhook-Flow: Secondary"), and deliveries can overtake
// each other: with the first one held back, the second arrives first.
func TestWebhookSecondaryFlowAndOrder(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	s := newTestSim(t, Options{})
	if err := s.AddWebhook(Webhook{URL: srv.URL, Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.BulkSetFields([]string{"SUP-1"}, map[string]any{"summary": "bulk"}, AgentID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s.WaitDeliveries()
	if len(rcv.got) != 1 || rcv.got[0].flow != "Secondary" {
		t.Fatalf("bulk change deliveries %+v, want one in the Secondary flow", rcv.got)
	}
	rcv.mu.Lock()
	rcv.got = nil
	rcv.mu.Unlock()
	first := int64(len(s.Deliveries()) + 1)
	s.SetWebhookFaults(WebhookFaults{DelayOf: func(n int64) time.Duration {
		if n == first {
			return 100 * time.Millisecond
		}
		return 0
	}})
	for _, summary := range []string{"one", "two"} {
		if err := s.SetFields("SUP-1", map[string]any{"summary": summary}, AgentID, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	s.WaitDeliveries()
	if len(rcv.got) != 2 || !strings.Contains(string(rcv.got[0].body), `"two"`) || rcv.got[0].flow != "Primary" {
		t.Fatalf("received %d, first %s: want the second change's delivery first", len(rcv.got), rcv.got[0].body)
	}
}
