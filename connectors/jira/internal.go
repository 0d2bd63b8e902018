package jira

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slabot/slabot/rules"
)

// Internal comments. The JSM property sd.public.comment ({"internal":
// true}) makes a comment an internal note only on a Jira Service
// Management project; on any other project the customer reads it. There
// only `visibility` restricts a comment: "The group or role to which this
// comment is visible" (Atlassian's OpenAPI description, schema Comment).
// So slabot asks Jira once per project whether it is a service desk
// (projectTypeKey "service_desk" on GET /rest/api/2/project/{key}) and
// writes an internal comment
//   - on a service desk: with the property, as an internal note;
//   - elsewhere: with the visibility the project's policy names
//     (rules.Policy.InternalComments, Config.InternalVisibility).
//
// When Jira refuses that restriction (the role or group does not exist,
// or slabot's account is not in it: 400 under "commentLevel"), the comment
// is not posted, never posted without it: it is withheld, logged once per
// project with the fix, and counted (Withheld). Jira is not asked again for
// that project for Config.RestrictionRetry.

// ServiceDesk is Jira's projectTypeKey of a Jira Service Management
// project.
const ServiceDesk = "service_desk"

// WithheldCount is how many internal comments were not posted in a
// project because they could not be restricted.
type WithheldCount struct {
	Project string
}

type internalState struct {
	mu       sync.Mutex
	types    map[string]string    // project key -> projectTypeKey
	refused  map[string]time.Time // project key -> when Jira refused its restriction
	reasons  map[string]string
	withheld map[WithheldCount]int
}

// Withheld returns how many internal comments were withheld, by project,
// for metrics.
func (c *Client) Withheld() map[WithheldCount]int {
	c.internal.mu.Lock()
	defer c.internal.mu.Unlock()
	out := make(map[WithheldCount]int, len(c.internal.withheld))
	for k, v := range c.internal.withheld {
		out[k] = v
	}
	return out
}

// Restriction is the visibility internal comments get in project outside
// JSM: the policy's, or the default role.
func (c *Client) Restriction(project string) rules.CommentRestriction {
	if r, ok := c.cfg.InternalVisibility[project]; ok && (r.Role != "" || r.Group != "") {
		return r
	}
	return rules.CommentRestriction{Role: rules.DefaultInternalRole}
}

// ProjectType returns the project's projectTypeKey ("service_desk",
// "software", "business"), asked once per project.
func (c *Client) ProjectType(ctx context.Context, project string) (string, error) {
	c.internal.mu.Lock()
	t, ok := c.internal.types[project]
	c.internal.mu.Unlock()
	if ok {
		return t, nil
	}
	var proj struct {
		ProjectTypeKey string `json:"projectTypeKey"`
	}
	if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/project/" + url.PathEscape(project), endpoint: "/rest/api/2/project/{projectIdOrKey}",
		idempotent: true, out: &proj}); err != nil {
		return "", fmt.Errorf("%w (finding whether project %s is a service desk, to keep an internal comment internal)", err, project)
	}
	c.internal.mu.Lock()
	if c.internal.types == nil {
		c.internal.types = map[string]string{}
	}
	c.internal.types[project] = proj.ProjectTypeKey
	c.internal.mu.Unlock()
	return proj.ProjectTypeKey, nil
}

// visibilityBody is Jira's Visibility object.
type visibilityBody struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// commentBody builds the POST body of cm in project. withheld says why an
// internal comment must not be posted (its restriction was refused lately).
func (c *Client) commentBody(ctx context.Context, project string, cm rules.NewComment) (nb newCommentBody, withheld string, err error) {
	nb.Body = fitComment(cm.Body)
	if !cm.Internal {
		return nb, "", nil
	}
	typ, err := c.ProjectType(ctx, project)
	if err != nil {
		return nb, "", err
	}
	if typ == ServiceDesk {
		nb.Properties = []wireProperty{{Key: "sd.public.comment", Value: map[string]bool{"internal": true}}}
		return nb, "", nil
	}
	c.internal.mu.Lock()
	at, refused := c.internal.refused[project]
	reason := c.internal.reasons[project]
	c.internal.mu.Unlock()
	if refused && c.cfg.Clock.Now().Sub(at) < c.cfg.RestrictionRetry {
		return nb, reason, nil
	}
	r := c.Restriction(project)
	if r.Group != "" {
		nb.Visibility = &visibilityBody{Type: "group", Value: r.Group}
	} else {
		nb.Visibility = &visibilityBody{Type: "role", Value: r.Role}
	}
	return nb, "", nil
}

// restrictionRefused reads Jira's answer to a restricted comment: a 400
// that names the comment's visibility ("commentLevel", or a message about
// the role, group or visibility setting) means the restriction cannot be
// used, and returns Jira's reason.
func restrictionRefused(err error) (string, bool) {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 400 {
		return "", false
	}
	if msg, ok := ae.Fields["commentLevel"]; ok {
		return msg, true
	}
	for _, m := range ae.Messages {
		l := strings.ToLower(m)
		if strings.Contains(l, "visibility") || strings.Contains(l, "role") || strings.Contains(l, "group") {
			return m, true
		}
	}
	return "", false
}

// restrictionFix says how to make the restriction usable.
func (c *Client) restrictionFix(project string) string {
	r := c.Restriction(project)
	if r.Group != "" {
		return fmt.Sprintf("add slabot's account to group %q (Jira administration > User management > Groups), or name another group or a role "+
			"in the policy's internal_comments; check that comment visibility by group is allowed on the site; slabot check verifies it", r.Group)
	}
	return fmt.Sprintf("run slabot setup (it creates project role %q), then add slabot's account and the agents who should read internal "+
		"comments to that role in project %s (Project settings > People), or name another role or a group in the policy's internal_comments; "+
		"slabot check verifies it", r.Role, project)
}

