package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/slabot/slabot/rules/clock"
	"github.com/slabot/slabot/rules/expiring"
)

// Client is the slice of the Slack Web API slabot uses, on top of
// slack-go, with errors classified (APIError, RateLimitError,
// UncertainError). It does not retry: the Dispatcher decides, because a
// blind retry of a post is how duplicates happen. Its only state is the
// caches of channel names (ChannelID) and user group handles
// (UserGroupIDs), shared by delivery and the buttons.
type Client struct {
	api   *slack.Client
	hc    *http.Client // also answers interactions through their response_url
	clock clock.Clock

	skew *skewMeter // Slack's clock minus this host's (skew.go)

	named  expiring.Cache[string, namedChannel] // "#name" -> its id, or why it cannot be used
	groups expiring.Cache[struct{}, userGroups] // the workspace's enabled user groups
}

// ClientOptions configure NewClient. The zero value talks to Slack.
type ClientOptions struct {
	// APIURL overrides Slack's API root, e.g. a slacksim URL + "/api/".
	APIURL string
	// HTTPClient is used as is when set; otherwise a client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds one request (default 20s). A post that times out is
	// uncertain and will be reconciled, not reposted.
	Timeout time.Duration
	// AppToken is the app-level token (xapp-...) that opens Socket Mode
	// connections (Listen); empty: no interactivity.
	AppToken string
	// Clock is the client's time: the ChannelID, UserGroupIDs and e-mail
	// caches' and the instant of a click (default the wall clock).
	Clock clock.Clock
}

// NewClient returns a client for a bot token (xoxb-...).
func NewClient(token string, o ClientOptions) *Client {
	hc := o.HTTPClient
	if hc == nil {
		if o.Timeout <= 0 {
			o.Timeout = 20 * time.Second
		}
		hc = &http.Client{Timeout: o.Timeout}
	}
	meter := &skewMeter{clock: clock.Or(o.Clock)}
	measured := *hc // the caller's client is left as it is
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	measured.Transport = dateTransport{base: base, meter: meter}
	opts := []slack.Option{slack.OptionHTTPClient(&measured)}
	if o.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(o.AppToken))
	}
	if o.APIURL != "" {
		u := o.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slack.OptionAPIURL(u))
	}
	return &Client{api: slack.New(token, opts...), hc: hc, clock: clock.Or(o.Clock), skew: meter}
}

// Identity is who the token authenticates as. Scopes are the token's
// scopes as Slack's X-OAuth-Scopes header lists them (nil when the
// answer had no such header).
type Identity struct {
	Team, TeamID, User, UserID, BotID string
	Scopes                            []string
}

// Missing lists the RequiredScopes the token lacks (none when its scopes
// are unknown), leaving out the optional ones (optionalScopes).
func (id Identity) Missing() []string {
	if id.Scopes == nil {
		return nil
	}
	var out []string
	for _, s := range RequiredScopes {
		if !slices.Contains(id.Scopes, s) && !slices.Contains(optionalScopes, s) {
			out = append(out, s)
		}
	}
	return out
}

// AuthTest checks the token (use it at start-up: a wrong token should stop
// slabot before the first escalation is due, not at it) and reads its
// scopes, so a scope missing from the installed app is named before a
// post needs it.
func (c *Client) AuthTest(ctx context.Context) (Identity, error) {
	r, err := c.api.AuthTestContext(ctx)
	if err != nil {
		return Identity{}, classify("auth.test", "", err)
	}
	id := Identity{Team: r.Team, TeamID: r.TeamID, User: r.User, UserID: r.UserID, BotID: r.BotID}
	if h := r.Header.Values("X-OAuth-Scopes"); len(h) > 0 {
		id.Scopes = []string{}
		for _, s := range strings.Split(strings.Join(h, ","), ",") {
			if s = strings.TrimSpace(s); s != "" {
				id.Scopes = append(id.Scopes, s)
			}
		}
	}
	return id, nil
}

// metadataEventType tags slabot's messages; the payload's "key" is the
// outbox key.
const metadataEventType = "slabot_escalation"

// Outgoing is a rendered message ready to post.
type Outgoing struct {
	Text   string // plain-text fallback (notifications, screen readers, old clients)
	Blocks []slack.Block
	Key    string // outbox key, sent as message metadata
	Extra  map[string]any
}

func (m Outgoing) options() []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	if m.Key != "" {
		p := map[string]any{"key": m.Key}
		for k, v := range m.Extra {
			p[k] = v
		}
		opts = append(opts, slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metadataEventType, EventPayload: p}))
	}
	return opts
}

