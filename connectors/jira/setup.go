package jira

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/slabot/slabot/rules"
)

// SetupPermission is what `slabot setup` needs and nothing else: custom
// fields, their contexts and options, and screens are site administration.
// The daemon itself does not need it.
const SetupPermission = "the Administer Jira global permission (Settings > System > Global permissions), " +
	"for creating custom fields, their contexts and options, and for editing screens"

// SetupProject is one governed project and the custom fields its policy
// names: each must be on the project's edit screens so that slabot can
// write it and agents can fill it.
type SetupProject struct {
	Key    string
	Fields []string
	// Internal, when the project's policy posts internal comments, is the
	// role or group they are restricted to outside Jira Service
	// Management: setup creates a missing role and makes the account it
	// runs as an actor of it in the project.
	Internal *rules.CommentRestriction
}

// SetupResult is what Setup did (or, in a dry run, would do) and what it
// cannot do by itself.
type SetupResult struct {
	Changes  []string
	Problems []string
	// Notes are steps left to a person that do not stop slabot.
	Notes []string
}

// customTypeKeys are the Jira custom field type and searcher of each
// field type.
var customTypeKeys = map[rules.FieldKind][2]string{
	rules.KindDatetime: {"com.atlassian.jira.plugin.system.customfieldtypes:datetime", "com.atlassian.jira.plugin.system.customfieldtypes:datetimerange"},
	rules.KindOption:   {"com.atlassian.jira.plugin.system.customfieldtypes:select", "com.atlassian.jira.plugin.system.customfieldtypes:multiselectsearcher"},
	rules.KindText:     {"com.atlassian.jira.plugin.system.customfieldtypes:textfield", "com.atlassian.jira.plugin.system.customfieldtypes:textsearcher"},
	rules.KindNumber:   {"com.atlassian.jira.plugin.system.customfieldtypes:float", "com.atlassian.jira.plugin.system.customfieldtypes:exactnumber"},
}

// Setup makes the site ready for the configured fields and the projects:
// creates each missing custom field with its type, makes each field exist
// on its projects' issues (a context covering them: setupContexts), adds
// the missing options of select lists to the contexts those issues use,
// and puts each project's fields on the edit screen of every issue type of
// the project (through its issue type screen scheme and screen schemes).
// It changes only what is missing, so a second run changes nothing. With
// dryRun it reads the same and writes nothing. It needs SetupPermission,
// not Connect.
func (c *Client) Setup(ctx context.Context, projects []SetupProject, dryRun bool) (SetupResult, error) {
	var res SetupResult
	var site []gojira.Field
	if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/field", endpoint: "/rest/api/2/field", idempotent: true, out: &site}); err != nil {
		return res, c.setupErr(err)
	}
	projs, err := c.setupProjects(ctx, projects, &res)
	if err != nil {
		return res, c.setupErr(err)
	}
	fieldIDs := map[string]string{} // spec name -> field id ("" in a dry run for a field not created yet)
	for _, spec := range c.cfg.Fields {
		same, other := candidates(spec, site)
		switch {
		case len(same) == 1:
			fieldIDs[spec.Name] = same[0].ID
		case len(same) > 1:
			res.Problems = append(res.Problems, fmt.Sprintf("field %q is ambiguous: %d %s fields have that name (%s): rename all but one in Jira",
				spec.Name, len(same), jiraTypeName(spec.Kind), ids(same)))
			continue
		case len(other) > 0:
			res.Problems = append(res.Problems, fmt.Sprintf("field %q has the wrong type: %s is a %s field, the policy needs a %s: "+
				"rename or delete it in Jira, or name another field in the policy", spec.Name, ids(other), other[0].Schema.Type, jiraTypeName(spec.Kind)))
			continue
		default:
			res.Changes = append(res.Changes, fmt.Sprintf("create custom field %q (%s)", spec.Name, jiraTypeName(spec.Kind)))
			fieldIDs[spec.Name] = ""
			if !dryRun {
				id, err := c.createField(ctx, spec)
				if err != nil {
					return res, c.setupErr(err)
				}
				fieldIDs[spec.Name] = id
			}
		}
		id := fieldIDs[spec.Name]
		var serve []*fieldContext // a field created now has Jira's global context
		if id != "" {
			var naming []*setupProject
			for _, p := range projs {
				if slices.Contains(p.fields, spec.Name) && !p.simplified {
					naming = append(naming, p)
				}
			}
			if serve, err = c.setupContexts(ctx, spec.Name, id, naming, dryRun, &res); err != nil {
				return res, c.setupErr(err)
			}
		}
		if spec.Kind == rules.KindOption && len(spec.Options) > 0 {
			if err := c.setupOptions(ctx, spec, id, serve, dryRun, &res); err != nil {
				return res, c.setupErr(err)
			}
		}
	}
	if err := c.setupScreens(ctx, projs, fieldIDs, dryRun, &res); err != nil {
		return res, c.setupErr(err)
	}
	if err := c.setupInternalRoles(ctx, projs, dryRun, &res); err != nil {
		return res, c.setupErr(err)
	}
	return res, nil
}

