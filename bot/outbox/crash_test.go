package outbox_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
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

func (h hangAfterPost) Post(ctx context.Context, channel, threadTS string, m outbox.Message) (string, string, error) {
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

func (hangAfterClaim) Resolve(context.Context, outbox.Target) (outbox.Route, error) {
	fmt.Println("CLAIMED 1")
	time.Sleep(time.Hour)
	return outbox.Route{}, nil
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
	sender := slackc.NewSender(slackc.NewClient(token, slackc.ClientOptions{APIURL: os.Getenv(envAPI)}), nil, nil)
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
	path := filepath.Join(t.TempDir(), "slabot.db")
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client := slackc.NewClient(token, slackc.ClientOptions{APIURL: sim.APIURL()})
	d, err := outbox.Open(context.Background(), st, slackc.NewSender(client, nil, nil), outbox.Options{Owner: "setup"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Escalate(context.Background(), time.Now(), esc("SUP-50", 1, "team lead", outbox.Target{Channel: "C1"})); err != nil {
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
	d, err := outbox.Open(ctx, st, slackc.NewSender(client, nil, nil), outbox.Options{Owner: "successor", Clock: clock,
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
}

// A dispatcher process killed after claiming and before posting: the
// restarted process looks, finds nothing, and posts. Exactly one message.
func TestKilledBetweenClaimAndPost(t *testing.T) {
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
}
