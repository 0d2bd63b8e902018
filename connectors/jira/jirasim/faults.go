package jirasim

import (
	"net/http"
	"strings"
	"time"
)

// Fault makes matching requests misbehave, for testing how a client copes
// with a flaky site.
type Fault struct {
	// Method and Path select requests; empty Method matches any. Path is a
	// URL path; a trailing "*" makes it a prefix.
	Method string
	Path   string
	// Times is how many matching requests the fault affects; 0 means all.
	Times int
	// Latency delays the response (the wait ends early when the client
	// gives up).
	Latency time.Duration
	// Status answers with this status instead of the real response
	// (e.g. 503). Header and Body are added to it.
	Status int
	Header http.Header
	Body   string
	// Drop closes the connection without answering.
	Drop bool
	// AfterApply lets the request take effect before Status or Drop apply:
	// the ambiguous failure where a write succeeded but the client cannot
	// know it.
	AfterApply bool
}

type faultState struct {
	Fault
	used int
}

// InjectFault adds a fault; it returns a function that removes it.
func (s *Server) InjectFault(f Fault) (remove func()) {
	fs := &faultState{Fault: f}
	s.mu.Lock()
	s.faults = append(s.faults, fs)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.faults {
			if x == fs {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
				return
			}
		}
	}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// matchFault finds the first live fault for r and uses it up. Caller holds mu.
func (s *Server) matchFault(r *http.Request, _ Route) *Fault {
	for _, f := range s.faults {
		if f.Method != "" && f.Method != r.Method {
			continue
		}
		if p, ok := strings.CutSuffix(f.Path, "*"); ok {
			if !strings.HasPrefix(r.URL.Path, p) {
				continue
			}
		} else if f.Path != "" && f.Path != r.URL.Path {
			continue
		}
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		f.used++
		cp := f.Fault
		return &cp
	}
	return nil
}

func (s *Server) finishFault(w http.ResponseWriter, e Request, f *Fault) {
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				// Log before closing, so a client reacting to the drop
				// finds the entry.
				s.record(e, 0)
				_ = conn.Close()
				return
			}
		}
		// Not hijackable (HTTP/2): abort the handler, which resets the stream.
		s.record(e, 0)
		panic(http.ErrAbortHandler)
	}
	for k, v := range f.Header {
		w.Header()[k] = v
	}
	body := f.Body
	if body == "" {
		body = `{"errorMessages":["Internal server error"],"errors":{}}`
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		}
	}
	s.record(e, f.Status)
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(body))
}
