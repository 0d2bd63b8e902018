package main

import (
	"net/http"
	"sync/atomic"
)

// webhookGate serves the Jira webhook once the worker exists: the
// listener is up from the start (/healthz, /readyz), the worker only once
// Slack works. Until then a delivery is answered 503, which Jira retries.
type webhookGate struct {
	h atomic.Pointer[http.Handler]
}

func (g *webhookGate) set(h http.Handler) { g.h.Store(&h) }

func (g *webhookGate) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if h := g.h.Load(); h != nil {
		(*h).ServeHTTP(rw, r)
		return
	}
	http.Error(rw, "slabot is starting", http.StatusServiceUnavailable)
}

// hookIf is the webhook handler when SLABOT_JIRA_WEBHOOK_SECRET is set,
// else nil (no route: without a secret an event could not be trusted).
func hookIf(cfg config, g *webhookGate) http.Handler {
	if cfg.JiraWebhookSecret == "" {
		return nil
	}
	return g
}
