// Package view is the read-only HTML page on slabot run's listener: per
// product the issues at risk now, breached and paused; one issue's
// explanation beside the history of its notices; the outbox's health.
//
// It decides nothing. Every value shown is one the other packages already
// compute: the goal states, deadlines and ladder steps from the worker's
// evaluation of its cache (bot.Worker.Outcomes, rules.Evaluate), the words
// of an explanation from rules (Outcome.ExplainLedger, what `slabot explain
// KEY` prints), and what happened to each notice from the outbox's ledger
// and counts. Access (loopback, or a token) is Guard's.
package view
