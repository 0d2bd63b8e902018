package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/robfig/cron/v3"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/pagerduty/pdsim"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/deploy"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
	"github.com/slabot/slabot/rules/report"
)

// demoEnv is slabot wired to simulated Jira and Slack on loopback, a real
// SQLite outbox and an injected clock: the same worker and connectors as
// production, only the sites are simulated.
type demoEnv struct {
	clock    *jirasim.ManualClock
	policies []*rules.Policy
	jsim     *jirasim.Server
	jsrv     *httptest.Server
	ssim     *slacksim.Server
	dbPath   string
	// app is the slabot process over the simulated sites, wired as
	// `slabot run` wires it (newApp); start replaces it on a restart.
	*app
	keys map[string]string // script alias -> issue key
	// resyncEvery overrides the worker's full-resync period (zero: the
	// default hour).
	resyncEvery time.Duration
	// jiraIndexLag is the client's SLABOT_JIRA_INDEX_LAG (the demo's:
	// demoClientIndexLag).
	jiraIndexLag time.Duration
	// waitsPass: the Jira client's waits (Retry-After, backoff) pass on
	// the simulated clock, as time passes for a real process, so a site
	// that rate-limits sees each retry after its Retry-After. On a site
	// without limits they take no time, so a test of one behaviour keeps
	// its instants (the demo delivers after each cycle, where the daemon
	// delivers on a loop of its own that Jira's waits do not hold up).
	waitsPass bool
	// jiraWallClock makes the Jira client wait on the wall clock: for a
	// benchmark whose site adds real round trips and counts its burst
	// bucket on real time (BenchmarkColdStart's SLABOT_BENCH_RTT).
	jiraWallClock bool
	// writeConcurrency is SLABOT_JIRA_WRITE_CONCURRENCY (0: the default).
	writeConcurrency int
	// dryRun is `demo --dry-run`: slabot logs what it would change and
	// send, and changes and sends nothing (SLABOT_DRY_RUN).
	dryRun bool

	tick         time.Duration // simulated time between cycles
	failedCycles int
	firstFailure error // the first failed cycle's error, for a test to show
	log          *slog.Logger
	// pd is the PagerDuty simulator the demo's paging rung pages.
	pd *pdsim.Server
	// The script's button presses (demo_clicks.go): the listener, and
	// what was pressed and answered.
	stopListen func()
	listens    int
	leadJoined bool
	clicked    []demoClick
}

// demoRoutingKey is the demo's PagerDuty routing key (32 characters).
const (
	demoRoutingKey = "demo0000000000000000000000000001"
	demoPageEnv    = "SLABOT_PAGERDUTY_DEMO"
)

// demoChannels maps each ladder channel to a stable simulated id.
func demoChannels(policies []*rules.Policy) map[string]string {
	ids := map[string]string{}
	for _, p := range policies {
		for _, r := range rules.Rungs() {
			if ch, ok := p.Ladder.Channels[r]; ok {
				if _, seen := ids[ch]; !seen {
					ids[ch] = fmt.Sprintf("C%04d", len(ids)+1)
				}
			}
		}
	}
	return ids
}

// demoUserGroups are the Slack user groups the policies name
// (ladder.rungs.NAME.groups), as the demo's workspace has them: the
// demo's team lead is their one member, and is in no ladder channel, so
// her clicks are allowed by the group alone.
func demoUserGroups(policies []*rules.Policy) []slacksim.Option {
	var out []slacksim.Option
	handles, ids := demoGroupIDs(policies)
	for _, h := range handles {
		out = append(out, slacksim.WithUserGroup(slacksim.UserGroup{ID: ids[h], Handle: h, Name: h, Users: []string{demoLeadUser}}))
	}
	return out
}

// newDemoEnv builds the demo's sites and slabot over them, on a Jira site
// without search lag or rate limits (tests of one behaviour and benchmarks;
// `slabot demo` and the tests of its fortnight use demoSite). tweaks may
// add to the Jira seed (benchmarks load it with thousands of issues).
func newDemoEnv(ctx context.Context, dir string, log *slog.Logger, tweaks ...func(*jirasim.Seed)) (*demoEnv, error) {
	return newDemoEnvSim(ctx, dir, log, 15*time.Minute, jirasim.Options{}, false, tweaks...)
}

