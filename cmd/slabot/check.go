package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/calendar"
)

// runCheck validates policy files and, unless --offline, the Jira and
// Slack sites they need. It separates what is wrong from what could not
// be checked right now:
//
//	0  every policy is valid and the sites are ready (warnings may be
//	   printed: a project without issues yet, Jira or Slack unreachable)
//	1  a policy file has problems (each listed with file:line)
//	2  usage: a bad flag, a path that does not exist, bad environment
//	3  the policies are valid but a site is not set up for them
//	   (a missing field, a refused token, a channel the bot cannot post to)
//
// The systemd unit runs `check --offline` before start: the live side is
// verified by `run` itself, which keeps /readyz not ready until it works.
func runCheck(args []string, stdout, stderr io.Writer) int {
	f := newVerbFlags("check", "[--offline] [PATH...]  (PATH: a policy file or a directory of them)", stdout, stderr)
	def := f.policiesFlag()
	offline := f.Bool("offline", false, "check the policy files only, not Jira and Slack")
	at := f.String("now", "", "judge dated holidays as of this instant, RFC 3339 (default: now)")
	paths, code, ok := f.parse(args, 0, -1)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		paths = []string{*def}
	}
	policies, err := loadPolicies(paths...)
	var ps rules.Problems
	switch {
	case errors.Is(err, errNoPath):
		return f.usageError("%v", err)
	case errors.As(err, &ps):
		for _, p := range ps {
			fmt.Fprintln(stderr, p.String())
		}
		fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(ps), strings.Join(paths, ", "))
		return exitProblem
	case err != nil:
		fmt.Fprintln(stderr, "slabot check:", err)
		return exitProblem
	}
	now := time.Now()
	if *at != "" {
		if now, err = time.Parse(time.RFC3339, *at); err != nil {
			return f.usageError("--now: %v (write e.g. 2026-12-01T00:00:00Z)", err)
		}
	}
	r := &checkReport{stdout: stdout, stderr: stderr}
	loadFeeds(policies, *offline, now, r)
	for _, c := range calendarFilesIn(paths) {
		fmt.Fprintf(stdout, "ok    %s  calendar file (checked; policies include it with calendars.NAME.file)\n", c)
	}
	for _, p := range policies {
		r.ok("%s  %s  projects %v, %d goal(s), %d calendar(s)", p.File, p.Product, p.Projects, len(p.Goals), len(p.Calendars))
		// A calendar whose dated holidays stop before this year or the next
		// still works, but its deadlines ignore the days nobody typed in.
		for _, w := range p.Warnings {
			r.warn("%s", w)
		}
		for _, st := range p.StaleCalendars(now) {
			r.warn("stale data: %s", st.Problem)
		}
	}
	if *offline {
		return exitOK
	}
	cfg, err := loadConfig(false, false)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	checkJira(ctx, cfg, policies, r)
	checkSlack(ctx, cfg, policies, r)
	checkOutbox(ctx, cfg, r)
	return r.code()
}

// checkOutbox lists the outbox rows that need a person: blocked on an
// error only a person can fix (an uninvited bot, a revoked token), or an
// uncertain send that could not be looked up in time (a missing history
// scope). Later steps of their ladders go ahead meanwhile; each line says
// what failed last.
func checkOutbox(ctx context.Context, cfg config, r *checkReport) {
	if !databaseExists(cfg.Database) {
		r.skip("outbox not checked (no database at %s)", cfg.Database)
		return
	}
	db, err := store.Open(ctx, cfg.Database, store.Options{SkipIntegrityCheck: true, PasswordFile: cfg.DatabasePasswordFile})
	if err != nil {
		r.problem(err)
		return
	}
	defer db.Close()
	ob, err := outbox.Open(ctx, db, nil, outbox.Options{})
	if err != nil {
		r.problem(err)
		return
	}
	counts, err := ob.Counts(ctx)
	if err != nil {
		r.problem(err)
		return
	}
	blocked, err := ob.Blocked(ctx, 20)
	if err != nil {
		r.problem(err)
		return
	}
	for _, row := range blocked {
		what := "blocked"
		if row.Uncertain {
			what = "blocked, uncertain whether it was posted"
		}
		where := ""
		if row.Channel != "" {
			where = "; channel " + row.Channel
		}
		r.fail("outbox: %s %s since %s (%d attempts%s): %s", row.Key, what,
			row.CreatedAt.Format(time.RFC3339), row.Attempts, where, row.LastError)
	}
	if n := counts["blocked"]; n > len(blocked) {
		r.fail("outbox: %d more blocked rows", n-len(blocked))
	}
	if counts["blocked"] == 0 {
		r.ok("outbox %s: %d pending, %d sent, none blocked", store.Redact(cfg.Database), counts[outbox.StatePending]+counts[outbox.StateSending], counts[outbox.StateSent])
	}
}

