// Package bot is slabot's worker: for each product, on its schedule, it
// brings the product's Jira issues in line with the policy and walks overdue
// issues up the Slack ladder.
//
// One cycle: fetch what changed since the durable cursor (a full resync on
// start and every hour), merge it into the cache of open and recent issues,
// evaluate every cached issue with rules.Evaluate (so at-risk and breach
// happen without anyone touching the issue), write only the differences
// back, record due ladder steps in the outbox, and dispatch it.
//
// The package talks to Jira and Slack only through the small interfaces in
// ports.go; cmd/slabot adapts the real connectors to them.
package bot