// newDemoEnvTick is newDemoEnv for a demo that ticks every tick (the
// products' schedules, for readiness).
func newDemoEnvTick(ctx context.Context, dir string, log *slog.Logger, tick time.Duration, tweaks ...func(*jirasim.Seed)) (*demoEnv, error) {
	return newDemoEnvSim(ctx, dir, log, tick, jirasim.Options{}, false, tweaks...)
}

// newDemoEnvWith is newDemoEnv over a Jira site with the given options
// (its clock is the demo's).
func newDemoEnvWith(ctx context.Context, dir string, log *slog.Logger, simOpts jirasim.Options, tweaks ...func(*jirasim.Seed)) (*demoEnv, error) {
	return newDemoEnvSim(ctx, dir, log, 15*time.Minute, simOpts, false, tweaks...)
}

// newDemoEnvSim builds the demo's sites and slabot over them; dryRun is
// SLABOT_DRY_RUN for the process (`demo --dry-run`).
func newDemoEnvSim(ctx context.Context, dir string, log *slog.Logger, tick time.Duration, simOpts jirasim.Options, dryRun bool, tweaks ...func(*jirasim.Seed)) (*demoEnv, error) {
	policies, err := rules.LoadFS(deploy.Policies, "policies")
	if err != nil {
		return nil, err
	}
	d := &demoEnv{clock: jirasim.NewManualClock(demoStart), policies: policies, keys: map[string]string{}, log: log,
		dbPath: filepath.Join(dir, "slabot.db"), tick: tick, dryRun: dryRun}
	seed, err := demoSeed(policies)
	if err != nil {
		return nil, err
	}
	for _, tweak := range tweaks {
		tweak(&seed)
	}
	simOpts.Now = d.clock.Now
	if simOpts.IndexLag > 0 {
		// slabot is told what `slabot run` assumes (demo_site.go).
		d.jiraIndexLag = demoClientIndexLag
	}
	d.waitsPass = simOpts.Limits.Burst > 0 || len(simOpts.Limits.IssueWrites) > 0
	if d.jsim, err = jirasim.New(seed, simOpts); err != nil {
		return nil, err
	}
	d.jsrv = httptest.NewServer(d.jsim)
	// The demo pages Botron's management rung (a demo setting: the shipped
	// policy does not page), so the fortnight shows a page and its resolve.
	if bp := policyFor(policies, "BEXP"); bp != nil {
		bp.Ladder.Pages = map[rules.Rung]string{rules.RungManagement: demoPageEnv}
		// And a weekday-morning digest to the team leads (also demo only).
		if dg, err := rules.NewDigest("0 9 * * 1-5", rules.RungTeamLead, bp.Ladder.Channels[rules.RungTeamLead], bp.Location); err == nil {
			bp.Digest = dg
		}
	}
	d.pd = pdsim.NewServer(d.clock.Now, demoRoutingKey)
	var chans []slacksim.Option
	for name, id := range demoChannels(policies) {
		chans = append(chans, slacksim.WithChannel(id, name))
	}
	chans = append(chans, demoUserGroups(policies)...)
	d.ssim = slacksim.NewServer(append(chans, slacksim.WithClock(d.clock.Now), slacksim.WithToken(demoSlackToken), slacksim.WithAppToken(demoAppToken),
		slacksim.WithUsers(slacksim.User{ID: "U0BOTRON", Name: "boris", Real: "Boris Botron", Email: "boris@botronsoft.com"}))...)
	if err := d.start(ctx); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// The demo workspace's tokens: slacksim accepts only these (any other
// answers invalid_auth, as Slack does), and demo --serve prints the bot
// token for curl and a second slabot.
const (
	demoSlackToken = "xoxb-demo"
	demoAppToken   = "xapp-demo"
)

// start (re)creates everything that lives in the slabot process: the
// store, the connectors and the worker, wired by newApp as for `slabot
// run`. The demo and the end-to-end test call it again to simulate a
// restart over the same database.
func (d *demoEnv) start(ctx context.Context) error {
	channels := demoChannels(d.policies)
	var jiraClock clock.Clock = demoJiraClock{d}
	if d.jiraWallClock {
		jiraClock = clock.Wall{}
	}
	a, err := newApp(ctx, d.config(), surroundings{policies: d.policies, channels: channels, log: d.log,
		clock: clock.Simulated(d.clock.Now), jiraClock: jiraClock,
		routingKeys:  func(string) string { return demoRoutingKey },
		schedules:    demoSchedules(d.policies, d.tick),
		storeOptions: store.Options{Synchronous: "NORMAL"}, perChannelInterval: -1, connectNow: true})
	if err != nil {
		return err
	}
	d.app = a
	return nil
}

// config is the demo's configuration, as `slabot run` pointed at the
// simulators would read it from the environment: no writer lease (one
// process), the outbox's default pacing and retention.
func (d *demoEnv) config() config {
	return config{JiraURL: d.jsrv.URL, JiraEmail: jirasim.BotEmail, JiraToken: jirasim.BotToken, JiraQuiet: true,
		JiraIndexLag: d.jiraIndexLag, SlackToken: demoSlackToken, SlackAppToken: demoAppToken, SlackAPIURL: d.ssim.APIURL(),
		PagerDutyURL: d.pd.URL, Database: d.dbPath, ResyncEvery: d.resyncEvery, DryRun: d.dryRun,
		FeedCache: filepath.Join(filepath.Dir(d.dbPath), "feeds"), JiraWriteConcurrency: d.writeConcurrency}
}

// demoJiraClock is the Jira client's clock in the demo: the simulated
// one, whose waits (Retry-After, backoff) pass on it when waitsPass, and
// take no time otherwise.
type demoJiraClock struct{ d *demoEnv }

func (c demoJiraClock) Now() time.Time { return c.d.clock.Now() }

func (c demoJiraClock) Sleep(ctx context.Context, wait time.Duration) error {
	if c.d.waitsPass {
		c.d.clock.Advance(wait)
	}
	return ctx.Err()
}

func (d *demoEnv) stop() {
	d.stopListening()
	if d.app != nil && d.store != nil {
		d.store.Close()
		d.store = nil
	}
}

func (d *demoEnv) close() {
	d.stop()
	if d.jsrv != nil {
		d.jsrv.Close()
	}
	if d.ssim != nil {
		d.ssim.Close()
	}
	if d.pd != nil {
		d.pd.Close()
	}
}

// play runs the script from..to: at every tick it applies the events that
// happened since the last tick, at their own instants, then runs one cycle
// of every product. People act at their own instants: an event due while
// slabot was waiting out a Retry-After (the waits pass on the simulated
// clock) keeps its instant, as a person's change on a real site does not
// wait for slabot. A cycle starts at its tick, or when the waits of the
// previous one are over.
func (d *demoEnv) play(ctx context.Context, script []scriptEvent, from, to time.Time, tick time.Duration) error {
	next := 0
	for now := from; !now.After(to); now = now.Add(tick) {
		for next < len(script) && !script[next].at.After(now) {
			ev := script[next]
			if err := d.deliverUntil(ctx, ev.at); err != nil {
				return err
			}
			d.clock.Set(ev.at)
			var err error
			switch {
			case ev.press != nil && d.dryRun:
				// A dry run posts no message to press a button on.
			case ev.press != nil:
				err = ev.press(ctx, d, ev.at)
			default:
				err = ev.do(d.jsim, d.keys, ev.at)
			}
			if err != nil {
				return fmt.Errorf("script %q: %w", ev.what, err)
			}
			next++
		}
		at := now
		if busy := d.clock.Now(); busy.After(at) {
			at = busy // the previous cycle ran late
		}
		if err := d.deliverUntil(ctx, at); err != nil {
			return err
		}
		d.clock.Set(at)
		if err := d.cycleAll(ctx, at); err != nil {
			return err
		}
	}
	return nil
}

// deliverUntil makes a delivery pass at each instant before t when a row
// falls due (a step recorded ahead of its instant, a retry), on the
// simulated clock, as the daemon's dispatch loop wakes for them: a step
// posts at its instant, not at the next tick.
func (d *demoEnv) deliverUntil(ctx context.Context, t time.Time) error {
	for range 10000 {
		at, ok := d.outbox.NextDue(ctx)
		if !ok || !at.Before(t) {
			return nil
		}
		if at.After(d.clock.Now()) {
			d.clock.Set(at)
		}
		rep, err := d.outbox.RunOnce(ctx)
		if err != nil {
			return err
		}
		if rep.Claimed == 0 && rep.Updated == 0 && !at.After(d.clock.Now()) {
			return nil // due but not to be had now (a retry's lease, say): the next tick sees it
		}
	}
	return nil
}

// cycleAll runs every product once, then one delivery pass (the daemon
// runs delivery on its own loop; the demo's clock is stepped, so it passes
// once per tick). A failed cycle (Jira down, say) is counted and logged,
// and the next tick tries again, as the daemon does; delivery goes on.
func (d *demoEnv) cycleAll(ctx context.Context, now time.Time) error {
	for _, name := range d.worker.Products() {
		if _, err := d.worker.Cycle(ctx, name, now); err != nil && !errors.Is(err, bot.ErrBusy) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d.failedCycles++
			if d.firstFailure == nil {
				d.firstFailure = fmt.Errorf("%s at %s: %w", name, now.Format(time.RFC3339), err)
			}
		}
	}
	if _, err := d.outbox.RunOnce(ctx); err != nil {
		return err
	}
	return nil
}

