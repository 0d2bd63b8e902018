package slacksim

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

const maxText = 40000

var eventTypeRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

func (s *Sim) authTest(url.Values) answer {
	return ok(map[string]any{
		"url": "https://slacksim.slack.com/", "team": "slacksim", "user": "slabot",
		"team_id": s.teamID, "user_id": s.botUser, "bot_id": s.botID,
	})
}

// messageJSON renders a stored message as Slack returns it. withMeta is
// include_all_metadata (chat.* answers always carry it).
func (s *Sim) messageJSON(c *channel, m *Message, withMeta bool) map[string]any {
	out := map[string]any{
		"type": "message", "user": s.botUser, "bot_id": s.botID, "app_id": "A0SIM",
		"text": m.Text, "ts": m.TS, "team": s.teamID,
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if !m.IsReply() {
		n := 0
		for _, r := range c.msgs {
			if r.IsReply() && r.ThreadTS == m.TS {
				n++
			}
		}
		if n > 0 {
			out["reply_count"] = n
		}
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if len(m.Edits) > 0 {
		out["edited"] = map[string]any{"user": s.botUser, "ts": m.TS}
	}
	if len(m.Files) > 0 {
		out["files"], out["upload"] = m.Files, true
	}
	if withMeta && m.Metadata != nil {
		out["metadata"] = m.Metadata
	}
	return out
}

// content validates text, blocks and metadata shared by post and update;
// refused is Slack's answer when they are not acceptable.
func content(p url.Values) (text string, blocks json.RawMessage, md *Metadata, refused *answer) {
	text = p.Get("text")
	if len(text) > maxText {
		a := fail("msg_too_long")
		return "", nil, nil, &a
	}
	if b := p.Get("blocks"); b != "" {
		if blocks, refused = checkBlocks(b); refused != nil {
			return "", nil, nil, refused
		}
	}
	if text == "" && len(blocks) == 0 {
		a := fail("no_text")
		return "", nil, nil, &a
	}
	if m := p.Get("metadata"); m != "" {
		md = &Metadata{}
		if json.Unmarshal([]byte(m), md) != nil || !eventTypeRE.MatchString(md.EventType) {
			a := fail("invalid_metadata_format")
			return "", nil, nil, &a
		}
	}
	return text, blocks, md, nil
}

func (s *Sim) postMessage(p url.Values) answer {
	c, code := s.postable(p.Get("channel"))
	if code != "" {
		return fail(code)
	}
	text, blocks, md, refused := content(p)
	if refused != nil {
		return *refused
	}
	m := &Message{Channel: c.id, Text: text, Blocks: blocks, Metadata: md}
	if code := s.appendMessage(c, m, p.Get("thread_ts")); code != "" {
		return fail(code)
	}
	a := ok(map[string]any{"channel": c.id, "ts": m.TS, "message": s.messageJSON(c, m, true)})
	a.channel, a.ts = c.id, m.TS
	return a
}

func find(c *channel, ts string) *Message {
	for _, m := range c.msgs {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

func (s *Sim) update(p url.Values) answer {
	c := s.lookup(p.Get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	m := find(c, p.Get("ts"))
	if m == nil {
		return fail("message_not_found")
	}
	text, blocks, md, refused := content(p)
	if refused != nil {
		return *refused
	}
	m.Edits = append(m.Edits, m.Text)
	m.Text, m.Blocks = text, blocks
	if md != nil {
		m.Metadata = md
	}
	a := ok(map[string]any{"channel": c.id, "ts": m.TS, "text": m.Text, "message": s.messageJSON(c, m, true)})
	a.channel, a.ts = c.id, m.TS
	return a
}

func (s *Sim) lookupByEmail(p url.Values) answer {
	email := strings.ToLower(strings.TrimSpace(p.Get("email")))
	if email == "" {
		return fail("invalid_arguments")
	}
	u := s.byEmail[email]
	if u == nil {
		return fail("users_not_found")
	}
	return ok(map[string]any{"user": map[string]any{
		"id": u.ID, "team_id": s.teamID, "name": u.Name, "real_name": u.Real, "deleted": false, "is_bot": false,
		"profile": map[string]any{"email": u.Email, "real_name": u.Real, "display_name": u.Name},
	}})
}

func (s *Sim) open(p url.Values) answer {
	if id := p.Get("channel"); id != "" {
		c := s.lookup(id)
		if c == nil {
			return fail("channel_not_found")
		}
		return ok(map[string]any{"channel": map[string]any{"id": c.id}, "no_op": true, "already_open": true})
	}
	users := strings.Split(p.Get("users"), ",")
	if len(users) != 1 || users[0] == "" {
		return fail("users_list_not_supplied")
	}
	u := s.users[users[0]]
	if u == nil {
		return fail("user_not_found")
	}
	_, existed := s.imOf[u.ID]
	c := s.openIM(u.ID)
	ch := map[string]any{"id": c.id}
	if boolParam(p, "return_im") {
		ch["is_im"], ch["user"] = true, u.ID
	}
	a := ok(map[string]any{"channel": ch, "no_op": existed, "already_open": existed})
	a.channel = c.id
	return a
}

// inRange applies oldest/latest/inclusive as Slack does (exclusive bounds
// unless inclusive is set).
func inRange(ts string, p url.Values) bool {
	t, _ := tsMicro(ts)
	incl := boolParam(p, "inclusive")
	if o, okO := tsMicro(p.Get("oldest")); okO && p.Get("oldest") != "" {
		if t < o || (t == o && !incl) {
			return false
		}
	}
	if l, okL := tsMicro(p.Get("latest")); okL && p.Get("latest") != "" {
		if t > l || (t == l && !incl) {
			return false
		}
	}
	return true
}

// page cuts msgs (already filtered and ordered) at the cursor and limit.
// A cursor is opaque, as Slack's are (base64 of "next_ts:" and the ts of
// the next page's first message, the form of the next_cursor in Slack's
// conversations.history example); one this listing did not issue answers
// invalid_cursor ("Value passed for cursor was not valid or is no longer
// valid", the method reference's Errors:
// https://docs.slack.dev/reference/methods/conversations.history).
func page(msgs []*Message, p url.Values) (out []*Message, next string, refused *answer) {
	if cur := p.Get("cursor"); cur != "" {
		ts, ok := decodeCursor(cur, "next_ts:")
		i := slices.IndexFunc(msgs, func(m *Message) bool { return m.TS == ts })
		if !ok || i < 0 {
			a := fail("invalid_cursor")
			return nil, "", &a
		}
		msgs = msgs[i:]
	}
	limit := intParam(p, "limit", 100)
	if limit <= 0 || limit > 999 {
		limit = 100
	}
	if len(msgs) > limit {
		return msgs[:limit], encodeCursor("next_ts:" + msgs[limit].TS), nil
	}
	return msgs, "", nil
}

func encodeCursor(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// decodeCursor reads a cursor this simulator issued with prefix.
func decodeCursor(cur, prefix string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(cur)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return "", false
	}
	return strings.TrimPrefix(string(b), prefix), true
}

// badRange is Slack's answer to an oldest or latest that is not a
// timestamp (invalid_ts_oldest, invalid_ts_latest: "Value passed for
// oldest was invalid", the method reference's Errors for
// conversations.history and conversations.replies), or nil.
func badRange(p url.Values) *answer {
	for _, b := range []struct{ param, code string }{{"oldest", "invalid_ts_oldest"}, {"latest", "invalid_ts_latest"}} {
		if v := p.Get(b.param); v != "" {
			if us, ok := tsMicro(v); !ok || us < 0 {
				a := fail(b.code)
				return &a
			}
		}
	}
	return nil
}

func (s *Sim) history(p url.Values) answer {
	c := s.byID(p.Get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	if !c.member {
		return fail("not_in_channel")
	}
	if refused := badRange(p); refused != nil {
		return *refused
	}
	var msgs []*Message
	for i := len(c.msgs) - 1; i >= 0; i-- { // newest first; thread replies are not in history
		if m := c.msgs[i]; !m.IsReply() && inRange(m.TS, p) {
			msgs = append(msgs, m)
		}
	}
	return s.listing(c, msgs, p)
}

func (s *Sim) replies(p url.Values) answer {
	c := s.byID(p.Get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	if !c.member {
		return fail("not_in_channel")
	}
	if refused := badRange(p); refused != nil {
		return *refused
	}
	parent := find(c, p.Get("ts"))
	if parent == nil {
		return fail("thread_not_found")
	}
	root := parent.TS
	if parent.IsReply() {
		root = parent.ThreadTS
	}
	var msgs []*Message
	for _, m := range c.msgs { // oldest first, the parent first
		if (m.TS == root || m.ThreadTS == root) && (m.TS == root || inRange(m.TS, p)) {
			msgs = append(msgs, m)
		}
	}
	return s.listing(c, msgs, p)
}

func (s *Sim) listing(c *channel, msgs []*Message, p url.Values) answer {
	msgs, next, refused := page(msgs, p)
	if refused != nil {
		return *refused
	}
	withMeta := boolParam(p, "include_all_metadata")
	list := make([]map[string]any, 0, len(msgs))
	for _, m := range msgs {
		list = append(list, s.messageJSON(c, m, withMeta))
	}
	a := ok(map[string]any{
		"messages": list, "has_more": next != "",
		"response_metadata": map[string]any{"next_cursor": next},
	})
	a.channel = c.id
	return a
}

// info answers conversations.info: whether the bot is a member (may post).
func (s *Sim) info(p url.Values) answer {
	c := s.byID(p.Get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	return ok(map[string]any{"channel": map[string]any{"id": c.id, "name": c.name, "is_channel": !c.im, "is_im": c.im,
		"is_private": c.private || c.im, "is_member": c.member, "is_archived": c.archived}})
}

// appendMessage gives m its ts and adds it to c, as a reply in the thread
// of threadTS when set (a reply to a reply is Slack's thread_not_found).
// It returns the Slack error code, or "".
func (s *Sim) appendMessage(c *channel, m *Message, threadTS string) string {
	if threadTS != "" {
		parent := find(c, threadTS)
		if parent == nil || parent.IsReply() {
			return "thread_not_found"
		}
		parent.ThreadTS = parent.TS
		m.ThreadTS = parent.TS
	}
	m.TS = s.nextTS()
	c.msgs = append(c.msgs, m)
	return ""
}

// insertMessage adds m, whose ts was given earlier, to c in ts order (as
// a reply in the thread of threadTS when set). It returns the Slack
// error code, or "".
func (s *Sim) insertMessage(c *channel, m *Message, threadTS string) string {
	if threadTS != "" {
		parent := find(c, threadTS)
		if parent == nil || parent.IsReply() {
			return "thread_not_found"
		}
		parent.ThreadTS = parent.TS
		m.ThreadTS = parent.TS
	}
	at, _ := tsMicro(m.TS)
	i := len(c.msgs)
	for i > 0 {
		if prev, _ := tsMicro(c.msgs[i-1].TS); prev < at {
			break
		}
		i--
	}
	c.msgs = slices.Insert(c.msgs, i, m)
	return ""
}

// postable resolves the channel a message is posted to, or returns the
// error code Slack gives: channel_not_found (no such channel, or a private
// one the bot is not in), is_archived, not_in_channel (a public channel the
// bot is not in, unless the token has chat:write.public).
func (s *Sim) postable(ref string) (*channel, string) {
	c := s.resolveChannel(ref)
	switch {
	case c == nil:
		return nil, "channel_not_found"
	case c.archived:
		return nil, "is_archived"
	case !c.member && !s.has("chat:write.public"):
		return nil, "not_in_channel"
	}
	return c, ""
}

// validActions checks an actions block as Block Kit does: 1 to 25
// elements; a button has plain_text text of at most 75 characters, an
// action_id of at most 255 characters unique in the message, and a value
// of at most 2,000 characters.
func validActions(blk map[string]any, seen map[string]bool) bool {
	els, _ := blk["elements"].([]any)
	if len(els) == 0 || len(els) > 25 {
		return false
	}
	for _, e := range els {
		el, _ := e.(map[string]any)
		if el["type"] != "button" {
			continue
		}
		id, _ := el["action_id"].(string)
		txt, _ := el["text"].(map[string]any)
		label, _ := txt["text"].(string)
		value, _ := el["value"].(string)
		if id == "" || len(id) > 255 || seen[id] || txt["type"] != "plain_text" || label == "" || len([]rune(label)) > 75 || len(value) > 2000 {
			return false
		}
		seen[id] = true
	}
	return true
}
