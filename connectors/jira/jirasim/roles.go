package jirasim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Project roles and groups, as far as comment visibility needs them.
//
// Atlassian's description of GET /rest/api/3/issue/{issueIdOrKey}/comment:
// comments are included "If the comment has visibility restrictions,
// [where the user] belongs to the group or has the role visibility is
// role visibility is restricted to". So a restricted comment is left out
// of every answer (the comment list, the issue's inline comments, search
// results) for anyone outside its role or group, customers and
// administrators alike.
//
// On write Jira refuses a restriction the author cannot see, in the
// ErrorCollection under "commentLevel": a role the author does not act in
// answers 400 "You are currently not a member of the project role: NAME."
// (reported from Jira Cloud in github.com/reload/github-security-jira
// issue 128), a role that does not exist "Role with id: NAME does not
// exist." (github.com/atlassian/atlassian-mcp-server issue 105). The group
// messages below follow the same pattern; their exact wording is not
// documented and was not observed.
//
// In Jira Cloud the list of roles is shared by every project and each
// project has its own actors ("all project roles are shared with all
// projects", GET /rest/api/3/project/{projectIdOrKey}/role); a role
// created through POST /rest/api/3/role starts with no actors.

type role struct {
	id          int64
	name        string
	description string
}

// roleActor is one actor of a role in one project: an account or a group.
type roleActor struct {
	accountID string
	group     string
}

type group struct {
	id      string
	name    string
	members []string
}

type roleState struct {
	roles  []*role
	actors map[string]map[int64][]roleActor // project key -> role id -> actors
	groups map[string]*group                // by name
	nextID int64
}

// loadRoles declares the seed's roles and groups. Caller holds mu or is New.
func (s *Server) loadRoles(seed Seed) error {
	s.rs.actors = map[string]map[int64][]roleActor{}
	s.rs.groups = map[string]*group{}
	s.rs.nextID = 10000
	var staff []string
	for _, u := range seed.Users {
		if !u.Customer {
			staff = append(staff, u.AccountID)
		}
	}
	for _, g := range seed.Groups {
		if g.Staff {
			g.Members = append(slices.Clone(g.Members), staff...)
		}
		if g.Name == "" {
			return fmt.Errorf("jirasim: a group has no name")
		}
		for _, m := range g.Members {
			if s.users[m] == nil {
				return fmt.Errorf("jirasim: group %q: unknown account %q", g.Name, m)
			}
		}
		s.rs.groups[g.Name] = &group{id: "group-" + strconv.Itoa(orgID(g.Name, 0)), name: g.Name, members: slices.Clone(g.Members)}
	}
	for _, r := range seed.Roles {
		if r.Name == "" {
			return fmt.Errorf("jirasim: a role has no name")
		}
		if r.Staff {
			r.Members = append(slices.Clone(r.Members), staff...)
		}
		ro := s.roleNamed(r.Name)
		if ro == nil {
			ro = s.createRole(r.Name, "")
		}
		projects := r.Projects
		if len(projects) == 0 {
			for k := range s.projects {
				projects = append(projects, k)
			}
		}
		for _, k := range projects {
			if s.projects[k] == nil {
				return fmt.Errorf("jirasim: role %q: unknown project %q", r.Name, k)
			}
			for _, m := range r.Members {
				if s.users[m] == nil {
					return fmt.Errorf("jirasim: role %q: unknown account %q", r.Name, m)
				}
				s.addActor(k, ro.id, roleActor{accountID: m})
			}
		}
	}
	return nil
}

func (s *Server) createRole(name, description string) *role {
	s.rs.nextID++
	r := &role{id: s.rs.nextID, name: name, description: description}
	s.rs.roles = append(s.rs.roles, r)
	return r
}

func (s *Server) roleNamed(name string) *role {
	for _, r := range s.rs.roles {
		if r.name == name {
			return r
		}
	}
	return nil
}

func (s *Server) addActor(project string, roleID int64, a roleActor) {
	if s.rs.actors[project] == nil {
		s.rs.actors[project] = map[int64][]roleActor{}
	}
	if !slices.Contains(s.rs.actors[project][roleID], a) {
		s.rs.actors[project][roleID] = append(s.rs.actors[project][roleID], a)
	}
}

// inRole reports whether the account acts in the role in the project,
// itself or through a group.
func (s *Server) inRole(accountID, project string, r *role) bool {
	for _, a := range s.rs.actors[project][r.id] {
		if a.accountID == accountID || (a.group != "" && s.inGroup(accountID, a.group)) {
			return true
		}
	}
	return false
}

func (s *Server) inGroup(accountID, name string) bool {
	g := s.rs.groups[name]
	return g != nil && slices.Contains(g.members, accountID)
}

// canSee reports whether viewer may read comment cm of is.
func (s *Server) canSee(viewer *User, is *issue, cm comment) bool {
	if cm.vis == nil {
		return true
	}
	if viewer == nil {
		return false
	}
	switch cm.vis.Type {
	case "role":
		r := s.roleNamed(cm.vis.Value)
		return r != nil && s.inRole(viewer.AccountID, is.project.Key, r)
	case "group":
		return s.inGroup(viewer.AccountID, cm.vis.Value)
	}
	return false
}

