// Package jirasim is an in-memory Jira Cloud site served over real HTTP.
//
// It exists so that slabot's Jira client, the `slabot demo` command and the
// benchmarks can run against something that behaves like Jira Cloud does
// today (December 2025 API): the removed /rest/api/{2,3}/search answers 410,
// search goes through /rest/api/2/search/jql with nextPageToken paging and
// bounded JQL, inline changelogs and comments are capped with their real
// totals, fields missing from the edit screen or outside every context of
// the field (contexts.go) are rejected, credentials are checked, and rate
// limits answer 429 with Retry-After and RateLimit-Reason.
//
// Response shapes follow Atlassian's OpenAPI description of the v3 API (the
// v2 routes served here are the same resources with plain-text bodies); a test
// in this package checks every route against it.
//
// The simulator's clock is injectable, so tests can script a timeline and
// exercise Retry-After without sleeping, and every request is logged for
// assertions.
package jirasim
