package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// slabot check against a site that lacks a field the policies write, has
// one off the edit screen, or a channel without the bot fails with exit 3
// and says so; a project without issues yet is a warning (exit 0: the
// site is set up, the screen cannot be read until the first issue); with
// everything in place it passes.
func TestCheckAgainstJiraSite(t *testing.T) {
	for _, tc := range []struct {
		name     string
		drop     string
		offEdit  string
		outsider string // a channel the bot is not in
		empty    string // a project without issues
		hide     string // a project the bot may not browse
		remove   string // a project the site does not have
		plain    bool   // the bot account is not a Jira administrator
		outside  string // a project that is not a service desk, where the bot is not in the internal role
		wantErr  string
		wantCode int
	}{
		{name: "every field present"},
		{name: "a deadline field missing", drop: "Reaction due", wantErr: "Reaction due", wantCode: exitSite},
		{name: "a state field off the edit screen", offEdit: "Resolution SLA", wantErr: `"Resolution SLA" (customfield`, wantCode: exitSite},
		{name: "the bot is not in a channel", outsider: "#hydra-leads", wantErr: "invite @slabot to #hydra-leads", wantCode: exitSite},
		{name: "a project without issues yet", empty: "HYD", wantErr: "warn  jira: project HYD: no issues yet", wantCode: exitOK},
		{name: "a project the bot may not browse", hide: "HYD", wantErr: "jira: project HYD cannot be searched", wantCode: exitSite},
		{name: "a project the site does not have", remove: "BEXP", wantErr: "jira: project BEXP cannot be searched", wantCode: exitSite},
		{name: "a bot account that may not read field contexts", plain: true, wantErr: "warn  jira: field contexts not checked", wantCode: exitOK},
		// Issue 22: "with no usable role or group, nothing is posted and
		// check says why".
		{name: "internal comments that cannot be restricted", outside: "HYD",
			wantErr: `jira: internal comments: project HYD (software, not a service desk) would show internal comments to the customer`, wantCode: exitSite},
	} {
		t.Run(tc.name, func(t *testing.T) {
			newTestSites(t, func(seed *jirasim.Seed) {
				var kept []jirasim.Field
				for _, f := range seed.Fields {
					f.NotOnEditScreen = f.Name == tc.offEdit
					if f.Name != tc.drop {
						kept = append(kept, f)
					}
				}
				seed.Fields = kept
				var projects []jirasim.Project
				var browse []string
				for _, p := range seed.Projects {
					if p.Key != tc.remove {
						projects = append(projects, p)
					}
					if p.Key != tc.hide && p.Key != tc.remove {
						browse = append(browse, p.Key)
					}
				}
				seed.Projects = projects
				for i := range seed.Projects {
					if seed.Projects[i].Key == tc.outside {
						seed.Projects[i].ServiceDesk = false
						for j := range seed.Roles {
							if seed.Roles[j].Name == rules.DefaultInternalRole {
								seed.Roles[j].Staff, seed.Roles[j].Members = false, nil
							}
						}
					}
				}
				for i := range seed.Users {
					if seed.Users[i].AccountID == jirasim.BotAccountID && (tc.hide != "" || tc.remove != "") {
						seed.Users[i].Projects = browse
					}
					if seed.Users[i].AccountID == jirasim.BotAccountID && tc.plain {
						seed.Users[i].Admin = false
					}
				}
				for _, p := range seed.Projects {
					if p.Key == tc.empty {
						continue
					}
					seed.Issues = append(seed.Issues, jirasim.Issue{Project: p.Key, Type: "Question", Summary: "x", Reporter: jirasim.BotAccountID, Priority: "Medium"})
				}
			}, tc.outsider)
			code, out, errs := runCLI(t, "check", "--policies", "../../deploy/policies")
			if code != tc.wantCode {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			if tc.wantErr != "" && !strings.Contains(errs, tc.wantErr) {
				t.Errorf("error does not say %q:\n%s", tc.wantErr, errs)
			}
			if tc.wantCode == exitOK && (!strings.Contains(out, "ok    jira project SAN") || !strings.Contains(out, "ok    slack channel #botron-leads")) {
				t.Errorf("want both sites checked:\n%s", out)
			}
			if n := strings.Count(errs, "field contexts not checked"); n > 1 {
				t.Errorf("the missing permission is reported %d times, want once", n)
			}
			if strings.Contains(out+errs, jirasim.BotToken) {
				t.Error("the token leaked into the output")
			}
		})
	}
}

// A directory with two broken copies of shipped policies: check exits
// non-zero and names every problem of both files by file:line, the line
// being the one that holds the mistake.
func TestCheckBrokenCopiesNameEveryLine(t *testing.T) {
	dir := t.TempDir()
	breakFile := func(name, from, to string) (path string, line int) {
		t.Helper()
		src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "policies", name))
		if err != nil {
			t.Fatal(err)
		}
		i := strings.Index(string(src), from)
		if i < 0 {
			t.Fatalf("%s lacks %q", name, from)
		}
		path = filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Replace(string(src), from, to, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		return path, strings.Count(string(src[:i]), "\n") + 1
	}
	botron, bl := breakFile("botron.yaml", "    - {at: breach, rung: team_lead}", "    - {at: breach, rung: team_leader}")
	hydra, hl := breakFile("hydra.yaml", `mon-fri: ["10:00-19:00"]`, `mon-fri: ["10:00-15:00", "14:00-19:00"]`)
	code, out, errs := runCLI(t, "check", "--policies", dir)
	if code == 0 {
		t.Fatalf("broken policies accepted:\n%s", out)
	}
	for _, want := range []struct {
		path    string
		line    int
		message string
	}{
		{botron, bl, `unknown rung "team_leader" (fix: `},
		{hydra, hl, "windows 10:00-15:00 and 14:00-19:00 overlap (fix: "},
	} {
		found := false
		for _, l := range strings.Split(errs, "\n") {
			found = found || strings.HasPrefix(l, fmt.Sprintf("%s:%d:", want.path, want.line)) && strings.Contains(l, want.message)
		}
		if !found {
			t.Errorf("no line %s:%d: ... %s in:\n%s", want.path, want.line, want.message, errs)
		}
	}
	if !strings.Contains(errs, "2 problem(s) in "+dir) {
		t.Errorf("want both problems counted:\n%s", errs)
	}
}

