package jira

import (
	"errors"
	"testing"
)

// The worker recognises these errors by their methods (bot declares the
// behaviour; it does not import this package).
func TestErrorsSayWhatTheWorkerAsks(t *testing.T) {
	var g interface{ IssueGone() bool }
	if err := error(&NotFoundError{Resource: "issue SUP-1"}); !errors.As(err, &g) || !g.IssueGone() {
		t.Error("NotFoundError does not say IssueGone")
	}
	var n interface{ NoAccount() bool }
	if !errors.As(ErrNoAccount, &n) || !n.NoAccount() {
		t.Error("ErrNoAccount does not say NoAccount")
	}
}
