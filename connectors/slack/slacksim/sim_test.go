package slacksim_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/slabot/slabot/connectors/slack/slacksim"
)

func newClient(t *testing.T, opts ...slacksim.Option) (*slacksim.Server, *slack.Client) {
	t.Helper()
	opts = append([]slacksim.Option{
		slacksim.WithToken("xoxb-test"),
		slacksim.WithChannel("C1", "support"),
		slacksim.WithUsers(slacksim.User{ID: "U1", Name: "ana", Real: "Ana Ruiz", Email: "ana@example.com"}),
	}, opts...)
	srv := slacksim.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv, slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()))
}

func TestAuthTest(t *testing.T) {
	srv, api := newClient(t)
	resp, err := api.AuthTestContext(context.Background())
	if err != nil || resp.UserID != "U0BOT" || resp.TeamID != "T0SIM" {
		t.Fatalf("auth.test = %+v, %v", resp, err)
	}
	bad := slack.New("xoxb-wrong", slack.OptionAPIURL(srv.APIURL()))
	_, err = bad.AuthTestContext(context.Background())
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "invalid_auth" {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestPostThreadUpdateHistoryWithMetadata(t *testing.T) {
	ctx := context.Background()
	srv, api := newClient(t)
	md := slack.SlackMetadata{EventType: "slabot_escalation", EventPayload: map[string]any{"key": "SUP-1|resolution|1|1"}}
	ch, ts, err := api.PostMessageContext(ctx, "#support", slack.MsgOptionText("parent", false), slack.MsgOptionMetadata(md))
	if err != nil || ch != "C1" || ts == "" {
		t.Fatalf("post = %s %s %v", ch, ts, err)
	}
	_, rts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts))
	if err != nil || rts <= ts {
		t.Fatalf("reply = %s %v", rts, err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("parent, updated", false)); err != nil {
		t.Fatal(err)
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Messages) != 1 || h.Messages[0].Text != "parent, updated" || h.Messages[0].Metadata.EventPayload["key"] != "SUP-1|resolution|1|1" {
		t.Fatalf("history = %+v", h.Messages)
	}
	if h.Messages[0].ReplyCount != 1 {
		t.Errorf("reply_count = %d", h.Messages[0].ReplyCount)
	}
	noMeta, _ := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if noMeta.Messages[0].Metadata.EventType != "" {
		t.Error("metadata returned without include_all_metadata")
	}
	msgs, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: ts})
	if err != nil || len(msgs) != 2 || msgs[1].Text != "reply" || msgs[1].ThreadTimestamp != ts {
		t.Fatalf("replies = %+v, %v", msgs, err)
	}
	all := srv.Messages("C1")
	if len(all) != 2 || len(all[0].Edits) != 1 || all[0].Edits[0] != "parent" {
		t.Fatalf("stored = %+v", all)
	}
	if calls := srv.Calls("chat.postMessage"); len(calls) != 2 || calls[0].Params.Get("token") != "" || calls[0].Channel != "C1" {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestHistoryPagingAndRange(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	srv, api := newClient(t, slacksim.WithClock(func() time.Time { return now }))
	_ = srv
	var tss []string
	for range 5 {
		_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("m", false))
		if err != nil {
			t.Fatal(err)
		}
		tss = append(tss, ts)
	}
	for i := 1; i < len(tss); i++ {
		if tss[i] <= tss[i-1] {
			t.Fatalf("ts not increasing under a frozen clock: %v", tss)
		}
	}
	var seen []string
	cursor := ""
	for {
		h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 2, Cursor: cursor, Oldest: tss[0]})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h.Messages {
			seen = append(seen, m.Timestamp)
		}
		if !h.HasMore {
			break
		}
		cursor = h.ResponseMetaData.NextCursor
	}
	if len(seen) != 4 || seen[0] != tss[4] || seen[3] != tss[1] {
		t.Fatalf("paged history = %v (posted %v)", seen, tss)
	}
}

