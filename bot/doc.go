// Package bot is slabot's worker: for each product, on its schedule, it
// brings the product's Jira issues in line with the policy and records the
// Slack ladder steps that fall due; bot/outbox delivers them on its own
// loop.
//
// One cycle (Worker.Cycle): fetch what changed since the durable cursor (a
// full resync on start and every hour), merge it into the cache of open
// and recent issues, evaluate every cached issue with rules.Evaluate (so
// at-risk and breach happen without anyone touching the issue), let
// rules.PlanLadder decide the ladder's notices (which steps are due or
// foreseen and at what instant, held by an acknowledgement, snoozed,
// skipped by the catch-up rule, repeated, where each goes, what pages,
// which goals stopped) and hand them to the outbox before any write, then
// write only the differences back within the write budget. The package
// decides none of the ladder: it is the loop around rules. When Jira
// cannot be read, the cache is still evaluated as of now and due steps
// recorded (saying the data is as of the last successful poll); only the
// writes wait.
//
// The daemon (Worker.Run) takes the database's writer lease (or waits as
// a standby), starts the delivery loop, connects to Jira with retries and
// runs every product on its schedule; Worker.Ready is /readyz.
//
// The package talks to Jira only through the small interfaces in ports.go
// (cmd/slabot wires the Jira client to them) and to the outbox through
// Escalator, Reporter and Delivery.
package bot
