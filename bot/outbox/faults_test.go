package outbox_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store/storetest"
	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// A 429 is waited out for its Retry-After before the same channel is
// called again, and the message goes out once.
func TestRateLimitHonoured(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		e.sim.Inject(slacksim.Fault{Kind: slacksim.RateLimit, Method: "chat.postMessage", Channel: "C1", RetryAfter: 7 * time.Second})
		e.enqueue(esc("SUP-20", 1, "team lead", rules.Recipient{Channel: "C1"}))
		rep := e.pass()
		if rep.Sent != 1 || rep.RateLimited != 1 {
			t.Fatalf("report %+v", rep)
		}
		calls := e.sim.Calls("chat.postMessage")
		if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 {
			t.Fatalf("calls %+v", calls)
		}
		if gap := calls[1].At.Sub(calls[0].At); gap < 7*time.Second {
			t.Fatalf("retried %s after a 429 with Retry-After 7s", gap)
		}
		if n := len(e.sim.Messages("C1")); n != 1 {
			t.Fatalf("%d messages", n)
		}
	})
}

// A Retry-After longer than the dispatcher waits in place puts the row
// back until then, without counting it as uncertain.
func TestLongRetryAfterPutsRowBack(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		e.sim.Inject(slacksim.Fault{Kind: slacksim.RateLimit, Method: "chat.postMessage", RetryAfter: 120 * time.Second})
		e.enqueue(esc("SUP-21", 1, "team lead", rules.Recipient{Channel: "C1"}))
		e.enqueue(esc("SUP-22", 1, "team lead", rules.Recipient{Channel: "C1"}))
		before := e.clock.Now()
		rep := e.pass()
		if rep.Sent != 0 || rep.RateLimited != 1 || rep.Retried != 2 {
			t.Fatalf("report %+v", rep)
		}
		for _, issue := range []string{"SUP-21", "SUP-22"} {
			r := e.row(issue, 1)
			if r.State != outbox.StatePending || r.Uncertain || r.NextAttemptAt.Before(before.Add(120*time.Second)) {
				t.Fatalf("%s: %+v", issue, r)
			}
		}
		e.drain(5)
		if n := len(e.sim.Messages("C1")); n != 2 {
			t.Fatalf("%d messages", n)
		}
	})
}

// channel_not_found on one channel is logged, counted, keeps its row
// pending (blocked) and does not stop another channel nor the next rung.
// Once the channel exists the row goes out.
func TestChannelNotFoundDoesNotBlockOthers(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, func(o *outbox.Options) { o.BlockedRetry = 5 * time.Minute })
		e.enqueue(esc("SUP-30", 1, "agent", rules.Recipient{Channel: "CGONE"}))
		e.enqueue(esc("SUP-30", 2, "team lead", rules.Recipient{Channel: "CLEAD"}))
		e.enqueue(esc("SUP-31", 1, "team lead", rules.Recipient{Channel: "C1"}))
		rep := e.pass()
		if rep.Sent != 1 || rep.Blocked != 1 || rep.Errors["channel_not_found"] != 1 {
			t.Fatalf("first pass %+v", rep)
		}
		r := e.row("SUP-30", 1)
		if r.State != outbox.StatePending || !r.Blocked || !strings.Contains(r.LastError, "channel_not_found") ||
			!strings.Contains(r.LastError, "not invited") {
			t.Fatalf("blocked row %+v", r)
		}
		rep = e.pass()
		if rep.Sent != 1 {
			t.Fatalf("second pass %+v: level 2 should go out while level 1 is blocked", rep)
		}
		if len(e.sim.Messages("C1")) != 1 || len(e.sim.Messages("CLEAD")) != 1 {
			t.Fatal("other channels did not get their messages")
		}
		e.sim.AddChannel("CGONE", "fixed", true)
		e.clock.Advance(6 * time.Minute)
		if rep = e.pass(); rep.Sent != 1 {
			t.Fatalf("after the fix %+v", rep)
		}
		if r := e.row("SUP-30", 1); r.State != outbox.StateSent || r.Blocked {
			t.Fatalf("row after the fix %+v", r)
		}
	})
}

