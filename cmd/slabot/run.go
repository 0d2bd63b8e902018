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
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/robfig/cron/v3"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/rules"
)

// app is the production wiring: the same parts the demo uses, against the
// real sites.
type app struct {
	cfg      config
	log      *slog.Logger
	policies []*rules.Policy
	store    *store.Store
	jira     *jira.Client
	outbox   *outbox.Outbox
	worker   *bot.Worker
	reg      *prometheus.Registry
}

// newApp wires everything without reaching Jira or Slack: the worker
// connects to Jira itself (bot.Worker.Run retries while Jira is down), so
// the daemon serves /healthz and /metrics from the start.
func newApp(ctx context.Context, cfg config) (*app, error) {
	a := &app{cfg: cfg, log: cfg.logger(), reg: prometheus.NewRegistry()}
	var err error
	if a.policies, err = rules.LoadDir(cfg.Policies); err != nil {
		return nil, err
	}
	if a.jira, err = newJiraClient(cfg, a.policies); err != nil {
		return nil, err
	}
	directory, err := parsePairs("SLABOT_SLACK_USERS", cfg.SlackUsers)
	if err != nil {
		return nil, err
	}
	channels, err := parsePairs("SLABOT_SLACK_CHANNELS", cfg.SlackChannels)
	if err == nil && cfg.SlackToken != "" { // a dry run without Slack never posts
		err = unmappedChannels(a.policies, channels)
	}
	if err != nil {
		return nil, err
	}
	if a.store, err = store.Open(ctx, cfg.Database, store.Options{}); err != nil {
		return nil, err
	}
	sc := slack.NewClient(cfg.SlackToken, slack.ClientOptions{APIURL: cfg.SlackAPIURL})
	a.outbox, err = outbox.Open(ctx, a.store, slack.NewSender(sc, directory, time.Now), outbox.Options{
		Interval: cfg.DispatchEvery, Retention: cfg.Retention, Channels: channels, WriterLease: cfg.WriterLease,
		Logger: a.log, Metrics: outbox.NewMetrics(a.reg)})
	if err != nil {
		a.store.Close()
		return nil, err
	}
	port := jiraPort{c: a.jira, now: time.Now}
	a.worker, err = bot.New(bot.Config{Policies: a.policies,
		Connect: func(ctx context.Context) (bot.IssueSource, bot.IssueWriter, string, error) {
			if err := a.jira.Connect(ctx); err != nil {
				var ce *jira.ConfigError
				if errors.As(err, &ce) { // retrying cannot fix a field the site does not have
					return nil, nil, "", fmt.Errorf("%w: %w", bot.ErrCannotConnect, err)
				}
				return nil, nil, "", err
			}
			return port, port, a.jira.AccountID(), nil
		},
		Escalator: a.outbox, Reporter: a.outbox, Cursors: a.store, JiraURL: cfg.JiraURL, Schedule: cfg.Schedule,
		Logger: a.log, Metrics: bot.NewMetrics(a.reg), DryRun: cfg.DryRun, ResyncEvery: cfg.ResyncEvery})
	if err != nil {
		a.store.Close()
		return nil, err
	}
	a.reg.MustRegister(newConnectorCollector(a.jira), outbox.NewCollector(a.outbox),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return a, nil
}

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

// unmappedChannels lists every ladder channel the policies name as "#name"
// without an id in SLABOT_SLACK_CHANNELS. Slack threads and the outbox's
// look-ups work on channel ids, so the dispatcher refuses names: without
// this check such an escalation or report would wait in the outbox
// forever instead of stopping start-up.
func unmappedChannels(policies []*rules.Policy, channels map[string]string) error {
	var missing []string
	for _, name := range ladderChannels(policies) {
		if _, ok := channelID(channels, name); !ok {
			missing = append(missing, name+"=C...")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("SLABOT_SLACK_CHANNELS: the policies escalate to channels without a Slack id: add %s", strings.Join(missing, ","))
	}
	return nil
}

// runOnce is `slabot once`: one cycle of every product and one delivery
// pass, then exit (for a cron job). It writes only while it holds the
// database's writer lease: next to a running daemon it refuses.
func runOnce(args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := workerConfig("once", args, stdout, stderr)
	if !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := newApp(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	defer a.store.Close()
	held, h, err := a.outbox.Acquire(ctx, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	if !held {
		fmt.Fprintf(stderr, "slabot: another slabot (%s) writes to %s until %s: stop it, or let it do the work\n",
			h.Owner, cfg.Database, h.Until.Format(time.RFC3339))
		return 1
	}
	defer a.outbox.Release(context.WithoutCancel(ctx)) //nolint:errcheck // the lease runs out anyway
	cycleErr := a.worker.CycleAll(ctx, time.Now)
	if !cfg.DryRun {
		if _, err := a.outbox.RunOnce(ctx); err != nil {
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
	a, err := newApp(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	defer a.store.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	if err := a.serve(ctx, ln); err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	return 0
}

// serve runs the daemon until ctx ends: health and metrics on ln from the
// start, and the worker. It returns once the worker stopped, so the caller
// can close the store safely.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	a.log.Info("slabot starting", "config", a.cfg.String(), "products", len(a.policies), "listen", ln.Addr().String())
	srv := &http.Server{Handler: healthHandler(a.worker, a.reg, time.Now), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http server stopped", "err", err)
		}
	}()
	err := a.worker.Run(ctx, a.outbox)
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	a.log.Info("slabot stopped")
	return err
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
	cfg, err := loadConfig(true, false)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return cfg, exitUsage, false
	}
	cfg.DryRun = cfg.DryRun || *dry
	if !cfg.DryRun && cfg.SlackToken == "" {
		fmt.Fprintln(stderr, "configuration:\n  SLABOT_SLACK_TOKEN is not set (a bot token, xoxb-...; --dry-run works without it)")
		return cfg, exitUsage, false
	}
	return cfg, exitOK, true
}

// channelID resolves a channel as a policy names it: "#name" through
// SLABOT_SLACK_CHANNELS, an id (C0123...) as it is. ok is false for a
// "#name" without an id: the outbox refuses names (threads and its
// look-ups work on ids), and name is returned unchanged.
func channelID(channels map[string]string, name string) (id string, ok bool) {
	if id, ok := channels[name]; ok {
		return id, true
	}
	return name, !strings.HasPrefix(name, "#")
}
