package jira

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Custom field contexts decide where a field exists. A context lists
// projects (none: global, every project) and issue types (none: every
// type) and holds its own select options; a project is in at most one
// context of a field. An issue uses its project's context when that lists
// the type, else a global one. Where no context applies, the field
// does not exist on the issue: Jira leaves it out of reads and refuses
// every write with the same 400 as a field missing from the edit screen.
// A field created through the API (or the UI) has one global context; one
// whose contexts were deleted, or limited to other projects, does not
// exist on slabot's projects' issues.

// fieldContext is a context as GET .../context lists it, with its
// projects from GET .../context/projectmapping.
type fieldContext struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	IsGlobal bool   `json:"isGlobalContext"`
	AnyType  bool   `json:"isAnyIssueType"`
	projects []string
}

// coverage is how a field's contexts cover one project's issues.
type coverage int

const (
	notCovered coverage = iota // no context applies: Jira refuses every write
	covered                    // every issue type
	someTypes                  // only the types its project context lists, and no global context takes the others
)

// cover tells how ctxs cover project (an id) and which contexts its
// issues use (where options must be): the project's context, and the
// global one for every type when the project's is limited to some types
// or absent.
func cover(ctxs []*fieldContext, project string) ([]*fieldContext, coverage) {
	var own, global *fieldContext
	for _, fc := range ctxs {
		if own == nil && slices.Contains(fc.projects, project) {
			own = fc
		}
		if global == nil && fc.IsGlobal && fc.AnyType {
			global = fc
		}
	}
	switch {
	case own != nil && own.AnyType:
		return []*fieldContext{own}, covered
	case own != nil && global != nil:
		return []*fieldContext{own, global}, covered
	case own != nil:
		return []*fieldContext{own}, someTypes
	case global != nil:
		return []*fieldContext{global}, covered
	}
	return nil, notCovered
}

// fieldContexts reads every context of a field with its projects. It
// needs the Administer Jira global permission.
func (c *Client) fieldContexts(ctx context.Context, fieldID string) ([]*fieldContext, error) {
	base := "rest/api/2/field/" + url.PathEscape(fieldID) + "/context"
	ctxs, err := pages[*fieldContext](ctx, c, base, "/rest/api/2/field/{fieldId}/context")
	if err != nil || len(ctxs) == 0 {
		return ctxs, err
	}
	type mapping struct {
		ContextID string `json:"contextId"`
		ProjectID string `json:"projectId"`
	}
	rows, err := pages[mapping](ctx, c, base+"/projectmapping", "/rest/api/2/field/{fieldId}/context/projectmapping")
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		for _, fc := range ctxs {
			if fc.ID == r.ContextID && r.ProjectID != "" {
				fc.projects = append(fc.projects, r.ProjectID)
			}
		}
	}
	return ctxs, nil
}

// contextMenu is where a person changes a field's contexts in Jira.
func contextMenu(field string) string {
	return fmt.Sprintf("Settings > Issues > Custom fields > %s > Contexts and default value", field)
}

// someTypesProblem: setup does not widen a context to more issue types
// (that changes the field on the context's other projects too).
func someTypesProblem(field, id, context, project string) string {
	return fmt.Sprintf("field %q (%s): its context %q applies to some issue types of project %s only, and no global context takes the others, "+
		"so Jira refuses slabot's writes on their issues: make the context apply to every issue type (%s)", field, id, context, project, contextMenu(field))
}