// A wrong token blocks delivery with an error that says what to fix: an
// ERROR log line naming the code and the fix, the Report's error count
// (what the bot turns into metrics), and the row kept pending.
func TestInvalidAuthIsClear(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		client := slackc.NewClient("xoxb-wrong", slackc.ClientOptions{APIURL: e.sim.APIURL()})
		if _, err := client.AuthTest(context.Background()); err == nil || !strings.Contains(err.Error(), "SLABOT_SLACK_TOKEN") {
			t.Fatalf("auth.test: %v", err)
		}
		var logs bytes.Buffer
		d := e.outboxWith(client, func(o *outbox.Options) { o.Owner = "x"; o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
		e.enqueue(esc("SUP-32", 1, "team lead", rules.Recipient{Channel: "C1"}))
		rep, err := d.RunOnce(context.Background())
		if err != nil || rep.Blocked != 1 || rep.Errors["invalid_auth"] != 1 {
			t.Fatalf("report %+v, %v", rep, err)
		}
		if r := e.row("SUP-32", 1); r.State != outbox.StatePending || !r.Blocked {
			t.Fatalf("row %+v", r)
		}
		assertLogLine(t, logs.String(), "level=ERROR", "code=invalid_auth", "key=SUP-32|resolution|1|L1", "check SLABOT_SLACK_TOKEN")
	})
}

// not_in_channel (a private channel the bot was not invited to) is the
// other misconfiguration a person must fix: a clear log line, counted,
// the row pending and blocked, the backlog gauge showing it, and the
// other channel still served. After the invite the row goes out.
func TestNotInChannelIsClearAndKeepsRow(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		var logs bytes.Buffer
		e := newEnv(t, func(o *outbox.Options) {
			o.BlockedRetry = 5 * time.Minute
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
		e.sim.AddChannel("CPRIV", "vip-support", false)
		e.enqueue(esc("SUP-33", 1, "team lead", rules.Recipient{Channel: "CPRIV"}))
		e.enqueue(esc("SUP-34", 1, "team lead", rules.Recipient{Channel: "C1"}))
		rep := e.pass()
		if rep.Sent != 1 || rep.Blocked != 1 || rep.Errors["not_in_channel"] != 1 {
			t.Fatalf("report %+v", rep)
		}
		r := e.row("SUP-33", 1)
		if r.State != outbox.StatePending || !r.Blocked || !strings.Contains(r.LastError, "/invite") {
			t.Fatalf("row %+v", r)
		}
		if c, _ := e.ob.Counts(context.Background()); c["blocked"] != 1 || c[outbox.StatePending] != 1 {
			t.Fatalf("counts %v; want one pending, blocked", c)
		}
		assertLogLine(t, logs.String(), "level=ERROR", "code=not_in_channel", "channel=CPRIV", "key=SUP-33|resolution|1|L1", "/invite @slabot")
		if len(e.sim.Messages("C1")) != 1 {
			t.Fatal("the other channel was not served")
		}
		e.sim.SetMember("CPRIV", true)
		e.clock.Advance(6 * time.Minute)
		if rep := e.pass(); rep.Sent != 1 {
			t.Fatalf("after the invite %+v", rep)
		}
		if n := len(e.sim.Messages("CPRIV")); n != 1 {
			t.Fatalf("%d messages in CPRIV after the invite", n)
		}
	})
}

// assertLogLine fails unless one line of logs holds every part.
func assertLogLine(t *testing.T, logs string, parts ...string) {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return
		}
	}
	t.Errorf("no log line with all of %q in:\n%s", parts, logs)
}

// Slack accepts the message and the connection drops before the answer:
// the dispatcher does not repost blindly but finds the message by its
// metadata and records it. Exactly one message, for a parent and for a
// thread reply (found through conversations.replies).
func TestAcceptThenDropExactlyOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		e.sim.Inject(slacksim.Fault{Kind: slacksim.DropAfterAccept, Method: "chat.postMessage", Times: 2})
		e.enqueue(esc("SUP-40", 1, "team lead", rules.Recipient{Channel: "C1"}))
		e.enqueue(esc("SUP-40", 2, "management", rules.Recipient{Channel: "C1"}))
		rep := e.pass()
		if rep.Uncertain != 1 || rep.Sent != 0 {
			t.Fatalf("first pass %+v", rep)
		}
		if r := e.row("SUP-40", 1); !r.Uncertain || r.State != outbox.StatePending || r.Channel != "C1" {
			t.Fatalf("row after drop %+v", r)
		}
		sum := e.drain(10)
		if sum.Reconciled != 2 {
			t.Fatalf("report %+v; want both messages reconciled", sum)
		}
		msgs := e.sim.Messages("C1")
		if len(msgs) != 2 {
			t.Fatalf("%d messages; want exactly 2", len(msgs))
		}
		if !msgs[1].IsReply() || msgs[1].ThreadTS != msgs[0].TS {
			t.Fatalf("level 2 not a reply: %+v", msgs)
		}
		if n := len(e.sim.Calls("chat.postMessage")); n != 2 {
			t.Fatalf("%d posts; want 2 (no repost)", n)
		}
		if len(e.sim.Calls("conversations.history")) == 0 || len(e.sim.Calls("conversations.replies")) == 0 {
			t.Fatal("reconciliation did not look in history and replies")
		}
		if r := e.row("SUP-40", 2); r.TS != msgs[1].TS || r.ThreadTS != msgs[0].TS {
			t.Fatalf("level 2 row %+v", r)
		}
	})
}