// printIssues writes, per product, the issues as Jira now holds them:
// every goal's deadline and state that slabot wrote, in the product's time
// zone, the labels, and the scenario each issue was created to show; then
// a legend of the labels that appear.
func (d *demoEnv) printIssues(w io.Writer) {
	scenario := map[string]string{}
	for alias, key := range d.keys {
		scenario[key] = demoScenarios[alias]
	}
	seen := map[string]bool{}
	var legend []string
	for _, p := range d.policies {
		fmt.Fprintf(w, "\n== %s (%s), times in %s\n", p.Product, strings.Join(p.Projects, ", "), p.DefaultCalendar.Location())
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		head := []string{"KEY", "TYPE", "PRIORITY", "STATUS"}
		for _, g := range p.Goals {
			title := strings.ToUpper(g.Label())
			if g.DeadlineField != "" {
				head = append(head, title+" DUE")
			}
			if g.StateField != "" {
				head = append(head, title)
			}
		}
		fmt.Fprintln(tw, strings.Join(append(head, "LABELS", "SCENARIO"), "\t"))
		for _, key := range d.jsim.IssueKeys() {
			proj, _, _ := strings.Cut(key, "-")
			if policyFor([]*rules.Policy{p}, proj) == nil {
				continue
			}
			is, _ := d.jsim.Issue(key)
			row := []string{key, is.Type, is.Priority, is.Status}
			for _, g := range p.Goals {
				if g.DeadlineField != "" {
					row = append(row, fieldText(is.Fields[g.DeadlineField], p))
				}
				if g.StateField != "" {
					row = append(row, fieldText(is.Fields[g.StateField], p))
				}
			}
			labels := slices.Clone(is.Labels)
			sort.Strings(labels)
			for _, l := range labels {
				if !seen[l] {
					seen[l] = true
					legend = append(legend, l+"\t"+labelMeaning(p, l))
				}
			}
			row = append(row, strings.Join(labels, " "), scenario[key])
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		tw.Flush()
	}
	if len(legend) > 0 {
		sort.Strings(legend)
		fmt.Fprintln(w, "\n== Labels")
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		for _, l := range legend {
			fmt.Fprintln(tw, "  "+l)
		}
		tw.Flush()
	}
}

// labelMeaning explains a label slabot sets: a flag's meaning, or a
// goal's at-risk or breached state.
func labelMeaning(p *rules.Policy, label string) string {
	code, ok := strings.CutPrefix(label, p.LabelPrefix)
	if !ok {
		return "set by a person"
	}
	if m, ok := rules.FlagMeanings[code]; ok {
		return m
	}
	for _, g := range p.Goals {
		switch code {
		case g.Name + "-at-risk":
			return g.Label() + " is at risk: the deadline is near"
		case g.Name + "-breached":
			return g.Label() + " missed its deadline"
		}
	}
	return ""
}

func fieldText(v any, p *rules.Policy) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case time.Time:
		return x.In(p.DefaultCalendar.Location()).Format("Mon 02 Jan 15:04")
	default:
		return fmt.Sprint(x)
	}
}