// setupProject is a governed project as Jira has it, with the fields its
// policies name.
type setupProject struct {
	key, id    string
	simplified bool   // team-managed: its fields are its own, not the site's
	typ        string // projectTypeKey
	fields     []string
	internal   *rules.CommentRestriction
}

// setupProjects reads each project once (a project several policies name
// gets their fields together). A team-managed project is a problem setup
// cannot fix: company-managed fields, contexts and screens do not apply.
func (c *Client) setupProjects(ctx context.Context, projects []SetupProject, res *SetupResult) ([]*setupProject, error) {
	var out []*setupProject
	byKey := map[string]*setupProject{}
	for _, p := range projects {
		if sp := byKey[p.Key]; sp != nil {
			if sp.internal == nil {
				sp.internal = p.Internal
			}
			for _, f := range p.Fields {
				if !slices.Contains(sp.fields, f) {
					sp.fields = append(sp.fields, f)
				}
			}
			continue
		}
		var proj struct {
			ID             string `json:"id"`
			Simplified     bool   `json:"simplified"`
			ProjectTypeKey string `json:"projectTypeKey"`
		}
		if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/project/" + url.PathEscape(p.Key), endpoint: "/rest/api/2/project/{projectIdOrKey}",
			idempotent: true, out: &proj}); err != nil {
			return nil, err
		}
		sp := &setupProject{key: p.Key, id: proj.ID, simplified: proj.Simplified, typ: proj.ProjectTypeKey, fields: slices.Clone(p.Fields), internal: p.Internal}
		byKey[p.Key] = sp
		out = append(out, sp)
	}
	for _, sp := range out {
		if sp.simplified {
			res.Problems = append(res.Problems, fmt.Sprintf("project %s is team-managed: add slabot's fields in Project settings > Issue types (%s)",
				sp.key, strings.Join(sp.fields, ", ")))
		}
	}
	return out, nil
}

// setupErr names the permission setup needs when Jira refuses.
func (c *Client) setupErr(err error) error {
	var pe *PermissionError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w\nslabot setup needs %s", err, SetupPermission)
	}
	return err
}

func (c *Client) createField(ctx context.Context, spec rules.Field) (string, error) {
	keys := customTypeKeys[spec.Kind]
	body := map[string]string{"name": spec.Name, "type": keys[0], "searcherKey": keys[1],
		"description": "Set by slabot from the SLA policy; created by slabot setup."}
	var out gojira.Field
	if _, err := c.call(ctx, op{method: "POST", path: "rest/api/2/field", endpoint: "/rest/api/2/field", body: body, out: &out}); err != nil {
		return "", err
	}
	return out.ID, nil
}

// pageBean is Jira's PageBean envelope.
type pageBean[T any] struct {
	StartAt    int  `json:"startAt"`
	MaxResults int  `json:"maxResults"`
	IsLast     bool `json:"isLast"`
	Values     []T  `json:"values"`
}

// pages reads every page of a PageBean endpoint; path has its query
// already (or none).
func pages[T any](ctx context.Context, c *Client, path, endpoint string) ([]T, error) {
	var all []T
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for start := 0; ; {
		var pb pageBean[T]
		if _, err := c.call(ctx, op{method: "GET", path: path + sep + "startAt=" + strconv.Itoa(start) + "&maxResults=50",
			endpoint: endpoint, idempotent: true, out: &pb}); err != nil {
			return nil, err
		}
		all = append(all, pb.Values...)
		if pb.IsLast || len(pb.Values) == 0 {
			return all, nil
		}
		start += len(pb.Values)
	}
}

