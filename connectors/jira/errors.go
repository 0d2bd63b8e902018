package jira

import (
	"fmt"
	"strings"
	"time"
)

// The error types below are what the bot branches on. Their messages are
// written for the person running slabot: they say what went wrong and what
// to change, and never contain credentials.

// APIError is a Jira answer outside the cases the specific types cover.
type APIError struct {
	Method   string
	Endpoint string // route template, e.g. /rest/api/2/issue/{key}
	Status   int
	Messages []string          // errorMessages
	Fields   map[string]string // errors, by field id
}

func (e *APIError) Error() string {
	return fmt.Sprintf("jira: %s %s answered %d%s", e.Method, e.Endpoint, e.Status, detail(e.Messages, e.Fields))
}

// Transient reports whether Jira's own trouble (a 5xx) may pass by
// itself, as opposed to an answer about the request (4xx), which asking
// again does not change.
func (e *APIError) Transient() bool { return e.Status >= 500 }

func detail(msgs []string, fields map[string]string) string {
	var parts []string
	parts = append(parts, msgs...)
	for _, k := range sortedKeys(fields) {
		parts = append(parts, k+": "+fields[k])
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

// AuthError is a 401: the e-mail/token pair was refused.
type AuthError struct {
	Email string
	Err   *APIError
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("jira: authentication failed (401) for account %s: check the Jira e-mail and API token "+
		"settings; the token may be revoked or expired (create a new one at https://id.atlassian.com/manage-profile/security/api-tokens)", e.Email)
}

func (e *AuthError) Unwrap() error { return e.Err }

// PermissionError is a 403: the account is known but may not do this.
type PermissionError struct {
	Action string // e.g. "edit SUP-12"
	Err    *APIError
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("jira: permission denied (403) to %s%s: grant the bot account the project permissions it needs "+
		"(Browse projects, Edit issues, Add comments; Administer projects to edit without notifying users) in the project's permission scheme",
		e.Action, detail(e.Err.Messages, e.Err.Fields))
}

func (e *PermissionError) Unwrap() error { return e.Err }

// NotFoundError is a 404.
type NotFoundError struct {
	Resource string // e.g. "issue SUP-12"
	Err      *APIError
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("jira: %s not found (404): it was deleted or moved to another project, or the bot account "+
		"lacks the Browse projects permission (Jira answers 404 rather than 403 for issues you cannot see)", e.Resource)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// IssueGone says the issue behind a write or an assignment is gone from
// the bot's reach; the worker drops it from its cache at once (it
// recognises the method, not this type).
func (e *NotFoundError) IssueGone() bool { return true }

// ScreenField is one field an edit could not set.
type ScreenField struct {
	Name string // configured name
	ID   string // customfield_NNNNN
}

// ScreenError is Jira's 400 "cannot be set. It is not on the appropriate
// screen": the field exists but the issue's edit screen lacks it.
type ScreenError struct {
	Issue  string
	Fields []ScreenField
	Err    *APIError
}

func (e *ScreenError) Error() string {
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = fmt.Sprintf("%q (%s)", f.Name, f.ID)
	}
	what, verb := "field", "is"
	if len(names) > 1 {
		what, verb = "fields", "are"
	}
	return fmt.Sprintf("jira: cannot set %s %s on %s: it %s not on the issue's edit screen. Fix: in Jira open Project "+
		"settings > Issue types (or Settings > Issues > Screens), find the screen used for the Edit operation of this "+
		"issue type and add the %s to it; slabot writes it on the next cycle",
		what, strings.Join(names, ", "), e.Issue, verb, what)
}

func (e *ScreenError) Unwrap() error { return e.Err }

// Rate-limit reasons Jira Cloud sends in RateLimit-Reason.
const (
	ReasonBurst         = "jira-burst-based"
	ReasonQuotaTenant   = "jira-quota-tenant-based"
	ReasonQuotaGlobal   = "jira-quota-global-based"
	ReasonPerIssueWrite = "jira-per-issue-on-write"
)

// RateLimitError is a 429 the client did not wait out: the wait was longer
// than Config.MaxRateLimitWait, past the context's deadline, or the retries
// ran out.
type RateLimitError struct {
	Method     string
	Endpoint   string
	Issue      string        // for per-issue write limits
	Reason     string        // RateLimit-Reason, e.g. jira-burst-based
	RetryAfter time.Duration // from Retry-After
}

func (e *RateLimitError) Error() string {
	hint := "slabot slows down and retries on its next cycle"
	switch {
	case e.Reason == ReasonPerIssueWrite:
		hint = "too many writes to " + e.Issue + "; writes to that issue pause, others continue"
	case strings.Contains(e.Reason, "quota"):
		hint = "the site's API quota is used up; lower the polling frequency or the number of products polled"
	}
	return fmt.Sprintf("jira: rate limited (429, %s) on %s %s: retry after %s: %s",
		orUnknown(e.Reason), e.Method, e.Endpoint, e.RetryAfter, hint)
}

// RetryIn is how long Jira asked to be left alone: a rate limit passes
// by itself.
func (e *RateLimitError) RetryIn() time.Duration { return e.RetryAfter }

func orUnknown(s string) string {
	if s == "" {
		return "no RateLimit-Reason"
	}
	return s
}

// UncertainWriteError reports a write whose outcome is unknown: the
// connection failed or Jira answered 5xx after the request was sent, so it
// may or may not have been applied. It is deliberately not retried; the
// next cycle re-reads the issue and writes only what is still missing.
type UncertainWriteError struct {
	Method   string
	Endpoint string
	Issue    string
	Err      error
}

func (e *UncertainWriteError) Error() string {
	return fmt.Sprintf("jira: %s %s for %s: outcome unknown (%v); not retried, the next cycle re-reads the issue and reconciles",
		e.Method, e.Endpoint, e.Issue, e.Err)
}

func (e *UncertainWriteError) Unwrap() error { return e.Err }

// Transient is true: no answer came back, and the next cycle reconciles.
func (e *UncertainWriteError) Transient() bool { return true }

// ConfigError lists every configuration or site-setup problem found at
// start-up, not only the first.
type ConfigError struct {
	Problems []string
}

func (e *ConfigError) Error() string {
	if len(e.Problems) == 1 {
		return "jira: " + e.Problems[0]
	}
	return "jira: " + fmt.Sprint(len(e.Problems)) + " problems:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// ErrorCode names each error's class for /readyz and logs: what kind of
// failure, never its text (which may name the account or a URL).
func (e *APIError) ErrorCode() string            { return fmt.Sprintf("jira_http_%d", e.Status) }
func (e *AuthError) ErrorCode() string           { return "jira_auth_refused" }
func (e *PermissionError) ErrorCode() string     { return "jira_permission_denied" }
func (e *NotFoundError) ErrorCode() string       { return "jira_not_found" }
func (e *ScreenError) ErrorCode() string         { return "jira_field_not_on_screen" }
func (e *RateLimitError) ErrorCode() string      { return "jira_rate_limited" }
func (e *UncertainWriteError) ErrorCode() string { return "jira_no_answer" }
func (e *ConfigError) ErrorCode() string         { return "jira_site_setup" }
