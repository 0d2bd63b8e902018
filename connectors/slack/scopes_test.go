package slack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/slabot/slabot/connectors/slack/slacksim"
)

// "A Slack app manifest in deploy/ with exactly the scopes slabot uses (and
// a test that the manifest's scopes equal the code's needs)": every
// exported Client method is called against slacksim, which answers
// missing_scope as Slack does (the scope of each method and conversation
// type, from Slack's method reference). With the manifest's scopes nothing
// is refused; without any one of them something is (so none is more than
// the code needs); and RequiredScopes is the manifest's list. A new Client
// method fails here until it is exercised; a new Web API method fails
// until slacksim knows its scope and the manifest grants it.
func TestManifestScopesAreTheCodesNeeds(t *testing.T) {
	granted := manifestScopes(t)
	if !slices.Equal(granted, RequiredScopes) {
		t.Errorf("deploy/slack-app-manifest.yaml grants %v, RequiredScopes says %v", granted, RequiredScopes)
	}
	if refused := exerciseClient(t, granted); len(refused) > 0 {
		t.Errorf("with the manifest's scopes Slack refuses: %v", refused)
	}
	for _, drop := range granted {
		fewer := slices.DeleteFunc(slices.Clone(granted), func(s string) bool { return s == drop })
		if refused := exerciseClient(t, fewer); !slices.Contains(refused, drop) {
			t.Errorf("without %s nothing the client does is refused (%v): the manifest grants more than the code needs", drop, refused)
		}
	}
	if !strings.Contains(hints["missing_scope"], "users:read.email") {
		t.Errorf("missing_scope hint %q does not list the scopes", hints["missing_scope"])
	}
}

