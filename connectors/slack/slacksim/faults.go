package slacksim

import (
	"math/rand/v2"
	"time"
)

// FaultKind is the kind of failure to inject.
type FaultKind int

const (
	// RateLimit answers 429 with a Retry-After header; nothing is stored.
	RateLimit FaultKind = iota + 1
	// ServerError answers 500 with an HTML body, as Slack does; nothing is
	// stored.
	ServerError
	// DropAfterAccept processes the call (a message is stored) and then
	// closes the connection without answering: the client cannot tell
	// whether it worked.
	DropAfterAccept
	// ErrorCode answers 200 with {"ok":false,"error":Code} and stores
	// nothing: Slack's own failures (internal_error, fatal_error,
	// service_unavailable, request_timeout) come this way, not as a 5xx.
	ErrorCode
)

func (k FaultKind) String() string {
	switch k {
	case RateLimit:
		return "429"
	case ServerError:
		return "500"
	case DropAfterAccept:
		return "drop-after-accept"
	case ErrorCode:
		return "error-code"
	}
	return "none"
}

// Fault is a scripted failure for the next matching calls.
type Fault struct {
	Kind       FaultKind
	Method     string        // "" matches every method
	Channel    string        // "" matches every channel (matched against the channel parameter as sent)
	RetryAfter time.Duration // for RateLimit; sent in whole seconds, rounded up
	Code       string        // for ErrorCode: Slack's error, e.g. internal_error
	Times      int           // how many calls it hits; 0 means 1
	After      int           // how many matching calls it lets through first
}

// Chaos injects faults at random into calls to Methods (default
// chat.postMessage), each with its own probability, drawn from a seeded
// source so a failing run can be replayed.
type Chaos struct {
	Seed            uint64
	Methods         []string
	RateLimit       float64
	ServerError     float64
	DropAfterAccept float64
	RetryAfter      time.Duration
}

type chaos struct {
	Chaos
	rng *rand.Rand
}

// Inject queues a scripted fault. Scripted faults are matched in the order
// they were injected, before chaos.
func (s *Sim) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// SetChaos turns random faults on (or off, with the zero Chaos).
func (s *Sim) SetChaos(c Chaos) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.RateLimit == 0 && c.ServerError == 0 && c.DropAfterAccept == 0 {
		s.chaos = nil
		return
	}
	if len(c.Methods) == 0 {
		c.Methods = []string{"chat.postMessage"}
	}
	s.chaos = &chaos{Chaos: c, rng: rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))}
}

// pickFault returns the fault for this call, if any, with its Retry-After
// and error code. Caller holds s.mu.
func (s *Sim) pickFault(method, channel string) (FaultKind, time.Duration, string) {
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == method) && (f.Channel == "" || f.Channel == channel) {
			if f.After > 0 {
				f.After--
				continue
			}
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f.Kind, f.RetryAfter, f.Code
		}
	}
	if c := s.chaos; c != nil {
		for _, m := range c.Methods {
			if m != method {
				continue
			}
			x := c.rng.Float64()
			switch {
			case x < c.RateLimit:
				return RateLimit, c.RetryAfter, ""
			case x < c.RateLimit+c.ServerError:
				return ServerError, 0, ""
			case x < c.RateLimit+c.ServerError+c.DropAfterAccept:
				return DropAfterAccept, 0, ""
			}
		}
	}
	return 0, 0, ""
}