// Post sends a message to channel (a reply in the thread when threadTS is
// set) and returns the channel id and ts Slack assigned.
func (c *Client) Post(ctx context.Context, channel, threadTS string, m Outgoing) (string, string, error) {
	if err := checkLimits(m); err != nil {
		return "", "", err
	}
	opts := m.options()
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	sent := c.clock.Now()
	ch, ts, err := c.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", "", classify("chat.postMessage", channel, err)
	}
	c.skew.observeTS(ts, sent, c.clock.Now())
	return ch, ts, nil
}

// Update replaces a message's text and blocks (its metadata is kept).
func (c *Client) Update(ctx context.Context, channel, ts string, m Outgoing) error {
	if err := checkLimits(m); err != nil {
		return err
	}
	m.Key = "" // chat.update keeps the metadata the post set
	_, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts, m.options()...)
	return classify("chat.update", channel, err)
}

// LookupByEmail returns the Slack user id for an e-mail address.
// ErrNoSlackUser means the workspace has no such user.
func (c *Client) LookupByEmail(ctx context.Context, email string) (string, error) {
	u, err := c.api.GetUserByEmailContext(ctx, email)
	if err != nil {
		err = classify("users.lookupByEmail", "", err)
		if ae := (*APIError)(nil); errors.As(err, &ae) && ae.Code == "users_not_found" {
			return "", ErrNoSlackUser
		}
		return "", err
	}
	return u.ID, nil
}

// CanPost checks that the bot may post to channel (an id): the channel
// exists, is not archived and the bot is a member. The error says what a
// person must do.
func (c *Client) CanPost(ctx context.Context, channel string) error {
	return c.canPost(ctx, "", channel)
}

// canPost is CanPost with the channel as the policy names it, for the
// message. The bot must be a member even where chat:write.public would let
// it post: an unanswered post is looked for in the channel's history
// before it is retried, and Slack shows a channel's history only to its
// members.
func (c *Client) canPost(ctx context.Context, name, channel string) error {
	ch, err := c.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
	if err != nil {
		return classify("conversations.info", channel, err)
	}
	if name == "" {
		name = "#" + ch.Name
	}
	switch {
	case ch.IsArchived:
		return &ChannelError{Name: name, ID: channel, Problem: archived}
	case !ch.IsMember && !ch.IsIM:
		return &ChannelError{Name: name, ID: channel, Problem: "the bot is not in it: " + invite(name)}
	}
	return nil
}

// OpenDM opens (or finds) the bot's direct-message channel with a user.
func (c *Client) OpenDM(ctx context.Context, userID string) (string, error) {
	ch, _, _, err := c.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
	if err != nil {
		return "", classify("conversations.open", userID, err)
	}
	return ch.ID, nil
}

// maxFindPages bounds how far back FindByKey pages (200 messages each).
const maxFindPages = 25

// FindByKey looks for slabot's message carrying outbox key in a channel's
// history since oldest, or among the replies of threadTS when set (thread
// replies are not in conversations.history). It returns the message's ts.
func (c *Client) FindByKey(ctx context.Context, channel, threadTS, key string, oldest time.Time) (string, bool, error) {
	return c.findMessage(ctx, channel, threadTS, oldest, func(m slack.Message) bool {
		return m.Metadata.EventType == metadataEventType && m.Metadata.EventPayload["key"] == key
	})
}

// FindFile looks for the message sharing a file in a channel's history
// since oldest, by file id, or by file name when fileID is empty. It
// returns the message's ts.
func (c *Client) FindFile(ctx context.Context, channel, fileID, fileName string, oldest time.Time) (string, bool, error) {
	return c.findMessage(ctx, channel, "", oldest, func(m slack.Message) bool {
		for _, f := range m.Files {
			if (fileID != "" && f.ID == fileID) || (fileID == "" && f.Name == fileName) {
				return true
			}
		}
		return false
	})
}

