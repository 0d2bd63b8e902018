package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// parsePairs reads "a=b,c=d" (Slack user and channel maps).
func parsePairs(name, s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%s: %q: write key=value pairs separated by commas", name, pair)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

// slackChannels verifies Slack for run and once: the token works, each
// ladder channel resolves (by name through the API, SLABOT_SLACK_CHANNELS
// overriding) and the bot can post to it. With wait it retries until
// Slack answered (the token works, no network trouble) or ctx ends,
// handing each failure to report; without, one try, and an unanswered
// question is an error.
//
// problems are what only a person can fix: a ladder channel the bot is
// not in, archived, or not found (a private channel nobody invited the
// bot to), a scope the token lacks. They do not stop slabot: every other
// product and channel must go on. A channel not resolved stays a "#name"
// in ids' absence; its escalations are recorded under the name and wait
// in the outbox, blocked with the fix, which slabot check shows, until the
// channel works. A dry run without a Slack token only reads
// SLABOT_SLACK_CHANNELS.
func slackChannels(ctx context.Context, cfg config, wait bool, report func(error)) (ids map[string]string, problems, err error) {
	overrides, err := parsePairs("SLABOT_SLACK_CHANNELS", cfg.SlackChannels)
	if err != nil || cfg.SlackToken == "" {
		return overrides, nil, err
	}
	policies, err := rules.LoadDir(cfg.Policies)
	if err != nil {
		return nil, nil, err
	}
	sc := slack.NewClient(cfg.SlackToken, slack.ClientOptions{APIURL: cfg.SlackAPIURL})
	if wait {
		return sc.WaitReady(ctx, ladderChannels(policies), overrides, report)
	}
	ids, err = sc.Verify(ctx, ladderChannels(policies), overrides)
	if err != nil && (ids == nil || slack.AnyTransient(err)) {
		return nil, nil, errors.New(slack.Reason(err))
	}
	return ids, err, nil
}

// onceMaxPasses bounds the delivery passes of `slabot once`: each pass
// sends the next due level of every thread, and a ladder has a handful of
// levels (each repeat of a step is one more).
const onceMaxPasses = 50

// runOnce is `slabot once`: one cycle of every product, then delivery of
// every due level of every thread in ladder order (steps foreseen for
// later stay recorded for a later run), then exit (for a cron job). It writes only while it holds the
// database's writer lease: next to a running daemon it refuses.
func runOnce(args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := workerConfig("once", args, stdout, stderr)
	if !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	channels, problems, err := slackChannels(ctx, cfg, false, nil)
	if err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	for _, p := range unjoin(problems) {
		fmt.Fprintf(stderr, "slabot: warn: %s (escalations to it wait in the outbox; slabot check lists them)\n", slack.Reason(p))
	}
	a, err := newApp(ctx, cfg, surroundings{channels: channels})
	if err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	defer a.store.Close()
	held, h, err := a.outbox.Acquire(ctx, a.clock.Now())
	if err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	if !held {
		fmt.Fprintf(stderr, "slabot: another slabot (%s) writes to %s until %s: stop it, or let it do the work\n",
			h.Owner, store.Redact(cfg.Database), h.Until.Format(time.RFC3339))
		return 1
	}
	defer a.outbox.Release(context.WithoutCancel(ctx)) //nolint:errcheck // the lease runs out anyway
	cycleErr := a.worker.CycleAll(ctx, a.clock)
	if !cfg.DryRun {
		// The cycles may have outlasted the lease: renew it before sending.
		if held, h, err := a.outbox.Acquire(ctx, a.clock.Now()); err != nil || !held {
			cycleErr = errors.Join(cycleErr, err, fmt.Errorf("writer lease lost to %s during the cycles: nothing sent", h.Owner))
		} else if _, err := a.outbox.DeliverDue(ctx, onceMaxPasses); err != nil {
			cycleErr = errors.Join(cycleErr, err)
		}
	}
	if cycleErr != nil {
		fmt.Fprintln(stderr, "slabot:", cycleErr)
		return 1
	}
	return 0
}

// runDaemon is `slabot run`: it listens first (health and metrics on
// SLABOT_LISTEN), then runs the worker (bot.Worker.Run: writer lease,
// delivery loop, Jira connection with retries, every product on its
// schedule) until SIGINT/SIGTERM.
func runDaemon(args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := workerConfig("run", args, stdout, stderr)
	if !ok {
		return code
	}
	if sched, err := cron.ParseStandard(cfg.Schedule); err != nil || sched.Next(time.Now()).IsZero() {
		if err == nil {
			err = errors.New("it never fires")
		}
		fmt.Fprintf(stderr, "SLABOT_SCHEDULE=%q: %v (use cron syntax or @every 2m)\n", cfg.Schedule, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := rules.LoadDir(cfg.Policies); err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	if err := daemon(ctx, cfg, ln, nil); err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	return 0
}

// daemon serves /healthz, /readyz and /metrics on ln from the start, waits
// until Slack works (/readyz says why it does not meanwhile: a wrong
// token, a channel the bot is not in), then wires the app, hands it to
// started (when set) and runs the worker until ctx ends.
func daemon(ctx context.Context, cfg config, ln net.Listener, started func(*app)) error {
	log := cfg.logger()
	reg := prometheus.NewRegistry()
	gate := &readyGate{slack: "slack: verifying the token and the ladder channels"}
	hook := &webhookGate{}
	page := &pageGate{}
	srv := &http.Server{Handler: healthHandler(gate.Ready, reg, clock.Wall{}, hookIf(cfg, hook), pageHandler(cfg, page)), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	channels, problems, err := slackChannels(ctx, cfg, true, func(err error) {
		gate.setSlack(slack.Reason(err))
		if err != nil {
			log.Warn("Slack is not ready; escalations wait until it is (retrying)", "reason", slack.Reason(err))
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	gate.setSlack("")
	a, err := newApp(ctx, cfg, surroundings{channels: channels, reg: reg})
	if err != nil {
		return err
	}
	defer a.store.Close()
	gate.setWorker(a.worker)
	page.set(a)
	if cfg.JiraWebhookSecret != "" {
		hook.set(&bot.Webhook{Secret: []byte(cfg.JiraWebhookSecret), Worker: a.worker, Logger: log, Metrics: a.webhooks})
	}
	if problems != nil {
		var watch sync.WaitGroup
		defer watch.Wait()
		watch.Go(func() { watchChannels(ctx, cfg, problems, gate, log) })
	}
	if started != nil {
		started(a)
	}
	return a.run(ctx, ln.Addr().String())
}

// run runs the worker until ctx ends. It returns once the worker stopped,
// so the caller can close the store safely.
func (a *app) run(ctx context.Context, listen string) error {
	a.log.Info("slabot starting", "config", a.cfg.String(), "products", len(a.policies), "listen", listen)
	var listener sync.WaitGroup
	defer listener.Wait()
	if a.clicks != nil {
		// Buttons on ladder messages: clicks arrive over Socket Mode, are
		// stored by the outbox and applied by the worker's cycles.
		listener.Go(func() {
			if err := a.slack.Listen(ctx, a.clicks, a.log); err != nil {
				a.log.Error("Slack Socket Mode listener stopped: buttons on messages do nothing until restart", "err", err)
			}
		})
	}
	err := a.worker.Run(ctx, a.outbox)
	a.log.Info("slabot stopped")
	return err
}

// watchChannels shows the ladder channels and scopes a person must fix on
// /readyz and in the log, and verifies them again (every 5 min at most)
// until they work. The escalations they hold back go out by themselves
// once fixed (the outbox resolves a channel's name at every attempt); this
// only keeps what /readyz says current.
func watchChannels(ctx context.Context, cfg config, problems error, gate *readyGate, log *slog.Logger) {
	for problems != nil {
		gate.setChannels(slack.Reason(problems))
		log.Error("Slack: escalations to these ladder channels wait in the outbox until a person fixes them; every other channel goes on",
			"reason", slack.Reason(problems))
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Minute):
		}
		_, p, err := slackChannels(ctx, cfg, true, func(error) {})
		if err != nil {
			return
		}
		problems = p
	}
	gate.setChannels("")
	log.Info("Slack: every ladder channel works")
}

// readyGate is /readyz from the moment slabot listens: not ready while
// Slack is not verified (with the reason), then the worker's own answer,
// with what is wrong with ladder channels (degraded, still ready: other
// channels and products go on, and restarting cannot invite a bot).
type readyGate struct {
	mu       sync.Mutex
	slack    string
	channels string
	worker   *bot.Worker
}

func (g *readyGate) setChannels(reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.channels = reason
}

func (g *readyGate) setSlack(reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.slack = reason
}

func (g *readyGate) setWorker(w *bot.Worker) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.worker = w
}

// Ready is what /readyz answers at now.
func (g *readyGate) Ready(now time.Time) (bool, []string) {
	g.mu.Lock()
	reason, channels, w := g.slack, g.channels, g.worker
	g.mu.Unlock()
	switch {
	case reason != "":
		return false, []string{reason}
	case w == nil:
		return false, []string{"starting"}
	}
	ok, lines := w.Ready(now)
	if channels != "" {
		lines = append(lines, "degraded: "+channels)
	}
	return ok, lines
}

// workerConfig reads the environment and the flags run and once share.
// --dry-run needs no Slack token: the Jira side can be tried while a Slack
// app waits for approval.
func workerConfig(verb string, args []string, stdout, stderr io.Writer) (config, int, bool) {
	f := newVerbFlags(verb, "[--dry-run]  (configuration from the environment: .env.example)", stdout, stderr)
	dry := f.Bool("dry-run", false, "log every change and message it would make, and make none (also SLABOT_DRY_RUN)")
	if _, code, ok := f.parse(args, 0, 0); !ok {
		return config{}, code, false
	}
	cfg, err := readConfig(true, func(c config) bool { return !c.DryRun && !*dry }, "; --dry-run works without it")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return cfg, exitUsage, false
	}
	cfg.DryRun = cfg.DryRun || *dry
	return cfg, exitOK, true
}
