package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// GroupError is a user group a policy names that cannot grant anything:
// no group has the handle, or it is disabled, or slabot may not read user
// groups at all. Problem says what a person must do.
type GroupError struct {
	Handle  string // as the policy writes it, without the @
	Problem string
	// All: the problem is with every group named (Handle lists them all):
	// none could be checked.
	All bool
}

func (e *GroupError) Error() string {
	if e.All {
		return fmt.Sprintf("slack: user groups @%s: %s", e.Handle, e.Problem)
	}
	return fmt.Sprintf("slack: user group @%s: %s", e.Handle, e.Problem)
}

// ErrorCode is the class of the problem, for logs and metrics.
func (e *GroupError) ErrorCode() string { return "usergroup_unusable" }

// groupsTTL is how long the list of user groups is trusted.
const groupsTTL = time.Minute

// UserGroupIDs maps the handle of every enabled user group of the
// workspace to its id (usergroups.list, scope usergroups:read). Disabled
// groups are left out: mentioning one notifies nobody, so its members are
// not "the leads" any more. The answer is trusted for groupsTTL, shared
// by the mentions in messages (Sender) and the buttons' membership check
// (bot.Clicks): the method is Tier 2. So is a refusal only a person can
// fix (no usergroups:read, a plan without user groups). When Slack does
// not answer for a moment (a 500, a rate limit) the last list it gave is
// used, so the next level's message still notifies its group; with no
// list yet the error is returned and Slack asked again next time. Slack
// is asked without holding the lock.
func (c *Client) UserGroupIDs(ctx context.Context) (map[string]string, error) {
	now := c.clock.Now()
	if g, ok := c.groups.Get(struct{}{}, now); ok {
		return g.ids, g.err
	}
	var g userGroups
	gs, err := c.api.GetUserGroupsContext(ctx)
	err = classify("usergroups.list", "", err)
	switch {
	case err == nil:
		g.ids = make(map[string]string, len(gs))
		for _, ug := range gs {
			if ug.DateDelete == 0 {
				g.ids[ug.Handle] = ug.ID
			}
		}
	case needsPerson(err):
		g.err = err
	default:
		last, _ := c.groups.Last(struct{}{})
		if last.ids == nil {
			return nil, err
		}
		g.ids = last.ids // keep the last list for another minute
	}
	c.groups.Put(struct{}{}, g, now, groupsTTL)
	return g.ids, g.err
}

// userGroups is what usergroups.list said: the enabled groups' ids by
// handle, or why Slack would not list them (a person must act).
type userGroups struct {
	ids map[string]string
	err error
}

// UserGroupMembers lists the members of a user group, by its id
// (usergroups.users.list, scope usergroups:read).
func (c *Client) UserGroupMembers(ctx context.Context, id string) ([]string, error) {
	users, err := c.api.GetUserGroupMembersContext(ctx, id)
	if err != nil {
		return nil, classify("usergroups.users.list", "", err)
	}
	return users, nil
}

// VerifyGroups checks that every handle names an enabled user group of
// the workspace (for slabot check): the error joins a *GroupError per
// handle that does not, each with the fix, or is one *GroupError for all
// when the app may not read user groups (installed without
// usergroups:read, or a Slack plan without user groups).
func (c *Client) VerifyGroups(ctx context.Context, handles []string) error {
	if len(handles) == 0 {
		return nil
	}
	gs, err := c.api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeDisabled(true))
	if err != nil {
		err = classify("usergroups.list", "", err)
		var ae *APIError
		if errors.As(err, &ae) {
			all := strings.Join(handles, ", @")
			switch ae.Code {
			case "missing_scope":
				return &GroupError{Handle: all, All: true, Problem: "slabot may not read user groups (missing_scope), so they grant nothing: " +
					"add the usergroups:read scope (reinstall the app from deploy/slack-app-manifest.yaml) and update SLABOT_SLACK_TOKEN if Slack issues a new one"}
			case "plan_upgrade_required":
				return &GroupError{Handle: all, All: true, Problem: "this Slack workspace's plan has no user groups, so they grant nothing: " +
					"remove ladder.rungs.*.groups from the policy (members of the ladder channels may still act)"}
			}
		}
		return err
	}
	byHandle := map[string]slack.UserGroup{}
	for _, g := range gs {
		if old, seen := byHandle[g.Handle]; !seen || old.DateDelete != 0 { // an enabled group wins over a disabled namesake
			byHandle[g.Handle] = g
		}
	}
	var errs []error
	for _, h := range handles {
		g, ok := byHandle[h]
		switch {
		case !ok:
			errs = append(errs, &GroupError{Handle: h, Problem: "no user group has this handle: " +
				"write the handle as Slack shows it after the @ (People > User groups), or create the group"})
		case g.DateDelete != 0:
			errs = append(errs, &GroupError{Handle: h, Problem: fmt.Sprintf("the group (%s) is disabled, so it grants nothing: "+
				"enable it in Slack (People > User groups) or remove it from the policy", g.ID)})
		}
	}
	return errors.Join(errs...)
}
