package bot_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/slabot/slabot/bot"
)

// touches records what the webhook hands over.
type touches struct {
	mu   sync.Mutex
	keys []string
}

func (t *touches) Take(_ context.Context, key string) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !strings.HasPrefix(key, "SAN-") {
		return false, nil
	}
	t.keys = append(t.keys, key)
	return true, nil
}

// Jira signs an admin webhook's raw body with HMAC-SHA256 of its secret
// ("X-Hub-Signature: sha256=<hex>") and keeps a delivery's
// "X-Atlassian-Webhook-Identifier" across its retries (DESIGN, "Jira
// facts"). The receiver takes a signed, new event about a watched
// project's issue and refuses the rest, each counted by result and none
// handed over: unsigned, forged (another secret, or the body changed
// after signing), oversized (10 MB), not JSON or about no issue, not a
// POST; a retry of a delivery already taken is answered 200 and does
// nothing; a signed event about a project no product watches is ignored.
func TestWebhookVerifiesAndDeduplicates(t *testing.T) {
	secret := []byte("s3cret-of-the-webhook")
	m := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "webhooks"}, []string{"result"})
	tw := &touches{}
	srv := httptest.NewServer(&bot.Webhook{Secret: secret, Worker: tw, Metrics: m})
	defer srv.Close()
	event := []byte(`{"timestamp":1,"webhookEvent":"jira:issue_updated","issue":{"id":"10001","key":"SAN-2","fields":{}}}`)
	big := append([]byte(`{"issue":{"key":"SAN-3"},"pad":"`), bytes.Repeat([]byte("x"), 10<<20)...)
	big = append(big, '"', '}')
	for _, tc := range []struct {
		name   string
		method string
		body   []byte
		sig    string // "" unsigned; "ok" the right signature of body
		id     string
		status int
		result string
	}{
		{"signed and new", "POST", event, "ok", "d-1", 202, bot.WebhookAccepted},
		{"a retry of the same delivery", "POST", event, "ok", "d-1", 200, bot.WebhookDuplicate},
		{"unsigned", "POST", event, "", "d-2", 401, bot.WebhookUnsigned},
		{"signed with another secret", "POST", event, bot.Signature([]byte("guess"), event), "d-3", 401, bot.WebhookBadSignature},
		{"body changed after signing", "POST", bytes.Replace(event, []byte("SAN-2"), []byte("SAN-9"), 1), bot.Signature(secret, event), "d-4", 401, bot.WebhookBadSignature},
		{"not hex", "POST", event, "sha256=zz", "d-5", 401, bot.WebhookBadSignature},
		{"10 MB", "POST", big, "ok", "d-6", 413, bot.WebhookTooLarge},
		{"not JSON", "POST", []byte("issue SAN-2"), "ok", "d-7", 400, bot.WebhookMalformed},
		{"no issue", "POST", []byte(`{"webhookEvent":"project_created"}`), "ok", "d-8", 400, bot.WebhookMalformed},
		{"a project nobody watches", "POST", []byte(`{"issue":{"key":"OPS-1"}}`), "ok", "d-9", 200, bot.WebhookIgnored},
		{"GET", "GET", nil, "", "", 405, bot.WebhookBadMethod},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			switch tc.sig {
			case "ok":
				req.Header.Set("X-Hub-Signature", bot.Signature(secret, tc.body))
			case "":
			default:
				req.Header.Set("X-Hub-Signature", tc.sig)
			}
			if tc.id != "" {
				req.Header.Set("X-Atlassian-Webhook-Identifier", tc.id)
			}
			before := counted(m, tc.result)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := counted(m, tc.result) - before; got != 1 {
				t.Errorf("%s counted %v times, want 1", tc.result, got)
			}
		})
	}
	if strings.Join(tw.keys, ",") != "SAN-2" {
		t.Errorf("handed over %v, want SAN-2 once", tw.keys)
	}
}

// counted is the counter's value for result.
func counted(m *prometheus.CounterVec, result string) float64 {
	var d dto.Metric
	if err := m.WithLabelValues(result).Write(&d); err != nil {
		return -1
	}
	return d.GetCounter().GetValue()
}