// setupContexts makes field (id) exist on the issues of every project in
// projs, changing as little as it can: a project no context covers joins
// the field's first project-scoped context for every issue type (PUT
// .../context/{id}/project), or, when there is none, a new context scoped
// to those projects is created. It never changes a global context's
// scope (that would take the field from every other project) and never
// removes a project from a context. A new context is project-scoped, not
// global: an administrator running slabot for some projects expects the
// field, its options and its place in search to appear on those projects
// only, and a project-scoped context can be widened later while narrowing
// a global one loses other projects' values. It returns the contexts the
// projects' issues use, where the options must be (a planned context has
// no id).
func (c *Client) setupContexts(ctx context.Context, field, id string, projs []*setupProject, dryRun bool, res *SetupResult) ([]*fieldContext, error) {
	ctxs, err := c.fieldContexts(ctx, id)
	if err != nil {
		return nil, err
	}
	var serve []*fieldContext
	use := func(fcs ...*fieldContext) {
		for _, fc := range fcs {
			if !slices.Contains(serve, fc) {
				serve = append(serve, fc)
			}
		}
	}
	var missing []*setupProject
	for _, p := range projs {
		fcs, cv := cover(ctxs, p.id)
		use(fcs...)
		switch cv {
		case notCovered:
			missing = append(missing, p)
		case someTypes:
			res.Problems = append(res.Problems, someTypesProblem(field, id, fcs[0].Name, p.key))
		}
	}
	if len(missing) == 0 {
		return serve, nil
	}
	var keys, pids []string
	for _, p := range missing {
		keys, pids = append(keys, p.key), append(pids, p.id)
	}
	i := slices.IndexFunc(ctxs, func(fc *fieldContext) bool { return !fc.IsGlobal && fc.AnyType })
	if i >= 0 {
		target := ctxs[i]
		res.Changes = append(res.Changes, fmt.Sprintf("add project %s to context %q of %q (its %d other project(s) keep it)",
			strings.Join(keys, ", "), target.Name, field, len(target.projects)))
		if !dryRun {
			if _, err := c.call(ctx, op{method: "PUT", path: "rest/api/2/field/" + url.PathEscape(id) + "/context/" + url.PathEscape(target.ID) + "/project",
				endpoint: "/rest/api/2/field/{fieldId}/context/{contextId}/project", body: map[string][]string{"projectIds": pids}}); err != nil {
				return nil, err
			}
		}
		use(target)
		return serve, nil
	}
	name := "slabot: " + strings.Join(keys, ", ")
	why := "it has no context"
	if len(ctxs) > 0 {
		why = "its contexts cover other projects only"
	}
	res.Changes = append(res.Changes, fmt.Sprintf("create context %q of %q for project %s (%s)", name, field, strings.Join(keys, ", "), why))
	fc := &fieldContext{Name: name, AnyType: true, projects: pids}
	if !dryRun {
		body := map[string]any{"name": name, "projectIds": pids, "issueTypeIds": []string{},
			"description": "Created by slabot setup so that slabot can set the field on these projects' issues."}
		var out struct {
			ID string `json:"id"`
		}
		if _, err := c.call(ctx, op{method: "POST", path: "rest/api/2/field/" + url.PathEscape(id) + "/context",
			endpoint: "/rest/api/2/field/{fieldId}/context", body: body, out: &out}); err != nil {
			return nil, err
		}
		fc.ID = out.ID
	}
	use(fc)
	return serve, nil
}

// ContextProblems names each of the configured fields (names) that does
// not exist on the issues of project because no context of the field
// covers it (or covers only some of its issue types): Jira refuses every
// write of it there with "cannot be set. It is not on the appropriate
// screen, or unknown", and reads leave it out (a field slabot reads then
// looks empty). It reads contexts, which needs the Administer Jira global
// permission: without it the error is a *PermissionError.
func (c *Client) ContextProblems(ctx context.Context, project string, names []string) (map[string]string, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	var proj struct {
		ID string `json:"id"`
	}
	if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/project/" + url.PathEscape(project), endpoint: "/rest/api/2/project/{projectIdOrKey}",
		idempotent: true, out: &proj}); err != nil {
		return nil, err
	}
	c.mu.RLock()
	fields := c.fields
	c.mu.RUnlock()
	out := map[string]string{}
	for _, name := range names {
		f, ok := fields[name]
		if !ok {
			continue // Connect already reported it
		}
		ctxs, err := c.fieldContexts(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		fcs, cv := cover(ctxs, proj.ID)
		switch {
		case cv == notCovered && len(ctxs) == 0:
			out[name] = fmt.Sprintf("field %q (%s) has no context, so it does not exist on the issues of project %s (Jira refuses writes of it "+
				"and reads leave it out): run slabot setup (it creates a context for the policies' projects), or add one in Jira (%s)",
				name, f.ID, project, contextMenu(name))
		case cv == notCovered:
			out[name] = fmt.Sprintf("field %q (%s): none of its %d context(s) covers project %s, so it does not exist on its issues (Jira refuses "+
				"writes of it and reads leave it out): run slabot setup (it adds the project to a context), or add the project to a context in Jira (%s)",
				name, f.ID, len(ctxs), project, contextMenu(name))
		case cv == someTypes:
			out[name] = someTypesProblem(name, f.ID, fcs[0].Name, project)
		}
	}
	return out, nil
}
