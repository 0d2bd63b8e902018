package slacksim_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/slack-go/slack"

	"github.com/slabot/slabot/connectors/slack/slacksim"
)

// usergroups.list and usergroups.users.list as Slack's reference says:
// disabled groups only with include_disabled (date_delete set), users and
// user_count only when asked for, members by the group's id.
func TestUserGroups(t *testing.T) {
	_, api := newClient(t,
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S0LEADS", Handle: "support-leads", Name: "Support leads", Users: []string{"U1", "U2"}}),
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S0OLD", Handle: "old-team", Name: "Old team", Users: []string{"U3"}, Disabled: true}))
	ctx := context.Background()

	gs, err := api.GetUserGroupsContext(ctx)
	if err != nil || len(gs) != 1 || gs[0].ID != "S0LEADS" || gs[0].Handle != "support-leads" || gs[0].Users != nil || gs[0].UserCount != 0 || !gs[0].IsUserGroup {
		t.Fatalf("usergroups.list: %+v %v", gs, err)
	}
	gs, err = api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeDisabled(true), slack.GetUserGroupsOptionIncludeUsers(true), slack.GetUserGroupsOptionIncludeCount(true))
	if err != nil || len(gs) != 2 || gs[1].Handle != "old-team" || gs[1].DateDelete == 0 || gs[0].DateDelete != 0 ||
		!slices.Equal(gs[0].Users, []string{"U1", "U2"}) || gs[0].UserCount != 2 {
		t.Fatalf("usergroups.list with disabled, users, count: %+v %v", gs, err)
	}

	users, err := api.GetUserGroupMembersContext(ctx, "S0LEADS")
	if err != nil || !slices.Equal(users, []string{"U1", "U2"}) {
		t.Errorf("usergroups.users.list: %v %v", users, err)
	}
	var se slack.SlackErrorResponse
	if _, err := api.GetUserGroupMembersContext(ctx, "support-leads"); !errors.As(err, &se) || se.Err != "no_such_subteam" {
		t.Errorf("members by handle, not id: %v", err)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S0OLD"); !errors.As(err, &se) || se.Err != "no_such_subteam" {
		t.Errorf("a disabled group without include_disabled: %v", err)
	}
	if users, err := api.GetUserGroupMembersContext(ctx, "S0OLD", slack.GetUserGroupMembersOptionIncludeDisabled(true)); err != nil || !slices.Equal(users, []string{"U3"}) {
		t.Errorf("a disabled group with include_disabled: %v %v", users, err)
	}
}

// An app installed without usergroups:read (before slabot needed it) gets
// missing_scope from both methods; the other methods still answer.
func TestUserGroupsNeedTheirScope(t *testing.T) {
	_, api := newClient(t, slacksim.WithScopes("xoxb-test", "chat:write", "users:read"),
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S0LEADS", Handle: "support-leads", Users: []string{"U1"}}))
	ctx := context.Background()
	var se slack.SlackErrorResponse
	if _, err := api.GetUserGroupsContext(ctx); !errors.As(err, &se) || se.Err != "missing_scope" {
		t.Errorf("usergroups.list: %v", err)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S0LEADS"); !errors.As(err, &se) || se.Err != "missing_scope" {
		t.Errorf("usergroups.users.list: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("chat.postMessage with chat:write: %v", err)
	}
}
