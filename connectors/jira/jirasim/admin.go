package jirasim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Site administration as `slabot setup` uses it: custom fields, their
// contexts and select options, and the screens that decide which fields
// an edit may set. The layout is as untidy as a real company-managed site:
//
//   - projects that are not service desks share the "Default Issue Type
//     Screen Scheme" -> "Default Screen Scheme" -> "Default Screen", which
//     has no separate edit screen (edits use the default screen);
//   - each service desk project has its own issue type screen scheme with
//     two mappings: the default one -> a screen scheme with distinct
//     default and edit screens, and the first issue type (an override) ->
//     a screen scheme with only a default screen;
//   - a screen has two tabs; a field on either tab is on the screen.
//
// A seeded field is on every screen unless Field.NotOnEditScreen; a field
// created through the API is on none, as in Jira Cloud.

type screen struct {
	id   int64
	name string
	tabs []*screenTab
}

type screenTab struct {
	id     int64
	name   string
	fields []string // field ids
}

type screenScheme struct {
	id          int64
	name        string
	def, edit   int64 // screen ids; edit 0 means the default screen
	description string
}

type itsMapping struct {
	issueTypeID    string // "default" or an issue type id
	screenSchemeID int64
}

type itsScheme struct {
	id       string
	name     string
	mappings []itsMapping
}

// adminState is the site's administration, guarded by Server.mu.
type adminState struct {
	screens       map[int64]*screen
	screenSchemes map[int64]*screenScheme
	itss          map[string]*itsScheme
	projITSS      map[string]*itsScheme      // project id -> scheme
	contexts      map[string][]*fieldContext // field id -> contexts
	nextID        int64
}

func (a *adminState) id() int64 { a.nextID++; return a.nextID }

func (a *adminState) newScreen(name string) *screen {
	sc := &screen{id: a.id(), name: name}
	sc.tabs = []*screenTab{{id: a.id(), name: "Field Tab"}, {id: a.id(), name: "SLA"}}
	a.screens[sc.id] = sc
	return sc
}

// initAdmin lays out the screens and the fields' contexts once projects,
// types and seeded fields are loaded.
func (s *Server) initAdmin() error {
	a := &s.admin
	*a = adminState{screens: map[int64]*screen{}, screenSchemes: map[int64]*screenScheme{}, itss: map[string]*itsScheme{},
		projITSS: map[string]*itsScheme{}, contexts: map[string][]*fieldContext{}, nextID: 1}
	def := a.newScreen("Default Screen")
	defSS := &screenScheme{id: a.id(), name: "Default Screen Scheme", def: def.id}
	a.screenSchemes[defSS.id] = defSS
	defITSS := &itsScheme{id: "1", name: "Default Issue Type Screen Scheme", mappings: []itsMapping{{"default", defSS.id}}}
	a.itss[defITSS.id] = defITSS
	keys := make([]string, 0, len(s.projects))
	for k := range s.projects {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := s.projects[k]
		if !p.ServiceDesk {
			a.projITSS[p.ID] = defITSS
			continue
		}
		view, edit := a.newScreen(k+": Jira Service Management View Screen"), a.newScreen(k+": Jira Service Management Edit Screen")
		ss := &screenScheme{id: a.id(), name: k + ": Jira Service Management Screen Scheme", def: view.id, edit: edit.id}
		a.screenSchemes[ss.id] = ss
		its := &itsScheme{id: strconv.FormatInt(a.id(), 10), name: k + ": Jira Service Management Issue Type Screen Scheme",
			mappings: []itsMapping{{"default", ss.id}}}
		if len(s.types) > 0 {
			first := a.newScreen(k + ": " + s.types[0].Name + " Screen")
			fss := &screenScheme{id: a.id(), name: k + ": " + s.types[0].Name + " Screen Scheme", def: first.id}
			a.screenSchemes[fss.id] = fss
			its.mappings = append(its.mappings, itsMapping{s.types[0].ID, fss.id})
		}
		a.itss[its.id] = its
		a.projITSS[p.ID] = its
	}
	for _, f := range s.fields {
		if err := s.seedContext(f); err != nil {
			return err
		}
		if f.NotOnEditScreen {
			continue
		}
		for _, sc := range a.screens {
			sc.tabs[0].fields = append(sc.tabs[0].fields, f.ID)
		}
	}
	return nil
}

