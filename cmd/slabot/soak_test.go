package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

// The 30-day soak (issue 12): the four seed products on one site over a
// simulated month, issues arriving at office-hours rates with millisecond
// timestamps, agents and customers commenting (some comments restricted or
// internal), status changes, waits, reopenings, priority changes,
// deletions and moves between projects, a search index that lags, 429
// bursts, a one-hour 5xx outage and a process restart every few days.
// Invariants are checked at a quiet moment every day (or every few days at
// the large size):
//   - every issue's fields and labels are what the engine says for the
//     issue as Jira holds it (what explain shows): nothing left to write;
//   - a steady stretch (another cycle with nothing changed) writes nothing;
//   - each ladder step is posted once, in rung order;
//   - no request reaches a removed endpoint.
// TestSoak30Days runs it small (CI); BenchmarkSoak30Days at 1,000 issues.
// SOAK_DEBUG=1 sends the worker's log to stderr.

type soakConfig struct {
	issues     int
	days       int
	tick       time.Duration
	checkEvery int // days between invariant checks
	seed       uint64
}

// soakFigures is what a soak did, for the closing note.
type soakFigures struct {
	created, deleted, moved, reopened   int
	comments, restricted, internal      int
	jiraRequests, jiraWrites, rateLimit int
	slackPosts, failedCycles, restarts  int
	checks                              int
}

func (f soakFigures) String() string {
	return fmt.Sprintf("%d issues (%d deleted, %d moved, %d reopened), %d comments (%d restricted, %d internal); "+
		"%d Jira requests (%d writes, %d answered 429), %d Slack posts, %d failed cycles, %d restarts, %d invariant checks",
		f.created, f.deleted, f.moved, f.reopened, f.comments, f.restricted, f.internal,
		f.jiraRequests, f.jiraWrites, f.rateLimit, f.slackPosts, f.failedCycles, f.restarts, f.checks)
}

func TestSoak30Days(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	if testing.Short() {
		t.Skip("a simulated month")
	}
	// Small: 30 issues, checked every third day. The 2-hour tick must stay:
	// the hour of 503s (day 12, 10:00) must fail a cycle. The seed is one
	// whose month deletes, moves and reopens issues.
	f := runSoak(t, soakConfig{issues: 30, days: 30, tick: 2 * time.Hour, checkEvery: 3, seed: 104})
	t.Log(f)
	if f.deleted == 0 || f.moved == 0 || f.reopened == 0 || f.restricted == 0 || f.internal == 0 {
		t.Errorf("the small soak no longer deletes, moves and reopens issues and writes restricted and internal comments (%v): choose another seed", f)
	}
}

// BenchmarkSoak30Days is the large soak: 1,000 issues over 30 days with a
// 10-minute tick. Run it with -benchtime=1x.
func BenchmarkSoak30Days(b *testing.B) {
	for b.Loop() {
		f := runSoak(b, soakConfig{issues: 1000, days: 30, tick: 10 * time.Minute, checkEvery: 3, seed: 30})
		b.ReportMetric(float64(f.jiraRequests), "jira-requests")
		b.ReportMetric(float64(f.jiraWrites), "jira-writes")
		b.ReportMetric(float64(f.slackPosts), "slack-posts")
		b.Log(f)
	}
}

// soakPeople are who works a product's tickets.
type soakPeople struct {
	agent     string
	customers [][2]string // account, organization ("" when none)
}

func soakTeams() map[string]soakPeople {
	return map[string]soakPeople{
		"BCFG": {botronAgent, [][2]string{{botronCust, ""}}},
		"HYD":  {hydraAgent, [][2]string{{hydraCust, ""}}},
		"B2B":  {b2beeAgent, [][2]string{{b2beeAna, "Pekarna Novak"}, {b2beeTina, "Trgovina Zupan"}}},
		"SAN":  {sanariseAgnt, [][2]string{{sanariseCust, ""}, {sanariseOthr, ""}}},
	}
}