// exerciseClient calls every exported Client method against a slacksim
// whose bot token has scopes, on a public channel, a private one and a
// DM, and returns the scopes Slack said were needed (missing_scope).
func exerciseClient(t *testing.T, scopes []string) []string {
	t.Helper()
	sim := slacksim.NewServer(slacksim.WithChannel("C1", "#support"), slacksim.WithUsers(slacksim.User{ID: "U1", Name: "ana", Email: "ana@example.com"}),
		slacksim.WithScopes("xoxb-test", scopes...), slacksim.WithAppToken("xapp-test"),
		slacksim.WithUserGroup(slacksim.UserGroup{ID: "S1", Handle: "support-leads", Users: []string{"U1"}}))
	defer sim.Close()
	sim.AddPrivateChannel("G1", "#leads", true)
	c := NewClient("xoxb-test", ClientOptions{APIURL: sim.APIURL(), AppToken: "xapp-test"})
	ctx := context.Background()
	exercised := map[string]func() error{
		"Listen": func() error {
			lctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- c.Listen(lctx, nil, nil) }()
			err := sim.WaitConnected(ctx, 1)
			cancel()
			if lerr := <-done; err == nil {
				err = lerr
			}
			return err
		},
		"Members":          func() error { _, err := c.Members(ctx, "C1"); return err },
		"UserEmail":        func() error { _, err := c.UserEmail(ctx, "U1"); return err },
		"UserGroupIDs":     func() error { _, err := c.UserGroupIDs(ctx); return err },
		"UserGroupMembers": func() error { _, err := c.UserGroupMembers(ctx, "S1"); return err },
		"VerifyGroups":     func() error { return c.VerifyGroups(ctx, []string{"support-leads"}) },
		"AuthTest":         func() error { _, err := c.AuthTest(ctx); return err },
		"ClockSkew":        func() error { c.ClockSkew(); return nil }, // no call of its own: it reads the answers' Date
		"Post": func() error {
			_, _, err := c.Post(ctx, "C1", "", Outgoing{Text: "hi", Key: "k1"})
			return err
		},
		"Update": func() error {
			_, ts, err := c.Post(ctx, "C1", "", Outgoing{Text: "hi", Key: "k2"})
			if err == nil {
				err = c.Update(ctx, "C1", ts, Outgoing{Text: "met"})
			}
			return err
		},
		"LookupByEmail": func() error { _, err := c.LookupByEmail(ctx, "ana@example.com"); return err },
		"CanPost":       func() error { return errors.Join(c.CanPost(ctx, "C1"), c.CanPost(ctx, "G1")) },
		"OpenDM":        func() error { _, err := c.OpenDM(ctx, "U1"); return err },
		"FindByKey": func() error {
			var errs []error
			dm, err := c.OpenDM(ctx, "U1")
			for _, ch := range []string{"C1", "G1", dm} {
				if err == nil {
					_, _, err = c.FindByKey(ctx, ch, "", "k1", time.Now().Add(-time.Hour))
				}
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		},
		"UploadFile": func() error {
			_, _, err := c.UploadFile(ctx, "C1", "r.md", "report", "summary", []byte("# r"))
			return err
		},
		"FindFile":        func() error { _, _, err := c.FindFile(ctx, "C1", "", "r.md", time.Now().Add(-time.Hour)); return err },
		"ResolveChannels": func() error { _, err := c.ResolveChannels(ctx, []string{"#support", "#leads"}, nil); return err },
		"ChannelID":       func() error { _, err := c.ChannelID(ctx, "#leads"); return err },
		"Verify":          func() error { _, err := c.Verify(ctx, []string{"#support", "#leads"}, nil); return err },
		"WaitReady": func() error {
			wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond) // a missing scope is retried: give up
			defer cancel()
			_, problems, err := c.WaitReady(wctx, []string{"#support"}, nil, func(error) {})
			return errors.Join(problems, err)
		},
	}
	typ := reflect.TypeOf(c)
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		fn, ok := exercised[name]
		if !ok {
			t.Errorf("Client.%s is not exercised here: call it so its Slack methods (and scopes) are counted", name)
			continue
		}
		if err := fn(); err != nil && slices.Equal(scopes, RequiredScopes) {
			t.Errorf("%s: %v", name, err)
		}
	}
	var refused []string
	for _, call := range sim.Calls() {
		if call.Error == "unknown_method" {
			t.Errorf("the client calls %s, which slacksim does not know", call.Method)
		}
	}
	for _, call := range sim.Calls() {
		if call.Error == "missing_scope" {
			refused = append(refused, call.Needed)
		}
	}
	slices.Sort(refused)
	return slices.Compact(refused)
}