// checkReport prints each live finding once, marked ok, warn or FAIL.
type checkReport struct {
	stdout, stderr io.Writer
	failed, warned int
}

func (r *checkReport) ok(format string, a ...any) {
	fmt.Fprintf(r.stdout, "ok    "+format+"\n", a...)
}

func (r *checkReport) skip(format string, a ...any) {
	fmt.Fprintf(r.stdout, "--    "+format+"\n", a...)
}

func (r *checkReport) warn(format string, a ...any) {
	r.warned++
	fmt.Fprintf(r.stderr, "warn  "+format+"\n", a...)
}

func (r *checkReport) fail(format string, a ...any) {
	r.failed++
	fmt.Fprintf(r.stderr, "FAIL  "+format+"\n", a...)
}

// problem reports err as a warning when trying again later may succeed
// (outbox.Transient: no answer, a 5xx, a rate limit), else as a failure
// for a person to read and fix.
//
// A jira.ConfigError lists several problems: each is a FAIL line of its
// own, so that the totals line counts the lines printed (issue 25: "4 site
// problems after 7 FAIL lines").
func (r *checkReport) problem(err error) {
	var ce *jira.ConfigError
	if errors.As(err, &ce) && len(ce.Problems) > 1 {
		for _, p := range ce.Problems {
			r.fail("jira: %s", p)
		}
		return
	}
	if outbox.Classify(err) == outbox.Transient {
		r.warn("%v (could not be checked now; try again)", err)
		return
	}
	r.fail("%v", err)
}

func (r *checkReport) code() int {
	if r.failed > 0 {
		fmt.Fprintf(r.stderr, "%d site problem(s), %d warning(s)\n", r.failed, r.warned)
		return exitSite
	}
	return exitOK
}

// checkJira: the bot account authenticates, every custom field the
// policies name exists once with the right type, has a context covering
// each project of its policy (when the account may read contexts: that is
// administration), and the fields slabot writes are on each project's
// edit screen.
func checkJira(ctx context.Context, cfg config, policies []*rules.Policy, r *checkReport) {
	if cfg.JiraURL == "" {
		r.skip("jira not checked (SLABOT_JIRA_URL is not set)")
		return
	}
	cl, err := newJira(ctx, cfg, policies)
	if err != nil {
		r.problem(err)
		return
	}
	r.ok("jira %s as account %s: every policy field found with its type", cfg.JiraURL, cl.AccountID())
	readContexts := true
	var unverified []string // projects whose internal-comment role could not be read
	for _, p := range policies {
		var names []string
		if fs, err := rules.FieldsOf([]*rules.Policy{p}); err == nil { // checkPolicies reported an error
			for _, f := range fs {
				names = append(names, f.Name)
			}
		}
		for _, proj := range p.Projects {
			write := writtenFields(p)
			var uncovered map[string]string
			if readContexts {
				var pe *jira.PermissionError
				uncovered, err = cl.ContextProblems(ctx, proj, names)
				switch {
				case errors.As(err, &pe):
					readContexts = false
					r.warn("jira: field contexts not checked: the bot account may not read them (that needs Administer Jira). A field no context " +
						"covers in a project does not exist on its issues and is refused like one off the edit screen; slabot setup, run with an " +
						"administrator's token, checks and fixes both")
				case err != nil:
					r.problem(err)
				}
				for _, name := range slices.Sorted(maps.Keys(uncovered)) {
					r.fail("jira: %s", uncovered[name])
				}
				write = slices.DeleteFunc(write, func(n string) bool { _, out := uncovered[n]; return out })
			}
			problems, err := cl.ScreenProblems(ctx, proj, write)
			switch {
			case errors.Is(err, jira.ErrNoIssues):
				r.warn("jira: %v", err)
			case err != nil:
				r.problem(err)
			case len(problems) > 0:
				for _, pr := range problems {
					r.fail("jira: %s", pr)
				}
			case len(uncovered) == 0 && readContexts:
				r.ok("jira project %s: slabot's fields are in a context covering it and on the edit screen", proj)
			case len(uncovered) == 0:
				r.ok("jira project %s: slabot's fields are on the edit screen", proj)
			}
			if p.WritesInternalComments() && checkInternalComments(ctx, cl, proj, r) {
				unverified = append(unverified, proj)
			}
		}
	}
	if len(unverified) > 0 {
		r.warn("jira: could not verify that slabot's account acts in the role internal comments are restricted to in %s (reading a "+
			"project's roles needs Administer Projects there): where it does not, slabot withholds those comments and logs why",
			strings.Join(unverified, ", "))
	}
	checkWebhook(ctx, cl, cfg, policies, r)
}

