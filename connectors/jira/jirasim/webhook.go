package jirasim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Webhooks as Jira Cloud sends them. An admin webhook (registered with a
// URL, a secret and optionally a JQL filter) receives a POST for every
// issue event: the raw body signed with HMAC-SHA256 of the secret in
// "X-Hub-Signature: sha256=<hex>", a delivery identifier in
// "X-Atlassian-Webhook-Identifier" that stays the same across retries,
// the retry count in "X-Atlassian-Webhook-Retry", and
// "X-Atlassian-Webhook-Flow: Primary" (Secondary for the fallout of bulk
// changes). A delivery that fails (no answer, or not 2xx) is retried with
// backoff. Deliveries are not ordered, and can come late or twice;
// WebhookFaults makes them so on purpose.

// Webhook is an admin webhook of the simulated site.
type Webhook struct {
	Name   string
	URL    string
	Secret string // empty: deliveries go unsigned
	// JQL filters the issues it is sent for ("project in (SUP, OPS)");
	// empty: every issue.
	JQL string
	// Events it is sent for (WebhookEventNames); empty: every event.
	Events      []string
	ExcludeBody bool
	Disabled    bool
}

// WebhookFaults make deliveries untidy, as Jira's can be.
type WebhookFaults struct {
	// Delay holds every delivery this long before its first attempt.
	Delay time.Duration
	// DelayOf, when set, adds its answer for the n-th delivery (counting
	// from 1) to Delay: deliveries then arrive out of order. It is called
	// with the simulator locked: it must return at once.
	DelayOf func(n int64) time.Duration
	// DuplicateEvery sends every n-th delivery twice (same identifier).
	DuplicateEvery int
	// DropEvery loses every n-th delivery: never sent, never retried (the
	// poll must catch its change).
	DropEvery int
	// Retries is how many times a failed delivery is tried again (default
	// 5), waiting RetryBackoff, doubled each time (default 1 s).
	Retries      int
	RetryBackoff time.Duration
}

// Delivery is one webhook delivery as the simulator attempted it.
type Delivery struct {
	Identifier string
	Event      string
	IssueKey   string
	Flow       string
	Attempt    int // 0 for the first, then the retry count
	Status     int // the receiver's answer; 0 when the request failed
	Dropped    bool
}

// registered is a webhook with its filter, parsed once when it is added.
type registered struct {
	Webhook
	id    int64
	match func(*issue) bool // nil: every issue
}

type webhookState struct {
	mu         sync.Mutex
	hooks      []registered
	faults     WebhookFaults
	seq        int64
	lastID     int64 // of the webhooks registered
	deliveries []Delivery
	client     *http.Client
	wg         sync.WaitGroup
	bulk       int // bulk changes running: their events are Secondary
}

// AddWebhook registers an admin webhook: every later issue event is sent
// to it. A filter that is not valid JQL is refused.
func (s *Server) AddWebhook(h Webhook) error {
	r := registered{Webhook: h}
	if h.JQL != "" {
		s.mu.Lock()
		q, err := s.parseJQL(h.JQL, s.webhookAdmin())
		s.mu.Unlock()
		if err != nil {
			return err
		}
		r.match = q.where
	}
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.lastID++
	r.id = s.hooks.lastID
	s.hooks.hooks = append(s.hooks.hooks, r)
	return nil
}

// SetWebhookFaults sets how untidy deliveries are from now on.
func (s *Server) SetWebhookFaults(f WebhookFaults) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.faults = f
}

// Deliveries lists the webhook deliveries attempted so far.
func (s *Server) Deliveries() []Delivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return append([]Delivery(nil), s.hooks.deliveries...)
}

// WaitDeliveries waits until every delivery started so far has been
// answered, dropped, or given up.
func (s *Server) WaitDeliveries() { s.hooks.wg.Wait() }

// Webhook flows (X-Atlassian-Webhook-Flow): Primary for an event itself,
// Secondary for the fallout of a bulk change.
const (
	FlowPrimary   = "Primary"
	FlowSecondary = "Secondary"
)

// emit queues the event for every webhook whose filter matches is. Caller
// holds s.mu; the deliveries run on their own goroutines.
func (s *Server) emit(is *issue, event string) {
	s.hooks.mu.Lock()
	flow := FlowPrimary
	if s.hooks.bulk > 0 {
		flow = FlowSecondary
	}
	s.hooks.mu.Unlock()
	s.emitFlow(is, event, flow)
}

