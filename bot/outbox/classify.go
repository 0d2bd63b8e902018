package outbox

import (
	"context"
	"errors"
	"net"
	"time"
)

// A sender's or a site's errors say what kind of failure they are through
// the methods below (errors.As finds them anywhere in the chain, joined
// errors included), so a connector need not import this package and this
// package need not know a connector's types.
type (
	// personError: retrying cannot help until someone changes the
	// configuration, the workspace or the site (channel_not_found,
	// invalid_auth, a wrong routing key ...).
	personError interface{ NeedsPerson() bool }
	// transientError: the failure may go away by itself (no answer, a
	// 5xx).
	transientError interface{ Transient() bool }
	// rateLimited: wait RetryIn before calling the same channel again.
	rateLimited interface{ RetryIn() time.Duration }
	// uncertainError: no answer came back from a call that posts: the
	// message may exist, so never post again without looking first.
	uncertainError interface{ Uncertain() bool }
	// goneError: the thread or message the call referred to no longer
	// exists (thread_not_found, message_not_found ...).
	goneError interface{ Gone() bool }
	// codedError: a short code for logs and metrics.
	codedError interface{ ErrorCode() string }
)

// Class is what a failure asks for: a person, time, or nobody said.
type Class int

const (
	// Unclassified: nothing in the error says what it is (a plain error,
	// a failure no connector foresaw). The dispatcher retries it with
	// backoff, as it may pass: a notice is never given up for an error
	// nobody classified. slabot check reports it as a problem: a person
	// should read it.
	Unclassified Class = iota
	// Transient: it may go away by itself (no answer, a timeout, a 5xx, a
	// rate limit): try again later; slabot check says it could not check.
	Transient
	// NeedsPerson: retrying cannot help until someone changes the
	// configuration, the workspace or the site (a refused token, a
	// channel the bot is not in, a missing scope, a wrong routing key):
	// the dispatcher blocks the row (retried slowly, since a fix may come)
	// and later levels go ahead; slabot check fails.
	NeedsPerson
)

// String names the class for logs and tests.
func (c Class) String() string {
	switch c {
	case Transient:
		return "transient"
	case NeedsPerson:
		return "needs a person"
	}
	return "unclassified"
}

// Classify is the one reading of a failure for the dispatcher, the
// buttons and slabot check. A person's fix wins over time: an error whose
// chain says both (a join) needs the person, since waiting fixes only
// part of it. Besides the methods above, the standard library's network
// errors and an expired deadline are transient.
func Classify(err error) Class {
	if err == nil {
		return Unclassified
	}
	var p personError
	if errors.As(err, &p) && p.NeedsPerson() {
		return NeedsPerson
	}
	var (
		t  transientError
		r  rateLimited
		ne net.Error
	)
	switch {
	case errors.As(err, &t) && t.Transient(), errors.As(err, &r), errors.As(err, &ne),
		errors.Is(err, context.DeadlineExceeded):
		return Transient
	}
	return Unclassified
}

func retryIn(err error) (time.Duration, bool) {
	var r rateLimited
	if errors.As(err, &r) {
		return r.RetryIn(), true
	}
	return 0, false
}

func isUncertain(err error) bool {
	var u uncertainError
	return errors.As(err, &u) && u.Uncertain()
}

func isGone(err error) bool {
	var g goneError
	return errors.As(err, &g) && g.Gone()
}

// errorCode is a short label for metrics and logs.
func errorCode(err error) string {
	var c codedError
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	if _, ok := retryIn(err); ok {
		return "ratelimited"
	}
	return "error"
}
