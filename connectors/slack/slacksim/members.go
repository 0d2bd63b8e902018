package slacksim

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
)

// Join puts users in a channel (conversations.members lists them; a
// chat.postEphemeral to anyone else answers user_not_in_channel).
func (s *Sim) Join(channelID string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chans[channelID]; c != nil {
		for _, u := range users {
			if !slices.Contains(c.users, u) {
				c.users = append(c.users, u)
			}
		}
	}
}

// Ephemerals returns the ephemeral messages posted, in order.
func (s *Sim) Ephemerals() []Ephemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ephemerals)
}

// members is conversations.members: the channel's member ids, paged with
// limit and cursor (next_cursor "" at the end). Slack takes the channel's
// id only ("ID of the conversation"): a "#name" is channel_not_found, as
// it is for conversations.info.
func (s *Sim) members(p url.Values) answer {
	c := s.byID(p.Get("channel"))
	if c == nil || c.im {
		return fail("channel_not_found")
	}
	limit := intParam(p, "limit", 100)
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	from := 0
	if cur := p.Get("cursor"); cur != "" {
		n, err := strconv.Atoi(cur)
		if err != nil || n < 0 || n > len(c.users) {
			return fail("invalid_cursor")
		}
		from = n
	}
	to := min(from+limit, len(c.users))
	next := ""
	if to < len(c.users) {
		next = strconv.Itoa(to)
	}
	return answer{body: map[string]any{"ok": true, "members": slices.Clone(c.users[from:to]),
		"response_metadata": map[string]any{"next_cursor": next}}, channel: c.id}
}

// userInfo is users.info: the profile carries the e-mail only when the
// token has users:read.email.
func (s *Sim) userInfo(p url.Values) answer {
	u := s.users[p.Get("user")]
	if u == nil {
		return fail("user_not_found")
	}
	profile := map[string]any{"real_name": u.Real, "display_name": u.Name}
	if s.has("users:read.email") {
		profile["email"] = u.Email
	}
	return ok(map[string]any{"user": map[string]any{
		"id": u.ID, "team_id": s.teamID, "name": u.Name, "real_name": u.Real, "profile": profile,
	}})
}

// postEphemeral is chat.postEphemeral: a message only user sees, in a
// channel the bot and the user are both in. Slack keeps no history of it.
func (s *Sim) postEphemeral(p url.Values) answer {
	c, code := s.postable(p.Get("channel"))
	if code != "" {
		return fail(code)
	}
	user := p.Get("user")
	if s.users[user] == nil {
		return fail("user_not_found")
	}
	if !c.im && !slices.Contains(c.users, user) {
		return fail("user_not_in_channel")
	}
	text, blocks, _, refused := content(p)
	if refused != nil {
		return *refused
	}
	ts := s.nextTS()
	s.ephemerals = append(s.ephemerals, Ephemeral{Channel: c.id, User: user, TS: ts, Text: text, Blocks: json.RawMessage(blocks)})
	return answer{body: map[string]any{"ok": true, "message_ts": ts}, channel: c.id, ts: ts}
}