// printSlack writes every channel's conversation as people saw it,
// threads indented under their parents, with the parent's latest text
// wrapped in full. Times, and the dates inside messages (which Slack shows
// each reader in their own zone), are in the product's zone; direct
// messages name their recipient.
func (d *demoEnv) printSlack(w io.Writer) {
	fmt.Fprintln(w, "\n== Slack")
	byChannel := map[string][]slacksim.Message{}
	var order []string
	for _, m := range d.ssim.AllMessages() {
		if _, ok := byChannel[m.Channel]; !ok {
			order = append(order, m.Channel)
		}
		byChannel[m.Channel] = append(byChannel[m.Channel], m)
	}
	names := map[string]string{}
	for name, id := range demoChannels(d.policies) {
		names[id] = name
	}
	handleOf := map[string]string{}
	_, groupIDs := demoGroupIDs(d.policies)
	for h, id := range groupIDs {
		handleOf[id] = h
	}
	zoneOf := func(text string) *time.Location {
		key, _, _ := strings.Cut(strings.TrimSpace(stripLevel(text)), " ")
		proj, _, _ := strings.Cut(key, "-")
		if p := policyFor(d.policies, proj); p != nil {
			return p.DefaultCalendar.Location()
		}
		for _, p := range d.policies {
			if strings.Contains(text, p.Product) {
				return p.DefaultCalendar.Location()
			}
		}
		return time.UTC
	}
	sort.Strings(order)
	for _, ch := range order {
		name := names[ch]
		if u, ok := d.ssim.IMUser(ch); ok {
			name = "direct message to " + u.Real + " (@" + u.Name + ")"
		} else if name == "" {
			name = ch
		}
		fmt.Fprintf(w, "\n%s\n", name)
		msgs := byChannel[ch]
		for _, m := range msgs {
			if m.IsReply() {
				continue
			}
			loc := zoneOf(m.Text)
			writeWrapped(w, "  "+tsTime(m.TS, loc)+" ", renderGroupMentions(localDates(m.Text, loc), handleOf))
			for _, f := range m.Files {
				fmt.Fprintf(w, "      [file %s, %d bytes]\n", f.Name, f.Size)
			}
			if len(m.Edits) > 0 {
				fmt.Fprintf(w, "      (status line updated %d time(s); the text above is the latest)\n", len(m.Edits))
			}
			for _, r := range msgs {
				if r.IsReply() && r.ThreadTS == m.TS {
					writeWrapped(w, "    ↳ "+tsTime(r.TS, loc)+" ", renderGroupMentions(localDates(r.Text, loc), handleOf))
				}
			}
		}
	}
}