// soakScript draws the month: every issue's life as script events. Events
// falling in a quiet window before a check are dropped, so the check sees
// a site the (lagging) index has caught up with.
func soakScript(cfg soakConfig, policies []*rules.Policy, quiet func(time.Time) bool, f *soakFigures) []scriptEvent {
	rng := rand.New(rand.NewPCG(cfg.seed, 2026))
	end := demoStart.Add(time.Duration(cfg.days) * 24 * time.Hour)
	teams := soakTeams()
	var ev []scriptEvent
	add := func(at time.Time, what string, do func(s *jirasim.Server, keys map[string]string, at time.Time) error) {
		if at.Before(end) && !quiet(at) {
			ev = append(ev, scriptEvent{at: at, what: what, do: do})
		}
	}
	// jitter gives every instant seconds and milliseconds, as people's
	// clicks have.
	jitter := func(t time.Time) time.Time {
		return t.Add(time.Duration(rng.IntN(60_000)) * time.Millisecond)
	}
	alive := func(keys map[string]string, alias string) (string, bool) {
		k := keys[alias]
		return k, k != "" && k != "deleted"
	}
	for i := range cfg.issues {
		p := policies[rng.IntN(len(policies))]
		project := p.Projects[rng.IntN(len(p.Projects))]
		team := teams[p.Projects[0]]
		cust := team.customers[rng.IntN(len(team.customers))]
		typ := p.Types[rng.IntN(len(p.Types))].Jira[0]
		prio := p.Priorities[rng.IntN(len(p.Priorities))].Jira[0]
		// Arrivals: mostly office hours on weekdays, some at any time.
		day := rng.IntN(cfg.days - 1)
		hour := 7 + rng.IntN(11)
		if rng.IntN(4) == 0 {
			hour = rng.IntN(24)
		}
		created := jitter(demoStart.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(rng.IntN(60))*time.Minute))
		alias := fmt.Sprintf("soak-%d", i)
		summary := []string{"Export fails — «Ünïcödé» in the file name", "Login loop after SSO change", "Can't post invoice #4711",
			"Question: how to copy schemes?", "   leading spaces & <html> in summary", "URGENT!!! site down"}[rng.IntN(6)]
		f.created++
		add(created, "create "+alias, func(s *jirasim.Server, keys map[string]string, at time.Time) error {
			var orgs []string
			if cust[1] != "" {
				orgs = []string{cust[1]}
			}
			key, err := s.CreateIssue(jirasim.Issue{Project: project, Type: typ, Priority: prio, Reporter: cust[0], Status: "Open",
				Summary: summary, Description: "Steps to reproduce: 1. open 2. click. Version 4.2.", Organizations: orgs, Created: at})
			keys[alias] = key
			return err
		})
		transition := func(at time.Time, status, actor string) {
			add(at, alias+" -> "+status, func(s *jirasim.Server, keys map[string]string, at time.Time) error {
				if k, ok := alive(keys, alias); ok {
					return s.Transition(k, status, actor, at)
				}
				return nil
			})
		}
		comment := func(at time.Time, author, body string, kind int) {
			switch kind {
			case 1:
				f.restricted++
			case 2:
				f.internal++
			}
			f.comments++
			add(at, alias+" comment", func(s *jirasim.Server, keys map[string]string, at time.Time) error {
				k, ok := alive(keys, alias)
				if !ok {
					return nil
				}
				var err error
				switch kind {
				case 1:
					_, err = s.AddRestrictedComment(k, author, body, jirasim.Visibility{Type: "role", Value: "Developers"}, at)
				case 2:
					_, err = s.AddComment(k, author, body, true, at)
				default:
					_, err = s.AddComment(k, author, body, false, at)
				}
				return err
			})
		}
		t := created
		next := func(max time.Duration) time.Time {
			t = jitter(t.Add(time.Duration(rng.Int64N(int64(max)))))
			return t
		}
		if rng.IntN(10) < 7 {
			at := next(30 * time.Minute)
			add(at, alias+" assigned", func(s *jirasim.Server, keys map[string]string, at time.Time) error {
				if k, ok := alive(keys, alias); ok {
					return s.Assign(k, team.agent, team.agent, at)
				}
				return nil
			})
		}
		// An internal or restricted note first sometimes: never a response.
		if rng.IntN(5) == 0 {
			comment(next(4*time.Hour), team.agent, "Looks like the import job again; checking logs.", 1+rng.IntN(2))
		}
		if rng.IntN(10) < 8 {
			comment(next(30*time.Hour), team.agent, "Thanks, we are on it.", 0)
		}
		if rng.IntN(10) < 6 {
			transition(next(6*time.Hour), "In Progress", team.agent)
		}
		if rng.IntN(10) < 3 {
			transition(next(4*time.Hour), "Waiting for customer", team.agent)
			comment(next(20*time.Hour), cust[0], "Here is the log file.", 0)
			transition(t, "In Progress", cust[0])
		}
		if rng.IntN(10) == 0 {
			np := p.Priorities[rng.IntN(len(p.Priorities))].Jira[0]
			add(next(8*time.Hour), alias+" priority "+np, func(s *jirasim.Server, keys map[string]string, at time.Time) error {
				if k, ok := alive(keys, alias); ok {
					return s.SetPriority(k, np, team.agent, at)
				}
				return nil
			})
		}
		if len(p.Projects) > 1 && rng.IntN(12) == 0 {
			to := p.Projects[rng.IntN(len(p.Projects))]
			f.moved++
			add(next(10*time.Hour), alias+" moved to "+to, func(s *jirasim.Server, keys map[string]string, at time.Time) error {
				if k, ok := alive(keys, alias); ok {
					nk, err := s.MoveIssue(k, to, team.agent, at)
					keys[alias] = nk
					return err
				}
				return nil
			})
		}
		if rng.IntN(40) == 0 {
			f.deleted++
			add(next(20*time.Hour), alias+" deleted", func(s *jirasim.Server, keys map[string]string, at time.Time) error {
				if k, ok := alive(keys, alias); ok {
					keys[alias] = "deleted"
					return s.DeleteIssue(k)
				}
				return nil
			})
			continue
		}
		if rng.IntN(10) < 7 {
			transition(next(48*time.Hour), "Done", team.agent)
			if rng.IntN(8) == 0 {
				f.reopened++
				transition(next(72*time.Hour), "Reopened", cust[0])
				comment(t, cust[0], "Still broken.", 0)
				transition(next(48*time.Hour), "Done", team.agent)
			}
		}
	}
	sortScript(ev)
	return ev
}

