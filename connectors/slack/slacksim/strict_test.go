package slacksim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/slabot/slabot/connectors/slack/slacksim"
)

// section is a section block of n characters of mrkdwn.
func section(n int) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("x", n), false, false), nil, nil)
}

func sections(n, each int) []slack.Block {
	out := make([]slack.Block, n)
	for i := range out {
		out[i] = section(each)
	}
	return out
}

// Slack's Block Kit reference: "You can include up to 50 blocks in each
// message"; a section's text: "Maximum length for the text in this field
// is 3000 characters"; its fields: "Maximum number of items is 10. Maximum
// length for the text in each item is 2000 characters". Beyond them:
// invalid_blocks. Within them but too much text in all: msg_blocks_too_long
// (not documented; refused at 11,341 characters in slackapi/bolt-js #2867),
// on chat.update as on chat.postMessage.
func TestBlockLimits(t *testing.T) {
	ctx := context.Background()
	srv, api := newClient(t)
	fields := func(n, each int) slack.Block {
		var f []*slack.TextBlockObject
		for range n {
			f = append(f, slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("y", each), false, false))
		}
		return slack.NewSectionBlock(nil, f, nil)
	}
	for _, c := range []struct {
		name   string
		blocks []slack.Block
		want   string
	}{
		{"50 blocks", sections(50, 10), ""},
		{"51 blocks", sections(51, 10), "invalid_blocks"},
		{"a section of 3,000 characters", sections(1, 3000), ""},
		{"a section of 3,001 characters", sections(1, 3001), "invalid_blocks"},
		{"10 fields of 2,000", []slack.Block{fields(10, 2000)}, "msg_blocks_too_long"}, // 20,000 in all
		{"5 fields of 2,000", []slack.Block{fields(5, 2000)}, ""},
		{"a field of 2,001", []slack.Block{fields(1, 2001)}, "invalid_blocks"},
		{"11 fields", []slack.Block{fields(11, 5)}, "invalid_blocks"},
		{"11,340 characters in all", append(sections(3, 3000), section(2340)), ""},
		{"11,341 characters in all", append(sections(3, 3000), section(2341)), "msg_blocks_too_long"},
	} {
		_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(c.blocks...))
		if got := code(err); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if n := len(srv.Messages("C1")); n != 4 {
		t.Errorf("%d messages stored, want the 4 accepted", n)
	}
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("short", false))
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, err = api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionBlocks(append(sections(3, 3000), section(2341))...))
	if code(err) != "msg_blocks_too_long" {
		t.Errorf("chat.update beyond the total: %v", err)
	}
	if m := srv.Messages("C1"); m[len(m)-1].Text != "short" {
		t.Errorf("refused update changed the message: %+v", m[len(m)-1])
	}

	// Slack's refusal names the place.
	b, _ := json.Marshal(sections(1, 3001))
	res, err := http.PostForm(srv.APIURL()+"chat.postMessage", url.Values{"token": {"xoxb-test"}, "channel": {"C1"}, "blocks": {string(b)}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Error  string   `json:"error"`
		Errors []string `json:"errors"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	if body.Error != "invalid_blocks" || len(body.Errors) != 1 || !strings.Contains(body.Errors[0], "json-pointer:/blocks/0/text/text") {
		t.Errorf("refusal %+v", body)
	}
}

// conversations.history and .replies (Slack's method reference, Errors):
// invalid_cursor "Value passed for cursor was not valid or is no longer
// valid", invalid_ts_oldest / invalid_ts_latest "Value passed for oldest
// (latest) was invalid". A cursor the listing issued pages on;
// conversations.list refuses a made-up cursor too.
func TestInvalidCursorOldestLatest(t *testing.T) {
	ctx := context.Background()
	_, api := newClient(t)
	var parent string
	for i := range 5 {
		_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("m", false))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			parent = ts
		}
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 2})
	if err != nil || len(h.Messages) != 2 || h.ResponseMetaData.NextCursor == "" {
		t.Fatalf("first page %+v, %v", h, err)
	}
	seen := len(h.Messages)
	for cur := h.ResponseMetaData.NextCursor; cur != ""; {
		p, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 2, Cursor: cur})
		if err != nil {
			t.Fatalf("issued cursor: %v", err)
		}
		seen += len(p.Messages)
		cur = p.ResponseMetaData.NextCursor
	}
	if seen != 5 {
		t.Errorf("paged %d messages, want 5", seen)
	}
	for _, c := range []struct {
		name string
		p    slack.GetConversationHistoryParameters
		want string
	}{
		{"made-up cursor", slack.GetConversationHistoryParameters{ChannelID: "C1", Cursor: "page2"}, "invalid_cursor"},
		{"cursor of a ts", slack.GetConversationHistoryParameters{ChannelID: "C1", Cursor: parent}, "invalid_cursor"},
		{"oldest not a ts", slack.GetConversationHistoryParameters{ChannelID: "C1", Oldest: "yesterday"}, "invalid_ts_oldest"},
		{"oldest negative", slack.GetConversationHistoryParameters{ChannelID: "C1", Oldest: "-1"}, "invalid_ts_oldest"},
		{"latest not a ts", slack.GetConversationHistoryParameters{ChannelID: "C1", Latest: "1.2.3"}, "invalid_ts_latest"},
		{"oldest 0", slack.GetConversationHistoryParameters{ChannelID: "C1", Oldest: "0"}, ""},
		{"latest in seconds", slack.GetConversationHistoryParameters{ChannelID: "C1", Latest: "1700000000"}, ""},
	} {
		_, err := api.GetConversationHistoryContext(ctx, &c.p)
		if got := code(err); got != c.want {
			t.Errorf("history, %s: %q, want %q", c.name, got, c.want)
		}
	}
	_, _, _, err = api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: parent, Cursor: "x"})
	if code(err) != "invalid_cursor" {
		t.Errorf("replies, made-up cursor: %v", err)
	}
	_, _, _, err = api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: parent, Oldest: "soon"})
	if code(err) != "invalid_ts_oldest" {
		t.Errorf("replies, oldest not a ts: %v", err)
	}
	_, _, err = api.GetConversationsContext(ctx, &slack.GetConversationsParameters{Cursor: "id:C1"})
	if code(err) != "invalid_cursor" {
		t.Errorf("conversations.list, made-up cursor: %v", err)
	}
}

// A token the workspace never issued answers invalid_auth on every method
// (Slack's answer to a mistyped or revoked token), stores nothing; an
// app-level token must be known too; a simulator given no token accepts
// none.
func TestUnknownTokensInvalidAuth(t *testing.T) {
	ctx := context.Background()
	srv, _ := newClient(t, slacksim.WithAppToken("xapp-right"))
	wrong := slack.New("xoxb-wrong", slack.OptionAPIURL(srv.APIURL()))
	if _, _, err := wrong.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); code(err) != "invalid_auth" {
		t.Errorf("post with a wrong token: %v", err)
	}
	if _, err := wrong.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"}); code(err) != "invalid_auth" {
		t.Errorf("history with a wrong token: %v", err)
	}
	if n := len(srv.Messages("C1")); n != 0 {
		t.Errorf("a wrong token stored %d messages", n)
	}
	app := slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken("xapp-wrong"))
	if _, _, err := app.StartSocketModeContext(ctx); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("unknown app-level token: %v", err)
	}
	app = slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()), slack.OptionAppLevelToken("xapp-right"))
	if _, _, err := app.StartSocketModeContext(ctx); err != nil {
		t.Errorf("known app-level token: %v", err)
	}

	none := slacksim.NewServer(slacksim.WithChannel("C1", "support"))
	defer none.Close()
	if _, err := slack.New("xoxb-anything", slack.OptionAPIURL(none.APIURL())).AuthTestContext(ctx); code(err) != "invalid_auth" {
		t.Errorf("a simulator without tokens accepted one: %v", err)
	}
}

// Every bot token has scopes: one installed without a list gets
// DefaultScopes, listed in X-OAuth-Scopes as Slack lists a token's
// scopes, and without chat:write.public a public channel the bot is not
// in answers not_in_channel; taking a scope away answers missing_scope.
func TestDefaultTokenHasScopes(t *testing.T) {
	ctx := context.Background()
	srv, api := newClient(t)
	srv.AddChannel("C2", "outside", false)
	res, err := http.PostForm(srv.APIURL()+"auth.test", url.Values{"token": {"xoxb-test"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	got := strings.Split(res.Header.Get("X-OAuth-Scopes"), ",")
	if !slices.Equal(got, slacksim.DefaultScopes) || !slices.Contains(got, "chat:write") || slices.Contains(got, "chat:write.public") {
		t.Errorf("X-OAuth-Scopes %v, want %v", got, slacksim.DefaultScopes)
	}
	if _, _, err := api.PostMessageContext(ctx, "C2", slack.MsgOptionText("x", false)); code(err) != "not_in_channel" {
		t.Errorf("post to a public channel without the bot: %v", err)
	}
	srv.SetScopes("xoxb-test", "channels:read")
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); code(err) != "missing_scope" {
		t.Errorf("post without chat:write: %v", err)
	}
}
