// Package pdsim is an in-memory PagerDuty Events API v2 (POST
// /v2/enqueue) for tests and `slabot demo`, with the answers and checks
// PagerDuty documents: 202 {"status":"success","dedup_key"} for a good
// event; 400 "invalid event" for a routing key that is not 32 characters
// or not an integration's, an unknown event_action, a trigger without
// payload.summary, source or a known severity, an acknowledge or resolve
// without dedup_key; 429 when asked to. Alerts are kept per service
// (routing key) and dedup key: a trigger opens one, a trigger while it is
// open adds to it, a resolve closes it, and a trigger after the resolve
// opens a new alert (and incident) under the same dedup key: PagerDuty
// never reopens a resolved one. Sources: "If there are no open incidents
// with this key, PagerDuty creates a new incident" and "If two events with
// the same dedup_key are sent to two different integrations within the
// same service, they are not deduplicated" (PagerDuty Knowledge Base, Event
// Management, "Deduplicate Alerts",
// https://support.pagerduty.com/docs/event-management); "Resolved - A
// resolved incident has been fixed. Once an incident is resolved, no
// additional notifications are sent and the incident cannot be triggered
// again" (Knowledge Base, Incidents, https://support.pagerduty.com/docs/incidents).
// An acknowledge or resolve for a key with no open alert changes nothing
// and is still answered 202.
package pdsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

// Event is one event as received.
type Event struct {
	At       time.Time
	Action   string
	DedupKey string
	Summary  string
	Severity string
	Source   string
	Status   int // HTTP status answered
}

// Alert is one alert of a service (routing key): a dedup key's alerts
// follow one another, each opened by a trigger after the previous one was
// resolved.
type Alert struct {
	DedupKey   string
	RoutingKey string
	Summary    string
	Status     string // "triggered", "acknowledged" or "resolved"
	Triggers   int    // trigger events received while it was open
	Resolves   int
}

// Server is the simulator on a loopback port.
type Server struct {
	URL string // the events API endpoint: pass it as the pager's endpoint

	mu   sync.Mutex
	now  func() time.Time
	keys map[string]bool
	// open is the alert each (routing key, dedup key) has open now; all
	// lists every alert in the order opened.
	open    map[string]*Alert
	all     []*Alert
	events  []Event
	fail429 int
	srv     *httptest.Server
	seq     int
}

// NewServer starts a simulator that accepts the given integration routing
// keys (each 32 characters, as PagerDuty's are).
func NewServer(now func() time.Time, routingKeys ...string) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{now: now, keys: map[string]bool{}, open: map[string]*Alert{}}
	for _, k := range routingKeys {
		s.keys[k] = true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/enqueue", s.enqueue)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// RateLimit makes the next n events answer 429.
func (s *Server) RateLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail429 = n
}

// Alerts returns the alerts in the order they were opened.
func (s *Server) Alerts() []Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Alert, 0, len(s.all))
	for _, a := range s.all {
		out = append(out, *a)
	}
	return out
}

// Events returns every event received, in order.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

type event struct {
	RoutingKey string `json:"routing_key"`
	Action     string `json:"event_action"`
	DedupKey   string `json:"dedup_key"`
	Payload    *struct {
		Summary  string `json:"summary"`
		Source   string `json:"source"`
		Severity string `json:"severity"`
	} `json:"payload"`
}

func (s *Server) enqueue(w http.ResponseWriter, r *http.Request) {
	var ev event
	err := json.NewDecoder(r.Body).Decode(&ev)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := Event{At: s.now(), Action: ev.Action, DedupKey: ev.DedupKey}
	if ev.Payload != nil {
		rec.Summary, rec.Severity, rec.Source = ev.Payload.Summary, ev.Payload.Severity, ev.Payload.Source
	}
	answer := func(status int, body map[string]any) {
		rec.Status = status
		s.events = append(s.events, rec)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
	invalid := func(msg string) {
		answer(http.StatusBadRequest, map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": []string{msg}})
	}
	if s.fail429 > 0 {
		s.fail429--
		answer(http.StatusTooManyRequests, map[string]any{"status": "throttle event", "message": "Requests for this service are arriving too quickly.  Please retry later."})
		return
	}
	switch {
	case err != nil:
		invalid("Event object is not valid JSON")
		return
	case len(ev.RoutingKey) != 32:
		invalid("Length of 'routing_key' is incorrect (should be 32 characters)")
		return
	case !s.keys[ev.RoutingKey]:
		invalid("'routing_key' does not belong to an integration")
		return
	}
	switch ev.Action {
	case "trigger":
		p := ev.Payload
		switch {
		case p == nil || p.Summary == "":
			invalid("'payload.summary' is missing or blank")
			return
		case len(p.Summary) > 1024:
			invalid("'payload.summary' is too long (1024 characters at most)")
			return
		case p.Source == "":
			invalid("'payload.source' is missing or blank")
			return
		case !slices.Contains([]string{"critical", "error", "warning", "info"}, p.Severity):
			invalid("'payload.severity' must be one of critical, error, warning or info")
			return
		}
		if ev.DedupKey == "" {
			s.seq++
			ev.DedupKey = fmt.Sprintf("pdsim-%06d", s.seq)
			rec.DedupKey = ev.DedupKey
		}
		k := alertKey(ev.RoutingKey, ev.DedupKey)
		a := s.open[k]
		if a == nil { // none, or only resolved ones: a new alert
			a = &Alert{DedupKey: ev.DedupKey, RoutingKey: ev.RoutingKey, Status: "triggered", Summary: p.Summary}
			s.open[k] = a
			s.all = append(s.all, a)
		}
		a.Triggers++
	case "acknowledge", "resolve":
		if ev.DedupKey == "" {
			invalid("'dedup_key' is required for " + ev.Action + " events")
			return
		}
		k := alertKey(ev.RoutingKey, ev.DedupKey)
		if a := s.open[k]; a != nil {
			if ev.Action == "resolve" {
				a.Status = "resolved"
				a.Resolves++
				delete(s.open, k)
			} else {
				a.Status = "acknowledged"
			}
		}
	default:
		invalid("'event_action' must be one of trigger, acknowledge or resolve")
		return
	}
	answer(http.StatusAccepted, map[string]any{"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey})
}

// alertKey identifies an alert: PagerDuty deduplicates within the service
// a routing key belongs to, so the same dedup key sent with two routing
// keys opens two alerts, and a resolve closes only its own service's.
func alertKey(routingKey, dedupKey string) string { return routingKey + "\x00" + dedupKey }
