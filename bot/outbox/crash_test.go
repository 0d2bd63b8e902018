package outbox_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// Environment of the helper process (the standard re-exec of the test
// binary: os.Args[0] -test.run=^TestHelperProcess$).
const (
	envHelper = "SLABOT_TEST_HELPER" // mode: "post-then-hang" or "claim-then-hang"
	envDB     = "SLABOT_TEST_DB"
	envAPI    = "SLABOT_TEST_SLACK_API"
)

// hangAfterPost is the sender as the doomed process sees it: once Slack
// answered the post it announces "POSTED" and hangs, so the parent can
// kill the process exactly between Slack accepting the message and the
// outbox recording it.
type hangAfterPost struct{ *slackc.Sender }

func (h hangAfterPost) Post(ctx context.Context, channel, threadTS string, m rules.Message) (string, string, error) {
	if _, _, err := h.Sender.Post(ctx, channel, threadTS, m); err != nil {
		return "", "", err
	}
	fmt.Println("POSTED")
	time.Sleep(time.Hour)
	return "", "", nil
}

// hangAfterClaim is the sender of a process that dies after claiming its
// rows and before posting: the outbox resolves a claimed row's rung first.
type hangAfterClaim struct{ *slackc.Sender }

func (hangAfterClaim) Resolve(context.Context, rules.Recipient) (rules.Route, error) {
	fmt.Println("CLAIMED 1")
	time.Sleep(time.Hour)
	return rules.Route{}, nil
}

// TestHelperProcess is not a test: it is the dispatcher process that the
// crash tests start and kill.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(envHelper)
	if mode == "" {
		t.Skip("helper process for the crash tests")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, os.Getenv(envDB), store.Options{})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	sender := slackc.NewSender(slackc.NewClient(token, slackc.ClientOptions{APIURL: os.Getenv(envAPI)}), nil)
	if mode == "loop" {
		// A dispatcher running as the daemon runs it, until it is killed.
		d, err := outbox.Open(ctx, st, sender, killLoopOptions("doomed-"+strconv.Itoa(os.Getpid())))
		if err == nil {
			fmt.Println("RUNNING")
			err = d.Run(ctx)
		}
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	var s outbox.Sender = hangAfterPost{sender}
	if mode == "claim-then-hang" {
		s = hangAfterClaim{sender}
	}
	d, err := outbox.Open(ctx, st, s, outbox.Options{Owner: "doomed", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		_, err = d.RunOnce(ctx)
	}
	fmt.Println("ERROR unexpected return", err)
	os.Exit(2)
}

// runDoomed starts the helper in mode, waits for it to print want, and
// kills it (SIGKILL: no deferred cleanup, no Close of the database).
func runDoomed(t *testing.T, mode, dbPath, apiURL, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), envHelper+"="+mode, envDB+"="+dbPath, envAPI+"="+apiURL)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	seen := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), want) {
			seen = true
			break
		}
		if strings.HasPrefix(sc.Text(), "ERROR") {
			t.Errorf("helper: %s", sc.Text())
			break
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if !seen {
		t.Fatalf("helper never printed %q", want)
	}
}

// crashWorld is a simulator on the wall clock and a database file with one
// intent, closed again: the state a fresh process starts from.
func crashWorld(t *testing.T) (*slacksim.Server, string) {
	t.Helper()
	sim := slacksim.NewServer(slacksim.WithToken(token), slacksim.WithChannel("C1", "support"))
	t.Cleanup(sim.Close)
	path := storetest.DSN(t)
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client := slackc.NewClient(token, slackc.ClientOptions{APIURL: sim.APIURL()})
	d, err := outbox.Open(context.Background(), st, slackc.NewSender(client, nil), outbox.Options{Owner: "setup"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Escalate(context.Background(), time.Now(), esc("SUP-50", 1, "team lead", rules.Recipient{Channel: "C1"})); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return sim, path
}

// restart opens the file as a new process would, with a clock past the
// dead dispatcher's lease, and drains the outbox.
func restart(t *testing.T, sim *slacksim.Server, path string) (outbox.Pass, outbox.Row) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer st.Close()
	clock := newFakeClock(time.Now().Add(11 * time.Minute))
	client := slackc.NewClient(token, slackc.ClientOptions{APIURL: sim.APIURL()})
	d, err := outbox.Open(ctx, st, slackc.NewSender(client, nil), outbox.Options{Owner: "successor", Clock: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Get(ctx, lkey("SUP-50", "resolution", 1, 1))
	if err != nil || r.State != outbox.StateSending || r.Owner != "doomed" {
		t.Fatalf("row left by the killed process: %+v, %v", r, err)
	}
	rep, err := d.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, err = d.Get(ctx, r.Key)
	if err != nil {
		t.Fatal(err)
	}
	return rep, r
}

// A dispatcher process killed after Slack accepted the message and before
// the outbox recorded it: the restarted process finds the message by its
// metadata and records it. Exactly one message.
func TestKilledBetweenPostAndRecord(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		sim, path := crashWorld(t)
		runDoomed(t, "post-then-hang", path, sim.APIURL(), "POSTED")
		if n := len(sim.Messages("C1")); n != 1 {
			t.Fatalf("%d messages before restart", n)
		}
		rep, r := restart(t, sim, path)
		if rep.Reconciled != 1 || rep.Sent != 1 {
			t.Fatalf("report %+v", rep)
		}
		msgs := sim.Messages("C1")
		if len(msgs) != 1 || r.State != outbox.StateSent || r.TS != msgs[0].TS {
			t.Fatalf("after restart: %d messages, row %+v", len(msgs), r)
		}
		if n := len(sim.Calls("chat.postMessage")); n != 1 {
			t.Fatalf("%d posts; want 1", n)
		}
	})
}

// A dispatcher process killed after claiming and before posting: the
// restarted process looks, finds nothing, and posts. Exactly one message.
func TestKilledBetweenClaimAndPost(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		sim, path := crashWorld(t)
		runDoomed(t, "claim-then-hang", path, sim.APIURL(), "CLAIMED 1")
		rep, r := restart(t, sim, path)
		if rep.Reconciled != 0 || rep.Sent != 1 {
			t.Fatalf("report %+v", rep)
		}
		msgs := sim.Messages("C1")
		if len(msgs) != 1 || r.State != outbox.StateSent || r.TS != msgs[0].TS {
			t.Fatalf("after restart: %d messages, row %+v", len(msgs), r)
		}
		if len(sim.Calls("conversations.history")) != 1 {
			t.Fatal("the restarted dispatcher did not look before posting")
		}
	})
}