// manifestScopes reads the bot scopes deploy/slack-app-manifest.yaml
// grants, sorted, and checks the rest of the manifest slabot relies on.
func manifestScopes(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../deploy/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		OAuth struct {
			Scopes struct {
				Bot  []string `yaml:"bot"`
				User []string `yaml:"user"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Features struct {
			BotUser struct {
				DisplayName string `yaml:"display_name"`
			} `yaml:"bot_user"`
		} `yaml:"features"`
		Settings struct {
			SocketMode    bool `yaml:"socket_mode_enabled"`
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	granted := slices.Clone(manifest.OAuth.Scopes.Bot)
	sort.Strings(granted)
	if len(manifest.OAuth.Scopes.User) > 0 || manifest.Features.BotUser.DisplayName == "" {
		t.Errorf("the manifest must define a bot user and ask for no user scopes")
	}
	// The buttons on ladder messages arrive over Socket Mode.
	if !manifest.Settings.SocketMode || !manifest.Settings.Interactivity.Enabled {
		t.Errorf("the manifest must enable Socket Mode and interactivity (Listen)")
	}
	return granted
}

// Channels are found by name through conversations.list (paged: more
// channels than one page holds), SLABOT_SLACK_CHANNELS wins over the
// lookup, ids pass as they are, and every unusable channel is named at
// once: not found, archived, without the bot.
func TestVerifyResolvesChannelsByName(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("C0100", "#support"), slacksim.WithChannel("C0200", "#leads"))
	defer sim.Close()
	for i := range 450 {
		sim.AddChannel(fmt.Sprintf("C1%04d", i), fmt.Sprintf("#noise-%d", i), i%2 == 0)
	}
	sim.AddChannel("CZZZZ", "#zz-last", true) // on the last page
	sim.AddChannel("C0300", "#outside", false)
	sim.AddChannel("C0400", "#old", true)
	sim.Archive("C0400")
	c := NewClient("xoxb-test", ClientOptions{APIURL: sim.APIURL()})
	ctx := context.Background()

	ids, err := c.Verify(ctx, []string{"#support", "#zz-last", "C0200", "#leads"}, map[string]string{"#leads": "C0200"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"#support": "C0100", "#zz-last": "CZZZZ", "C0200": "C0200", "#leads": "C0200"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	if n := len(sim.Calls("conversations.list")); n < 3 {
		t.Errorf("%d conversations.list pages, want every page read", n)
	}
	_, err = c.Verify(ctx, []string{"#support", "#nope", "#outside", "#old"}, nil)
	msg := Reason(err)
	for _, want := range []string{"#nope: not found among the channels the bot can see: if it is private, invite @slabot to #nope",
		"#outside (C0300): the bot is not in it: invite @slabot to #outside", "#old (C0400): the channel is archived: pick another in the policy"} {
		if !strings.Contains(msg, want) {
			t.Errorf("reason lacks %q:\n%s", want, msg)
		}
	}
}

// Private channels: one the bot was invited to is found by name; one it
// was not is not there for it (Slack cannot tell it from a typo), and the
// fix says to invite the bot; once invited, it resolves. A token without
// groups:read still finds the public channels, and the private one is
// named with the scope to add. A token missing a scope slabot uses is
// named by auth.test's scopes before anything needs it.
func TestVerifyPrivateChannelsAndScopes(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithChannel("C0100", "#support"), slacksim.WithScopes("xoxb-test", RequiredScopes...))
	defer sim.Close()
	sim.AddPrivateChannel("G0200", "#vip-leads", true)
	sim.AddPrivateChannel("G0300", "#vip-mgmt", false)
	c := NewClient("xoxb-test", ClientOptions{APIURL: sim.APIURL()})
	ctx := context.Background()
	ids, err := c.Verify(ctx, []string{"#support", "#vip-leads", "#vip-mgmt"}, nil)
	if ids["#support"] != "C0100" || ids["#vip-leads"] != "G0200" {
		t.Errorf("ids %v", ids)
	}
	if msg := Reason(err); !strings.Contains(msg, "#vip-mgmt: not found among the channels the bot can see: if it is private, invite @slabot to #vip-mgmt") ||
		strings.Contains(msg, "#vip-leads") || strings.Contains(msg, "#support") {
		t.Errorf("reason %q", msg)
	}
	// Mapped by id (SLABOT_SLACK_CHANNELS), the channel Slack hides is named too.
	_, err = c.Verify(ctx, []string{"#vip-mgmt"}, map[string]string{"#vip-mgmt": "G0300"})
	if msg := Reason(err); !strings.Contains(msg, "#vip-mgmt (G0300): not found: if it is private, invite @slabot to #vip-mgmt") {
		t.Errorf("reason by id %q", msg)
	}
	sim.SetMember("G0300", true)
	if ids, err := c.Verify(ctx, []string{"#vip-mgmt"}, nil); err != nil || ids["#vip-mgmt"] != "G0300" {
		t.Errorf("after the invite: %v %v", ids, err)
	}

	sim.SetScopes("xoxb-test", slices.DeleteFunc(slices.Clone(RequiredScopes), func(s string) bool { return s == "groups:read" || s == "chat:write" })...)
	ids, err = c.Verify(ctx, []string{"#support", "#vip-leads"}, nil)
	msg := Reason(err)
	if ids["#support"] != "C0100" || !strings.Contains(msg, "the bot token lacks chat:write, groups:read: add scope chat:write, groups:read in the app manifest") ||
		!strings.Contains(msg, "#vip-leads: not found among the public channels, and the bot token lacks groups:read") {
		t.Errorf("without chat:write and groups:read: %v\n%s", ids, msg)
	}
	_, _, err = c.Post(ctx, "C0100", "", Outgoing{Text: "x"})
	var ae *APIError
	if !errors.As(err, &ae) || !ae.NeedsPerson() || !strings.Contains(err.Error(), "add scope chat:write in the app manifest (deploy/slack-app-manifest.yaml) and reinstall the app") {
		t.Errorf("post without chat:write: %v", err)
	}

	// An app installed before user groups came lacks usergroups:read: that
	// is no problem for Verify (a policy without groups never needs it;
	// VerifyGroups names it for one that does).
	sim.SetScopes("xoxb-test", slices.DeleteFunc(slices.Clone(RequiredScopes), func(s string) bool { return s == "usergroups:read" })...)
	if _, err := c.Verify(ctx, []string{"#support"}, nil); err != nil {
		t.Errorf("without usergroups:read: %v", err)
	}
	if err := c.VerifyGroups(ctx, []string{"support-leads"}); err == nil || !strings.Contains(err.Error(), "add the usergroups:read scope") {
		t.Errorf("VerifyGroups without usergroups:read: %v", err)
	}
}

// Slack's own failures come as a 200 with ok:false (internal_error,
// fatal_error...): at start they are no channel problem a person must
// fix but trouble that passes, so WaitReady asks again instead of
// reporting "#support: internal_error" as the channel's fix; a channel
// the bot is not in stays a person's problem.
func TestVerifySlackInternalErrorIsTransient(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithChannel("C0100", "#support"), slacksim.WithScopes("xoxb-test", RequiredScopes...))
	defer sim.Close()
	sim.AddChannel("C0300", "#outside", false)
	c := NewClient("xoxb-test", ClientOptions{APIURL: sim.APIURL()})
	ctx := context.Background()
	for _, tc := range []struct{ method, code string }{
		{"conversations.info", "internal_error"},
		{"conversations.list", "fatal_error"},
		{"auth.test", "service_unavailable"},
	} {
		sim.Inject(slacksim.Fault{Kind: slacksim.ErrorCode, Method: tc.method, Code: tc.code})
		_, err := c.Verify(ctx, []string{"#support"}, nil)
		var ce *ChannelError
		if err == nil || errors.As(err, &ce) || !AnyTransient(err) {
			t.Errorf("%s answering %s: %v (channel problem %v), want a transient error", tc.method, tc.code, err, errors.As(err, &ce))
		}
		if ids, err := c.Verify(ctx, []string{"#support"}, nil); err != nil || ids["#support"] != "C0100" {
			t.Errorf("after the %s: %v %v", tc.code, ids, err)
		}
	}
	_, err := c.Verify(ctx, []string{"#outside"}, nil)
	if ce := (*ChannelError)(nil); !errors.As(err, &ce) || AnyTransient(err) {
		t.Errorf("a channel without the bot: %v, want a person's problem", err)
	}
}

// A wrong token: Verify fails with Slack's code and the fix, and the
// reason carries no token.
func TestVerifyWrongToken(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-right"), slacksim.WithChannel("C1", "#support"))
	defer sim.Close()
	c := NewClient("xoxb-wrong-secret", ClientOptions{APIURL: sim.APIURL()})
	_, err := c.Verify(context.Background(), []string{"#support"}, nil)
	r := Reason(err)
	if !strings.Contains(r, "invalid_auth") || !strings.Contains(r, "SLABOT_SLACK_TOKEN") || strings.Contains(r, "xoxb-wrong-secret") {
		t.Errorf("reason %q", r)
	}
}
