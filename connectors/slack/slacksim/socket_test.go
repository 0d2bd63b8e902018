package slacksim_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/slabot/slabot/connectors/slack/slacksim"
)

// "Your app must acknowledge each envelope it receives by sending back an
// object containing the envelope_id ... within 3 seconds" (Slack, Socket
// Mode). slack-go's socketmode client connects with an app-level token,
// receives a button press on a posted message as block_actions, and its
// acknowledgement reaches the simulator.
func TestSocketModeBlockActions(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-bot"), slacksim.WithAppToken("xapp-1-test"), slacksim.WithChannel("C1", "#leads"),
		slacksim.WithUsers(slacksim.User{ID: "U1", Name: "lea", Email: "lea@example.com"}))
	defer sim.Close()
	api := slack.New("xoxb-bot", slack.OptionAPIURL(sim.APIURL()), slack.OptionAppLevelToken("xapp-1-test"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	blocks := slack.MsgOptionBlocks(slack.NewActionBlock("act",
		slack.NewButtonBlockElement("ack", "SUP-1|resolution|1", slack.NewTextBlockObject(slack.PlainTextType, "Acknowledge", false, false))))
	_, ts, err := api.PostMessageContext(ctx, "C1", blocks, slack.MsgOptionText("x", false))
	if err != nil {
		t.Fatal(err)
	}

	sm := socketmode.New(api)
	got := make(chan slack.InteractionCallback, 2)
	go func() {
		for evt := range sm.Events {
			if evt.Type != socketmode.EventTypeInteractive {
				continue
			}
			cb, _ := evt.Data.(slack.InteractionCallback)
			sm.Ack(*evt.Request)
			got <- cb
		}
	}()
	go func() { _ = sm.RunContext(ctx) }()
	if err := sim.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}

	env, err := sim.Press(slacksim.Click{User: "U1", Channel: "C1", TS: ts, ActionID: "ack"})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := sim.Deliver(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if ack.EnvelopeID != env.ID {
		t.Errorf("ack %+v for envelope %s", ack, env.ID)
	}
	cb := <-got
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != "U1" || cb.Channel.ID != "C1" || cb.Container.MessageTs != ts {
		t.Errorf("callback: type %s user %s channel %s message %s", cb.Type, cb.User.ID, cb.Channel.ID, cb.Container.MessageTs)
	}
	if len(cb.ActionCallback.BlockActions) != 1 || cb.ActionCallback.BlockActions[0].Value != "SUP-1|resolution|1" || cb.ActionCallback.BlockActions[0].BlockID != "act" {
		t.Errorf("actions: %+v", cb.ActionCallback.BlockActions)
	}
	// A button that is not in the message cannot be pressed.
	if _, err := sim.Press(slacksim.Click{User: "U1", Channel: "C1", TS: ts, ActionID: "claim"}); err == nil {
		t.Error("pressed a button the message does not have")
	}
}

func TestSocketModeTokens(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-bot"), slacksim.WithAppToken("xapp-1-test"), slacksim.WithChannel("C1", "#leads"))
	defer sim.Close()
	ctx := context.Background()
	bot := slack.New("xoxb-bot", slack.OptionAPIURL(sim.APIURL()), slack.OptionAppLevelToken("xoxb-bot"))
	if _, _, err := bot.StartSocketModeContext(ctx); err == nil || !strings.Contains(err.Error(), "not_allowed_token_type") {
		t.Errorf("bot token opened a socket: %v", err)
	}
	app := slack.New("xapp-1-test", slack.OptionAPIURL(sim.APIURL()))
	if _, _, err := app.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); err == nil || !strings.Contains(err.Error(), "not_allowed_token_type") {
		t.Errorf("app-level token posted: %v", err)
	}
	if _, err := sim.Deliver(ctx, slacksim.Envelope{ID: "e1"}); !errors.Is(err, slacksim.ErrNoConnection) {
		t.Errorf("deliver without a connection: %v", err)
	}
}

// chat.postEphemeral reaches only a member of the channel; conversations.members
// pages; conversations.* take an id, not a #name; users.info carries the e-mail.
func TestEphemeralMembersUserInfo(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-bot"), slacksim.WithChannel("C1", "#leads"),
		slacksim.WithUsers(slacksim.User{ID: "U1", Name: "lea", Email: "Lea@Example.com"}, slacksim.User{ID: "U2", Name: "olaf"}))
	defer sim.Close()
	sim.Join("C1", "U1")
	api := slack.New("xoxb-bot", slack.OptionAPIURL(sim.APIURL()))
	ctx := context.Background()
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("only you", false)); err != nil {
		t.Fatal(err)
	}
	if _, err := api.PostEphemeralContext(ctx, "C1", "U2", slack.MsgOptionText("x", false)); err == nil || !strings.Contains(err.Error(), "user_not_in_channel") {
		t.Errorf("ephemeral to a non-member: %v", err)
	}
	if e := sim.Ephemerals(); len(e) != 1 || e[0].User != "U1" || e[0].Text != "only you" {
		t.Errorf("ephemerals %+v", e)
	}
	if len(sim.Messages("C1")) != 0 {
		t.Error("an ephemeral message landed in the channel's history")
	}
	sim.Join("C1", "U2")
	ids, next, err := api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: "C1", Limit: 1})
	if err != nil || len(ids) != 1 || ids[0] != "U1" || next == "" {
		t.Fatalf("page 1: %v %q %v", ids, next, err)
	}
	ids, next, err = api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: "C1", Limit: 1, Cursor: next})
	if err != nil || len(ids) != 1 || ids[0] != "U2" || next != "" {
		t.Fatalf("page 2: %v %q %v", ids, next, err)
	}
	// Slack's conversations.* methods take the channel's id only (posting
	// alone takes a name).
	if _, _, err := api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: "#leads"}); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("conversations.members by #name: %v, want channel_not_found", err)
	}
	if _, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "#leads"}); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("conversations.info by #name: %v, want channel_not_found", err)
	}
	if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "leads"}); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("conversations.history by name: %v, want channel_not_found", err)
	}
	if _, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "#leads", Timestamp: "1.000001"}); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("conversations.replies by #name: %v, want channel_not_found", err)
	}
	if _, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C1"}); err != nil {
		t.Errorf("conversations.info by id: %v", err)
	}
	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || u.Profile.Email != "Lea@Example.com" {
		t.Errorf("users.info: %+v %v", u, err)
	}
}