func TestDirectoryAndDM(t *testing.T) {
	ctx := context.Background()
	srv, api := newClient(t)
	u, err := api.GetUserByEmailContext(ctx, "ANA@example.com")
	if err != nil || u.ID != "U1" || u.Profile.Email != "ana@example.com" {
		t.Fatalf("lookup = %+v, %v", u, err)
	}
	_, err = api.GetUserByEmailContext(ctx, "nobody@example.com")
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "users_not_found" {
		t.Fatalf("unknown e-mail: %v", err)
	}
	ch, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || ch.ID == "" {
		t.Fatalf("open = %+v, %v", ch, err)
	}
	again, _, already, _ := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if again.ID != ch.ID || !already {
		t.Fatalf("reopen = %s already=%v", again.ID, already)
	}
	if _, _, err := api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText("hi", false)); err != nil {
		t.Fatal(err)
	}
	if id, ok := srv.DMChannel("U1"); !ok || id != ch.ID || len(srv.Messages(id)) != 1 {
		t.Fatalf("DM channel %s %v", id, ok)
	}
}

func TestErrorsAndFaults(t *testing.T) {
	ctx := context.Background()
	srv, api := newClient(t)
	srv.AddChannel("C2", "private", false)
	post := func(ch string) error {
		_, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("x", false))
		return err
	}
	for ch, want := range map[string]string{"C404": "channel_not_found", "C2": "not_in_channel"} {
		var se slack.SlackErrorResponse
		if err := post(ch); !errors.As(err, &se) || se.Err != want {
			t.Errorf("post to %s: %v; want %s", ch, err, want)
		}
	}

	srv.Inject(slacksim.Fault{Kind: slacksim.RateLimit, Method: "chat.postMessage", RetryAfter: 3 * time.Second})
	var rl *slack.RateLimitedError
	if err := post("C1"); !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Fatalf("429: %v", err)
	}
	srv.Inject(slacksim.Fault{Kind: slacksim.ServerError, Channel: "C1"})
	var sc slack.StatusCodeError
	if err := post("C1"); !errors.As(err, &sc) || sc.Code != 500 {
		t.Fatalf("500: %v", err)
	}
	if n := len(srv.Messages("C1")); n != 0 {
		t.Fatalf("rejected posts stored %d messages", n)
	}
	srv.Inject(slacksim.Fault{Kind: slacksim.DropAfterAccept, Method: "chat.postMessage"})
	if err := post("C1"); err == nil {
		t.Fatal("dropped connection reported success")
	}
	if n := len(srv.Messages("C1")); n != 1 {
		t.Fatalf("drop-after-accept stored %d messages; want 1", n)
	}
	if err := post("C1"); err != nil {
		t.Fatalf("after faults: %v", err)
	}
	calls := srv.Calls("chat.postMessage")
	faults := []string{}
	for _, c := range calls {
		faults = append(faults, c.Fault)
	}
	if len(calls) != 6 || calls[2].Status != 429 || calls[3].Status != 500 || calls[4].Status != 0 || calls[4].Fault != "drop-after-accept" {
		t.Fatalf("calls: %d, faults %v", len(calls), faults)
	}
}

func TestChaosIsSeeded(t *testing.T) {
	ctx := context.Background()
	run := func() []string {
		srv, api := newClient(t)
		srv.SetChaos(slacksim.Chaos{Seed: 7, RateLimit: 0.2, ServerError: 0.2, DropAfterAccept: 0.1})
		for range 40 {
			_, _, _ = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
		}
		var out []string
		for _, c := range srv.Calls() {
			out = append(out, c.Fault)
		}
		return out
	}
	a, b := run(), run()
	faulty := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("chaos not reproducible at call %d: %q vs %q", i, a[i], b[i])
		}
		if a[i] != "" {
			faulty++
		}
	}
	if faulty == 0 || faulty == len(a) {
		t.Fatalf("%d of %d calls faulted", faulty, len(a))
	}
}

// GET / lists the channels: the demo prints the simulator's URL.
func TestIndexListsChannels(t *testing.T) {
	srv := slacksim.NewServer(slacksim.WithChannel("C1", "#support"))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"name":"support"`) {
		t.Errorf("GET / = %d %s", resp.StatusCode, b)
	}
}