// editScreen is the screen an edit of an issue of type typ in project p
// goes through: the type's mapping (else the default one) in the project's
// issue type screen scheme, that screen scheme's edit screen (else its
// default screen).
func (s *Server) editScreen(p *project, typ *IssueType) *screen {
	its := s.admin.projITSS[p.ID]
	if its == nil {
		return nil
	}
	var ssID int64
	for _, m := range its.mappings {
		if m.issueTypeID == "default" && ssID == 0 {
			ssID = m.screenSchemeID
		}
		if typ != nil && m.issueTypeID == typ.ID {
			ssID = m.screenSchemeID
			break
		}
	}
	ss := s.admin.screenSchemes[ssID]
	if ss == nil {
		return nil
	}
	if ss.edit != 0 {
		return s.admin.screens[ss.edit]
	}
	return s.admin.screens[ss.def]
}

// onEditScreen reports whether an edit of is may set the custom field.
func (s *Server) onEditScreen(f *field, is *issue) bool {
	sc := s.editScreen(is.project, is.typ)
	if sc == nil {
		return false
	}
	for _, t := range sc.tabs {
		if slices.Contains(t.fields, f.ID) {
			return true
		}
	}
	return false
}

// requireAdmin answers 403 unless the caller holds Administer Jira.
func (c *call) requireAdmin() bool {
	if c.user == nil || !c.user.Admin {
		c.fail(http.StatusForbidden, "You are not authorized to perform this action. Administrator privileges are required.")
		return false
	}
	return true
}

// page cuts values by startAt/maxResults into Jira's PageBean.
func (c *call) page(values []any, defMax int) map[string]any {
	start, _ := strconv.Atoi(c.r.URL.Query().Get("startAt"))
	size, err := strconv.Atoi(c.r.URL.Query().Get("maxResults"))
	if err != nil || size <= 0 || size > defMax {
		size = defMax
	}
	start = min(max(start, 0), len(values))
	end := min(start+size, len(values))
	return map[string]any{"startAt": start, "maxResults": size, "total": len(values), "isLast": end == len(values),
		"values": append([]any{}, values[start:end]...)}
}

// customTypeKeys maps Jira's custom field type keys to the simulator's
// types (the searcher is accepted and ignored).
func customTypeKey(key string) (FieldType, bool) {
	for t, ct := range customTypes {
		if ct.custom == key {
			return t, true
		}
	}
	return "", false
}

// createField handles POST /rest/api/2/field (CustomFieldDefinitionJsonBean).
func (c *call) createField() {
	if !c.requireAdmin() {
		return
	}
	var req struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Type        string `json:"type"`
		SearcherKey string `json:"searcherKey"`
	}
	if !c.decode(&req, true) {
		return
	}
	t, ok := customTypeKey(req.Type)
	switch {
	case strings.TrimSpace(req.Name) == "":
		c.failFields(http.StatusBadRequest, map[string]string{"name": "The custom field name must not be empty."})
		return
	case !ok || t == FieldOrganizations:
		c.failFields(http.StatusBadRequest, map[string]string{"type": "Invalid custom field type " + req.Type + "."})
		return
	}
	if err := c.s.addField(Field{Name: req.Name, Type: t}); err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return
	}
	f := c.s.fields[len(c.s.fields)-1]
	if err := c.s.seedContext(f); err != nil {
		c.fail(http.StatusInternalServerError, err.Error())
		return
	}
	c.json(http.StatusCreated, c.s.fieldDetails(f))
}

// fieldDetails renders a custom field as GET /field lists it.
func (s *Server) fieldDetails(f *field) jFieldDetails {
	ct := customTypes[f.Type]
	num, _ := strconv.ParseInt(strings.TrimPrefix(f.ID, "customfield_"), 10, 64)
	return jFieldDetails{ID: f.ID, Key: f.ID, Name: f.Name, Custom: true, Orderable: true, Navigable: true,
		Searchable: true, ClauseNames: []string{"cf[" + strings.TrimPrefix(f.ID, "customfield_") + "]", f.Name},
		Schema: &jFieldType{Type: ct.typ, Items: ct.items, Custom: ct.custom, CustomID: num}}
}

