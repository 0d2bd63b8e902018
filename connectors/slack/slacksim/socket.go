package slacksim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Socket Mode, as https://api.slack.com/apis/socket-mode describes it: the
// app calls apps.connections.open with its app-level token (xapp-...),
// dials the wss URL it gets, receives a "hello", then envelopes
// ({"envelope_id", "type", "payload", "accepts_response_payload"}) that it
// must acknowledge by sending {"envelope_id": ...} back within 3 seconds.
// Slack pings the connection; a client that hears no ping reconnects.
//
// The simulator uses gorilla/websocket on its side because slack-go's
// socketmode client already links it: one websocket library in the build.

// socketPath is where apps.connections.open points clients.
const socketPath = "/socket-mode/"

// AckLimit is how long Slack waits for an envelope's acknowledgement
// before it shows the user an error.
const AckLimit = 3 * time.Second

// Ack is an envelope acknowledgement as the simulator received it.
type Ack struct {
	EnvelopeID string
	After      time.Duration // from delivery to acknowledgement (wall time)
	Late       bool          // after AckLimit: Slack would have shown the user an error
}

// Ephemeral is a message only one user sees (chat.postEphemeral).
type Ephemeral struct {
	Channel string
	User    string
	TS      string
	Text    string
	Blocks  json.RawMessage
}

// Envelope is one Socket Mode delivery.
type Envelope struct {
	ID      string          `json:"envelope_id"`
	Type    string          `json:"type"` // "interactive" for block_actions
	Payload json.RawMessage `json:"payload"`
	// AcceptsResponsePayload is false for block_actions.
	AcceptsResponsePayload bool `json:"accepts_response_payload"`
}

type socket struct {
	conn *websocket.Conn
	wmu  sync.Mutex // gorilla allows one writer at a time
	done chan struct{}
}

func (c *socket) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.conn.WriteJSON(v)
}

func (c *socket) ping() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.conn.WriteControl(websocket.PingMessage, []byte("slacksim"), time.Now().Add(5*time.Second))
}

// socketState is the Socket Mode side of a Sim.
type socketState struct {
	mu       sync.Mutex
	tickets  map[string]bool
	conns    []*socket
	waiting  map[string]chan struct{} // envelope id -> closed on ack
	sentAt   map[string]time.Time
	acks     []Ack
	seq      int
	connects int
	changed  chan struct{} // closed and replaced when a connection comes or goes
	ping     time.Duration
}

func (st *socketState) init() {
	if st.tickets == nil {
		st.tickets, st.waiting, st.sentAt = map[string]bool{}, map[string]chan struct{}{}, map[string]time.Time{}
		st.changed = make(chan struct{})
		if st.ping == 0 {
			st.ping = 10 * time.Second
		}
	}
}

// WithPingInterval sets how often the simulator pings Socket Mode
// connections (default 10s; slack-go reconnects after 30s without one).
func WithPingInterval(d time.Duration) Option { return func(s *Sim) { s.sock.ping = d } }

// connectionsOpen is apps.connections.open: only an app-level token may
// call it, and the URL it returns is good for one connection.
func (s *Sim) connectionsOpen(p url.Values) answer {
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	st.init()
	st.seq++
	ticket := fmt.Sprintf("t%06d", st.seq)
	st.tickets[ticket] = true
	return ok(map[string]any{"url": "ws://" + s.reqHost + socketPath + "?ticket=" + ticket})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveSocket upgrades a Socket Mode connection, says hello, pings, and
// reads acknowledgements.
func (s *Sim) serveSocket(w http.ResponseWriter, r *http.Request) {
	st := &s.sock
	ticket := r.URL.Query().Get("ticket")
	st.mu.Lock()
	st.init()
	valid := st.tickets[ticket]
	delete(st.tickets, ticket)
	st.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket: call apps.connections.open for a new URL", http.StatusUnauthorized)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &socket{conn: conn, done: make(chan struct{})}
	st.mu.Lock()
	st.conns = append(st.conns, c)
	st.connects++
	n := len(st.conns)
	ping := st.ping
	close(st.changed)
	st.changed = make(chan struct{})
	st.mu.Unlock()
	defer s.dropSocket(c)

	if err := c.write(map[string]any{"type": "hello", "num_connections": n,
		"debug_info":      map[string]any{"host": "slacksim", "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": "A0SIM"}}); err != nil {
		return
	}
	go func() {
		t := time.NewTicker(ping)
		defer t.Stop()
		for {
			select {
			case <-c.done:
				return
			case <-t.C:
				if c.ping() != nil {
					return
				}
			}
		}
	}()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		st.mu.Lock()
		if ch, ok := st.waiting[ack.EnvelopeID]; ok {
			after := time.Since(st.sentAt[ack.EnvelopeID])
			st.acks = append(st.acks, Ack{EnvelopeID: ack.EnvelopeID, After: after, Late: after > AckLimit})
			delete(st.waiting, ack.EnvelopeID)
			close(ch)
		}
		st.mu.Unlock()
	}
}

