package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// testDaemon is run's daemon on a free loopback port, for a test that
// looks at it from outside (/healthz, /readyz, /metrics) or stops it.
type testDaemon struct {
	t      testing.TB
	url    string
	cancel context.CancelFunc
	done   chan error // what daemon returned
	apps   chan *app  // the app, once daemon has built it
}

// startDaemon starts the daemon with cfg in the background.
func startDaemon(t testing.TB, cfg config) *testDaemon {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	d := &testDaemon{t: t, url: "http://" + ln.Addr().String(), cancel: cancel,
		done: make(chan error, 1), apps: make(chan *app, 1)}
	go func() { d.done <- daemon(ctx, cfg, ln, func(a *app) { d.apps <- a }) }()
	return d
}

// get asks the daemon for path and returns the status and body, retrying
// while nothing answers yet (the test fails after 5 s).
func (d *testDaemon) get(path string) (int, string) {
	d.t.Helper()
	for range 500 {
		res, err := http.Get(d.url + path)
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, string(b)
	}
	d.t.Fatalf("%s never answered", path)
	return 0, ""
}

// stop cancels the daemon and fails the test if it returned an error.
func (d *testDaemon) stop() {
	d.t.Helper()
	d.cancel()
	if err := <-d.done; err != nil {
		d.t.Fatalf("the daemon returned %v on shutdown", err)
	}
}
