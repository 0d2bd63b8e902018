package jira

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// ErrNoAccount: no Jira account matches the e-mail of the Slack user who
// claimed an issue. A person must fix it (the account's e-mail, or the
// directory mapping), so the claim is not retried blindly.
// It says so through NoAccount, which the worker recognises without
// importing this package.
var ErrNoAccount error = noAccountError{}

type noAccountError struct{}

func (noAccountError) Error() string   { return "jira: no account for that e-mail" }
func (noAccountError) NoAccount() bool { return true }

// AccountByEmail finds the Jira account whose e-mail is email (GET
// /rest/api/2/user/search; Cloud matches hidden e-mails too but does not
// show them, so a single match on a hidden e-mail is taken as that user).
func (c *Client) AccountByEmail(ctx context.Context, email string) (string, error) {
	if err := c.ready(); err != nil {
		return "", err
	}
	var users []struct {
		AccountID    string `json:"accountId"`
		AccountType  string `json:"accountType"`
		EmailAddress string `json:"emailAddress"`
	}
	if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/user/search?query=" + url.QueryEscape(email),
		endpoint: "/rest/api/2/user/search", out: &users, idempotent: true}); err != nil {
		return "", err
	}
	var hidden []string
	for _, u := range users {
		switch {
		case strings.EqualFold(u.EmailAddress, email):
			return u.AccountID, nil
		case u.EmailAddress == "" && u.AccountType != "app":
			hidden = append(hidden, u.AccountID)
		}
	}
	if len(hidden) == 1 {
		return hidden[0], nil
	}
	return "", fmt.Errorf("%w %s (%d candidates): map the user's Jira account id to their Slack id in SLABOT_SLACK_USERS (accountId=U0123)", ErrNoAccount, email, len(hidden))
}

// Assign sets the issue's assignee (PUT /rest/api/2/issue/{key}/assignee).
// Setting the same assignee again changes nothing, so a retry after an
// unknown outcome is safe; it goes through the same rate-limit gates and
// retries as every other write.
func (c *Client) Assign(ctx context.Context, key, accountID string) error {
	if err := c.ready(); err != nil {
		return err
	}
	_, err := c.call(ctx, op{method: "PUT", path: "rest/api/2/issue/" + url.PathEscape(key) + "/assignee",
		endpoint: "/rest/api/2/issue/{key}/assignee", body: map[string]string{"accountId": accountID},
		issue: key, write: true, idempotent: true})
	return err
}
