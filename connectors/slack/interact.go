package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/slabot/slabot/rules"
)

// ClickHandler decides what a button press does and answers the person
// who pressed it (the reply is posted to them alone). It must return
// quickly: the envelope is acknowledged after it returns, and Slack wants
// that within 3 seconds.
type ClickHandler interface {
	Click(ctx context.Context, a rules.Click) (reply string, err error)
}

// clickBudget bounds the handler so the acknowledgement goes out inside
// Slack's 3 seconds whatever the handler does.
const clickBudget = 2 * time.Second

// Listen receives button presses over Socket Mode (no public URL needed)
// until ctx ends, reconnecting as slack-go's socketmode client does. Each
// press of a slabot button is handed to h, then acknowledged, then
// answered with an ephemeral message. The client needs an app-level token
// (ClientOptions.AppToken). A click's instant is the client's clock.
func (c *Client) Listen(ctx context.Context, h ClickHandler, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	sm := socketmode.New(c.api)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case evt, ok := <-sm.Events:
				if !ok {
					return
				}
				c.event(ctx, sm, evt, h, log)
			}
		}
	}()
	err := sm.RunContext(ctx)
	cancel()
	wg.Wait()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

func (c *Client) event(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, h ClickHandler, log *slog.Logger) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		log.Info("slack: Socket Mode connected")
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		log.Warn("slack: Socket Mode connection problem", "event", string(evt.Type), "data", fmt.Sprint(evt.Data))
		return
	case socketmode.EventTypeInteractive:
	default:
		return
	}
	if evt.Request == nil {
		return
	}
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok || cb.Type != slack.InteractionTypeBlockActions {
		sm.Ack(*evt.Request)
		return
	}
	type reply struct{ channel, user, responseURL, text string }
	var replies []reply
	for _, ba := range cb.ActionCallback.BlockActions {
		kind, snooze, ok := parseAction(ba.ActionID)
		if !ok {
			continue
		}
		issue, goal, cycle, step, err := rules.ParseNoticeKey(ba.Value)
		if err != nil {
			log.Warn("slack: button press with an unreadable value", "action", ba.ActionID, "err", err)
			continue
		}
		channel := cb.Container.ChannelID
		if channel == "" {
			channel = cb.Channel.ID
		}
		a := rules.Click{Kind: kind, Issue: issue, Goal: goal, Cycle: cycle, Step: step, User: cb.User.ID, Name: cb.User.Name,
			Channel: channel, MessageTS: cb.Container.MessageTs, ActionTS: ba.ActionTs, At: c.clock.Now().UTC(), Snooze: snooze}
		hctx, cancel := context.WithTimeout(ctx, clickBudget)
		text, err := h.Click(hctx, a)
		cancel()
		if err != nil {
			log.Error("slack: click not recorded", "issue", issue, "goal", goal, "action", kind, "user", a.User, "err", err)
			text = "Sorry, that click could not be recorded (" + esc(err.Error()) + "). Please try again."
		}
		if text != "" {
			replies = append(replies, reply{channel, a.User, cb.ResponseURL, text})
		}
	}
	// Acknowledge only after the click is stored: a crash before this
	// point shows the person an error in Slack, and they click again.
	sm.Ack(*evt.Request)
	for _, r := range slices.Compact(replies) {
		if err := c.answer(ctx, r.channel, r.user, r.responseURL, r.text); err != nil {
			log.Warn("slack: could not answer a click", "channel", r.channel, "user", r.user, "err", err)
		}
	}
}

// answer tells the presser alone what their click did (text is mrkdwn,
// escaped by whoever wrote it: it carries mentions). The interaction's
// response_url reaches them wherever they clicked (a public channel they
// only preview, whose chat.postEphemeral would answer
// user_not_in_channel); chat.postEphemeral is the fallback.
func (c *Client) answer(ctx context.Context, channel, user, responseURL, text string) error {
	if responseURL != "" {
		err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, c.hc,
			&slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: false})
		if err == nil {
			return nil
		}
	}
	if _, err := c.api.PostEphemeralContext(ctx, channel, user, slack.MsgOptionText(text, false)); err != nil {
		return classify("chat.postEphemeral", channel, err)
	}
	return nil
}

// Members lists a channel's members (conversations.members, paged).
func (c *Client) Members(ctx context.Context, channel string) ([]string, error) {
	var out []string
	cursor := ""
	for {
		ids, next, err := c.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: channel, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, classify("conversations.members", channel, err)
		}
		out = append(out, ids...)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// UserEmail is a Slack user's e-mail (users.info, users:read.email).
func (c *Client) UserEmail(ctx context.Context, user string) (string, error) {
	u, err := c.api.GetUserInfoContext(ctx, user)
	if err != nil {
		return "", classify("users.info", "", err)
	}
	return u.Profile.Email, nil
}
