package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// migClock is the shared manual clock of the migrate test.
type migClock struct{ t time.Time }

func (c *migClock) Now() time.Time { return c.t }
func (c *migClock) Sleep(ctx context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return ctx.Err()
}

// "slabot migrate from a SQLite file with sent, pending and blocked rows:
// the new replicas send only what was pending." A SQLite outbox has one
// step sent, one recorded ahead of its instant and one blocked (its
// channel is gone); migrate copies it to PostgreSQL and marks the file;
// an outbox on PostgreSQL then posts the pending step once, not the sent
// one again, and keeps the blocked one blocked until its channel is back.
// The file refuses to send again; a second migrate, into a database that
// holds rows, is refused too.
func TestMigrateToPostgres(t *testing.T) {
	pg := storetest.PostgresURL(t)
	ctx := t.Context()
	clk := &migClock{t: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)}
	sim := slacksim.NewServer(slacksim.WithClock(clk.Now), slacksim.WithToken("xoxb-test"), slacksim.WithChannel("C1", "support"))
	defer sim.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	open := func(st *store.Store) (*outbox.Outbox, error) {
		c := slack.NewClient("xoxb-test", slack.ClientOptions{APIURL: sim.APIURL(), Clock: clk})
		return outbox.Open(ctx, st, slack.NewSender(c, nil), outbox.Options{Owner: "mig", Clock: clk, Logger: quiet, BlockedRetry: time.Hour})
	}
	file := filepath.Join(t.TempDir(), "slabot.db")
	old, err := store.Open(ctx, file, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := open(old)
	if err != nil {
		t.Fatal(err)
	}
	step := func(issue, channel string, due time.Time) rules.Notice {
		return rules.Notice{IssueKey: issue, Goal: "resolution", Cycle: 1, Level: 1, Step: "breach/team_lead",
			Rung: rules.RungOfTitle("team lead"), Recipient: rules.Recipient{Channel: channel}, DueAt: due, AsOf: clk.Now(), Status: "breached"}
	}
	steps := []rules.Notice{step("SUP-1", "C1", clk.Now()), step("SUP-2", "C1", clk.Now().Add(time.Hour)), step("SUP-3", "CGONE", clk.Now())}
	for _, x := range steps {
		if _, err := ob.Escalate(ctx, clk.Now(), x); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := ob.RunOnce(ctx); err != nil || rep.Sent != 1 || rep.Blocked != 1 {
		t.Fatalf("before the move: %+v %v: want SUP-1 sent, SUP-3 blocked, SUP-2 ahead", rep, err)
	}
	// While a slabot holds the file's writer lease, migrate refuses.
	c := slack.NewClient("xoxb-test", slack.ClientOptions{APIURL: sim.APIURL(), Clock: clk})
	writer, err := outbox.Open(ctx, old, slack.NewSender(c, nil), outbox.Options{Owner: "running", Clock: clk, Logger: quiet, WriterLease: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if held, _, err := writer.Acquire(ctx, time.Now()); err != nil || !held {
		t.Fatal(held, err)
	}
	if code, _, errs := runCLI(t, "migrate", "--from", file, "--to", pg); code != exitProblem || !strings.Contains(errs, "a slabot (running) writes to") {
		t.Fatalf("migrate while a slabot writes: exit %d\n%s", code, errs)
	}
	if err := writer.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	code, out, errs := runCLI(t, "migrate", "--from", file, "--to", pg)
	if code != exitOK || !strings.Contains(out, "copied 3 outbox rows") {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(out+errs, "password") {
		t.Errorf("migrate printed a password:\n%s%s", out, errs)
	}
	if code, _, errs := runCLI(t, "migrate", "--from", file, "--to", pg); code != exitProblem || !strings.Contains(errs, "already migrated") {
		t.Errorf("second migrate: exit %d\n%s", code, errs)
	}
	again := filepath.Join(t.TempDir(), "other.db")
	if code, _, errs := runCLI(t, "migrate", "--from", again, "--to", pg); code != exitUsage {
		t.Errorf("migrate from a file that does not exist: exit %d\n%s", code, errs)
	}

	// The old file refuses to send.
	oldAgain, err := store.Open(ctx, file, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer oldAgain.Close()
	if _, err := open(oldAgain); !errors.Is(err, store.ErrMigrated) {
		t.Errorf("outbox on the migrated file: %v, want ErrMigrated", err)
	}

	// The new database sends only what was pending.
	st, err := store.Open(ctx, pg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, err = open(st)
	if err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(2 * time.Hour)
	for _, x := range steps { // the worker hands every step over again at its cycles
		if _, err := ob.Escalate(ctx, clk.Now(), x); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if _, err := ob.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		clk.t = clk.t.Add(time.Minute)
	}
	keys := map[string]int{}
	for _, m := range sim.Messages("C1") {
		k, _ := m.Metadata.EventPayload["key"].(string)
		keys[k]++
	}
	for _, x := range steps[:2] {
		if k := rules.NoticeKey(x.IssueKey, x.Goal, x.Cycle, x.Step); keys[k] != 1 {
			t.Errorf("%s in Slack %d times, want once", k, keys[k])
		}
	}
	r, err := ob.Get(ctx, rules.NoticeKey("SUP-3", "resolution", 1, "breach/team_lead"))
	if err != nil || !r.Blocked || r.State != outbox.StatePending {
		t.Errorf("the blocked step after the move: %+v %v, want still blocked", r, err)
	}
}