func (c *call) customField() *field {
	f := c.s.fieldByID[c.r.PathValue("fieldId")]
	if f == nil {
		c.fail(http.StatusNotFound, "The custom field was not found.")
	}
	return f
}

// listOptions handles GET /rest/api/2/field/{fieldId}/context/{contextId}/option.
func (c *call) listOptions() {
	if !c.requireAdmin() {
		return
	}
	f := c.customField()
	if f == nil {
		return
	}
	ctx := c.fieldContext(f)
	if ctx == nil {
		return
	}
	var vals []any
	for _, o := range ctx.options {
		vals = append(vals, map[string]any{"id": o.id, "value": o.value, "disabled": o.disabled})
	}
	// A small page: clients must follow isLast.
	c.json(http.StatusOK, c.page(vals, 5))
}

// addOptions handles POST /rest/api/2/field/{fieldId}/context/{contextId}/option.
// An option that exists already is a 400, as on a real site.
func (c *call) addOptions() {
	if !c.requireAdmin() {
		return
	}
	f := c.customField()
	if f == nil {
		return
	}
	if f.Type != FieldSelect {
		c.fail(http.StatusBadRequest, "The custom field doesn't support options.")
		return
	}
	ctx := c.fieldContext(f)
	if ctx == nil {
		return
	}
	var req struct {
		Options []struct {
			Value    string `json:"value"`
			Disabled bool   `json:"disabled"`
			OptionID string `json:"optionId"`
		} `json:"options"`
	}
	if !c.decode(&req, true) {
		return
	}
	for _, o := range req.Options {
		if strings.TrimSpace(o.Value) == "" {
			c.fail(http.StatusBadRequest, "The option value must not be empty.")
			return
		}
		if ctx.option(o.Value, "") != nil {
			c.fail(http.StatusBadRequest, "The option '"+o.Value+"' already exists.")
			return
		}
	}
	var out []any
	for _, o := range req.Options {
		id := strconv.FormatInt(c.s.admin.id()+20000, 10)
		ctx.options = append(ctx.options, &ctxOption{id: id, value: o.Value, disabled: o.Disabled})
		out = append(out, map[string]any{"id": id, "value": o.Value, "disabled": o.Disabled})
	}
	c.json(http.StatusOK, map[string]any{"options": out})
}

// getProject handles GET /rest/api/2/project/{projectIdOrKey}.
func (c *call) getProject() {
	ref := c.r.PathValue("projectIdOrKey")
	p := c.s.projects[ref]
	if p == nil {
		p = c.s.projByID[ref]
	}
	if p == nil || !canBrowse(c.user, p) {
		c.fail(http.StatusNotFound, "No project could be found with key '"+ref+"'.")
		return
	}
	typ := "software"
	if p.ServiceDesk {
		typ = "service_desk"
	}
	c.json(http.StatusOK, jProject{Self: c.rc.base + "/rest/api/2/project/" + p.ID, ID: p.ID, Key: p.Key, Name: p.Name, ProjectTypeKey: typ})
}

// projectSchemes handles GET /rest/api/2/issuetypescreenscheme/project?projectId=.
func (c *call) projectSchemes() {
	if !c.requireAdmin() {
		return
	}
	byScheme := map[string][]string{}
	var order []string
	for _, pid := range c.r.URL.Query()["projectId"] {
		its := c.s.admin.projITSS[pid]
		if its == nil {
			continue
		}
		if _, seen := byScheme[its.id]; !seen {
			order = append(order, its.id)
		}
		byScheme[its.id] = append(byScheme[its.id], pid)
	}
	var vals []any
	for _, id := range order {
		its := c.s.admin.itss[id]
		vals = append(vals, map[string]any{"issueTypeScreenScheme": map[string]any{"id": its.id, "name": its.name}, "projectIds": byScheme[id]})
	}
	c.json(http.StatusOK, c.page(vals, 25))
}

