package slack

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/slabot/slabot/connectors/slack/slacksim"
)

// Handles resolve to enabled groups only; VerifyGroups names a handle no
// group has and a disabled group, each with the fix, and an app without
// usergroups:read once for every handle.
func TestUserGroupsResolveAndVerify(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"),
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S0LEADS", Handle: "support-leads", Users: []string{"U1", "U2"}}),
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S0OLD", Handle: "hydra-oncall", Users: []string{"U3"}, Disabled: true}))
	defer sim.Close()
	c := NewClient("xoxb-test", ClientOptions{APIURL: sim.APIURL()})
	ctx := context.Background()

	ids, err := c.UserGroupIDs(ctx)
	if err != nil || !maps.Equal(ids, map[string]string{"support-leads": "S0LEADS"}) {
		t.Fatalf("ids %v %v", ids, err)
	}
	if m, err := c.UserGroupMembers(ctx, "S0LEADS"); err != nil || len(m) != 2 {
		t.Errorf("members %v %v", m, err)
	}
	if err := c.VerifyGroups(ctx, []string{"support-leads"}); err != nil {
		t.Errorf("an enabled group: %v", err)
	}
	err = c.VerifyGroups(ctx, []string{"support-leads", "suport-leads", "hydra-oncall"})
	msg := err.Error()
	for _, want := range []string{"@suport-leads: no user group has this handle", "@hydra-oncall: the group (S0OLD) is disabled", "enable it in Slack"} {
		if !strings.Contains(msg, want) {
			t.Errorf("verify lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "@support-leads:") {
		t.Errorf("verify names the good group:\n%s", msg)
	}

	old := slacksim.NewServer(slacksim.WithScopes("xoxb-test", "chat:write"))
	defer old.Close()
	c = NewClient("xoxb-test", ClientOptions{APIURL: old.APIURL()})
	err = c.VerifyGroups(ctx, []string{"support-leads", "hydra-oncall"})
	var ge *GroupError
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), "usergroups:read") || !ge.All || !strings.Contains(err.Error(), "user groups @support-leads, @hydra-oncall: slabot may not read") {
		t.Errorf("without the scope: %v", err)
	}
}
