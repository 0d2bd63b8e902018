package slack

import (
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
)

// APIError is Slack answering ok:false. Code is Slack's error code
// (channel_not_found, not_in_channel, invalid_auth, ...).
//
// Needed is the scope Slack names on a missing_scope.
type APIError struct {
	Method  string
	Channel string
	Code    string
	Needed  string
}

func (e *APIError) Error() string {
	where := ""
	if e.Channel != "" {
		where = " in " + e.Channel
	}
	msg := fmt.Sprintf("slack: %s%s failed: %s", e.Method, where, e.Code)
	if e.Code == "missing_scope" && e.Needed != "" {
		msg += " (" + addScopes(e.Needed) + ")"
	} else if h := hints[e.Code]; h != "" {
		msg += " (" + h + ")"
	}
	return msg
}

// addScopes is the fix for a token without scopes (Slack's needed, or
// the scopes auth.test showed missing), in plain words.
func addScopes(scopes string) string {
	return "add scope " + scopes + " in the app manifest (deploy/slack-app-manifest.yaml) and reinstall the app"
}

// NeedsPerson reports whether retrying cannot help until someone changes
// the configuration or Slack workspace: the row is kept (and retried
// slowly, since a fix may come), later levels are not held back by it,
// and the error is logged loudly.
func (e *APIError) NeedsPerson() bool { return hints[e.Code] != "" }

// ErrorCode is Slack's error code, for logs and metrics.
func (e *APIError) ErrorCode() string { return e.Code }

// Gone reports whether the thread or message the call referred to no
// longer exists (deleted parent, deleted or too old to edit).
func (e *APIError) Gone() bool {
	switch e.Code {
	case "thread_not_found", "message_not_found", "cant_update_message":
		return true
	}
	return false
}

func init() {
	hints["missing_scope"] = "the app lacks an OAuth scope: install it from deploy/slack-app-manifest.yaml, which grants " + scopeList()
}

var hints = map[string]string{
	"channel_not_found":       "no such channel, or it is private and @slabot was not invited: invite @slabot to it (/invite @slabot in the channel), or fix the channel in the policy",
	"not_in_channel":          "invite @slabot to the channel (/invite @slabot in the channel)",
	"is_archived":             "the channel is archived: pick another in the policy",
	"invalid_auth":            "the Slack bot token is wrong: check SLABOT_SLACK_TOKEN",
	"not_authed":              "no Slack bot token was sent: set SLABOT_SLACK_TOKEN",
	"account_inactive":        "the bot's token belongs to a deleted user or app: reinstall the app",
	"token_revoked":           "the Slack bot token was revoked: reinstall the app and update SLABOT_SLACK_TOKEN",
	"token_expired":           "the Slack bot token expired: update SLABOT_SLACK_TOKEN",
	"no_permission":           "the workspace does not allow the bot to do this",
	"restricted_action":       "a workspace setting prevents the bot from posting here",
	"ekm_access_denied":       "the workspace's key management denies access",
	"team_access_not_granted": "the token is not granted access to this workspace",
	"user_not_found":          "the Slack user id is unknown: fix the user mapping",
	"cannot_dm_bot":           "the target user is a bot: map the assignee to a person",
	"user_disabled":           "the target Slack user is deactivated: fix the user mapping",
	"invalid_blocks":          "slabot built a message Slack rejects: report this as a bug",
	"invalid_blocks_format":   "slabot built a message Slack rejects: report this as a bug",
	"msg_blocks_too_long":     "slabot built a message with more block text than Slack takes: report this as a bug",
	"invalid_metadata_format": "slabot built message metadata Slack rejects: report this as a bug",
	"msg_too_long":            "the message is too long: shorten the issue summary template",
	"no_text":                 "slabot built an empty message: report this as a bug",
	"plan_upgrade_required":   "the workspace's Slack plan has no user groups: remove ladder.rungs.*.groups from the policy",
	"no_such_subteam":         "the user group was deleted: fix ladder.rungs.*.groups in the policy",
}

// RateLimitError is a 429. Unwrap yields the *slack.RateLimitedError, so
// errors.As works with either type.
type RateLimitError struct {
	Method     string
	Channel    string
	RetryAfter time.Duration
	Err        *slack.RateLimitedError
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("slack: %s %s rate limited, retry after %s", e.Method, e.Channel, e.RetryAfter)
}

func (e *RateLimitError) Unwrap() error { return e.Err }

// RetryIn is how long to leave the channel alone.
func (e *RateLimitError) RetryIn() time.Duration { return e.RetryAfter }

// ErrorCode is "ratelimited".
func (e *RateLimitError) ErrorCode() string { return "ratelimited" }

// UncertainError means no answer from Slack was received (timeout,
// connection dropped, 5xx, cancelled context). For a post the message may
// exist: never post again without looking for it first.
type UncertainError struct {
	Method  string
	Channel string
	Err     error
}

func (e *UncertainError) Error() string {
	return fmt.Sprintf("slack: %s %s: no answer, outcome unknown: %v", e.Method, e.Channel, e.Err)
}

func (e *UncertainError) Unwrap() error { return e.Err }

// Uncertain reports whether the call that got no answer posts something
// (chat.postMessage, the share step of an upload): only then may a
// message exist that must be looked for before posting again.
func (e *UncertainError) Uncertain() bool {
	return e.Method == "chat.postMessage" || e.Method == "files.completeUploadExternal"
}

// Transient is true: no answer came back (a timeout, a dropped
// connection, a 5xx), which may pass by itself.
func (e *UncertainError) Transient() bool { return true }

// ErrorCode is "uncertain".
func (e *UncertainError) ErrorCode() string { return "uncertain" }

// classify turns a slack-go error into one of the types above.
func classify(method, channel string, err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &RateLimitError{Method: method, Channel: channel, RetryAfter: rl.RetryAfter, Err: rl}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		if se.Err == "ratelimited" { // 429 without Retry-After
			return &RateLimitError{Method: method, Channel: channel, RetryAfter: time.Second, Err: &slack.RateLimitedError{RetryAfter: time.Second}}
		}
		return &APIError{Method: method, Channel: channel, Code: se.Err, Needed: se.Needed}
	}
	// Transport errors, 5xx (slack.StatusCodeError), a cancelled context,
	// an undecodable body: Slack may or may not have acted.
	return &UncertainError{Method: method, Channel: channel, Err: err}
}
