package slacksim

import "net/http/httptest"

// Server is a Sim listening on a loopback port.
type Server struct {
	*Sim
	URL string // e.g. http://127.0.0.1:41234; the API is at URL + "/api/"
	srv *httptest.Server
}

// NewServer starts a simulator on 127.0.0.1. Close it when done.
func NewServer(opts ...Option) *Server {
	sim := New(opts...)
	srv := httptest.NewServer(sim)
	sim.mu.Lock()
	sim.addr = srv.Listener.Addr().String()
	sim.mu.Unlock()
	return &Server{Sim: sim, URL: srv.URL, srv: srv}
}

// APIURL is the value for slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// Close stops the server and closes open connections.
func (s *Server) Close() { s.srv.Close() }