// withhold records an internal comment not posted in project, logging the
// first one per refusal with the fix.
func (c *Client) withhold(ctx context.Context, issue, project, reason string, fresh bool) {
	c.internal.mu.Lock()
	if c.internal.withheld == nil {
		c.internal.withheld = map[WithheldCount]int{}
		c.internal.refused = map[string]time.Time{}
		c.internal.reasons = map[string]string{}
	}
	c.internal.withheld[WithheldCount{Project: project}]++
	_, known := c.internal.refused[project]
	if fresh {
		c.internal.refused[project] = c.cfg.Clock.Now()
		c.internal.reasons[project] = reason
	}
	c.internal.mu.Unlock()
	if fresh && !known {
		c.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "jira: internal comment not posted: Jira refuses its restriction, and slabot never posts an internal comment unrestricted",
			slog.String("project", project), slog.String("issue", issue), slog.String("restriction", c.Restriction(project).String()),
			slog.String("reason", reason), slog.String("fix", c.restrictionFix(project)))
	}
}

// InternalCommentProblem says whether slabot can keep its internal
// comments internal in project, asking Jira what `slabot check` can:
// the project's type, then (outside JSM) the bot's roles in the project
// (GET .../roledetails?currentMember=true, which needs Administer
// Projects) or its groups (GET myself?expand=groups). ok is false with
// the problem and its fix; unknown reports a check the account may not
// make.
func (c *Client) InternalCommentProblem(ctx context.Context, project string) (ok bool, detail string, err error) {
	typ, err := c.ProjectType(ctx, project)
	if err != nil {
		return false, "", err
	}
	if typ == ServiceDesk {
		return true, fmt.Sprintf("project %s is a Jira Service Management project: internal comments are internal notes", project), nil
	}
	r := c.Restriction(project)
	if r.Group != "" {
		var me struct {
			Groups struct {
				Items []struct {
					Name string `json:"name"`
				} `json:"items"`
			} `json:"groups"`
		}
		if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/myself?expand=groups", endpoint: "/rest/api/2/myself", idempotent: true, out: &me}); err != nil {
			return false, "", err
		}
		for _, g := range me.Groups.Items {
			if g.Name == r.Group {
				return true, fmt.Sprintf("project %s (%s): internal comments are restricted to group %q, which slabot's account is in", project, typ, r.Group), nil
			}
		}
		return false, fmt.Sprintf("project %s (%s, not a service desk) would show internal comments to the customer unless restricted, and "+
			"slabot's account is not in group %q (or it does not exist): slabot withholds them. Fix: %s", project, typ, r.Group, c.restrictionFix(project)), nil
	}
	var roles []struct {
		Name string `json:"name"`
	}
	_, err = c.call(ctx, op{method: "GET", path: "rest/api/2/project/" + url.PathEscape(project) + "/roledetails?currentMember=true",
		endpoint: "/rest/api/2/project/{projectIdOrKey}/roledetails", idempotent: true, out: &roles})
	var nf *NotFoundError
	var pe *PermissionError
	if errors.As(err, &nf) || errors.As(err, &pe) {
		return false, "", &UnverifiedError{What: fmt.Sprintf("whether slabot's account acts in role %q of project %s (reading a project's roles "+
			"needs Administer Projects there): if it does not, slabot withholds its internal comments there and logs why", r.Role, project)}
	}
	if err != nil {
		return false, "", err
	}
	names := make([]string, 0, len(roles))
	for _, ro := range roles {
		if ro.Name == r.Role {
			return true, fmt.Sprintf("project %s (%s): internal comments are restricted to role %q, in which slabot's account acts", project, typ, r.Role), nil
		}
		names = append(names, ro.Name)
	}
	sort.Strings(names)
	return false, fmt.Sprintf("project %s (%s, not a service desk) would show internal comments to the customer unless restricted, and "+
		"slabot's account does not act in role %q there (its roles: %s): slabot withholds them. Fix: %s", project, typ, r.Role,
		orNone(names), c.restrictionFix(project)), nil
}

func orNone(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	return strings.Join(ss, ", ")
}

// UnverifiedError is a check the account may not make.
type UnverifiedError struct{ What string }

func (e *UnverifiedError) Error() string { return "jira: could not verify " + e.What }

// maxCommentLength is the longest comment Jira accepts: 400 "The entered
// text is too long. It exceeds the allowed limit of 32,767 characters."
// (reported from Jira Cloud in github.com/mozilla/jira-bugzilla-integration
// issue 1030; the number is not in Atlassian's OpenAPI description).
// Counted in UTF-16 code units, the stricter reading.
const maxCommentLength = 32767

// fitComment shortens a comment Jira would refuse for its length, keeping
// its last paragraph (where slabot's once-only marker is) and saying it
// was shortened.
func fitComment(body string) string {
	if utf16Len(body) <= maxCommentLength {
		return body
	}
	tail := ""
	if i := strings.LastIndex(body, "\n\n"); i >= 0 && utf16Len(body[i:]) < 1000 {
		body, tail = body[:i], body[i:]
	}
	const cut = "\n\n[... shortened: Jira accepts at most 32,767 characters in a comment]"
	room := maxCommentLength - utf16Len(tail) - utf16Len(cut)
	n := 0
	for i, r := range body {
		w := 1
		if r > 0xFFFF {
			w = 2
		}
		if n+w > room {
			return body[:i] + cut + tail
		}
		n += w
	}
	return body + cut + tail
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r > 0xFFFF {
			n += 2
		} else {
			n++
		}
	}
	return n
}
