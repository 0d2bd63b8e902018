package jira

import (
	"log/slog"
	"sort"
	"sync"
	"time"
)

// RequestCount counts HTTP requests by endpoint template, method and
// status (0: no HTTP answer).
type RequestCount struct {
	Method   string
	Endpoint string
	Status   int
}

// RequestInfo describes one finished HTTP request, for metrics hooks.
type RequestInfo struct {
	Method   string
	Endpoint string
	Status   int
}

type metrics struct {
	mu     sync.Mutex
	counts map[RequestCount]int
}

func (m *metrics) add(hook func(RequestInfo), o op, status int) {
	m.mu.Lock()
	m.counts[RequestCount{Method: o.method, Endpoint: o.endpoint, Status: status}]++
	m.mu.Unlock()
	if hook != nil {
		hook(RequestInfo{Method: o.method, Endpoint: o.endpoint, Status: status})
	}
}

// RequestCounts returns how many requests the client made, by endpoint
// and status, sorted. Prometheus counters can be fed from it or from
// Config.OnRequest.
func (c *Client) RequestCounts() map[RequestCount]int {
	c.metrics.mu.Lock()
	defer c.metrics.mu.Unlock()
	out := make(map[RequestCount]int, len(c.metrics.counts))
	for k, v := range c.metrics.counts {
		out[k] = v
	}
	return out
}

// TotalRequests is the sum of RequestCounts.
func (c *Client) TotalRequests() int {
	n := 0
	for _, v := range c.RequestCounts() {
		n += v
	}
	return n
}

// SortedCounts lists RequestCounts in a stable order, for reports.
func SortedCounts(m map[RequestCount]int) []RequestCount {
	out := make([]RequestCount, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Endpoint != b.Endpoint {
			return a.Endpoint < b.Endpoint
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		return a.Status < b.Status
	})
	return out
}

const slogInfo = slog.LevelInfo

func slogString(k, v string) slog.Attr { return slog.String(k, v) }

func attrs(o op, status int, wait time.Duration, reason string) []slog.Attr {
	a := []slog.Attr{slog.String("method", o.method), slog.String("endpoint", o.endpoint), slog.Duration("wait", wait)}
	if status != 0 {
		a = append(a, slog.Int("status", status))
	}
	if reason != "" {
		a = append(a, slog.String("reason", reason))
	}
	if o.issue != "" {
		a = append(a, slog.String("issue", o.issue))
	}
	return a
}