// emitFlow is emit in the given flow.
func (s *Server) emitFlow(is *issue, event, flow string) {
	s.hooks.mu.Lock()
	hooks := append([]registered(nil), s.hooks.hooks...)
	s.hooks.mu.Unlock()
	if len(hooks) == 0 {
		return
	}
	now := s.now()
	body, err := json.Marshal(map[string]any{
		"timestamp":    now.UnixMilli(),
		"webhookEvent": event,
		"issue": map[string]any{
			"id": is.idString(), "key": is.key,
			"self": s.opts.BaseURL + "/rest/api/2/issue/" + is.idString(),
			"fields": map[string]any{
				"project": map[string]any{"key": is.project.Key, "id": is.project.ID},
				"summary": is.summary,
				"updated": s.fmtTime(is.updated),
			},
		},
	})
	if err != nil {
		return
	}
	for _, h := range hooks {
		if h.Disabled || (h.match != nil && !h.match(is)) || (len(h.Events) > 0 && !slices.Contains(h.Events, event)) {
			continue
		}
		s.deliver(h.Webhook, event, is.key, flow, body)
	}
}

// deliver sends one event to h with retries, honouring the faults.
func (s *Server) deliver(h Webhook, event, key, flow string, body []byte) {
	st := &s.hooks
	st.mu.Lock()
	st.seq++
	n := st.seq
	f := st.faults
	id := "sim-" + strconv.FormatInt(n, 10)
	if f.DropEvery > 0 && n%int64(f.DropEvery) == 0 {
		st.deliveries = append(st.deliveries, Delivery{Identifier: id, Event: event, IssueKey: key, Flow: flow, Dropped: true})
		st.mu.Unlock()
		return
	}
	copies := 1
	if f.DuplicateEvery > 0 && n%int64(f.DuplicateEvery) == 0 {
		copies = 2
	}
	if st.client == nil {
		st.client = &http.Client{Timeout: 10 * time.Second}
	}
	client := st.client
	delay := f.Delay
	if f.DelayOf != nil {
		delay += f.DelayOf(n)
	}
	st.wg.Add(copies)
	st.mu.Unlock()
	retries, backoff := f.Retries, f.RetryBackoff
	if retries <= 0 {
		retries = 5
	}
	if backoff <= 0 {
		backoff = time.Second
	}
	sig := ""
	if h.Secret != "" {
		mac := hmac.New(sha256.New, []byte(h.Secret))
		mac.Write(body)
		sig = "sha256=" + hex.EncodeToString(mac.Sum(nil))
	}
	for range copies {
		go func() {
			defer st.wg.Done()
			time.Sleep(delay)
			wait := backoff
			for attempt := 0; attempt <= retries; attempt++ {
				status := post(client, h.URL, body, sig, id, flow, attempt)
				st.mu.Lock()
				st.deliveries = append(st.deliveries, Delivery{Identifier: id, Event: event, IssueKey: key, Flow: flow, Attempt: attempt, Status: status})
				st.mu.Unlock()
				if status >= 200 && status < 300 {
					return
				}
				time.Sleep(wait)
				wait *= 2
			}
		}()
	}
}

// post makes one attempt and returns the status (0: no answer).
func post(c *http.Client, url string, body []byte, sig, id, flow string, attempt int) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-Hub-Signature", sig)
	}
	req.Header.Set("X-Atlassian-Webhook-Identifier", id)
	req.Header.Set("X-Atlassian-Webhook-Flow", flow)
	if attempt > 0 {
		req.Header.Set("X-Atlassian-Webhook-Retry", strconv.Itoa(attempt))
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// webhookAdmin is whom a webhook's filter is evaluated as: an
// administrator registers admin webhooks, and sees every project. Caller
// holds s.mu.
func (s *Server) webhookAdmin() *User {
	ids := make([]string, 0, len(s.users))
	for id, u := range s.users {
		if u.Admin {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return &User{Admin: true}
	}
	sort.Strings(ids)
	return s.users[ids[0]]
}

// BulkSetFields changes the same fields of several issues as one bulk
// edit would (SetFields on each): their webhook events come in the
// Secondary flow, as Jira sends the fallout of bulk changes (so do the
// events of any other change made while it runs).
func (s *Server) BulkSetFields(keys []string, values map[string]any, actor string, at time.Time) error {
	s.hooks.mu.Lock()
	s.hooks.bulk++
	s.hooks.mu.Unlock()
	defer func() {
		s.hooks.mu.Lock()
		s.hooks.bulk--
		s.hooks.mu.Unlock()
	}()
	for _, k := range keys {
		if err := s.SetFields(k, values, actor, at); err != nil {
			return err
		}
	}
	return nil
}
