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
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/robfig/cron/v3"

	"github.com/slabot/slabot/bot"
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
	worker   *bot.Worker
	reg      *prometheus.Registry
}

func newApp(ctx context.Context, cfg config) (*app, error) {
	a := &app{cfg: cfg, log: cfg.logger(), reg: prometheus.NewRegistry()}
	var err error
	if a.policies, err = rules.LoadDir(cfg.Policies); err != nil {
		return nil, err
	}
	if a.store, err = store.Open(ctx, cfg.Database, store.Options{}); err != nil {
		return nil, err
	}
	if a.jira, err = newJira(ctx, cfg, a.policies); err != nil {
		a.store.Close()
		return nil, err
	}
	directory, err := parsePairs("SLABOT_SLACK_USERS", cfg.SlackUsers)
	if err != nil {
		a.store.Close()
		return nil, err
	}
	channels, err := parsePairs("SLABOT_SLACK_CHANNELS", cfg.SlackChannels)
	if err == nil && cfg.SlackToken != "" { // a dry run without Slack never posts
		err = unmappedChannels(a.policies, channels)
	}
	if err != nil {
		a.store.Close()
		return nil, err
	}
	sc := slack.NewClient(cfg.SlackToken, slack.ClientOptions{APIURL: cfg.SlackAPIURL})
	disp := slack.NewDispatcher(sc, a.store, slack.DispatcherOptions{Directory: directory, Logger: a.log})
	port := jiraPort{c: a.jira, now: time.Now}
	sp := slackPort{d: disp, jiraURL: cfg.JiraURL, channels: channels, metrics: newSlackMetrics(a.reg)}
	a.worker, err = bot.New(bot.Config{Policies: a.policies, Source: port, Writer: port,
		Escalator: sp, Reporter: sp, Cursors: a.store,
		BotAccountID: a.jira.AccountID(), Logger: a.log, Metrics: bot.NewMetrics(a.reg), DryRun: cfg.DryRun,
		ResyncEvery: cfg.ResyncEvery})
	if err != nil {
		a.store.Close()
		return nil, err
	}
	a.reg.MustRegister(newConnectorCollector(a.jira, a.store), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
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

// cycleAll runs one cycle of every product side by side and reports the
// failures.
func (a *app) cycleAll(ctx context.Context) error {
	errs := make(chan error, len(a.worker.Products()))
	for _, name := range a.worker.Products() {
		go func() {
			_, err := a.worker.Cycle(ctx, name, time.Now())
			if err != nil {
				err = fmt.Errorf("%s: %w", name, err)
			}
			errs <- err
		}()
	}
	var all []error
	for range a.worker.Products() {
		if err := <-errs; err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

// runOnce is `slabot once`: one cycle of every product, then exit (for a
// cron job).
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
	if err := a.cycleAll(ctx); err != nil {
		fmt.Fprintln(stderr, "slabot:", err)
		return 1
	}
	return 0
}

// runDaemon is `slabot run`: every product on its schedule (a product
// never overlaps itself, products run side by side), health and metrics on
// SLABOT_LISTEN, graceful shutdown on SIGINT/SIGTERM.
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
	a.serve(ctx, ln)
	return 0
}

// serve runs the daemon until ctx ends: health and metrics on ln, every
// product on its schedule. On shutdown running cycles may finish (up to 30
// s) before serve returns, so the caller can close the store safely.
func (a *app) serve(ctx context.Context, ln net.Listener) {
	a.log.Info("slabot starting", "config", a.cfg.String(), "products", len(a.policies), "listen", ln.Addr().String())

	// Each product runs on its policy's schedule, else SLABOT_SCHEDULE (both
	// checked by now); readiness counts each product's own ticks.
	scheds := map[string]cron.Schedule{}
	for _, p := range a.policies {
		spec := a.cfg.Schedule
		if p.Schedule != "" {
			spec = p.Schedule
		}
		scheds[p.Product], _ = cron.ParseStandard(spec)
	}
	srv := &http.Server{Handler: healthHandler(a.worker, a.reg, scheds, time.Now), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http server stopped", "err", err)
		}
	}()

	// Cycles get their own context: a shutdown lets a running cycle finish
	// (bounded below) rather than cutting a write in half.
	work, cancelWork := context.WithCancel(context.Background())
	defer cancelWork()
	c := cron.New()
	for _, name := range a.worker.Products() {
		c.Schedule(scheds[name], cron.FuncJob(func() {
			if _, err := a.worker.Cycle(work, name, time.Now()); errors.Is(err, bot.ErrBusy) {
				a.log.Warn("cycle skipped: the previous one is still running", "product", name)
			}
		}))
	}
	// The first cycle runs at once, not one interval later; shutdown waits
	// for it like for the scheduled ones.
	var initial sync.WaitGroup
	initial.Go(func() { _ = a.cycleAll(work) })
	c.Start()

	<-ctx.Done()
	a.log.Info("shutting down: waiting for running cycles")
	cronDone := c.Stop()
	all := make(chan struct{})
	go func() {
		<-cronDone.Done()
		initial.Wait()
		close(all)
	}()
	select {
	case <-all:
	case <-time.After(30 * time.Second):
		a.log.Warn("cycles still running after 30s: cancelling them")
		cancelWork()
		select {
		case <-all:
		case <-time.After(5 * time.Second):
			a.log.Error("cycles did not stop within 5s of being cancelled: exiting anyway")
		}
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	a.log.Info("slabot stopped")
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
