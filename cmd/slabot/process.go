package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
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
	"github.com/slabot/slabot/rules/clock"
)

// app is one slabot process: the store, the Jira client, the outbox and
// its Slack sender and pager, the worker with its holiday feeds and dry
// run, the button listener and the metrics. newApp wires it, once, for
// `run`, `once` and `demo` alike: the demo differs only in its sites and
// clock (surroundings), so what it shows is what production does.
type app struct {
	cfg      config
	log      *slog.Logger
	policies []*rules.Policy
	store    *store.Store
	jira     *jira.Client
	outbox   *outbox.Outbox
	worker   *bot.Worker
	reg      *prometheus.Registry
	// clock is the process's time, every part's (the demo's simulated).
	clock clock.Clock
	// slack and clicks serve the message buttons over Socket Mode when
	// SLABOT_SLACK_APP_TOKEN is set (clicks is nil otherwise).
	slack  *slack.Client
	clicks *bot.Clicks
	// webhooks counts the Jira webhook requests by result
	// (slabot_jira_webhook_requests_total).
	webhooks *prometheus.CounterVec
}

// surroundings is what the configuration does not say about a process:
// production leaves all of it zero but channels and reg; the demo passes
// its policies, its simulated clock and its sites' settings.
type surroundings struct {
	// policies are the products (nil: loaded from SLABOT_POLICIES).
	policies []*rules.Policy
	// channels maps each ladder channel as the policies name it to its
	// Slack id (slackChannels; the demo's: demoChannels).
	channels map[string]string
	// reg collects the metrics (nil: a new registry).
	reg *prometheus.Registry
	// log is the process's logger (nil: the one SLABOT_LOG_* describe).
	log *slog.Logger
	// clock is the time every part reads, and the dispatcher's waits
	// (per-channel pacing, Retry-After) (nil: the wall clock).
	clock clock.Clock
	// jiraClock is the Jira client's, whose waits (Retry-After, backoff)
	// may pass differently on a simulated clock (nil: clock).
	jiraClock clock.Clock
	// routingKeys reads the PagerDuty routing keys the policies name
	// (nil: the environment).
	routingKeys func(string) string
	// schedules overrides products' schedules (the demo's tick).
	schedules map[string]cron.Schedule
	// storeOptions open the database.
	storeOptions store.Options
	// perChannelInterval spaces posts to one channel (zero: the outbox's
	// default; negative: none).
	perChannelInterval time.Duration
	// connectNow connects to Jira while wiring, so a failure is the
	// caller's error (the demo's sites are up by then). Otherwise the
	// worker connects itself, with retries, while the daemon already
	// serves /healthz and delivers what is recorded.
	connectNow bool
}

// newApp wires a process from cfg in its surroundings. It reaches Jira
// only with connectNow: bot.Worker.Run and CycleAll connect otherwise.
func newApp(ctx context.Context, cfg config, s surroundings) (*app, error) {
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	if s.log == nil {
		s.log = cfg.logger()
	}
	s.clock = clock.Or(s.clock)
	if s.jiraClock == nil {
		s.jiraClock = s.clock
	}
	a := &app{cfg: cfg, log: s.log, reg: s.reg, policies: s.policies, clock: s.clock,
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slabot_jira_webhook_requests_total",
			Help: "Jira webhook requests by result: accepted, duplicate, ignored, unsigned, bad_signature, too_large, malformed, bad_method."}, []string{"result"})}
	if err := s.reg.Register(a.webhooks); err != nil {
		var dup prometheus.AlreadyRegisteredError
		if !errors.As(err, &dup) {
			return nil, fmt.Errorf("register the webhook metric: %w", err)
		}
		a.webhooks = dup.ExistingCollector.(*prometheus.CounterVec) // a second process of the demo on one registry
	}
	var err error
	if a.policies == nil {
		if a.policies, err = rules.LoadDir(cfg.Policies); err != nil {
			return nil, err
		}
	}
	jc, err := jiraConfig(cfg, a.policies)
	if err != nil {
		return nil, err
	}
	jc.Logger, jc.Clock = a.log, s.jiraClock
	if a.jira, err = jira.New(jc); err != nil {
		return nil, err
	}
	if s.connectNow {
		if err := a.jira.Connect(ctx); err != nil {
			return nil, err
		}
	}
	directory, err := parsePairs("SLABOT_SLACK_USERS", cfg.SlackUsers)
	if err != nil {
		return nil, err
	}
	pager, err := newPager(cfg.PagerDutyURL, a.policies, s.routingKeys)
	if err != nil {
		return nil, err
	}
	so := s.storeOptions
	so.PasswordFile = cfg.DatabasePasswordFile
	if a.store, err = store.Open(ctx, cfg.Database, so); err != nil {
		return nil, err
	}
	if err := a.wire(ctx, s, directory, pager); err != nil {
		a.store.Close()
		return nil, err
	}
	return a, nil
}

