package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slabot/slabot/rules/clock"
)

// The Jira webhook: the fast path. Jira Cloud's admin webhooks sign the
// raw body with HMAC-SHA256 of the secret they were registered with
// ("X-Hub-Signature: sha256=<hex>"), give each delivery an identifier that
// stays the same across its retries ("X-Atlassian-Webhook-Identifier"),
// and may deliver late, twice, or out of order. So an event is taken only
// as "this issue changed": the worker re-reads the issue with a consistent
// GET and evaluates it through the same cache, patch and outbox path as a
// poll (Worker.Touch). The poll stays the safety net: a delivery that never
// arrives costs speed, not correctness.

// DefaultWebhookMaxBody bounds a webhook request's body. It is our bound,
// not Jira's: the receiver reads only the issue's id and key, and a body
// this large is refused unread (413) rather than held in memory.
const DefaultWebhookMaxBody = 1 << 20

// webhookSeenFor is how long a delivery's identifier is remembered: a
// retry of the same delivery within it is answered 200 and does nothing.
// An older retry only makes the worker re-read the issue once more, which
// changes nothing.
const webhookSeenFor = time.Hour

// Webhook results, the label of Metrics.Webhooks.
const (
	WebhookAccepted     = "accepted"      // signed, new: the issue is re-read
	WebhookDuplicate    = "duplicate"     // an identifier already taken
	WebhookIgnored      = "ignored"       // signed, but about no issue of a watched project
	WebhookUnsigned     = "unsigned"      // no X-Hub-Signature
	WebhookBadSignature = "bad_signature" // the signature does not match the body
	WebhookTooLarge     = "too_large"
	WebhookMalformed    = "malformed" // not JSON, or no issue key
	WebhookBadMethod    = "bad_method"
	WebhookUnrelayed    = "unrelayed" // a standby could not store it for the writer: answered 503, Jira retries
)

// Toucher is what the webhook tells: the issue with key changed (the
// Worker's Take: the writer re-reads it, a standby relays it).
type Toucher interface {
	Take(ctx context.Context, key string) (watched bool, err error)
}

// Webhook is the http.Handler of Jira's admin webhook.
type Webhook struct {
	// Secret is the webhook's secret (SLABOT_JIRA_WEBHOOK_SECRET). Empty
	// refuses every request: an unsigned event is never trusted.
	Secret []byte
	// Worker receives the issues that changed.
	Worker Toucher
	// MaxBody bounds the body (default DefaultWebhookMaxBody).
	MaxBody int64
	// Clock is the time the identifiers are remembered by (default the
	// wall clock).
	Clock   clock.Clock
	Logger  *slog.Logger
	Metrics *prometheus.CounterVec // by result; nil: not counted

	mu   sync.Mutex
	seen map[string]time.Time // identifier -> first taken
	last time.Time            // last prune
}

// webhookEvent is the part of a Jira webhook body the receiver reads.
// Every issue, comment and worklog event carries the issue it concerns.
type webhookEvent struct {
	WebhookEvent string `json:"webhookEvent"`
	Issue        *struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	} `json:"issue"`
}

// ServeHTTP verifies, de-duplicates and hands the issue over. The body is
// never logged: it carries customer text.
func (h *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	result, status := h.serve(r)
	h.count(result)
	if result != WebhookAccepted && result != WebhookDuplicate && result != WebhookIgnored {
		h.log().Warn("Jira webhook request refused", "result", result, "remote", r.RemoteAddr,
			"identifier", truncateID(r.Header.Get("X-Atlassian-Webhook-Identifier")))
	}
	rw.WriteHeader(status)
}

func (h *Webhook) serve(r *http.Request) (result string, status int) {
	if r.Method != http.MethodPost {
		return WebhookBadMethod, http.StatusMethodNotAllowed
	}
	sig := r.Header.Get("X-Hub-Signature")
	if sig == "" || len(h.Secret) == 0 {
		return WebhookUnsigned, http.StatusUnauthorized
	}
	max := h.MaxBody
	if max <= 0 {
		max = DefaultWebhookMaxBody
	}
	if r.ContentLength > max {
		return WebhookTooLarge, http.StatusRequestEntityTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return WebhookTooLarge, http.StatusRequestEntityTooLarge
		}
		return WebhookMalformed, http.StatusBadRequest
	}
	if !validSignature(h.Secret, body, sig) {
		return WebhookBadSignature, http.StatusUnauthorized
	}
	var ev webhookEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.Issue == nil || !validIssueKey(ev.Issue.Key) {
		return WebhookMalformed, http.StatusBadRequest
	}
	if id := r.Header.Get("X-Atlassian-Webhook-Identifier"); id != "" && !h.first(id) {
		return WebhookDuplicate, http.StatusOK
	}
	watched, err := h.Worker.Take(r.Context(), ev.Issue.Key)
	switch {
	case err != nil:
		// A standby could not relay it: Jira sends it again.
		h.forget(r.Header.Get("X-Atlassian-Webhook-Identifier"))
		return WebhookUnrelayed, http.StatusServiceUnavailable
	case !watched:
		return WebhookIgnored, http.StatusOK
	}
	return WebhookAccepted, http.StatusAccepted
}

// validSignature checks "sha256=<hex>" against the body's HMAC-SHA256
// (Signature), in constant time.
func validSignature(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(strings.ToLower(header)), []byte(Signature(secret, body)))
}

// Signature is the X-Hub-Signature Jira sends for body signed with secret
// (for simulators and tests).
func Signature(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// validIssueKey accepts PROJECT-123: a key the worker can map to a project.
func validIssueKey(k string) bool {
	project, n, ok := strings.Cut(k, "-")
	if !ok || project == "" || n == "" || len(k) > 255 {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// first remembers id and reports whether it is new.
func (h *Webhook) first(id string) bool {
	now := clock.Or(h.Clock).Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen == nil {
		h.seen = map[string]time.Time{}
	}
	if now.Sub(h.last) > webhookSeenFor/4 {
		for k, t := range h.seen {
			if now.Sub(t) > webhookSeenFor {
				delete(h.seen, k)
			}
		}
		h.last = now
	}
	if t, ok := h.seen[id]; ok && now.Sub(t) <= webhookSeenFor {
		return false
	}
	h.seen[id] = now
	return true
}

// forget drops id, so that Jira's retry of a delivery this process could
// not take is taken.
func (h *Webhook) forget(id string) {
	if id == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.seen, id)
}

func (h *Webhook) count(result string) {
	if h.Metrics != nil {
		h.Metrics.WithLabelValues(result).Inc()
	}
}

func (h *Webhook) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// truncateID keeps a logged identifier short: it comes from the request.
func truncateID(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}