// setupOptions adds the options a select list lacks to each context its
// projects' issues use (serve; a field not created yet, in a dry run, has
// none and lacks every option). A disabled option slabot needs is a
// problem a person must look at: someone chose to retire it.
func (c *Client) setupOptions(ctx context.Context, spec rules.Field, id string, serve []*fieldContext, dryRun bool, res *SetupResult) error {
	if id == "" {
		res.Changes = append(res.Changes, fmt.Sprintf("add options %s to %q", strings.Join(spec.Options, ", "), spec.Name))
		return nil
	}
	type option struct {
		Value    string `json:"value"`
		Disabled bool   `json:"disabled"`
	}
	for _, fc := range serve {
		where := ""
		if !fc.IsGlobal {
			where = fmt.Sprintf(" (context %q)", fc.Name)
		}
		var opts []option
		if fc.ID != "" { // a context planned in a dry run has none
			var err error
			opts, err = pages[option](ctx, c, "rest/api/2/field/"+url.PathEscape(id)+"/context/"+url.PathEscape(fc.ID)+"/option",
				"/rest/api/2/field/{fieldId}/context/{contextId}/option")
			if err != nil {
				return err
			}
		}
		var missing []string
		for _, want := range spec.Options {
			i := slices.IndexFunc(opts, func(o option) bool { return o.Value == want })
			switch {
			case i < 0:
				missing = append(missing, want)
			case opts[i].Disabled:
				res.Problems = append(res.Problems, fmt.Sprintf("option %q of field %q%s is disabled: enable it, or slabot's writes of it fail", want, spec.Name, where))
			}
		}
		if len(missing) == 0 {
			continue
		}
		res.Changes = append(res.Changes, fmt.Sprintf("add options %s to %q%s", strings.Join(missing, ", "), spec.Name, where))
		if dryRun || fc.ID == "" {
			continue
		}
		type create struct {
			Value string `json:"value"`
		}
		body := struct {
			Options []create `json:"options"`
		}{}
		for _, v := range missing {
			body.Options = append(body.Options, create{v})
		}
		if _, err := c.call(ctx, op{method: "POST", path: "rest/api/2/field/" + url.PathEscape(id) + "/context/" + url.PathEscape(fc.ID) + "/option",
			endpoint: "/rest/api/2/field/{fieldId}/context/{contextId}/option", body: body, out: &struct{}{}}); err != nil {
			return err
		}
	}
	return nil
}

// editScreen is one screen some project edits issues through.
type editScreen struct {
	id       int64
	name     string // as Jira shows it in Settings > Issues > Screens
	projects []string
	fields   map[string]bool // ids on any tab
	firstTab int64
}

// setupScreens puts each project's fields on every screen its issues are
// edited through: for each issue type mapping of the project's issue type
// screen scheme, the screen scheme's edit screen, or its default screen
// when it has none. Screens shared by several projects are changed once.
func (c *Client) setupScreens(ctx context.Context, projects []*setupProject, fieldIDs map[string]string, dryRun bool, res *SetupResult) error {
	screens := map[int64]*editScreen{}
	need := map[int64][]string{} // screen id -> field names, in policy order
	for _, p := range projects {
		if p.simplified {
			continue // setupProjects reported it
		}
		screenIDs, err := c.projectEditScreens(ctx, p.id)
		if err != nil {
			return err
		}
		if len(screenIDs) == 0 {
			res.Problems = append(res.Problems, fmt.Sprintf("project %s has no issue type screen scheme: add slabot's fields to its screens by hand (%s)",
				p.key, strings.Join(p.fields, ", ")))
			continue
		}
		for _, sid := range screenIDs {
			sc := screens[sid]
			if sc == nil {
				sc = &editScreen{id: sid}
				screens[sid] = sc
			}
			sc.projects = append(sc.projects, p.key)
			for _, f := range p.fields {
				if !slices.Contains(need[sid], f) {
					need[sid] = append(need[sid], f)
				}
			}
		}
	}
	order := make([]int64, 0, len(screens))
	for id := range screens {
		order = append(order, id)
	}
	slices.Sort(order)
	if err := c.screenNames(ctx, screens, order); err != nil {
		return err
	}
	for _, sid := range order {
		sc := screens[sid]
		if err := c.readScreen(ctx, sc); err != nil {
			return err
		}
		var added []string
		for _, name := range need[sid] {
			id, known := fieldIDs[name]
			if !known || (id != "" && sc.fields[id]) {
				continue // a problem was reported for it, or it is there
			}
			added = append(added, strconv.Quote(name))
			if dryRun || id == "" {
				continue
			}
			if _, err := c.call(ctx, op{method: "POST", path: fmt.Sprintf("rest/api/2/screens/%d/tabs/%d/fields", sid, sc.firstTab),
				endpoint: "/rest/api/2/screens/{screenId}/tabs/{tabId}/fields", body: map[string]string{"fieldId": id}, out: &struct{}{}}); err != nil {
				return err
			}
			sc.fields[id] = true
		}
		if len(added) > 0 {
			res.Changes = append(res.Changes, fmt.Sprintf("add %s to %s", strings.Join(added, ", "), sc.label()))
		}
	}
	return nil
}

