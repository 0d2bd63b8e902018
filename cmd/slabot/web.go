package main

import (
	"net/http"
	"sync/atomic"

	"github.com/slabot/slabot/bot/view"
)

// pageGate serves the page (bot/view) once the worker exists, like
// webhookGate: the listener is up from the start, the worker only once
// Slack works, and until then the page says slabot is starting.
type pageGate struct {
	h atomic.Pointer[http.Handler]
}

func (g *pageGate) set(a *app) {
	var h http.Handler = (&view.Page{Worker: a.worker, Outbox: a.outbox, Clock: a.clock, Log: a.log}).Handler()
	g.h.Store(&h)
}

func (g *pageGate) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if h := g.h.Load(); h != nil {
		(*h).ServeHTTP(rw, r)
		return
	}
	http.Error(rw, "slabot is starting: the page shows once Slack is verified (see /readyz)", http.StatusServiceUnavailable)
}

// pageHandler is the page behind its access rule: loopback, or
// SLABOT_WEB_TOKEN from anywhere else.
func pageHandler(cfg config, g *pageGate) http.Handler { return view.Guard(cfg.WebToken, g) }