// visibleComments are the comments of is viewer may read, in order.
func (s *Server) visibleComments(viewer *User, is *issue) []comment {
	out := make([]comment, 0, len(is.comments))
	for _, cm := range is.comments {
		if s.canSee(viewer, is, cm) {
			out = append(out, cm)
		}
	}
	return out
}

// visibilityRefusal is Jira's answer to an author restricting a comment in
// project to v, or "" when it is allowed.
func (s *Server) visibilityRefusal(author, project string, v *Visibility) string {
	if v == nil {
		return ""
	}
	if err := checkVisibility(v); err != nil {
		return err.Error()
	}
	switch v.Type {
	case "role":
		r := s.roleNamed(v.Value)
		if r == nil {
			return "Role with id: " + v.Value + " does not exist."
		}
		if !s.inRole(author, project, r) {
			return "You are currently not a member of the project role: " + v.Value + "."
		}
	case "group":
		if s.rs.groups[v.Value] == nil {
			return "Group: " + v.Value + " does not exist."
		}
		if !s.inGroup(author, v.Value) {
			return "You are currently not a member of the group: " + v.Value + "."
		}
	}
	return ""
}

// ProjectRoleDetails
type jRoleDetails struct {
	Self             string `json:"self"`
	Name             string `json:"name"`
	ID               int64  `json:"id"`
	Description      string `json:"description"`
	Admin            bool   `json:"admin"`
	Default          bool   `json:"default"`
	RoleConfigurable bool   `json:"roleConfigurable"`
	TranslatedName   string `json:"translatedName"`
}

// ProjectRole
type jProjectRole struct {
	Self        string       `json:"self"`
	Name        string       `json:"name"`
	ID          int64        `json:"id"`
	Description string       `json:"description"`
	Actors      []jRoleActor `json:"actors,omitempty"`
}

// RoleActor
type jRoleActor struct {
	ID          int64           `json:"id"`
	DisplayName string          `json:"displayName"`
	Type        string          `json:"type"`
	ActorUser   *jRoleActorUser `json:"actorUser,omitempty"`
	ActorGroup  *jRoleGroup     `json:"actorGroup,omitempty"`
}

// ProjectRoleUser
type jRoleActorUser struct {
	AccountID string `json:"accountId"`
}

// ProjectRoleGroup
type jRoleGroup struct {
	DisplayName string `json:"displayName"`
	GroupID     string `json:"groupId"`
	Name        string `json:"name"`
}

// roleProject resolves the path's project for the role routes, which need
// Administer Projects or Administer Jira (the simulator has only the
// latter); Jira answers 404 to anyone else.
func (c *call) roleProject() *project {
	ref := c.r.PathValue("projectIdOrKey")
	p := c.s.projects[ref]
	if p == nil {
		p = c.s.projByID[ref]
	}
	if p == nil || !canBrowse(c.user, p) || !c.user.Admin {
		c.fail(http.StatusNotFound, "No project could be found with key '"+ref+"'.")
		return nil
	}
	return p
}

func (c *call) roleSelf(p *project, r *role) string {
	return c.rc.base + c.rc.api + "/project/" + p.ID + "/role/" + strconv.FormatInt(r.id, 10)
}

// projectRoles handles GET /rest/api/2/project/{projectIdOrKey}/role: role
// name -> URL.
func (c *call) projectRoles() {
	p := c.roleProject()
	if p == nil {
		return
	}
	out := map[string]string{}
	for _, r := range c.s.rs.roles {
		out[r.name] = c.roleSelf(p, r)
	}
	c.json(http.StatusOK, out)
}

// projectRoleDetails handles GET .../project/{projectIdOrKey}/roledetails;
// currentMember=true keeps the roles the caller acts in.
func (c *call) projectRoleDetails() {
	p := c.roleProject()
	if p == nil {
		return
	}
	mine := strings.EqualFold(c.r.URL.Query().Get("currentMember"), "true")
	out := []jRoleDetails{}
	for _, r := range c.s.rs.roles {
		if mine && !c.s.inRole(c.user.AccountID, p.Key, r) {
			continue
		}
		out = append(out, jRoleDetails{Self: c.roleSelf(p, r), Name: r.name, ID: r.id, Description: r.description,
			Admin: r.name == "Administrators", RoleConfigurable: true, TranslatedName: r.name})
	}
	c.json(http.StatusOK, out)
}

func (c *call) pathRole(p *project) *role {
	id, _ := strconv.ParseInt(c.r.PathValue("id"), 10, 64)
	for _, r := range c.s.rs.roles {
		if r.id == id {
			return r
		}
	}
	c.fail(http.StatusNotFound, "Can not retrieve a role actor for a null project role.")
	return nil
}

