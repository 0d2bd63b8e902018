package rules

import (
	"fmt"
	"strings"
	"time"
)

// targets compiles a goal's target table. Besides the references and the
// durations it rejects rows no issue can ever reach: the first matching row
// applies, so a row whose every (priority, plan, type) is already taken by
// earlier rows, or that the priority rule (fix or flag: retargets) always
// measures as another priority, is an impossible target that would
// silently never be used.
func (c *compiler) targets(p *Policy, g *Goal, path string, rows []targetFile, retargets bool) {
	if len(rows) == 0 {
		c.problem(path+".targets", "add at least one row, e.g. targets: [{target: 1bd}]", "goal %q has no targets", g.Name)
	}
	catchAll := -1
	for i, tf := range rows {
		tp := fmt.Sprintf("%s.targets[%d]", path, i)
		t := Target{Row: i, Priorities: tf.Priority, Plans: tf.Plan, Types: tf.Type, Calendar: g.Calendar}
		if catchAll >= 0 {
			c.problem(tp, fmt.Sprintf("move this row above row %d, or delete it", catchAll+1), "this row can never apply: row %d already matches every issue", catchAll+1)
		}
		known := true
		for j, n := range tf.Priority {
			if p.priority(n) == nil {
				known = false
				c.problem(fmt.Sprintf("%s.priority[%d]", tp, j), "use a priority defined under priorities: "+strings.Join(priorityNames(p), ", "), "unknown priority %q", n)
			}
		}
		for j, n := range tf.Plan {
			if p.planByName[n] == nil {
				known = false
				c.problem(fmt.Sprintf("%s.plan[%d]", tp, j), "use a plan defined under plans: "+strings.Join(planNames(p), ", "), "unknown plan %q", n)
			}
		}
		for j, n := range tf.Type {
			if p.issueType(n) == nil {
				known = false
				c.problem(fmt.Sprintf("%s.type[%d]", tp, j), "use a type defined under types: "+strings.Join(typeNames(p), ", "), "unknown type %q", n)
			}
		}
		if tf.Calendar != "" {
			t.Calendar = c.calendarRef(p, tp+".calendar", tf.Calendar)
		}
		switch strings.TrimSpace(tf.Target) {
		case "":
			c.problem(tp+".target", "set target: 4h (or 90m, 1bd), or none where the contract sets no time", "row has no target")
		case "none":
			t.None = true
		default:
			d, err := ParseDuration(tf.Target)
			if err != nil {
				c.problem(tp+".target", "write a positive duration such as 90m, 4h or 1bd", "%v", err)
			} else if d.Fixed > 366*24*time.Hour || d.Days > 366 {
				c.problem(tp+".target", "targets are at most a year of business time", "target %s is impossible to track", d)
			}
			t.Target = d
		}
		// Reachability is only worth reporting for a row whose terms are all
		// known and that no catch-all above already hides.
		if known && catchAll < 0 {
			c.reachable(p, g, tp, t, retargets)
		}
		if len(tf.Priority)+len(tf.Plan)+len(tf.Type) == 0 && catchAll < 0 {
			catchAll = i
		}
		g.Targets = append(g.Targets, t)
	}
	c.uncovered(p, g, path, retargets)
}