// checkWebhook verifies the admin webhook setup made (jira.PlanWebhook
// decides, as for setup): it exists, points at SLABOT_PUBLIC_URL, takes
// slabot's events for the policies' projects and is enabled. Its secret
// cannot be read back, so check says where to compare it.
func checkWebhook(ctx context.Context, cl *jira.Client, cfg config, policies []*rules.Policy, r *checkReport) {
	spec, ok := webhookSpec(cfg, policies)
	if !ok {
		r.skip("jira webhook not checked (SLABOT_PUBLIC_URL is not set): slabot polls only, see README \"Jira webhooks\"")
		return
	}
	site, err := cl.AdminWebhooks(ctx)
	var pe *jira.PermissionError
	switch {
	case errors.As(err, &pe):
		r.warn("jira webhook not checked: listing admin webhooks needs Administer Jira; run slabot check with an administrator's token")
		return
	case err != nil:
		r.problem(err)
		return
	}
	p := jira.PlanWebhook(spec, site)
	for _, pr := range p.Problems {
		r.fail("jira webhook: %s", pr)
	}
	switch {
	case p.Create:
		r.fail("jira webhook: no admin webhook points at %s: run slabot setup", spec.URL)
	case p.Update != nil:
		r.fail("jira webhook %s differs from what the policies need (%s): run slabot setup", p.Update.ID(), strings.Join(p.Why, "; "))
	case p.Current != nil && len(p.Problems) == 0:
		r.ok("jira webhook %s: %s, enabled, slabot's events for %s (its secret cannot be read through the API: slabot run counts "+
			"deliveries signed with another secret, or none, in slabot_jira_webhook_requests_total{result=\"bad_signature\"|\"unsigned\"})",
			p.Current.ID(), spec.URL, spec.JQL())
	}
}

// checkInternalComments: slabot can keep the policy's internal comments
// internal in the project (a JSM internal note, or the visibility of
// internal_comments, which slabot's account must be able to use); when it
// cannot, it withholds them, and check says so with the fix. It reports
// whether the account may not read the project's roles (warned once for
// all such projects).
func checkInternalComments(ctx context.Context, cl *jira.Client, project string, r *checkReport) (unverified bool) {
	ok, detail, err := cl.InternalCommentProblem(ctx, project)
	var ue *jira.UnverifiedError
	switch {
	case errors.As(err, &ue):
		return true
	case err != nil:
		r.problem(err)
	case ok:
		r.ok("jira %s", detail)
	default:
		r.fail("jira: internal comments: %s", detail)
	}
	return false
}

// checkSlack: the bot token works, each ladder channel resolves (by name
// through Slack, SLABOT_SLACK_CHANNELS overriding) and the bot can post
// to it.
func checkSlack(ctx context.Context, cfg config, policies []*rules.Policy, r *checkReport) {
	if cfg.SlackToken == "" {
		r.skip("slack not checked (SLABOT_SLACK_TOKEN is not set)")
		return
	}
	overrides, err := parsePairs("SLABOT_SLACK_CHANNELS", cfg.SlackChannels)
	if err != nil {
		r.fail("%v", err)
		return
	}
	sc := slack.NewClient(cfg.SlackToken, slack.ClientOptions{APIURL: cfg.SlackAPIURL})
	id, err := sc.AuthTest(ctx)
	if err != nil {
		r.problem(err)
		return
	}
	r.ok("slack as %s", id.UserID)
	checkSlackClock(sc, r)
	names := ladderChannels(policies)
	ids, err := sc.Verify(ctx, names, overrides)
	bad := map[string]bool{} // channel names and ids with a finding
	for _, e := range unjoin(err) {
		var (
			ce *slack.ChannelError
			ue *slack.UncertainError
			rl *slack.RateLimitError
		)
		switch {
		case errors.As(e, &ce):
			bad[ce.Name] = true
		case errors.As(e, &ue):
			bad[ue.Channel] = true
		case errors.As(e, &rl):
			bad[rl.Channel] = true
		}
		r.problem(e)
	}
	for _, n := range names {
		if id, ok := ids[n]; ok && !bad[n] && !bad[id] {
			r.ok("slack channel %s (%s): the bot can post", n, id)
		}
	}
	checkGroups(ctx, sc, policies, r)
}

// checkSlackClock compares Slack's clock (its answers' Date) with this
// host's: slabot's look-ups in Slack's history are in Slack's time
// whatever the skew, but a host more than slack.SkewWarnBound off is not
// synchronised, and every instant slabot computes from "now" moves with it.
func checkSlackClock(sc *slack.Client, r *checkReport) {
	skew, ok := sc.ClockSkew()
	switch {
	case !ok:
		r.skip("slack clock not compared (its answers carried no Date header)")
	case skew > slack.SkewWarnBound || skew < -slack.SkewWarnBound:
		r.warn("slack's clock is %s this host's (more than %s): synchronise the host's clock (NTP); slabot's look-ups in Slack "+
			"tolerate it, its deadlines and escalation instants do not", skewWords(skew), slack.SkewWarnBound)
	default:
		r.ok("slack's clock is %s this host's", skewWords(skew))
	}
}