// label names a screen as a person finds it in Jira: by name, with its id
// (names need not be unique), or by id alone when Jira gave no name; and
// the projects that edit issues through it.
func (sc *editScreen) label() string {
	projects := strings.Join(sc.projects, ", ")
	if sc.name == "" {
		return fmt.Sprintf("screen %d (edits in %s)", sc.id, projects)
	}
	return fmt.Sprintf("screen %q (id %d; edits in %s)", sc.name, sc.id, projects)
}

// screenNames reads the names of the screens ids lists (GET
// /rest/api/2/screens?id=...: "Get screens", a PageBean of id, name and
// description), so that setup's plan names them as Jira's settings do.
func (c *Client) screenNames(ctx context.Context, screens map[int64]*editScreen, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	q := url.Values{}
	for _, id := range ids {
		q.Add("id", strconv.FormatInt(id, 10))
	}
	type screenRef struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	refs, err := pages[screenRef](ctx, c, "rest/api/2/screens?"+q.Encode(), "/rest/api/2/screens")
	if err != nil {
		return fmt.Errorf("jira: read the names of screens: %w", err)
	}
	for _, r := range refs {
		if sc := screens[r.ID]; sc != nil {
			sc.name = r.Name
		}
	}
	return nil
}

// projectEditScreens lists the ids of the screens issues of a project are
// edited through.
func (c *Client) projectEditScreens(ctx context.Context, projectID string) ([]int64, error) {
	type itssProjects struct {
		Scheme struct {
			ID string `json:"id"`
		} `json:"issueTypeScreenScheme"`
	}
	schemes, err := pages[itssProjects](ctx, c, "rest/api/2/issuetypescreenscheme/project?projectId="+url.QueryEscape(projectID),
		"/rest/api/2/issuetypescreenscheme/project")
	if err != nil || len(schemes) == 0 {
		return nil, err
	}
	type mapping struct {
		ScreenSchemeID string `json:"screenSchemeId"`
	}
	q := url.Values{}
	for _, s := range schemes {
		q.Add("issueTypeScreenSchemeId", s.Scheme.ID)
	}
	maps, err := pages[mapping](ctx, c, "rest/api/2/issuetypescreenscheme/mapping?"+q.Encode(), "/rest/api/2/issuetypescreenscheme/mapping")
	if err != nil {
		return nil, err
	}
	q = url.Values{}
	for _, m := range maps {
		if !slices.Contains(q["id"], m.ScreenSchemeID) {
			q.Add("id", m.ScreenSchemeID)
		}
	}
	if len(q) == 0 {
		return nil, nil
	}
	type screenScheme struct {
		Screens struct {
			Default int64 `json:"default"`
			Edit    int64 `json:"edit"`
		} `json:"screens"`
	}
	sss, err := pages[screenScheme](ctx, c, "rest/api/2/screenscheme?"+q.Encode(), "/rest/api/2/screenscheme")
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, ss := range sss {
		id := ss.Screens.Edit
		if id == 0 {
			id = ss.Screens.Default
		}
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// readScreen loads which fields are on any tab of a screen, and its first
// tab (where setup adds fields).
func (c *Client) readScreen(ctx context.Context, sc *editScreen) error {
	var tabs []struct {
		ID int64 `json:"id"`
	}
	if _, err := c.call(ctx, op{method: "GET", path: fmt.Sprintf("rest/api/2/screens/%d/tabs", sc.id), endpoint: "/rest/api/2/screens/{screenId}/tabs",
		idempotent: true, out: &tabs}); err != nil {
		return err
	}
	if len(tabs) == 0 {
		return fmt.Errorf("jira: screen %d has no tabs: add one in Jira (Settings > Issues > Screens)", sc.id)
	}
	sc.firstTab, sc.fields = tabs[0].ID, map[string]bool{}
	for _, t := range tabs {
		var fields []struct {
			ID string `json:"id"`
		}
		if _, err := c.call(ctx, op{method: "GET", path: fmt.Sprintf("rest/api/2/screens/%d/tabs/%d/fields", sc.id, t.ID),
			endpoint: "/rest/api/2/screens/{screenId}/tabs/{tabId}/fields", idempotent: true, out: &fields}); err != nil {
			return err
		}
		for _, f := range fields {
			sc.fields[f.ID] = true
		}
	}
	return nil
}

// setupInternalRoles makes the role internal comments are restricted to
// usable on each governed project outside Jira Service Management (on a
// service desk they are internal notes and need no role): it creates the
// role when the site lacks it ("although a new project role is available
// to all projects upon creation", Atlassian's description of POST
// /rest/api/3/role, it starts with no actors) and adds the account setup
// runs as to the role's actors in the project. Who else reads internal
// comments (the agents) is a person's choice: a note says where to add
// them. A group is not created: group membership is user management.
func (c *Client) setupInternalRoles(ctx context.Context, projects []*setupProject, dryRun bool, res *SetupResult) error {
	var me struct {
		AccountID string `json:"accountId"`
	}
	roleIDs := map[string]string{} // role name -> id, from the first project's role list
	listed := false
	for _, p := range projects {
		if p.internal == nil || p.typ == ServiceDesk {
			continue
		}
		if p.internal.Group != "" {
			res.Notes = append(res.Notes, fmt.Sprintf("project %s: internal comments are restricted to group %q: make sure slabot's account "+
				"and the agents are in it (slabot check verifies the account)", p.key, p.internal.Group))
			continue
		}
		role := p.internal.Role
		if me.AccountID == "" {
			if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/myself", endpoint: "/rest/api/2/myself", idempotent: true, out: &me}); err != nil {
				return err
			}
		}
		if !listed {
			var roles map[string]string // name -> URL
			if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/project/" + url.PathEscape(p.key) + "/role",
				endpoint: "/rest/api/2/project/{projectIdOrKey}/role", idempotent: true, out: &roles}); err != nil {
				return err
			}
			for name, u := range roles {
				roleIDs[name] = u[strings.LastIndex(u, "/")+1:]
			}
			listed = true
		}
		if _, ok := roleIDs[role]; !ok {
			res.Changes = append(res.Changes, fmt.Sprintf("create project role %q (internal comments outside Jira Service Management are restricted to it)", role))
			roleIDs[role] = ""
			if !dryRun {
				var made struct {
					ID int64 `json:"id"`
				}
				body := map[string]string{"name": role, "description": "People who read slabot's internal comments (acknowledgements, " +
					"missing-information and priority notes) on projects outside Jira Service Management. Created by slabot setup."}
				if _, err := c.call(ctx, op{method: "POST", path: "rest/api/2/role", endpoint: "/rest/api/2/role", body: body, out: &made}); err != nil {
					return err
				}
				roleIDs[role] = strconv.FormatInt(made.ID, 10)
			}
		}
		id := roleIDs[role]
		inRole := false
		if id != "" {
			var pr struct {
				Actors []struct {
					ActorUser *struct {
						AccountID string `json:"accountId"`
					} `json:"actorUser"`
				} `json:"actors"`
			}
			if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/project/" + url.PathEscape(p.key) + "/role/" + id,
				endpoint: "/rest/api/2/project/{projectIdOrKey}/role/{id}", idempotent: true, out: &pr}); err != nil {
				return err
			}
			for _, a := range pr.Actors {
				inRole = inRole || (a.ActorUser != nil && a.ActorUser.AccountID == me.AccountID)
			}
		}
		if !inRole {
			res.Changes = append(res.Changes, fmt.Sprintf("add the account setup runs as to role %q in project %s", role, p.key))
			if !dryRun {
				body := map[string][]string{"user": {me.AccountID}}
				if _, err := c.call(ctx, op{method: "POST", path: "rest/api/2/project/" + url.PathEscape(p.key) + "/role/" + id,
					endpoint: "/rest/api/2/project/{projectIdOrKey}/role/{id}", body: body}); err != nil {
					return err
				}
			}
			res.Notes = append(res.Notes, fmt.Sprintf("project %s: add the agents who should read slabot's internal comments to role %q "+
				"(Project settings > People), and slabot's account if setup did not run as it", p.key, role))
		}
	}
	return nil
}
