// Package slack delivers slabot's escalations to Slack with a bot token
// (github.com/slack-go/slack): it renders Block Kit messages, resolves
// ladder rungs to channels or DMs, and runs the outbox Dispatcher that
// turns stored intents into messages exactly once in practice.
//
// Why a dispatcher and not a plain "post" call: Slack has no idempotency
// key, a connection can drop after Slack accepted a message, and the bot
// restarts. So every escalation step is first stored as an intent
// (Dispatcher.Enqueue), each message carries the intent's key as message
// metadata, and a send whose outcome is unknown is settled by looking for
// that key in conversations.history (or the thread's replies) before
// posting again.
//
// Level 1 of an (issue, goal, cycle) opens a message in its rung's
// channel. A later level whose rung resolves to a channel that already
// holds a message of that thread replies in that thread; otherwise it
// opens a new message there. Every parent message keeps a status line
// ("escalated to level 3", "met") that is rewritten with chat.update; a
// met goal cancels unsent levels and never pings anyone.
//
// Scheduled reports (ReportFile, Dispatcher.EnqueueReport) ride the same
// outbox under the key ("report:<project>", "<period>", 0, 1), stored as a
// version-2 payload with kind "report" (escalations stay version 1, so
// rows written before reports existed read as before, and a build that
// predates reports refuses a report row instead of misreading it). They
// are uploaded with Slack's external upload and shared with the summary as
// the message text. files.completeUploadExternal takes no message
// metadata, so an upload whose answer was lost is reconciled by the file
// name, unique per project and period, in the channel's history.
//
// The package imports neither rules nor bot: Escalation is its own input
// type, and Store is the small interface it needs from the outbox
// (bot/store satisfies it as is).
//
// Scopes the bot token needs: chat:write, users:read, users:read.email,
// im:write, plus channels:history, groups:history and im:history for
// reconciling uncertain sends, and files:write when a policy asks for
// scheduled reports.
package slack