func (c *call) renderRole(p *project, r *role) jProjectRole {
	out := jProjectRole{Self: c.roleSelf(p, r), Name: r.name, ID: r.id, Description: r.description, Actors: []jRoleActor{}}
	for i, a := range c.s.rs.actors[p.Key][r.id] {
		ja := jRoleActor{ID: int64(20000 + i)}
		if a.accountID != "" {
			ja.Type, ja.ActorUser = "atlassian-user-role-actor", &jRoleActorUser{AccountID: a.accountID}
			if u := c.s.users[a.accountID]; u != nil {
				ja.DisplayName = u.DisplayName
			}
		} else {
			g := c.s.rs.groups[a.group]
			ja.Type, ja.DisplayName = "atlassian-group-role-actor", a.group
			ja.ActorGroup = &jRoleGroup{DisplayName: a.group, Name: a.group, GroupID: g.id}
		}
		out.Actors = append(out.Actors, ja)
	}
	return out
}

// projectRole handles GET .../project/{projectIdOrKey}/role/{id}.
func (c *call) projectRole() {
	p := c.roleProject()
	if p == nil {
		return
	}
	if r := c.pathRole(p); r != nil {
		c.json(http.StatusOK, c.renderRole(p, r))
	}
}

// addRoleActors handles POST .../project/{projectIdOrKey}/role/{id}
// (ActorsMap: user account ids, group names or group ids).
func (c *call) addRoleActors() {
	p := c.roleProject()
	if p == nil {
		return
	}
	r := c.pathRole(p)
	if r == nil {
		return
	}
	var req struct {
		User    []string `json:"user"`
		Group   []string `json:"group"`
		GroupID []string `json:"groupId"`
	}
	if !c.decode(&req, true) {
		return
	}
	if len(req.Group) > 0 && len(req.GroupID) > 0 {
		c.fail(http.StatusBadRequest, "You must specify either group or groupId, not both.")
		return
	}
	var add []roleActor
	for _, id := range req.User {
		if c.s.users[id] == nil {
			c.fail(http.StatusNotFound, "The user with account ID '"+id+"' does not exist.")
			return
		}
		add = append(add, roleActor{accountID: id})
	}
	for _, name := range req.Group {
		if c.s.rs.groups[name] == nil {
			c.fail(http.StatusNotFound, "The group '"+name+"' does not exist.")
			return
		}
		add = append(add, roleActor{group: name})
	}
	for _, id := range req.GroupID {
		var found *group
		for _, g := range c.s.rs.groups {
			if g.id == id {
				found = g
			}
		}
		if found == nil {
			c.fail(http.StatusNotFound, "The group with id '"+id+"' does not exist.")
			return
		}
		add = append(add, roleActor{group: found.name})
	}
	for _, a := range add {
		c.s.addActor(p.Key, r.id, a)
	}
	c.json(http.StatusOK, c.renderRole(p, r))
}

// createProjectRole handles POST /rest/api/2/role
// (CreateUpdateRoleRequestBean); Administer Jira only.
func (c *call) createProjectRole() {
	if !c.user.Admin {
		c.fail(http.StatusForbidden, "You do not have permission to create project roles.")
		return
	}
	var req struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if !c.decode(&req, true) {
		return
	}
	// "The `name` cannot be empty or start or end with whitespace" (400);
	// "409 Returned if a project role with the provided name already
	// exists" (Atlassian's description of POST /rest/api/3/role).
	if req.Name == "" || strings.TrimSpace(req.Name) != req.Name {
		c.fail(http.StatusBadRequest, "The name of a project role cannot be empty or start or end with whitespace.")
		return
	}
	if c.s.roleNamed(req.Name) != nil {
		c.fail(http.StatusConflict, "A project role with name '"+req.Name+"' already exists.")
		return
	}
	r := c.s.createRole(req.Name, req.Description)
	c.json(http.StatusOK, jProjectRole{Self: c.rc.base + c.rc.api + "/role/" + strconv.FormatInt(r.id, 10), Name: r.name, ID: r.id, Description: r.description})
}

// userGroups is the caller's groups, for GET myself?expand=groups
// (SimpleListWrapperGroupName).
func (c *call) userGroups() map[string]any {
	items := []map[string]string{}
	names := make([]string, 0, len(c.s.rs.groups))
	for n := range c.s.rs.groups {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		g := c.s.rs.groups[n]
		if slices.Contains(g.members, c.user.AccountID) {
			items = append(items, map[string]string{"name": g.name, "groupId": g.id, "self": c.rc.base + c.rc.api + "/group?groupId=" + g.id})
		}
	}
	return map[string]any{"size": len(items), "items": items}
}

func (s *Server) registerRoleRoutes(add func(Route, handlerFunc)) {
	add(Route{Method: "GET", Path: "/rest/api/2/project/{projectIdOrKey}/role"}, (*call).projectRoles)
	add(Route{Method: "GET", Path: "/rest/api/2/project/{projectIdOrKey}/roledetails"}, (*call).projectRoleDetails)
	add(Route{Method: "GET", Path: "/rest/api/2/project/{projectIdOrKey}/role/{id}"}, (*call).projectRole)
	add(Route{Method: "POST", Path: "/rest/api/2/project/{projectIdOrKey}/role/{id}"}, (*call).addRoleActors)
	add(Route{Method: "POST", Path: "/rest/api/2/role"}, (*call).createProjectRole)
}
