package slacksim

import (
	"net/url"
	"slices"
)

// UserGroup is a Slack user group (a "subteam"): people mentioned together
// as @handle, managed outside any channel.
type UserGroup struct {
	ID       string // S...
	Handle   string // what follows the @, without it
	Name     string
	Users    []string // member ids, in the order added
	Disabled bool     // usergroups.disable: kept, but listed only with include_disabled
}

type userGroup struct {
	UserGroup
	created, updated, deleted int64 // unix seconds
}

// WithUserGroup adds a user group to the workspace.
func WithUserGroup(g UserGroup) Option { return func(s *Sim) { s.addUserGroup(g) } }

// AddUserGroup adds a user group, or replaces the one with its id (new
// members, a new handle, disabled or enabled again).
func (s *Sim) AddUserGroup(g UserGroup) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUserGroup(g)
}

func (s *Sim) addUserGroup(g UserGroup) {
	g.Users = slices.Clone(g.Users)
	now := s.now().Unix()
	ug := &userGroup{UserGroup: g, created: now, updated: now}
	if old := s.groups[g.ID]; old != nil {
		ug.created = old.created
	} else {
		s.groupOrder = append(s.groupOrder, g.ID)
	}
	if g.Disabled {
		ug.deleted = now
	}
	if s.groups == nil {
		s.groups = map[string]*userGroup{}
	}
	s.groups[g.ID] = ug
}

// listUserGroups is usergroups.list: the workspace's enabled user groups,
// and the disabled ones too with include_disabled (date_delete set). Users
// and user_count are in each group only when include_users and
// include_count ask for them, as Slack does.
func (s *Sim) listUserGroups(p url.Values) answer {
	out := []map[string]any{}
	for _, id := range s.groupOrder {
		g := s.groups[id]
		if g.Disabled && !boolParam(p, "include_disabled") {
			continue
		}
		m := map[string]any{
			"id": g.ID, "team_id": s.teamID, "is_usergroup": true, "is_subteam": true,
			"name": g.Name, "description": "", "handle": g.Handle, "is_external": false,
			"date_create": g.created, "date_update": g.updated, "date_delete": g.deleted,
			"auto_type": nil, "created_by": "U0ADMIN", "updated_by": "U0ADMIN", "deleted_by": nil,
			"prefs": map[string]any{"channels": []string{}, "groups": []string{}},
		}
		if g.Disabled {
			m["deleted_by"] = "U0ADMIN"
		}
		if boolParam(p, "include_users") {
			m["users"] = slices.Clone(g.Users)
		}
		if boolParam(p, "include_count") {
			m["user_count"] = len(g.Users)
		}
		out = append(out, m)
	}
	return ok(map[string]any{"usergroups": out})
}

// userGroupUsers is usergroups.users.list: the member ids of one group,
// by id (not handle). A disabled group answers only with include_disabled
// ("allow results that involve disabled User Groups"); without it the
// simulator answers no_such_subteam, as for an id that does not exist.
func (s *Sim) userGroupUsers(p url.Values) answer {
	g := s.groups[p.Get("usergroup")]
	if g == nil || (g.Disabled && !boolParam(p, "include_disabled")) {
		return fail("no_such_subteam")
	}
	return ok(map[string]any{"users": slices.Clone(g.Users)})
}