// skewWords says a skew as "2s ahead of", "30m0s behind" or "within a
// second of" (the Date header's resolution).
func skewWords(d time.Duration) string {
	switch d = d.Round(time.Second); {
	case d == 0:
		return "within a second of"
	case d < 0:
		return (-d).String() + " behind"
	}
	return d.String() + " ahead of"
}

// checkGroups: every user group a ladder names (ladder.rungs.NAME.groups)
// is an enabled group of the workspace and slabot may read it; each
// finding says which policy names the group and how to fix it. At click
// time such a group grants nothing, which nobody would otherwise notice.
func checkGroups(ctx context.Context, sc *slack.Client, policies []*rules.Policy, r *checkReport) {
	where := map[string][]string{} // handle -> "file (ladder.rungs.RUNG.groups)"
	var handles []string
	for _, p := range policies {
		for _, rung := range rules.Rungs() {
			for _, h := range p.Ladder.Groups[rung] {
				if _, seen := where[h]; !seen {
					handles = append(handles, h)
				}
				where[h] = append(where[h], fmt.Sprintf("%s ladder.rungs.%s.groups", p.File, rung))
			}
		}
	}
	if len(handles) == 0 {
		return
	}
	bad := map[string]bool{}
	checked := true
	for _, e := range unjoin(sc.VerifyGroups(ctx, handles)) {
		var ge *slack.GroupError
		if errors.As(e, &ge) && !ge.All {
			bad[ge.Handle] = true
			e = fmt.Errorf("%w (named in %s)", e, strings.Join(where[ge.Handle], ", "))
		} else {
			checked = false
		}
		r.problem(e)
	}
	for _, h := range handles {
		if checked && !bad[h] {
			r.ok("slack user group @%s: its members may act on the ladder's buttons", h)
		}
	}
}

// unjoin lists the errors errors.Join put together (or err alone).
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}

// writtenFields lists the fields slabot writes for p: they must be on the
// edit screen.
func writtenFields(p *rules.Policy) []string {
	var out []string
	for _, g := range p.Goals {
		for _, f := range []string{g.DeadlineField, g.StateField} {
			if f != "" {
				out = append(out, f)
			}
		}
	}
	if p.Billing.Field != "" {
		out = append(out, p.Billing.Field)
	}
	return out
}

// ladderChannels lists every channel the policies escalate to, once.
func ladderChannels(policies []*rules.Policy) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range policies {
		for _, r := range rules.Rungs() {
			if ch, ok := p.Ladder.Channels[r]; ok && !seen[ch] {
				seen[ch] = true
				out = append(out, ch)
			}
		}
	}
	return out
}

// loadFeeds gives the policies' holiday feeds their cached copy
// (SLABOT_FEED_CACHE) and then a fresh one: from files always, from URLs
// unless offline. A feed that cannot be read is a warning: the daemon
// keeps using the last good copy, and the stale-data check says when there
// is none.
func loadFeeds(policies []*rules.Policy, offline bool, now time.Time, r *checkReport) {
	ff := &bot.FeedFetcher{CacheDir: feedCacheDir()}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, p := range policies {
		feeds := p.Feeds()
		ff.LoadCached(feeds, now)
		var fresh []*calendar.Feed
		for _, f := range feeds {
			if !offline || !strings.Contains(f.Source, "://") {
				fresh = append(fresh, f)
			}
		}
		if err := ff.Refresh(ctx, fresh, now); err != nil {
			for _, e := range strings.Split(err.Error(), "\n") {
				r.warn("%s (the last good copy, if any, is used)", e)
			}
		}
	}
}

// feedCacheDir is SLABOT_FEED_CACHE for the verbs that do not read the
// whole configuration.
func feedCacheDir() string {
	if dir := os.Getenv("SLABOT_FEED_CACHE"); dir != "" {
		return dir
	}
	return "feeds"
}

// calendarFilesIn lists the calendar files among the files check was given
// (see rules.IsCalendarFile): loading checked them; they are listed so the
// output accounts for every file.
func calendarFilesIn(paths []string) []string {
	var files []string
	for _, p := range paths {
		names := []string{p}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			names = nil
			for _, pat := range []string{"*.yaml", "*.yml"} {
				m, _ := filepath.Glob(filepath.Join(p, pat))
				names = append(names, m...)
			}
			sort.Strings(names)
		}
		for _, n := range names {
			if data, err := os.ReadFile(n); err == nil && rules.IsCalendarFile(data) {
				files = append(files, n)
			}
		}
	}
	return files
}
