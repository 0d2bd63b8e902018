package slacksim

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// PressPath is the simulator's own route for a person pressing a button
// (not a Slack API method: in Slack a person clicks). It takes a form or
// query with user, channel, ts and action_id, as Press does, builds the
// block_actions envelope, delivers it over the app's Socket Mode
// connection and waits for the acknowledgement and the reply to the
// presser. With ts empty the newest message of the channel carrying the
// button is pressed. It answers JSON: ok, envelope_id, ts and the reply
// text (or error). So a person rehearsing with `slabot demo --serve` can
// press Acknowledge, Claim or Snooze with curl.
const PressPath = "/sim/press"

func (s *Sim) servePress(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	answer := func(status int, v map[string]any) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	if r.Method != http.MethodPost {
		answer(http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "POST user, channel, action_id (and ts)"})
		return
	}
	if err := r.ParseForm(); err != nil {
		answer(http.StatusBadRequest, map[string]any{"ok": false, "error": err.Error()})
		return
	}
	c := Click{User: r.Form.Get("user"), Channel: r.Form.Get("channel"), TS: r.Form.Get("ts"), ActionID: r.Form.Get("action_id")}
	if c.User == "" || c.Channel == "" || c.ActionID == "" {
		answer(http.StatusBadRequest, map[string]any{"ok": false, "error": "user, channel and action_id are required"})
		return
	}
	if c.TS == "" {
		c.TS = s.newestWithButton(c.Channel, c.ActionID)
	}
	before := len(s.Ephemerals())
	env, err := s.Press(c)
	if err != nil {
		answer(http.StatusBadRequest, map[string]any{"ok": false, "error": err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	if _, err := s.Deliver(ctx, env); err != nil {
		answer(http.StatusBadGateway, map[string]any{"ok": false, "error": err.Error(), "envelope_id": env.ID})
		return
	}
	reply := ""
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if eph := s.Ephemerals(); len(eph) > before {
			reply = eph[len(eph)-1].Text
			break
		}
	}
	answer(http.StatusOK, map[string]any{"ok": true, "envelope_id": env.ID, "ts": c.TS, "reply": reply})
}

// newestWithButton is the ts of the newest message of channel (replies
// included) that carries a button with actionID, "" when none does.
func (s *Sim) newestWithButton(channel, actionID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.chans[channel]
	if ch == nil {
		return ""
	}
	best := ""
	for _, m := range ch.msgs { // in ts order: the last match is the newest
		if _, _, ok := findButton(m.Blocks, actionID); ok {
			best = m.TS
		}
	}
	return best
}