// A 500 (nothing stored) is uncertain too; reconciliation finds nothing
// and the message is posted once.
func TestServerErrorRepostsAfterLooking(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		e.sim.Inject(slacksim.Fault{Kind: slacksim.ServerError, Method: "chat.postMessage"})
		e.enqueue(esc("SUP-41", 1, "team lead", rules.Recipient{Channel: "C1"}))
		sum := e.drain(5)
		if sum.Uncertain != 1 || sum.Sent != 1 || sum.Reconciled != 0 {
			t.Fatalf("report %+v", sum)
		}
		if n := len(e.sim.Messages("C1")); n != 1 {
			t.Fatalf("%d messages", n)
		}
	})
}

// The goal is met while a send is uncertain: if Slack has the message it
// is recorded (and its status line updated to met); if not, the row is
// cancelled without posting.
func TestGoalMetWhileUncertain(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEnv(t, nil)
		e.sim.Inject(slacksim.Fault{Kind: slacksim.DropAfterAccept, Method: "chat.postMessage", Channel: "C1"})
		e.sim.Inject(slacksim.Fault{Kind: slacksim.ServerError, Method: "chat.postMessage", Channel: "CLEAD"})
		e.enqueue(esc("SUP-42", 1, "team lead", rules.Recipient{Channel: "C1"}))
		e.enqueue(esc("SUP-43", 1, "team lead", rules.Recipient{Channel: "CLEAD"}))
		if rep := e.pass(); rep.Uncertain != 2 {
			t.Fatalf("first pass %+v", rep)
		}
		for _, issue := range []string{"SUP-42", "SUP-43"} {
			if err := e.ob.GoalStopped(ctx, e.clock.Now(), issue, "resolution", 1, rules.Stop{}); err != nil {
				t.Fatal(err)
			}
		}
		sum := e.drain(5)
		if sum.Reconciled != 1 || sum.Cancelled != 1 || sum.Updated != 1 {
			t.Fatalf("report %+v", sum)
		}
		if r := e.row("SUP-42", 1); r.State != outbox.StateSent {
			t.Fatalf("SUP-42 %+v", r)
		}
		if r := e.row("SUP-43", 1); r.State != outbox.StateCancelled {
			t.Fatalf("SUP-43 %+v", r)
		}
		if m := e.sim.Messages("C1"); len(m) != 1 || !strings.Contains(string(m[0].Blocks), "met*") {
			t.Fatalf("C1: %+v", m)
		}
		if n := len(e.sim.Messages("CLEAD")); n != 0 {
			t.Fatalf("%d messages in CLEAD", n)
		}
	})
}

// A pass that cannot send all its rows to a paced channel within the lease
// releases the rest instead of posting under an expired lease (another
// dispatcher may own them by then); they go out in later passes, once.
func TestRowsReleasedBeforeLeaseExpires(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, func(o *outbox.Options) { o.Lease, o.PerDestination = 10*time.Second, 20 })
		for i := range 20 {
			e.enqueue(esc(fmt.Sprintf("SUP-6%02d", i), 1, "team lead", rules.Recipient{Channel: "C1"}))
		}
		rep := e.pass()
		if rep.Sent == 0 || rep.Sent >= 20 || rep.Retried != 20-rep.Sent {
			t.Fatalf("first pass %+v; want some sent, the rest released", rep)
		}
		e.drain(20)
		if got := byKey(e.sim.Messages("C1")); len(got) != 20 {
			t.Fatalf("%d distinct messages", len(got))
		}
		if n := len(e.sim.Messages("C1")); n != 20 {
			t.Fatalf("%d messages; want 20", n)
		}
	})
}
