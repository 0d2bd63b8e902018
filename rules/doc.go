// Package rules is the SLA domain: what a support contract says, applied
// to Jira issues. It is pure and I/O-free apart from reading policy files:
// it never reads the clock (now is a parameter) and never calls Jira or
// Slack.
//
// The path through it:
//
//  1. Load (LoadFile, LoadDir, LoadPaths, LoadFS) reads a policy file: YAML
//     decoded strictly, every unknown key and every value of the wrong kind
//     reported as a Problem with file:line:column, the YAML path and a fix,
//     all of them at once. compile then checks every reference (calendars,
//     priorities, plans, rungs) and returns a Policy, or more Problems.
//     Things that load but are probably mistakes (a target table leaving a
//     priority without a row) become Policy.Warnings; calendars whose dated
//     holidays run out are found by Policy.StaleCalendars(now).
//  2. A Policy is the compiled contract: calendars (package rules/calendar
//     does the business-time arithmetic: windows, holidays, half-days,
//     substitute days, country sets, holiday feeds), the mapping of Jira
//     priorities and types to policy terms, customers and plans, goals with
//     their target tables, the escalation ladder, credits and the
//     qualification checklist.
//  3. Evaluate(policy, issues, now, options) applies it to a set of Issues
//     (every open issue plus the month's, for credits): it is a pure
//     function, the same inputs give the same Evaluation.
//  4. Each Outcome says what one issue should look like and who must hear
//     about it: every goal's state (running, paused, met, breached) with
//     its deadline, the fields and labels the issue should carry, one-time
//     comments, the ladder steps due, flags, credit use. Outcome.Explain
//     writes the human-readable chain for one issue.
//
// The bot compares an Outcome with what the issue holds and writes only the
// difference; package rules/report turns Evaluations into monthly reports.
package rules