// stripLevel drops a leading "[L2 team lead] " from a fallback text.
func stripLevel(s string) string {
	if strings.HasPrefix(s, "[") {
		if _, rest, ok := strings.Cut(s, "] "); ok {
			return rest
		}
	}
	return s
}

var utcDate = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC`)

// localDates shows the UTC dates of a fallback text in loc, as Slack shows
// its date tokens to a reader in that zone.
func localDates(s string, loc *time.Location) string {
	return utcDate.ReplaceAllStringFunc(s, func(m string) string {
		t, err := time.Parse("2006-01-02 15:04 MST", m)
		if err != nil {
			return m
		}
		return t.In(loc).Format("Mon 02 Jan 15:04")
	})
}

func tsTime(ts string, loc *time.Location) string {
	sec, _, _ := strings.Cut(ts, ".")
	var n int64
	fmt.Sscan(sec, &n)
	return time.Unix(n, 0).In(loc).Format("Mon 02 Jan 15:04")
}

// writeWrapped writes text after prefix, wrapped at word boundaries near
// 100 columns, continuation lines indented under the text: a Slack line is
// shown whole, never cut.
func writeWrapped(w io.Writer, prefix, text string) {
	const width = 100
	pad := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	var b strings.Builder
	b.WriteString(prefix)
	col, empty := len(pad), true
	for i, para := range strings.Split(strings.TrimSpace(text), "\n") {
		if i > 0 {
			b.WriteString("\n" + pad)
			col, empty = len(pad), true
		}
		for _, word := range strings.Fields(para) {
			n := utf8.RuneCountInString(word)
			if !empty && col+1+n > width {
				b.WriteString("\n" + pad)
				col, empty = len(pad), true
			}
			if !empty {
				b.WriteByte(' ')
				col++
			}
			b.WriteString(word)
			col, empty = col+n, false
		}
	}
	fmt.Fprintln(w, b.String())
}

// runDemo is `slabot demo`: the four seed products over a simulated
// fortnight, then the issues as Jira holds them and the Slack transcript.
func runDemo(args []string, stdout, stderr io.Writer) int {
	f := newVerbFlags("demo", "[--tick DURATION] [-v] [--serve] [--dry-run]", stdout, stderr)
	tick := f.Duration("tick", 15*time.Minute, "simulated time between cycles")
	verbose := f.Bool("v", false, "log every cycle")
	serve := f.Bool("serve", false, "keep the simulators up afterwards and print their URLs")
	dry := f.Bool("dry-run", false, "slabot logs every change and message it would make, and makes none, as `run --dry-run` (the script's button presses find no message and are left out)")
	if _, code, ok := f.parse(args, 0, 0); !ok {
		return code
	}
	// Warnings (a stale calendar, logged once a simulated day) would bury
	// the tables: -v shows them with every cycle.
	level := slog.LevelError
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	dir, err := os.MkdirTemp("", "slabot-demo-")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	var tweaks []func(*jirasim.Seed)
	if *serve {
		tweaks = append(tweaks, liveDemoTokens)
	}
	d, err := newDemoEnvSim(ctx, dir, log, *tick, demoSite(), *dry, tweaks...)
	if err != nil {
		fmt.Fprintln(stderr, "slabot demo:", err)
		return 1
	}
	defer d.close()
	end := demoStart.Add(14 * 24 * time.Hour)
	fmt.Fprintf(stdout, "slabot demo: four products, %s to %s, a cycle every %s of simulated time\n",
		demoStart.Format("Mon 2 Jan 2006"), end.Format("Mon 2 Jan 2006"), *tick)
	fmt.Fprintf(stdout, "The Jira site: search lags %s behind changes, the API rate-limits (Retry-After), slabot's account is in %s (rehearsal settings, demo_site.go)\n",
		demoIndexLag, demoBotZone)
	started := time.Now()
	if err := d.play(ctx, demoScript(), demoStart, end, *tick); err != nil {
		fmt.Fprintln(stderr, "slabot demo:", err)
		return 1
	}
	d.printIssues(stdout)
	d.printSlack(stdout)
	d.printClicks(stdout)
	if err := d.writeReports(ctx, stdout, end); err != nil {
		fmt.Fprintln(stderr, "slabot demo: reports:", err)
		return 1
	}
	fmt.Fprintf(stdout, "\n%d Jira requests (%d answered 429 and were retried after Retry-After, %d too early), %d Slack calls, %d failed cycles, %s wall time\n",
		d.jira.TotalRequests(), d.jsim.RateLimited(), d.jsim.EarlyRetries(), len(d.ssim.Calls()), d.failedCycles, time.Since(started).Round(time.Millisecond))
	if *serve {
		// The fortnight is over: the simulators go on on the wall clock, and
		// this process's slabot stops, so a `slabot run` pointed at them
		// takes over with the demo's database (nothing sent is sent again).
		d.stop()
		d.clock.FollowWallClock()
		if err := serveLiveWebhook(d); err != nil {
			fmt.Fprintln(stderr, "slabot demo: webhook:", err)
			return 1
		}
		printLiveDemo(stdout, d)
		waitForSignal()
	}
	return 0
}

// waitForSignal blocks until SIGINT or SIGTERM.
func waitForSignal() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
}

// writeReports writes each product's report for the demo month (HTML and
// Markdown) to a new temporary directory, kept after the demo ends.
func (d *demoEnv) writeReports(ctx context.Context, stdout io.Writer, now time.Time) error {
	dir, err := os.MkdirTemp("", "slabot-reports-")
	if err != nil {
		return err
	}
	period := report.MonthPeriod(now.Year(), now.Month())
	fmt.Fprintf(stdout, "\n== Reports for %s\n", period.Title())
	for _, p := range d.policies {
		var keys []string
		for _, k := range p.Projects {
			keys = append(keys, jira.Quote(k))
		}
		var issues []rules.Issue
		err := d.jira.Search(ctx, "project in ("+strings.Join(keys, ", ")+") ORDER BY created ASC", func(is rules.Issue) error {
			issues = append(issues, is)
			return nil
		})
		if err != nil {
			return err
		}
		r := report.Build(p, issues, period, now, rules.Options{BotAccountID: d.jira.AccountID()})
		base := filepath.Join(dir, productSlug(p.Product)+"-"+period.String())
		for _, f := range []struct {
			ext    string
			format report.Format
		}{{".html", report.HTML}, {".md", report.Markdown}} {
			out, err := os.Create(base + f.ext)
			if err != nil {
				return err
			}
			if err := r.Write(out, f.format); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "%-24s %s.html  %s.md\n", p.Product, base, base)
	}
	return nil
}

// productSlug names a product's files: "Botron Support" -> botron-support.
func productSlug(product string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(product) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// demoSchedules gives every product the demo's tick as its schedule.
func demoSchedules(policies []*rules.Policy, tick time.Duration) map[string]cron.Schedule {
	out := map[string]cron.Schedule{}
	for _, p := range policies {
		out[p.Product] = cron.Every(tick)
	}
	return out
}