func (s *Sim) dropSocket(c *socket) {
	close(c.done)
	_ = c.conn.Close()
	st := &s.sock
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, x := range st.conns {
		if x == c {
			st.conns = append(st.conns[:i], st.conns[i+1:]...)
			break
		}
	}
	close(st.changed)
	st.changed = make(chan struct{})
}

// ErrNoConnection: no app is connected over Socket Mode.
var ErrNoConnection = errors.New("slacksim: no Socket Mode connection")

// WaitConnected blocks until at least n Socket Mode connections have been
// made in total (reconnections count) and one is open.
func (s *Sim) WaitConnected(ctx context.Context, n int) error {
	for {
		st := &s.sock
		st.mu.Lock()
		st.init()
		ok := st.connects >= n && len(st.conns) > 0
		ch := st.changed
		st.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for Socket Mode connection %d: %w", n, ctx.Err())
		case <-ch:
		}
	}
}

// Deliver sends env over an open connection and waits for its
// acknowledgement (until ctx ends). Delivering the same envelope again is
// what a retry looks like to the app.
func (s *Sim) Deliver(ctx context.Context, env Envelope) (Ack, error) {
	st := &s.sock
	st.mu.Lock()
	st.init()
	if len(st.conns) == 0 {
		st.mu.Unlock()
		return Ack{}, ErrNoConnection
	}
	c := st.conns[len(st.conns)-1]
	ch := make(chan struct{})
	st.waiting[env.ID] = ch
	st.sentAt[env.ID] = time.Now()
	st.mu.Unlock()
	if err := c.write(env); err != nil {
		return Ack{}, fmt.Errorf("slacksim: deliver %s: %w", env.ID, err)
	}
	select {
	case <-ch:
	case <-ctx.Done():
		return Ack{}, fmt.Errorf("slacksim: envelope %s not acknowledged: %w", env.ID, ctx.Err())
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for i := len(st.acks) - 1; i >= 0; i-- {
		if st.acks[i].EnvelopeID == env.ID {
			return st.acks[i], nil
		}
	}
	return Ack{}, fmt.Errorf("slacksim: envelope %s: acknowledgement lost", env.ID)
}

// Acks returns the acknowledgements received, in order.
func (s *Sim) Acks() []Ack {
	s.sock.mu.Lock()
	defer s.sock.mu.Unlock()
	return append([]Ack(nil), s.sock.acks...)
}

// Click is a user pressing a button of a posted message.
type Click struct {
	User     string // Slack user id; must be in the directory
	Channel  string // channel id of the message
	TS       string // the message's ts
	ActionID string // the button's action_id; it must be in the message's blocks
}

// Press builds the block_actions envelope Slack sends when c.User presses
// the button c.ActionID of a posted message. The button must exist in the
// message as it is now (after edits): its value and block_id are taken
// from there, as Slack does.
func (s *Sim) Press(c Click) (Envelope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[c.User]
	if u == nil {
		return Envelope{}, fmt.Errorf("slacksim: press: no user %s", c.User)
	}
	ch := s.chans[c.Channel]
	if ch == nil {
		return Envelope{}, fmt.Errorf("slacksim: press: no channel %s", c.Channel)
	}
	m := find(ch, c.TS)
	if m == nil {
		return Envelope{}, fmt.Errorf("slacksim: press: no message %s in %s", c.TS, c.Channel)
	}
	blockID, button, found := findButton(m.Blocks, c.ActionID)
	if !found {
		return Envelope{}, fmt.Errorf("slacksim: press: message %s has no button %q", c.TS, c.ActionID)
	}
	actionTS := s.nextTS()
	respID := strings.ReplaceAll(actionTS, ".", "")
	if s.responses == nil {
		s.responses = map[string]*responseURL{}
	}
	s.responses[respID] = &responseURL{channel: ch.id, user: u.ID, until: s.now().Add(30 * time.Minute)}
	button["block_id"] = blockID
	button["action_ts"] = actionTS
	msg := s.messageJSON(ch, m, false)
	payload := map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": s.teamID},
		"api_app_id": "A0SIM", "token": "verification-token-unused",
		"container":             map[string]any{"type": "message", "message_ts": m.TS, "channel_id": ch.id, "is_ephemeral": false},
		"trigger_id":            "tr" + strings.ReplaceAll(actionTS, ".", ""),
		"team":                  map[string]any{"id": s.teamID, "domain": "slacksim"},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               map[string]any{"id": ch.id, "name": ch.name},
		"message":               msg,
		"state":                 map[string]any{"values": map[string]any{}},
		"response_url":          "http://" + s.reqHost + "/actions/" + strings.ReplaceAll(actionTS, ".", ""),
		"actions":               []any{button},
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{ID: "env-" + strings.ReplaceAll(actionTS, ".", "-"), Type: "interactive", Payload: b}, nil
}

// findButton finds the button element with actionID in a message's blocks.
func findButton(blocks json.RawMessage, actionID string) (blockID string, button map[string]any, found bool) {
	var bs []struct {
		Type     string           `json:"type"`
		BlockID  string           `json:"block_id"`
		Elements []map[string]any `json:"elements"`
	}
	if json.Unmarshal(blocks, &bs) != nil {
		return "", nil, false
	}
	for _, b := range bs {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			if e["type"] == "button" && e["action_id"] == actionID {
				out := map[string]any{"type": "button", "action_id": actionID, "text": e["text"]}
				if v, ok := e["value"]; ok {
					out["value"] = v
				}
				return b.BlockID, out, true
			}
		}
	}
	return "", nil, false
}

