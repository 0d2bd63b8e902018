// Package slack is slabot's Slack sender (github.com/slack-go/slack, a
// bot token): it renders Block Kit messages, resolves ladder rungs to
// channels or DMs, posts, finds a message by the key it carries as
// metadata, updates status lines, uploads report files, and classifies
// Slack's errors (rate limited, no answer, needs a person, gone). It
// renders rules' notice types and does not import bot/outbox; Sender
// has the methods bot/outbox's Sender interface asks for. The delivery guarantee (rows,
// leases, retries, pacing, reconciliation) is bot/outbox's, and this
// package keeps no state about rows.
//
// Level 1 of an (issue, goal, cycle) opens a message in its rung's
// channel; the outbox makes a later level reply in the thread when its
// rung resolves to the same channel. Every parent message carries a status
// line ("escalated to level 3", "met", "breached") that the outbox has rewritten with
// chat.update.
//
// The bot token's scopes are RequiredScopes (scopes.go), granted by the
// app manifest deploy/slack-app-manifest.yaml.
package slack