// schemeMappings handles GET /rest/api/2/issuetypescreenscheme/mapping.
func (c *call) schemeMappings() {
	if !c.requireAdmin() {
		return
	}
	want := c.r.URL.Query()["issueTypeScreenSchemeId"]
	ids := make([]string, 0, len(c.s.admin.itss))
	for id := range c.s.admin.itss {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var vals []any
	for _, id := range ids {
		if len(want) > 0 && !slices.Contains(want, id) {
			continue
		}
		for _, m := range c.s.admin.itss[id].mappings {
			vals = append(vals, map[string]any{"issueTypeScreenSchemeId": id, "issueTypeId": m.issueTypeID,
				"screenSchemeId": strconv.FormatInt(m.screenSchemeID, 10)})
		}
	}
	c.json(http.StatusOK, c.page(vals, 50))
}

// listScreenSchemes handles GET /rest/api/2/screenscheme?id=.
func (c *call) listScreenSchemes() {
	if !c.requireAdmin() {
		return
	}
	var vals []any
	for _, id := range idsAsked(c, c.s.admin.screenSchemes) {
		ss := c.s.admin.screenSchemes[id]
		screens := map[string]any{"default": ss.def}
		if ss.edit != 0 {
			screens["edit"] = ss.edit
		}
		vals = append(vals, map[string]any{"id": ss.id, "name": ss.name, "description": ss.description, "screens": screens})
	}
	c.json(http.StatusOK, c.page(vals, 25))
}

// listScreens is GET /rest/api/2/screens ("Get screens" of the Jira Cloud
// REST API v2: a PageBean of {id, name, description}, all screens or those
// the id parameters name, in id order).
func (c *call) listScreens() {
	if !c.requireAdmin() {
		return
	}
	var vals []any
	for _, id := range idsAsked(c, c.s.admin.screens) {
		sc := c.s.admin.screens[id]
		vals = append(vals, map[string]any{"id": sc.id, "name": sc.name, "description": ""})
	}
	c.json(http.StatusOK, c.page(vals, 100))
}

func (c *call) screen() *screen {
	id, _ := strconv.ParseInt(c.r.PathValue("screenId"), 10, 64)
	sc := c.s.admin.screens[id]
	if sc == nil {
		c.fail(http.StatusNotFound, "The screen with id '"+c.r.PathValue("screenId")+"' does not exist.")
	}
	return sc
}

func (c *call) screenTab(sc *screen) *screenTab {
	id, _ := strconv.ParseInt(c.r.PathValue("tabId"), 10, 64)
	for _, t := range sc.tabs {
		if t.id == id {
			return t
		}
	}
	c.fail(http.StatusNotFound, "The screen tab with id '"+c.r.PathValue("tabId")+"' does not exist.")
	return nil
}

// listTabs handles GET /rest/api/2/screens/{screenId}/tabs.
func (c *call) listTabs() {
	if !c.requireAdmin() {
		return
	}
	sc := c.screen()
	if sc == nil {
		return
	}
	out := []any{}
	for _, t := range sc.tabs {
		out = append(out, map[string]any{"id": t.id, "name": t.name})
	}
	c.json(http.StatusOK, out)
}

// listTabFields handles GET /rest/api/2/screens/{screenId}/tabs/{tabId}/fields.
func (c *call) listTabFields() {
	if !c.requireAdmin() {
		return
	}
	sc := c.screen()
	if sc == nil {
		return
	}
	t := c.screenTab(sc)
	if t == nil {
		return
	}
	out := []any{}
	for _, id := range t.fields {
		name := id
		if f := c.s.fieldByID[id]; f != nil {
			name = f.Name
		}
		out = append(out, map[string]any{"id": id, "name": name})
	}
	c.json(http.StatusOK, out)
}

// addTabField handles POST /rest/api/2/screens/{screenId}/tabs/{tabId}/fields.
// A field already on the screen (on any tab) is a 400, as on a real site.
func (c *call) addTabField() {
	if !c.requireAdmin() {
		return
	}
	sc := c.screen()
	if sc == nil {
		return
	}
	t := c.screenTab(sc)
	if t == nil {
		return
	}
	var req struct {
		FieldID string `json:"fieldId"`
	}
	if !c.decode(&req, true) {
		return
	}
	f := c.s.fieldByID[req.FieldID]
	if f == nil {
		c.fail(http.StatusBadRequest, "The field with id '"+req.FieldID+"' does not exist.")
		return
	}
	for _, other := range sc.tabs {
		if slices.Contains(other.fields, f.ID) {
			c.fail(http.StatusBadRequest, "The field with id '"+f.ID+"' already exists on the screen.")
			return
		}
	}
	t.fields = append(t.fields, f.ID)
	c.json(http.StatusOK, map[string]any{"id": f.ID, "name": f.Name})
}

// registerAdminRoutes adds the administration routes.
func (s *Server) registerAdminRoutes(add func(Route, handlerFunc)) {
	add(Route{Method: "POST", Path: "/rest/api/2/field"}, (*call).createField)
	add(Route{Method: "GET", Path: "/rest/api/2/field/{fieldId}/context"}, (*call).listContexts)
	add(Route{Method: "POST", Path: "/rest/api/2/field/{fieldId}/context"}, (*call).createContext)
	add(Route{Method: "GET", Path: "/rest/api/2/field/{fieldId}/context/projectmapping"}, (*call).contextProjects)
	add(Route{Method: "PUT", Path: "/rest/api/2/field/{fieldId}/context/{contextId}/project"}, (*call).assignProjects)
	add(Route{Method: "GET", Path: "/rest/api/2/field/{fieldId}/context/{contextId}/option"}, (*call).listOptions)
	add(Route{Method: "POST", Path: "/rest/api/2/field/{fieldId}/context/{contextId}/option"}, (*call).addOptions)
	add(Route{Method: "GET", Path: "/rest/api/2/project/{projectIdOrKey}"}, (*call).getProject)
	add(Route{Method: "GET", Path: "/rest/api/2/issuetypescreenscheme/project"}, (*call).projectSchemes)
	add(Route{Method: "GET", Path: "/rest/api/2/issuetypescreenscheme/mapping"}, (*call).schemeMappings)
	add(Route{Method: "GET", Path: "/rest/api/2/screenscheme"}, (*call).listScreenSchemes)
	add(Route{Method: "GET", Path: "/rest/api/2/screens"}, (*call).listScreens)
	add(Route{Method: "GET", Path: "/rest/api/2/screens/{screenId}/tabs"}, (*call).listTabs)
	add(Route{Method: "GET", Path: "/rest/api/2/screens/{screenId}/tabs/{tabId}/fields"}, (*call).listTabFields)
	add(Route{Method: "POST", Path: "/rest/api/2/screens/{screenId}/tabs/{tabId}/fields"}, (*call).addTabField)
}

// serveIndex answers GET / (outside the REST API, not logged) with what a
// person poking at the simulator wants: the projects and their issues, the
// custom fields, the accounts that may call the API, and where the API is.
func (s *Server) serveIndex(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	type proj struct {
		Key         string   `json:"key"`
		Name        string   `json:"name"`
		ServiceDesk bool     `json:"serviceDesk"`
		Issues      []string `json:"issues"`
	}
	var projects []proj
	for _, p := range s.projects {
		pr := proj{Key: p.Key, Name: p.Name, ServiceDesk: p.ServiceDesk, Issues: []string{}}
		for _, is := range s.issues {
			if is.project == p {
				pr.Issues = append(pr.Issues, is.key)
			}
		}
		projects = append(projects, pr)
	}
	var fields []map[string]string
	for _, f := range s.fields {
		fields = append(fields, map[string]string{"id": f.ID, "name": f.Name, "type": string(f.Type)})
	}
	var api []string
	for _, u := range s.users {
		if u.APIToken != "" {
			api = append(api, u.Email)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(projects, func(a, b proj) int { return strings.Compare(a.Key, b.Key) })
	slices.Sort(api)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(map[string]any{
		"simulator": "jirasim: Jira Cloud REST API simulator",
		"api":       "/rest/api/2/... and /rest/api/3/..., basic auth (e-mail and API token), e.g. /rest/api/2/search/jql?jql=project%3DKEY",
		"accounts":  api, "projects": projects, "fields": fields,
	})
}

// idsAsked lists the keys of m the request's id parameters name (all
// of them when it names none), in id order, as Jira's list resources
// filtered by id answer.
func idsAsked[T any](c *call, m map[int64]T) []int64 {
	var want []int64
	for _, v := range c.r.URL.Query()["id"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			want = append(want, n)
		}
	}
	ids := make([]int64, 0, len(m))
	for id := range m {
		if len(want) == 0 || slices.Contains(want, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