// responsePath is where interactions' response_url values point.
const responsePath = "/actions/"

// responseURL is one interaction's response_url: "valid for 30 minutes
// ... up to 5 times" (Slack, handling user interaction).
type responseURL struct {
	channel, user string
	until         time.Time
	uses          int
}

// host is the simulator's address as clients reach it (the last request's
// Host header, or the server's own address before any request).
func (s *Sim) host() string {
	if s.reqHost != "" {
		return s.reqHost
	}
	return s.addr
}

// serveResponse answers a POST to a response_url: an ephemeral reply to
// the presser by default (response_type "in_channel" posts it in the
// channel instead; replace_original rewrites the clicked message, which
// slabot never asks for and the simulator refuses).
func (s *Sim) serveResponse(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, responsePath)
	var body struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&body) != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := s.responses[id]
	switch {
	case resp == nil:
		http.Error(w, "no_such_url", http.StatusNotFound)
		return
	case s.now().After(resp.until):
		http.Error(w, "expired_url", http.StatusNotFound)
		return
	case resp.uses >= 5:
		http.Error(w, "used_url", http.StatusNotFound)
		return
	case body.ReplaceOriginal:
		http.Error(w, "slacksim: replace_original is not simulated", http.StatusBadRequest)
		return
	case body.Text == "" && len(body.Blocks) == 0:
		http.Error(w, "no_text", http.StatusBadRequest)
		return
	}
	resp.uses++
	c := s.chans[resp.channel]
	if body.ResponseType == "in_channel" && c != nil {
		s.appendMessage(c, &Message{Channel: c.id, Text: body.Text, Blocks: body.Blocks}, "")
	} else {
		s.ephemerals = append(s.ephemerals, Ephemeral{Channel: resp.channel, User: resp.user, TS: s.nextTS(), Text: body.Text, Blocks: body.Blocks})
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}
