package slack

import (
	"context"
	"time"

	"github.com/slabot/slabot/rules"
)

// Sender is the Slack side of the outbox: it resolves rungs to channels,
// renders, posts, finds by key, updates and uploads, and keeps no state
// about rows (bot/outbox does). It has the methods bot/outbox declares
// it needs from a sender (bot/outbox tests check that it fits).
type Sender struct {
	client   *Client
	resolver *Resolver
	buttons  bool
}

// EnableButtons puts Acknowledge, Claim and Snooze buttons on ladder
// messages; call it only when Client.Listen receives their clicks.
func (s *Sender) EnableButtons() { s.buttons = true }

// NewSender wires a client and the assignee directory (Jira accountIds
// and e-mails to Slack user ids; see NewResolver).
func NewSender(c *Client, directory map[string]string) *Sender {
	return &Sender{client: c, resolver: NewResolver(c, directory, time.Hour)}
}

// Resolve says where a rung's message goes.
func (s *Sender) Resolve(ctx context.Context, t rules.Recipient) (rules.Route, error) {
	return s.resolver.Resolve(ctx, t)
}

// Post renders m and posts it, tagged with m.Key as message metadata.
func (s *Sender) Post(ctx context.Context, channel, threadTS string, m rules.Message) (string, string, error) {
	out := render(m.Notice, m.Route, m.Status, s.buttons, s.mentions(ctx, m))
	out.Key, out.Extra = m.Key, m.Extra
	return s.client.Post(ctx, channel, threadTS, out)
}

// Update re-renders m into the posted message channel/ts.
func (s *Sender) Update(ctx context.Context, channel, ts string, m rules.Message) error {
	return s.client.Update(ctx, channel, ts, render(m.Notice, m.Route, m.Status, s.buttons, s.mentions(ctx, m)))
}

// mentions are the ids of the rung's user groups, for a message to a
// channel (a DM to the assignee mentions nobody else), from the client's
// cached list (UserGroupIDs). A handle no enabled group has, or a list
// Slack will not give (no usergroups:read, or no answer and no earlier
// list), costs the mention only: the escalation goes out anyway, and
// slabot check names the group.
func (s *Sender) mentions(ctx context.Context, m rules.Message) []string {
	if len(m.Notice.Groups) == 0 || m.Route.UserID != "" {
		return nil
	}
	groups, _ := s.client.UserGroupIDs(ctx)
	var out []string
	for _, h := range m.Notice.Groups {
		if id, ok := groups[h]; ok {
			out = append(out, id)
		}
	}
	return out
}

// FindByKey looks for the message tagged key.
func (s *Sender) FindByKey(ctx context.Context, channel, threadTS, key string, oldest time.Time) (string, bool, error) {
	return s.client.FindByKey(ctx, channel, threadTS, key, oldest)
}

// Upload shares a report file with its summary as the message text.
func (s *Sender) Upload(ctx context.Context, channel string, r rules.ReportDelivery) (string, string, error) {
	return s.client.UploadFile(ctx, channel, r.FileName, r.Product+" SLA report "+r.Title, r.Summary, r.Content)
}

// FindFile looks for the message sharing a file named name.
func (s *Sender) FindFile(ctx context.Context, channel, name string, oldest time.Time) (string, bool, error) {
	return s.client.FindFile(ctx, channel, "", name, oldest)
}