// runSoak plays the month and checks the invariants along the way.
func runSoak(tb testing.TB, cfg soakConfig) soakFigures {
	ctx := context.Background()
	var f soakFigures
	var logw io.Writer = io.Discard
	if os.Getenv("SOAK_DEBUG") != "" {
		logw = os.Stderr
	}
	d, err := newDemoEnvTick(ctx, tb.TempDir(), slog.New(slog.NewTextHandler(logw, nil)), cfg.tick)
	if err != nil {
		tb.Fatal(err)
	}
	defer d.close()
	// Search lags three minutes (more than the two-minute overlap alone
	// covers); slabot is told so. The API rate-limits as the demo's does.
	const lag = 3 * time.Minute
	d.jsim.SetIndexLag(lag)
	d.jsim.SetLimits(demoLimits())
	d.waitsPass = true
	d.stop()
	d.jiraIndexLag = lag
	if err := d.start(ctx); err != nil {
		tb.Fatal(err)
	}

	end := demoStart.Add(time.Duration(cfg.days) * 24 * time.Hour)
	outageFrom := demoStart.Add(12*24*time.Hour + 10*time.Hour)
	outageTo := outageFrom.Add(time.Hour)
	var checks []time.Time
	for day := cfg.checkEvery; day <= cfg.days; day += cfg.checkEvery {
		// On a tick: the check sees what the last cycle wrote at that instant.
		checks = append(checks, demoStart.Add(time.Duration(day)*24*time.Hour-cfg.tick))
	}
	quiet := func(at time.Time) bool {
		for _, c := range checks {
			if !at.Before(c.Add(-2*cfg.tick)) && !at.After(c) {
				return true
			}
		}
		return false
	}
	script := soakScript(cfg, d.policies, quiet, &f)

	// Faults: four bursts of 429s, an hour of 503s.
	rng := rand.New(rand.NewPCG(cfg.seed, 429))
	for bursts := 0; bursts < 4; {
		at := demoStart.Add(time.Duration(rng.Int64N(int64(time.Duration(cfg.days-1) * 24 * time.Hour))))
		if quiet(at) { // a check needs the cycle before it to have polled
			continue
		}
		bursts++
		script = append(script, scriptEvent{at: at, what: "a burst of 429s",
			do: func(s *jirasim.Server, _ map[string]string, _ time.Time) error {
				s.InjectFault(jirasim.Fault{Path: "/rest/*", Times: 6, Status: http.StatusTooManyRequests,
					Header: http.Header{"Retry-After": {"2"}, "Ratelimit-Reason": {"jira-burst-based"}}})
				return nil
			}})
	}
	var removeOutage func()
	script = append(script,
		scriptEvent{at: outageFrom, what: "Jira answers 503 for an hour", do: func(s *jirasim.Server, _ map[string]string, _ time.Time) error {
			removeOutage = s.InjectFault(jirasim.Fault{Path: "/rest/*", Status: http.StatusServiceUnavailable})
			return nil
		}},
		scriptEvent{at: outageTo, what: "Jira is back", do: func(*jirasim.Server, map[string]string, time.Time) error {
			removeOutage()
			return nil
		}})
	sortScript(script)

	// Restarts every three and a half days; checks at their instants.
	var stops []time.Time
	for at := demoStart.Add(84 * time.Hour); at.Before(end); at = at.Add(84 * time.Hour) {
		stops = append(stops, demoStart.Add(at.Sub(demoStart)/cfg.tick*cfg.tick)) // on a tick
	}
	type mark struct {
		at      time.Time
		restart bool
	}
	var marks []mark
	for _, c := range checks {
		marks = append(marks, mark{at: c})
	}
	for _, s := range stops {
		marks = append(marks, mark{at: s, restart: true})
	}
	sort.SliceStable(marks, func(i, j int) bool { return marks[i].at.Before(marks[j].at) })

	from := demoStart
	rest := script
	for _, m := range marks {
		var now []scriptEvent
		now, rest = splitScript(rest, m.at)
		if err := d.play(ctx, now, from, m.at, cfg.tick); err != nil {
			tb.Fatal(err)
		}
		from = m.at.Add(cfg.tick)
		if m.restart {
			d.stop()
			if err := d.start(ctx); err != nil {
				tb.Fatal(err)
			}
			f.restarts++
			continue
		}
		if m.at.After(outageFrom) && m.at.Before(outageTo.Add(2*time.Hour)) {
			continue
		}
		f.checks++
		soakCheck(tb, d, m.at)
	}
	if err := d.play(ctx, rest, from, end, cfg.tick); err != nil {
		tb.Fatal(err)
	}
	if d.failedCycles == 0 {
		tb.Error("the hour of 503s failed no cycle: the outage did not apply")
	}
	soakLadder(tb, d)
	for _, r := range d.jsim.Requests() {
		f.jiraRequests++
		if r.Method != http.MethodGet && !strings.HasSuffix(r.Path, "/search/jql") && !strings.HasSuffix(r.Path, "/bulkfetch") {
			f.jiraWrites++
		}
		if r.Status == http.StatusTooManyRequests {
			f.rateLimit++
		}
		if r.Route == "" || r.Path == "/rest/api/2/search" || r.Path == "/rest/api/3/search" {
			tb.Errorf("request to a removed or unknown endpoint: %s %s", r.Method, r.Path)
		}
	}
	f.slackPosts = len(d.ssim.AllMessages())
	f.failedCycles = d.failedCycles
	return f
}

