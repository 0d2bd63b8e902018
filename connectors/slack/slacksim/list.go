package slacksim

import (
	"net/url"
	"slices"
	"strings"
)

// listChannels answers conversations.list: the workspace's channels (not
// IMs) ordered by id, exclude_archived honoured, paged by limit with a
// cursor, as Slack does (a page may be short: follow next_cursor).
func (s *Sim) listChannels(p url.Values) answer {
	var ids []string
	for id, c := range s.chans {
		if !c.im && !(c.archived && boolParam(p, "exclude_archived")) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if cur := strings.TrimPrefix(p.Get("cursor"), "id:"); cur != "" {
		i, _ := slices.BinarySearch(ids, cur)
		ids = ids[i:]
	}
	limit := intParam(p, "limit", 100)
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	next := ""
	if len(ids) > limit {
		next = "id:" + ids[limit]
		ids = ids[:limit]
	}
	list := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		c := s.chans[id]
		list = append(list, map[string]any{"id": c.id, "name": c.name, "is_channel": true, "is_private": false,
			"is_member": c.member, "is_archived": c.archived})
	}
	return ok(map[string]any{"channels": list, "response_metadata": map[string]any{"next_cursor": next}})
}
