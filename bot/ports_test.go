package bot

import (
	"errors"
	"fmt"
	"testing"
)

// goneElsewhere stands for a connector's own 404 error type: the worker
// knows it only by its IssueGone method, never by importing it.
type goneElsewhere struct{ gone bool }

func (e goneElsewhere) Error() string   { return "404" }
func (e goneElsewhere) IssueGone() bool { return e.gone }

type noAccountElsewhere struct{}

func (noAccountElsewhere) Error() string   { return "no such user" }
func (noAccountElsewhere) NoAccount() bool { return true }

func TestWriterErrorsKnownByBehaviour(t *testing.T) {
	for _, c := range []struct {
		err             error
		gone, noAccount bool
	}{
		{ErrIssueGone, true, false},
		{fmt.Errorf("write SUP-1: %w", goneElsewhere{gone: true}), true, false},
		{fmt.Errorf("write SUP-1: %w", goneElsewhere{gone: false}), false, false},
		{ErrNoAccount, false, true},
		{fmt.Errorf("claim: %w", noAccountElsewhere{}), false, true},
		{errors.New("issue gone"), false, false}, // the words alone are not the signal
		{nil, false, false},
	} {
		if got := isIssueGone(c.err); got != c.gone {
			t.Errorf("isIssueGone(%v) = %v, want %v", c.err, got, c.gone)
		}
		if got := isNoAccount(c.err); got != c.noAccount {
			t.Errorf("isNoAccount(%v) = %v, want %v", c.err, got, c.noAccount)
		}
	}
}
