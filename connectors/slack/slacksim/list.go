package slacksim

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// listChannels answers conversations.list: the channels of the types
// asked for (types, default public_channel; IMs are not listed here)
// ordered by id, private ones only where the bot is a member,
// exclude_archived honoured, paged by limit with a cursor, as Slack does
// (a page may be short: follow next_cursor). Each type needs its read
// scope (ServeHTTP checks).
func (s *Sim) listChannels(p url.Values) answer {
	types := listTypes(p)
	var ids []string
	for id, c := range s.chans {
		switch {
		case c.im, c.archived && boolParam(p, "exclude_archived"), !slices.Contains(types, kindOf(c)),
			c.private && !c.member:
			continue
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if cur := p.Get("cursor"); cur != "" {
		id, ok := decodeCursor(cur, "next_id:")
		i, _ := slices.BinarySearch(ids, id)
		if !ok || s.chans[id] == nil {
			return fail("invalid_cursor") // the method reference's Errors (conversations.list)
		}
		ids = ids[i:]
	}
	limit := intParam(p, "limit", 100)
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	next := ""
	if len(ids) > limit {
		next = encodeCursor("next_id:" + ids[limit])
		ids = ids[:limit]
	}
	list := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		c := s.chans[id]
		list = append(list, map[string]any{"id": c.id, "name": c.name, "is_channel": true, "is_private": c.private,
			"is_member": c.member, "is_archived": c.archived})
	}
	return ok(map[string]any{"channels": list, "response_metadata": map[string]any{"next_cursor": next}})
}

// serveIndex answers GET / with what a person poking at the simulator
// wants to know: where the API is, the channels with their messages, and
// the users (no token needed, nothing secret in a simulator).
func (s *Sim) serveIndex(w http.ResponseWriter) {
	s.mu.Lock()
	type ch struct {
		ID       string `json:"id"`
		Name     string `json:"name,omitempty"`
		DMWith   string `json:"dm_with,omitempty"`
		Private  bool   `json:"is_private,omitempty"`
		Archived bool   `json:"is_archived,omitempty"`
		Member   bool   `json:"bot_is_member"`
		Messages int    `json:"messages"`
	}
	var chans []ch
	for _, c := range s.chans {
		chans = append(chans, ch{ID: c.id, Name: c.name, DMWith: c.user, Private: c.private, Archived: c.archived, Member: c.member || c.im, Messages: len(c.msgs)})
	}
	var users []User
	for _, u := range s.users {
		users = append(users, *u)
	}
	s.mu.Unlock()
	slices.SortFunc(chans, func(a, b ch) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(users, func(a, b User) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, map[string]any{
		"simulator": "slacksim: Slack Web API simulator",
		"api":       "/api/METHOD (e.g. /api/conversations.list, /api/conversations.history?channel=ID)",
		"channels":  chans, "users": users,
	})
}