// wire builds what runs over the open store.
func (a *app) wire(ctx context.Context, s surroundings, directory map[string]string, pager outbox.Pager) error {
	cfg := a.cfg
	a.slack = slack.NewClient(cfg.SlackToken, slack.ClientOptions{APIURL: cfg.SlackAPIURL, AppToken: cfg.SlackAppToken, Clock: a.clock})
	a.registerSkew()
	sender := slack.NewSender(a.slack, directory)
	if cfg.SlackAppToken != "" {
		sender.EnableButtons()
	}
	var err error
	a.outbox, err = outbox.Open(ctx, a.store, sender, outbox.Options{
		Interval: cfg.DispatchEvery, Retention: cfg.Retention, Channels: s.channels, WriterLease: cfg.WriterLease,
		PerChannelInterval: s.perChannelInterval, Pager: pager, Clock: a.clock,
		Logger: a.log, Metrics: outbox.NewMetrics(a.reg)})
	if err != nil {
		return err
	}
	metrics := bot.NewMetrics(a.reg)
	wc := bot.Config{Policies: a.policies, Connect: a.connectJira,
		Escalator: a.outbox, Reporter: a.outbox, Cursors: a.store, JiraURL: cfg.JiraURL, PublicURL: cfg.PublicURL,
		Schedule: cfg.Schedule, Schedules: s.schedules,
		Actions: a.outbox, Pages: a.outbox, Digests: a.outbox, Relay: a.outbox,
		Logger: a.log, Metrics: metrics, DryRun: cfg.DryRun, ResyncEvery: cfg.ResyncEvery, Clock: a.clock, WriteConcurrency: cfg.JiraWriteConcurrency,
		Feeds: &bot.FeedFetcher{CacheDir: cfg.FeedCache, Logger: a.log, Metrics: metrics}}
	if s.connectNow {
		wc.Source, wc.Writer, wc.BotAccountID = a.jira, a.jira, a.jira.AccountID()
	}
	if a.worker, err = bot.New(wc); err != nil {
		return err
	}
	if cfg.SlackAppToken != "" && cfg.SlackToken != "" {
		a.clicks = &bot.Clicks{Store: a.outbox, Workspace: a.slack, Policies: a.policies, Channels: s.channels,
			Directory: directory, Clock: a.clock, Logger: a.log, Metrics: metrics, Wake: a.worker.Take}
	}
	a.reg.MustRegister(newConnectorCollector(a.jira), outbox.NewCollector(a.outbox),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return nil
}

// connectJira is the worker's Config.Connect: it reaches Jira, and says
// when retrying cannot help (a configured field the site does not have).
func (a *app) connectJira(ctx context.Context) (bot.IssueSource, bot.IssueWriter, string, error) {
	if err := a.jira.Connect(ctx); err != nil {
		var ce *jira.ConfigError
		if errors.As(err, &ce) {
			return nil, nil, "", fmt.Errorf("%w: %w", bot.ErrCannotConnect, err)
		}
		return nil, nil, "", err
	}
	return a.jira, a.jira, a.jira.AccountID(), nil
}

// registerSkew exports Slack's clock minus this host's as measured by the
// client (connectors/slack skew.go): NaN before Slack's first answer. A
// second process of the demo on one registry keeps the first one's.
func (a *app) registerSkew() {
	sc := a.slack
	_ = a.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slabot_slack_clock_skew_seconds",
		Help: "Slack's clock minus this host's, from Slack's Date headers and message timestamps (NaN before the first answer); " +
			"beyond ±60 s the host's clock is not synchronised."}, func() float64 {
		d, ok := sc.ClockSkew()
		if !ok {
			return math.NaN()
		}
		return d.Seconds()
	}))
}
