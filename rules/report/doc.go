// Package report turns the SLA engine's verdicts into the monthly and
// quarterly reports a support team takes to its customer meetings: per
// customer, the issues opened and resolved, the share of service-level goals
// met with the median and 90th percentile times (business and wall clock),
// every breach, the credits used against the plan, the support hours billed
// and the days that triggered the review rule, next to the previous period.
//
// Build is a pure function over the policy and the issues, like
// rules.Evaluate, and it uses rules.Evaluate for every figure: the report
// can never disagree with the deadlines, states and labels slabot writes to
// Jira. Fetching the issues is the caller's business (slabot report reads
// them through the Jira connector).
//
// The renderers (Markdown, HTML, CSV) are deterministic: maps are sorted and
// numbers have fixed formats, so the same report always renders to the same
// bytes and golden files stay stable.
package report