// UploadFile uploads data as a file named name and shares it in channel
// with comment as the message text, through Slack's external upload
// (files.getUploadURLExternal, the upload URL,
// files.completeUploadExternal; slack-go's UploadFileContext, step by step
// so errors say which step failed). It returns the channel and the ts of
// the message sharing the file. Only a files.completeUploadExternal
// without an answer is uncertain: before it nothing is shared.
//
// Slack does not return the share's ts and may share asynchronously: it
// is looked up in the channel's history by the file id; when it is not
// there yet, "file:<id>" stands in for the ts.
func (c *Client) UploadFile(ctx context.Context, channel, name, title, comment string, data []byte) (string, string, error) {
	if err := checkLimits(Outgoing{Text: comment}); err != nil {
		return "", "", err
	}
	u, err := c.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: name, FileSize: len(data)})
	if err != nil {
		return "", "", classify("files.getUploadURLExternal", channel, err)
	}
	if err := c.api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: u.UploadURL, Reader: bytes.NewReader(data), Filename: name}); err != nil {
		return "", "", classify("files.upload", channel, err)
	}
	_, err = c.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: u.FileID, Title: title}}, Channel: channel, InitialComment: comment})
	if err != nil {
		return "", "", classify("files.completeUploadExternal", channel, err)
	}
	// The share is the newest message: no time bound needed (and none that
	// depends on this host's clock agreeing with Slack's).
	ts, found, err := c.FindFile(ctx, channel, u.FileID, "", time.Time{})
	if err != nil || !found {
		return channel, "file:" + u.FileID, nil
	}
	return channel, ts, nil
}

// findMessage pages a channel's history (or a thread's replies) since
// oldest for the first message match accepts.
func (c *Client) findMessage(ctx context.Context, channel, threadTS string, oldest time.Time, match func(slack.Message) bool) (string, bool, error) {
	ts := ""
	found, err := c.scanMessages(ctx, channel, threadTS, oldest, func(m slack.Message) bool {
		if match(m) {
			ts = m.Timestamp
			return true
		}
		return false
	})
	return ts, found, err
}

// findKeys looks for slabot's messages carrying any of keys in a
// channel's history since oldest, in one pass over it; it returns the ts
// of each one found, by key.
func (c *Client) findKeys(ctx context.Context, channel string, oldest time.Time, keys []string) (map[string]string, error) {
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	found := map[string]string{}
	_, err := c.scanMessages(ctx, channel, "", oldest, func(m slack.Message) bool {
		if m.Metadata.EventType != metadataEventType {
			return false
		}
		if k, _ := m.Metadata.EventPayload["key"].(string); want[k] {
			if _, dup := found[k]; !dup {
				found[k] = m.Timestamp
			}
		}
		return len(found) == len(want)
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// scanMessages pages a channel's history (or a thread's replies) since
// oldest (this host's time: it is turned into Slack's, skew.go), handing
// each message to visit until it returns true (then found is true). More history than maxFindPages pages without visit
// done is an UncertainError: what was looked for may be further back.
func (c *Client) scanMessages(ctx context.Context, channel, threadTS string, oldest time.Time, visit func(slack.Message) bool) (found bool, err error) {
	cursor := ""
	oldestTS := ""
	if oldest.After(time.Unix(0, 0)) { // before 1970 is no bound; Slack refuses a negative oldest (invalid_ts_oldest)
		if oldest = c.slackTime(ctx, oldest); oldest.After(time.Unix(0, 0)) {
			oldestTS = formatTS(oldest)
		}
	}
	for range maxFindPages {
		var msgs []slack.Message
		var next string
		if threadTS != "" {
			m, _, nc, err := c.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: threadTS, Cursor: cursor, Limit: 200, Oldest: oldestTS, IncludeAllMetadata: true})
			if err != nil {
				return false, classify("conversations.replies", channel, err)
			}
			msgs, next = m, nc
		} else {
			h, err := c.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: channel, Cursor: cursor, Limit: 200, Oldest: oldestTS, IncludeAllMetadata: true})
			if err != nil {
				return false, classify("conversations.history", channel, err)
			}
			msgs, next = h.Messages, h.ResponseMetaData.NextCursor
		}
		for _, m := range msgs {
			if visit(m) {
				return true, nil
			}
		}
		if next == "" {
			return false, nil
		}
		cursor = next
	}
	return false, &UncertainError{Method: "conversations.history", Channel: channel,
		Err: errTooMuchHistory}
}

// formatTS writes t as a Slack ts ("seconds.microseconds").
func formatTS(t time.Time) string {
	us := t.UnixMicro()
	return fmt.Sprintf("%d.%06d", us/1_000_000, us%1_000_000)
}

// ErrNoSlackUser: users.lookupByEmail found nobody with that address.
var ErrNoSlackUser = errors.New("slack: no Slack user with that e-mail")

var errTooMuchHistory = errors.New("message not found in the most recent messages and more remain: cannot tell whether it was posted")