// soakCheck: at a quiet moment every issue holds what the engine says,
// and another cycle writes nothing.
func soakCheck(tb testing.TB, d *demoEnv, at time.Time) {
	tb.Helper()
	ctx := context.Background()
	d.clock.Set(at)
	for _, p := range d.policies {
		var issues []rules.Issue
		if _, err := d.jira.SearchProjects(ctx, p.Projects, " ORDER BY key", func(is rules.Issue) error {
			issues = append(issues, is)
			return nil
		}, func() { issues = nil }); err != nil {
			tb.Fatalf("%s: reading %s: %v", at, p.Product, err)
		}
		ev := rules.Evaluate(p, issues, at, rules.Options{BotAccountID: d.jira.AccountID()})
		for i := range ev.Outcomes {
			o := &ev.Outcomes[i]
			if ch := p.Patch(o); !ch.Empty() {
				var goals []string
				for _, g := range o.Goals {
					goals = append(goals, fmt.Sprintf("%s %s deadline %s", g.Goal.Name, g.State, g.Deadline.Format(time.RFC3339Nano)))
				}
				tb.Errorf("%s: %s differs from the engine: %s (%s; created %s)", at.Format(time.RFC3339), o.Issue.Key, describeForTest(ch, o),
					strings.Join(goals, ", "), o.Issue.Created.Format(time.RFC3339Nano))
			}
		}
	}
	before := writeRequests(d.jsim)
	if err := d.cycleAll(ctx, at.Add(time.Second)); err != nil {
		tb.Fatal(err)
	}
	if n := writeRequests(d.jsim) - before; n != 0 {
		tb.Errorf("%s: a steady cycle made %d writes", at.Format(time.RFC3339), n)
	}
}

// soakLadder: each step posted once, and an issue's steps for one goal
// cycle in rung order.
func soakLadder(tb testing.TB, d *demoEnv) {
	tb.Helper()
	rank := map[string]int{string(rules.RungAgent): 0, string(rules.RungTeamLead): 1, string(rules.RungManagement): 2}
	posted := map[string]int{}
	last := map[string]int{}
	for _, m := range d.ssim.AllMessages() {
		if m.Metadata == nil {
			continue
		}
		k, _ := m.Metadata.EventPayload["key"].(string)
		if k == "" || strings.HasPrefix(k, "report|") {
			continue
		}
		posted[k]++
		if strings.HasPrefix(k, "digest|") { // digest|product|period: once, no rung order
			continue
		}
		parts := strings.Split(k, "|") // issue|goal|cycle|trigger/rung
		if len(parts) != 4 {
			tb.Errorf("unexpected outbox key %q", k)
			continue
		}
		_, rung, _ := strings.Cut(parts[3], "/")
		group := strings.Join(parts[:3], "|")
		r, ok := rank[rung]
		if !ok {
			tb.Errorf("%s: unknown rung %q", k, rung)
			continue
		}
		if prev, seen := last[group]; seen && r < prev {
			tb.Errorf("%s posted after a higher rung of the same goal cycle", k)
		}
		last[group] = r
	}
	for k, n := range posted {
		if n != 1 {
			tb.Errorf("%s posted %d times", k, n)
		}
	}
}