// killLoopOptions: short leases and intervals, so a killed dispatcher's
// rows come back (uncertain) within a second.
func killLoopOptions(owner string) outbox.Options {
	return outbox.Options{Owner: owner, Lease: time.Second, Interval: 20 * time.Millisecond, PerChannelInterval: -1,
		Backoff: outbox.Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond}, ReconcileMargin: time.Minute,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// The kill -9 loop: a dispatcher working through 20 three-step ladders on
// six channels, with Slack answering 429, 500 and dropping connections
// after accepting posts at random, is killed (SIGKILL) at random moments
// and restarted, over and over; a last one drains the outbox. Every step
// is in Slack exactly once: nothing lost, nothing doubled.
func TestKillLoopExactlyOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		if testing.Short() {
			t.Skip("restarts a process many times")
		}
		sim := slacksim.NewServer(slacksim.WithToken(token))
		t.Cleanup(sim.Close)
		channels := []string{"C1", "C2", "C3", "C4", "C5", "C6"}
		for _, c := range channels {
			sim.AddChannel(c, "ch-"+c, true)
		}
		sim.SetChaos(slacksim.Chaos{Seed: 7, RateLimit: 0.05, ServerError: 0.05, DropAfterAccept: 0.1, RetryAfter: time.Second})
		path := storetest.DSN(t)
		ctx := context.Background()
		st, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		setup, err := outbox.Open(ctx, st, nil, outbox.Options{Owner: "setup"})
		if err != nil {
			t.Fatal(err)
		}
		const issues = 20
		rungs := []string{"agent", "team lead", "management"}
		for i := range issues {
			for lvl := 1; lvl <= 3; lvl++ {
				x := esc(fmt.Sprintf("SUP-%d", 100+i), lvl, rungs[lvl-1], rules.Recipient{Channel: channels[(i+lvl)%len(channels)]})
				if _, err := setup.Escalate(ctx, time.Now(), x); err != nil {
					t.Fatal(err)
				}
			}
		}
		_ = st.Close()

		const restarts = 12
		for i := range restarts {
			// Killed once Slack took 1 to 3 more messages from it (often right
			// between a post and its record), or after 20s if it took none.
			before := len(sim.AllMessages())
			runDoomedUntil(t, path, sim.APIURL(), func() bool { return len(sim.AllMessages()) >= before+1+i%3 }, 20*time.Second)
		}
		sim.SetChaos(slacksim.Chaos{})
		byKilled := len(sim.AllMessages())
		if byKilled == 0 {
			t.Fatal("the killed dispatchers posted nothing: the test proves nothing")
		}
		st, err = store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		last, err := outbox.Open(ctx, st, slackc.NewSender(slackc.NewClient(token, slackc.ClientOptions{APIURL: sim.APIURL()}), nil),
			killLoopOptions("survivor"))
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			if _, err := last.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			c, err := last.Counts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c[outbox.StateSent] == issues*3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not drained: %v", c)
			}
			time.Sleep(50 * time.Millisecond)
		}
		got := byKey(sim.AllMessages())
		for i := range issues {
			for lvl := 1; lvl <= 3; lvl++ {
				k := lkey(fmt.Sprintf("SUP-%d", 100+i), "resolution", 1, lvl)
				if n := len(got[k]); n != 1 {
					t.Errorf("%s is in Slack %d times", k, n)
				}
			}
		}
		if len(got) != issues*3 {
			t.Errorf("%d distinct keys in Slack; want %d", len(got), issues*3)
		}
		t.Logf("%d restarts, %d steps (%d posted by killed processes), %d chat.postMessage calls, %d history look-ups: 0 lost, 0 duplicated",
			restarts, issues*3, byKilled, len(sim.Calls("chat.postMessage")), len(sim.Calls("conversations.history", "conversations.replies")))
	})
}

// runDoomedUntil starts a looping dispatcher and kills it (SIGKILL) as
// soon as done reports true, or after limit.
func runDoomedUntil(t *testing.T, dbPath, apiURL string, done func() bool, limit time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), envHelper+"=loop", envDB+"="+dbPath, envAPI+"="+apiURL)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "RUNNING") {
			break
		}
		if strings.HasPrefix(sc.Text(), "ERROR") {
			t.Errorf("helper: %s", sc.Text())
			break
		}
	}
	for end := time.Now().Add(limit); !done() && time.Now().Before(end); {
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}
