package slack

import (
	"context"
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

// methodScopes are the bot scopes each Web API method needs, from Slack's
// method reference (api.slack.com/methods/NAME, "Required scopes"; where a
// method takes any of several conversation types, the scopes of the types
// slabot uses: public and private channels, and IMs for history).
var methodScopes = map[string][]string{
	"auth.test":                    {},
	"chat.postMessage":             {"chat:write"},
	"chat.update":                  {"chat:write"},
	"users.lookupByEmail":          {"users:read", "users:read.email"},
	"conversations.open":           {"im:write"},
	"conversations.info":           {"channels:read", "groups:read"},
	"conversations.list":           {"channels:read", "groups:read"},
	"conversations.history":        {"channels:history", "groups:history", "im:history"},
	"conversations.replies":        {"channels:history", "groups:history", "im:history"},
	"files.getUploadURLExternal":   {"files:write"},
	"files.completeUploadExternal": {"files:write"},
	"upload":                       {}, // the file body, to the URL files.getUploadURLExternal returned
	"chat.postEphemeral":           {"chat:write"},
	"conversations.members":        {"channels:read", "groups:read"},
	"users.info":                   {"users:read", "users:read.email"}, // the profile's e-mail needs users:read.email
	"apps.connections.open":        {},                                 // the app-level token's connections:write, not a bot scope
}

// "A Slack app manifest in deploy/ with exactly the scopes slabot uses (and
// a test that the manifest's scopes equal the code's needs)": every
// exported Client method is called against slacksim, the Web API methods
// it recorded are mapped to their scopes, and that set must equal
// RequiredScopes and the manifest's bot scopes. A new Client method fails
// here until it is exercised; a new Web API method fails until its scopes
// are listed (and then the manifest must grant them).
func TestManifestScopesAreTheCodesNeeds(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithChannel("C1", "#support"), slacksim.WithUsers(slacksim.User{ID: "U1", Name: "ana", Email: "ana@example.com"}))
	defer sim.Close()
	c := NewClient("xoxb-test", ClientOptions{APIURL: sim.APIURL(), AppToken: "xapp-test"})
	ctx := context.Background()
	exercised := map[string]func() error{
		"Listen": func() error {
			lctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- c.Listen(lctx, nil, nil, nil) }()
			err := sim.WaitConnected(ctx, 1)
			cancel()
			if lerr := <-done; err == nil {
				err = lerr
			}
			return err
		},
		"Members":   func() error { _, err := c.Members(ctx, "C1"); return err },
		"UserEmail": func() error { _, err := c.UserEmail(ctx, "U1"); return err },
		"AuthTest":  func() error { _, err := c.AuthTest(ctx); return err },
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
		"CanPost":       func() error { return c.CanPost(ctx, "C1") },
		"OpenDM":        func() error { _, err := c.OpenDM(ctx, "U1"); return err },
		"FindByKey":     func() error { _, _, err := c.FindByKey(ctx, "C1", "", "k1", time.Now().Add(-time.Hour)); return err },
		"UploadFile": func() error {
			_, _, err := c.UploadFile(ctx, "C1", "r.md", "report", "summary", []byte("# r"))
			return err
		},
		"FindFile":        func() error { _, _, err := c.FindFile(ctx, "C1", "", "r.md", time.Now().Add(-time.Hour)); return err },
		"ResolveChannels": func() error { _, err := c.ResolveChannels(ctx, []string{"#support"}, nil); return err },
		"Verify":          func() error { _, err := c.Verify(ctx, []string{"#support"}, nil); return err },
		"WaitReady": func() error {
			_, err := c.WaitReady(ctx, []string{"#support"}, nil, func(error) {})
			return err
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
		if err := fn(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	used := map[string]bool{}
	for _, call := range sim.Calls() {
		scopes, ok := methodScopes[call.Method]
		if !ok {
			t.Errorf("the client calls %s: add its required scopes to methodScopes (and the manifest)", call.Method)
		}
		for _, s := range scopes {
			used[s] = true
		}
	}
	var need []string
	for s := range used {
		need = append(need, s)
	}
	sort.Strings(need)
	if !slices.Equal(need, RequiredScopes) {
		t.Errorf("the code needs %v, RequiredScopes says %v", need, RequiredScopes)
	}

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
	if !slices.Equal(granted, need) {
		t.Errorf("deploy/slack-app-manifest.yaml grants %v, the code needs %v", granted, need)
	}
	if len(manifest.OAuth.Scopes.User) > 0 || manifest.Features.BotUser.DisplayName == "" {
		t.Errorf("the manifest must define a bot user and ask for no user scopes")
	}
	// The buttons on ladder messages arrive over Socket Mode.
	if !manifest.Settings.SocketMode || !manifest.Settings.Interactivity.Enabled {
		t.Errorf("the manifest must enable Socket Mode and interactivity (Listen)")
	}
	if !strings.Contains(hints["missing_scope"], "users:read.email") {
		t.Errorf("missing_scope hint %q does not list the scopes", hints["missing_scope"])
	}
}

// Channels are found by name through conversations.list (paged: more
// channels than one page holds), SLABOT_SLACK_CHANNELS wins over the
// lookup, ids pass as they are, and every unusable channel is named at
// once: not found, archived, without the bot.
func TestVerifyResolvesChannelsByName(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithChannel("C0100", "#support"), slacksim.WithChannel("C0200", "#leads"))
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
	for _, want := range []string{"#nope: no such channel", "#outside (C0300): the bot is not in channel", "#old: no such channel"} {
		if !strings.Contains(msg, want) {
			t.Errorf("reason lacks %q:\n%s", want, msg)
		}
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
