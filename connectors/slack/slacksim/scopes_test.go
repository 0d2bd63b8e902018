package slacksim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/slabot/slabot/connectors/slack/slacksim"
)

// code is the Slack error code of err ("" for none).
func code(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err != nil {
		return "unexpected: " + err.Error()
	}
	return ""
}

// names lists conversations.list's answer for types as "name" or
// "name(private)".
func names(t *testing.T, api *slack.Client, types ...string) ([]string, error) {
	t.Helper()
	var out []string
	p := &slack.GetConversationsParameters{Types: types, Limit: 100}
	for {
		chans, next, err := api.GetConversationsContext(context.Background(), p)
		if err != nil {
			return nil, err
		}
		for _, c := range chans {
			n := c.Name
			if c.IsPrivate {
				n += "(private)"
			}
			if c.IsArchived {
				n += "(archived)"
			}
			out = append(out, n)
		}
		if next == "" {
			slices.Sort(out)
			return out, nil
		}
		p.Cursor = next
	}
}

// Private channels: conversations.list shows only those the bot is in,
// and only when asked for private_channel; a private channel the bot is
// not in does not exist for it (channel_not_found on every method), and
// answers as any other once the bot is invited. A public channel the bot
// is not in: not_in_channel, unless the token has chat:write.public.
// Archived: listed (unless exclude_archived), is_archived on post.
func TestPrivatePublicArchivedChannels(t *testing.T) {
	ctx := context.Background()
	srv, api := newClient(t)
	srv.AddPrivateChannel("G1", "vip", true)
	srv.AddPrivateChannel("G2", "secret", false)
	srv.AddChannel("C2", "outside", false)
	srv.AddChannel("C3", "old", true)
	srv.Archive("C3")

	if got, err := names(t, api); err != nil || strings.Join(got, " ") != "old(archived) outside support" {
		t.Errorf("default types (public_channel): %v, %v", got, err)
	}
	if got, err := names(t, api, "public_channel", "private_channel"); err != nil || strings.Join(got, " ") != "old(archived) outside support vip(private)" {
		t.Errorf("public and private: %v, %v", got, err)
	}
	if got, err := names(t, api, "private_channel"); err != nil || strings.Join(got, " ") != "vip(private)" {
		t.Errorf("private only: %v, %v", got, err)
	}

	post := func(ch string) error {
		_, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("x", false))
		return err
	}
	for ch, want := range map[string]string{"G1": "", "#vip": "", "G2": "channel_not_found", "#secret": "channel_not_found",
		"C2": "not_in_channel", "C3": "is_archived"} {
		if got := code(post(ch)); got != want {
			t.Errorf("post to %s: %q, want %q", ch, got, want)
		}
	}
	_, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "G2"})
	if code(err) != "channel_not_found" {
		t.Errorf("conversations.info on a private channel without the bot: %v", err)
	}
	_, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "G2"})
	if code(err) != "channel_not_found" {
		t.Errorf("conversations.history on a private channel without the bot: %v", err)
	}
	info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "G1"})
	if err != nil || !info.IsPrivate || !info.IsMember {
		t.Errorf("conversations.info on a private channel with the bot: %+v, %v", info, err)
	}

	srv.SetMember("G2", true) // /invite @slabot
	if err := post("G2"); err != nil {
		t.Errorf("after the invite: %v", err)
	}
	if got, _ := names(t, api, "private_channel"); strings.Join(got, " ") != "secret(private) vip(private)" {
		t.Errorf("after the invite: %v", got)
	}

	srv.SetScopes("xoxb-test", "chat:write", "chat:write.public", "channels:read")
	if err := post("C2"); err != nil {
		t.Errorf("chat:write.public to a public channel without the bot: %v", err)
	}
	if got := code(post("C3")); got != "is_archived" {
		t.Errorf("chat:write.public to an archived channel: %q", got)
	}
}

// A method without its scope answers missing_scope with needed and
// provided, as Slack does; the Conversations API needs the scope of the
// conversation's type; X-OAuth-Scopes lists the token's scopes.
func TestMissingScope(t *testing.T) {
	ctx := context.Background()
	srv, api := newClient(t, slacksim.WithScopes("xoxb-test", "channels:read", "channels:history", "users:read"))
	srv.AddPrivateChannel("G1", "vip", true)

	var se slack.SlackErrorResponse
	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
	if !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "chat:write" || se.Provided != "channels:history,channels:read,users:read" {
		t.Errorf("post without chat:write: %+v", err)
	}
	if n := len(srv.Messages("C1")); n != 0 {
		t.Errorf("a refused post stored %d messages", n)
	}
	if _, err := names(t, api, "public_channel"); err != nil {
		t.Errorf("public channels with channels:read: %v", err)
	}
	_, err = names(t, api, "public_channel", "private_channel")
	if !errors.As(err, &se) || se.Needed != "groups:read" {
		t.Errorf("private channels without groups:read: %v", err)
	}
	if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"}); err != nil {
		t.Errorf("public history with channels:history: %v", err)
	}
	_, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "G1"})
	if !errors.As(err, &se) || se.Needed != "groups:history" {
		t.Errorf("private history without groups:history: %v", err)
	}
	_, err = api.GetUserByEmailContext(ctx, "ana@example.com")
	if !errors.As(err, &se) || se.Needed != "users:read.email" {
		t.Errorf("lookupByEmail without users:read.email: %v", err)
	}
	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || u.Profile.Email != "" || u.Profile.RealName != "Ana Ruiz" {
		t.Errorf("users.info without users:read.email shows the profile without the e-mail: %+v, %v", u, err)
	}
	if c := srv.Calls("conversations.history"); c[len(c)-1].Error != "missing_scope" {
		t.Errorf("call recorded with error %q", c[len(c)-1].Error)
	}

	// The raw answer and the header, as Slack sends them.
	res, err := http.PostForm(srv.APIURL()+"chat.postMessage", url.Values{"token": {"xoxb-test"}, "channel": {"C1"}, "text": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body["ok"] != false || body["error"] != "missing_scope" || body["needed"] != "chat:write" || body["provided"] != "channels:history,channels:read,users:read" {
		t.Errorf("body %v", body)
	}
	if h := res.Header.Get("X-OAuth-Scopes"); h != "channels:history,channels:read,users:read" {
		t.Errorf("X-OAuth-Scopes %q", h)
	}

	srv.SetScopes("xoxb-test", "chat:write", "channels:read") // reinstalled with an edited manifest
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("after reinstalling with chat:write: %v", err)
	}
}