// "Slack and Jira base URLs must be https off loopback": the bot token is
// sent there.
func TestSlackAPIURLMustBeHTTPSOffLoopback(t *testing.T) {
	t.Setenv("SLABOT_SLACK_TOKEN", "xoxb-test")
	for url, ok := range map[string]bool{
		"https://slack.example/api/":   true,
		"http://127.0.0.1:8080/api/":   true,
		"http://localhost:8080/api/":   true,
		"http://[::1]:8080/api/":       true,
		"http://slack.example/api/":    false,
		"http://10.0.0.1/api/":         false,
		"ftp://slack.example/api/":     false,
		"https://u:p@slack.example/x/": false,
	} {
		t.Setenv("SLABOT_SLACK_API_URL", url)
		_, err := loadConfig(false, true)
		if (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", url, err, ok)
		}
		if err != nil && strings.Contains(err.Error(), "u:p") {
			t.Errorf("%s: the error shows the credentials: %v", url, err)
		}
	}
}

// SLABOT_PUBLIC_URL is where Jira posts issue data: https, or http only to
// loopback, and only with the webhook secret (without it run serves no
// /jira/webhook, so every delivery would fail).
func TestPublicURL(t *testing.T) {
	for _, tc := range []struct {
		url, secret string
		ok          bool
	}{
		{"https://slabot.example.com", "s", true},
		{"https://slabot.example.com/base/", "s", true},
		{"http://127.0.0.1:9090", "s", true},
		{"http://slabot.example.com", "s", false},
		{"https://u:p@slabot.example.com", "s", false},
		{"https://slabot.example.com/?x=1", "s", false},
		{"https://slabot.example.com", "", false},
	} {
		t.Setenv("SLABOT_PUBLIC_URL", tc.url)
		t.Setenv("SLABOT_JIRA_WEBHOOK_SECRET", tc.secret)
		cfg, err := loadConfig(false, false)
		if (err == nil) != tc.ok {
			t.Errorf("%s (secret %q): %v, want ok=%v", tc.url, tc.secret, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "u:p") {
			t.Errorf("%s: the error shows the credentials: %v", tc.url, err)
		}
		if tc.ok && !strings.HasSuffix(cfg.webhookURL(), "/jira/webhook") || strings.Contains(cfg.webhookURL(), "//jira") {
			t.Errorf("%s: webhook URL %q", tc.url, cfg.webhookURL())
		}
	}
}

// A level-1 send stuck uncertain (Slack took it, the answer was lost, and
// the look-up in the channel's history fails) is blocked so the ladder
// goes on; `slabot check` names it with what failed, and exits 3: a person
// must look (grant the history scope, or see whether the message is there).
func TestCheckShowsBlockedOutboxRows(t *testing.T) {
	sites := newTestSites(t, nil, "")
	db := filepath.Join(t.TempDir(), "slabot.db")
	t.Setenv("SLABOT_DB", db)
	ctx := t.Context()
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := demoChannels(sites.policies)["#hydra-support"]
	sites.slack.Inject(slacksim.Fault{Kind: slacksim.DropAfterAccept, Method: "chat.postMessage", Channel: ch})
	sites.slack.Inject(slacksim.Fault{Kind: slacksim.ServerError, Method: "conversations.history", Channel: ch, Times: 1000})
	sender := slack.NewSender(slack.NewClient("xoxb-test", slack.ClientOptions{APIURL: sites.slack.APIURL()}), nil)
	ob, err := outbox.Open(ctx, st, sender, outbox.Options{UncertainLimit: time.Nanosecond, PerChannelInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ob.Escalate(ctx, time.Now(), rules.Notice{IssueKey: "HYD-7", Goal: "first_response", Cycle: 1,
		Step: "75%/agent", Level: 1, Rung: rules.RungAgent, Recipient: rules.Recipient{Channel: ch}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ob.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	code, out, errs := runCLI(t, "check", "--policies", "../../deploy/policies")
	if code != exitSite || !strings.Contains(errs, "FAIL  outbox: HYD-7|first_response|1|75%/agent blocked, uncertain whether it was posted") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// "slabot check warns, and a metric counts, when a calendar depends on
// dated entries or a feed and has none for the current or next year"
// (issue 13). Hydra's 2027 decree could not be read (issue 22): the shipped
// policies warn for Hydra's 2027 days only, say where the listed days come
// from, and exit 0. A copy of Sanarise without its 2027 feasts warns,
// names the file, the calendar and the year, and still exits 0.
func TestCheckWarnsOfStaleDatedHolidays(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "policies", "sanarise.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, now := range []string{"2026-01-01T00:00:00+03:00", "2026-12-31T23:00:00+03:00"} {
		code, out, errs := runCLI(t, "check", "--offline", "--now", now, "--policies", "../../deploy/policies")
		if code != exitOK || strings.Count(errs, "warn") != 1 ||
			!strings.Contains(errs, "warn  stale data: ../../deploy/policies/hydra.yaml:") ||
			!strings.Contains(errs, "dated holidays cover 2025-2026, none for 2027") ||
			!strings.Contains(errs, "No. 1466 of 24 Sep 2025") {
			t.Errorf("shipped policies at %s: exit %d, want 0 with Hydra's 2027 warning naming its sources\n%s%s", now, code, out, errs)
		}
	}
	var kept []string
	for _, l := range strings.Split(string(src), "\n") {
		if !strings.Contains(l, "2027") || strings.HasPrefix(strings.TrimSpace(l), "#") {
			kept = append(kept, l)
		}
	}
	path := filepath.Join(t.TempDir(), "sanarise.yaml")
	if err := os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "check", "--offline", "--now", "2026-12-02T10:00:00Z", path)
	if code != exitOK {
		t.Fatalf("a stale calendar is a warning, not a problem: exit %d\n%s%s", code, out, errs)
	}
	want := "warn  stale data: " + path + ":"
	if !strings.Contains(errs, want) || !strings.Contains(errs, "calendars.business: dated holidays cover 2025-2026, 2028-2030, none for 2027") {
		t.Errorf("want the 2027 warning for calendars.business, got:\n%s", errs)
	}
}

// A calendar fed by an iCalendar file next to the policy: check reads it
// (also --offline: it is local), and with the file gone says so and warns
// that the calendar has no days off for this year or the next.
func TestCheckLoadsHolidayFeeds(t *testing.T) {
	t.Setenv("SLABOT_FEED_CACHE", t.TempDir())
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "policies", "botron.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ics, err := os.ReadFile(filepath.Join("..", "..", "rules", "calendar", "testdata", "uk-holidays.ics"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i, j := strings.Index(s, "calendars:\n"), strings.Index(s, "\ntypes:")
	s = s[:i] + "calendars:\n  business:\n    week: {mon-fri: [\"06:00-22:00\"]}\n    feeds:\n      - {file: uk.ics, days_off: \"public holiday\"}\n" + s[j:]
	policy := filepath.Join(dir, "botron.yaml")
	if err := os.WriteFile(policy, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "uk.ics"), ics, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "check", "--offline", "--now", "2026-12-02T10:00:00Z", policy)
	if code != exitOK || strings.Contains(errs, "warn") {
		t.Fatalf("with the feed: exit %d, want 0 without warnings\n%s%s", code, out, errs)
	}
	if err := os.Remove(filepath.Join(dir, "uk.ics")); err != nil {
		t.Fatal(err)
	}
	// A fresh cache directory: no last good copy either.
	t.Setenv("SLABOT_FEED_CACHE", t.TempDir())
	code, out, errs = runCLI(t, "check", "--offline", "--now", "2026-12-02T10:00:00Z", policy)
	if code != exitOK || !strings.Contains(errs, "uk.ics: no such file") || !strings.Contains(errs, "warn  stale data: "+policy) {
		t.Errorf("without the feed: exit %d, want 0 with the read error and the stale warning\n%s%s", code, out, errs)
	}
}

// "a goal's target table that leaves one of the policy's priorities
// without a row is a warning naming the missing combinations (an explicit
// target: none row silences it)" (issue 13).
func TestCheckWarnsOfPrioritiesWithoutTargetRow(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "policies", "sanarise.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "sanarise.yaml")
	row := "      - {priority: low, target: none}\n"
	if !strings.Contains(string(src), row) {
		t.Fatal("sanarise.yaml lost its explicit low/none row")
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(src), row, "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "check", "--offline", "--now", "2026-12-02T10:00:00Z", path)
	if code != exitOK {
		t.Fatalf("a missing row is a warning: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{path + ":", "goals[1].targets: goal \"resolution\" has no target row for priority low: such issues",
		"show state unknown", "{priority: low, target: none}"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the warning does not say %q:\n%s", want, errs)
		}
	}
	code, _, errs = runCLI(t, "check", "--offline", "--now", "2026-12-02T10:00:00Z", "../../deploy/policies/sanarise.yaml")
	if code != exitOK || strings.Contains(errs, "target row") {
		t.Errorf("the shipped file (with its none row) warns: exit %d\n%s", code, errs)
	}
}

// A shared calendar file next to the policies (one flat directory, as a
// ConfigMap mounts it) is checked and listed as a calendar file, named
// alone it is checked too, and a mistake in it fails check at its line.
func TestCheckListsCalendarFiles(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "policies", "hydra.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(dir, "company-days.yaml")
	for name, body := range map[string]string{"hydra.yaml": string(src), "company-days.yaml": "holidays:\n  - {name: Founders day, date: \"06-01\"}\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := runCLI(t, "check", "--offline", "--now", "2026-12-02T10:00:00Z", "--policies", dir)
	if code != exitOK || !strings.Contains(out, "ok    "+shared+"  calendar file") || !strings.Contains(out, "Hydra Billing Support") {
		t.Errorf("directory: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, "check", "--offline", shared); code != exitOK || !strings.Contains(out, "calendar file") {
		t.Errorf("the calendar file alone: exit %d\n%s%s", code, out, errs)
	}
	if err := os.WriteFile(shared, []byte("holidays:\n  - {name: Founders day, date: \"13-01\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "check", "--offline", "--policies", dir); code != exitProblem || !strings.Contains(errs, shared+":2:") {
		t.Errorf("a bad calendar file: exit %d, want 1 naming %s:2\n%s%s", code, shared, out, errs)
	}
}

// "A handle that does not exist: slabot check names it with the fix", and
// which policy names it; a group that exists is reported ok.
func TestCheckNamesUnknownUserGroup(t *testing.T) {
	newTestSites(t, nil, "")
	src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "policies", "botron.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "groups: [support-leads]", "groups: [support-leads, suport-lead]", 1)
	if broken == string(src) {
		t.Fatal("botron.yaml names no group any more: update this test")
	}
	path := filepath.Join(t.TempDir(), "botron.yaml")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "check", "--policies", path)
	if code != exitSite {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{"FAIL  slack: user group @suport-lead: no user group has this handle: write the handle as Slack shows it",
		"(named in " + path + " ladder.rungs.team_lead.groups)"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "ok    slack user group @support-leads") || strings.Contains(out, "@suport-lead:") {
		t.Errorf("stdout:\n%s", out)
	}
}

// check compares Slack's clock with the host's (Slack's Date header) and
// warns beyond slack.SkewWarnBound, saying which way and what to fix.
func TestCheckComparesSlacksClock(t *testing.T) {
	for _, tc := range []struct {
		skew time.Duration
		want string
	}{
		{0, "ok    slack's clock is within a second of this host's"},
		{-30 * time.Minute, "warn  slack's clock is 30m0s behind this host's (more than 1m0s): synchronise the host's clock (NTP)"},
		{30 * time.Minute, "warn  slack's clock is 30m0s ahead of this host's"},
	} {
		sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithClock(func() time.Time { return time.Now().Add(tc.skew) }))
		sc := slack.NewClient("xoxb-test", slack.ClientOptions{APIURL: sim.APIURL()})
		if _, err := sc.AuthTest(t.Context()); err != nil {
			t.Fatal(err)
		}
		var out, errs strings.Builder
		checkSlackClock(sc, &checkReport{stdout: &out, stderr: &errs})
		if got := out.String() + errs.String(); !strings.Contains(got, tc.want) {
			t.Errorf("skew %v: %q, want %q", tc.skew, got, tc.want)
		}
		sim.Close()
	}
}