// uncovered warns when the table leaves a (priority, plan, type) of the
// policy without a row: such issues have no target and show state
// "unknown". A row "target: none" covers its combinations on purpose.
// Combinations the priority rule measures as another priority, and types a
// priority does not allow, need no row.
func (c *compiler) uncovered(p *Policy, g *Goal, path string, retargets bool) {
	plans, types := planNames(p), typeNames(p)
	if len(plans) == 0 {
		plans = []string{""}
	}
	if len(types) == 0 {
		types = []string{""}
	}
	var missing []string
	first := ""
	for _, pr := range p.Priorities {
		var gaps []string
		total := 0
		for _, pl := range plans {
			for _, ty := range types {
				if ty != "" && (!pr.Allows(ty) || (retargets && movedAway(p, pr.Name, ty))) {
					continue
				}
				total++
				covered := false
				for _, t := range g.Targets {
					if matchList(t.Priorities, pr.Name) && matchList(t.Plans, pl) && matchList(t.Types, ty) {
						covered = true
						break
					}
				}
				if !covered {
					gaps = append(gaps, combination(pl, ty))
				}
			}
		}
		switch {
		case len(gaps) == 0:
			continue
		case len(gaps) == total:
			missing = append(missing, "priority "+pr.Name)
		default:
			if len(gaps) > 4 {
				gaps = append(gaps[:4:4], fmt.Sprintf("%d more", len(gaps)-4))
			}
			missing = append(missing, fmt.Sprintf("priority %s (%s)", pr.Name, strings.Join(gaps, "; ")))
		}
		if first == "" {
			first = pr.Name
		}
	}
	if len(missing) == 0 {
		return
	}
	c.warning(path+".targets", fmt.Sprintf("add a row for them, e.g. {priority: %s, target: 1bd}, or {priority: %s, target: none} where the contract sets no time", first, first),
		"goal %q has no target row for %s: such issues get no deadline and show state unknown", g.Name, strings.Join(missing, ", "))
}

// combination names a plan and type pair of a missing row.
func combination(pl, ty string) string {
	var parts []string
	if pl != "" {
		parts = append(parts, "plan "+pl)
	}
	if ty != "" {
		parts = append(parts, "type "+ty)
	}
	return strings.Join(parts, ", ")
}

// reachable reports row t of g if no issue can be measured by it. The terms
// are few (a handful of priorities, plans and types), so every combination
// the row names is tried against the rows above it. An empty list also
// stands for the unknown term "", so a row is never reported merely because
// the directory is complete.
func (c *compiler) reachable(p *Policy, g *Goal, path string, t Target, retargets bool) {
	prios := termsOr(t.Priorities, priorityNames(p))
	plans := termsOr(t.Plans, planNames(p))
	types := termsOr(t.Types, typeNames(p))
	var shadowing map[int]bool
	for _, pr := range prios {
		for _, pl := range plans {
			for _, ty := range types {
				if retargets && ty != "" && movedAway(p, pr, ty) {
					continue
				}
				hit := -1
				for _, earlier := range g.Targets {
					if matchList(earlier.Priorities, pr) && matchList(earlier.Plans, pl) && matchList(earlier.Types, ty) {
						hit = earlier.Row
						break
					}
				}
				if hit < 0 {
					return // this combination reaches the row
				}
				if shadowing == nil {
					shadowing = map[int]bool{}
				}
				shadowing[hit] = true
			}
		}
	}
	if len(shadowing) == 0 {
		c.problem(path, "name a type the priority is allowed on (priorities[].types), or delete the row",
			"this row can never apply: priority_rule measures priority %s on %s issues as the nearest allowed priority", strings.Join(t.Priorities, ", "), strings.Join(t.Types, ", "))
		return
	}
	var above []string
	first := len(g.Targets)
	for _, r := range g.Targets {
		if shadowing[r.Row] {
			above = append(above, fmt.Sprint(r.Row+1))
			first = min(first, r.Row)
		}
	}
	c.problem(path, fmt.Sprintf("move this row above row %d, narrow the rows above, or delete it", first+1),
		"this row can never apply: row(s) %s already match every issue it names", strings.Join(above, ", "))
}

// movedAway reports whether the priority rule measures a priority pr issue
// of type ty as another priority (see Policy.measuredPriority).
func movedAway(p *Policy, pr, ty string) bool {
	prio := p.priority(pr)
	return prio != nil && !prio.Allows(ty) && p.nearestAllowed(prio, ty) != nil
}

// termsOr is the row's own list, or every known term plus "" (the issue's
// term is unknown) when the row leaves the list empty.
func termsOr(list, all []string) []string {
	if len(list) > 0 {
		return list
	}
	return append(append([]string(nil), all...), "")
}
