// Package outbox is slabot's delivery guarantee: each escalation step and
// each scheduled report reaches Slack once, whatever happens to the
// process, the network, Jira or the database file.
//
// Why an outbox: Slack has no idempotency key, a connection can drop after
// Slack accepted a message, and the bot restarts. So every delivery is
// first stored as a row (Escalate, DeliverReport) keyed by what it is,
// before anything is sent; a dispatcher (Run, RunOnce) claims due rows
// under a lease, posts them through a Sender and records the channel and
// ts it got back. Each message carries its row's key as metadata, and a
// send whose outcome is unknown is settled by looking for that key
// (FindByKey) before posting again. The split follows Alertmanager's: this
// package is notify + nflog (the guarantee), connectors/slack is one small
// sender that posts, finds, updates and classifies errors and knows
// nothing of rows.
//
// Rules it keeps:
//
//   - Identity. A step's key is (issue, goal, cycle, step), where step is
//     its trigger and rung ("breach+2h/management"), not its position on
//     the ladder: adding, removing or reordering steps in a policy never
//     sends again a step already sent. Rows have a kind (escalation,
//     report).
//   - Order. A step waits while an earlier step of its thread is pending,
//     unless that one is blocked; a later level replies in the thread of a
//     parent already in the same channel.
//   - Retries. Transient failures back off exponentially with jitter; a
//     429 is waited out (Retry-After) per channel; errors a person must fix
//     block the row (retried slowly) without holding back later steps.
//   - No ladder waits forever. An uncertain send whose look-up keeps
//     failing (a missing history scope, too much history) is blocked after
//     Options.UncertainLimit, visible in the log, the metrics and `slabot
//     check`, and later steps go ahead; it is still looked for (every
//     Options.BlockedRetry), posted once Slack says it is not there, and
//     given up a day after its goal was met. A possible repeat of a lower
//     level is better than a silent ladder.
//   - Lost or restored file. The file remembers when it was created (its
//     horizon): a step due before it is looked for in Slack by its key
//     before it is posted, like an uncertain send, so a deleted database
//     does not ping everyone again.
//   - Changed hands. The agent rung goes to the assignee's DM, and the
//     assignee may change between a step falling due and its message. A
//     step not sent yet follows the issue: its pending row is re-pointed
//     at the new assignee. A step that may already be in Slack (uncertain,
//     or re-created in a new file) is looked for where it went, where it
//     would go now, and in the DM of everyone who held the issue since it
//     fell due (rules.Notice.Earlier), and posted only if none has it.
//   - One writer. With Options.WriterLease a process sends only while it
//     holds the writer lease (Acquire), re-checked before every attempt;
//     a second process on the same file waits as a standby.
//   - Retention. Finished rows (reports sent, threads whose goal was met)
//     are pruned after Options.Retention (90 days by default).
//   - Independence. Run needs only the file and the sender: a Jira outage
//     delays polling, never delivery.
package outbox
