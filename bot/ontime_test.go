package bot_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
	"github.com/slabot/slabot/rules/rulestest"
)

// The on-time tests run slabot over simulated Jira and Slack sites on one
// simulated clock (jirasim.ManualClock, the clock the demo runs on):
// product cycles fire on the product's cron schedule, and the dispatcher
// makes a pass at each instant it would wake for (Outbox.NextDue), as the
// daemon's dispatch loop does. Nothing waits for the wall clock, and the
// assertions are on simulated instants.

const (
	sanCustomer = "acc-mehmet"
	sanAgent    = "acc-ayse"
)

// outboxClock lets the dispatcher read the simulated clock; its waits
// (none here: pacing is off) pass without wall time.
// sanSite is Sanarise's Jira and Slack with slabot over them.
type sanSite struct {
	t      testing.TB
	clock  *jirasim.ManualClock
	jsim   *jirasim.Server
	ssim   *slacksim.Server
	ob     *outbox.Outbox
	w      *bot.Worker
	p      *rules.Policy
	sched  cron.Schedule
	stats  []bot.Stats
	events []siteEvent
	// onWrite, when set, runs before each issue write reaches Jira;
	// afterCycle after each cycle.
	onWrite, afterCycle func()
}

// siteEvent is something a person does in Jira at an instant.
type siteEvent struct {
	at time.Time
	do func() error
}

// writeHook runs the site's onWrite before each write.
type writeHook struct {
	*jira.Client
	s *sanSite
}

func (h writeHook) Write(ctx context.Context, pt rules.Patch) (map[string]string, error) {
	if h.s.onWrite != nil {
		h.s.onWrite()
	}
	return h.Client.Write(ctx, pt)
}

// newSanSite starts the site at t0 with SLABOT_SCHEDULE=@every 15m (the
// Sanarise policy names no schedule of its own) and the given write
// budget (zero: the default).
func newSanSite(t testing.TB, t0 time.Time, writeBudget time.Duration, tweaks ...func(*jira.Config, *bot.Config)) *sanSite {
	t.Helper()
	ctx := context.Background()
	p := rulestest.Seed(t, "sanarise")
	if p.Schedule != "" {
		t.Fatalf("the Sanarise policy has its own schedule %q; the test sets the default", p.Schedule)
	}
	specs, err := rules.FieldsOf([]*rules.Policy{p})
	if err != nil {
		t.Fatal(err)
	}
	seed := jirasim.DefaultSeed()
	seed.Projects = []jirasim.Project{{Key: "SAN", Name: "Sanarise", ServiceDesk: true}}
	seed.IssueTypes, seed.Priorities = nil, nil
	for _, ty := range p.Types {
		for _, j := range ty.Jira {
			seed.IssueTypes = append(seed.IssueTypes, jirasim.IssueType{Name: j})
		}
	}
	for _, pr := range p.Priorities {
		for _, j := range pr.Jira {
			seed.Priorities = append(seed.Priorities, jirasim.Priority{Name: j})
		}
	}
	seed.Fields = []jirasim.Field{{Name: "Organizations", Type: jirasim.FieldOrganizations}}
	kinds := map[rules.FieldKind]jirasim.FieldType{rules.KindDatetime: jirasim.FieldDatetime, rules.KindOption: jirasim.FieldSelect,
		rules.KindText: jirasim.FieldText, rules.KindNumber: jirasim.FieldNumber}
	for _, f := range specs {
		seed.Fields = append(seed.Fields, jirasim.Field{Name: f.Name, Type: kinds[f.Kind], Options: f.Options})
	}
	seed.Users = append(seed.Users[:1],
		jirasim.User{AccountID: sanAgent, DisplayName: "Ayşe Destek", Email: "ayse@sanarise.com", TimeZone: "Europe/Istanbul"},
		jirasim.User{AccountID: sanCustomer, DisplayName: "Mehmet Client", Email: "mehmet@client.com.tr", Customer: true, TimeZone: "Europe/Istanbul"})

	s := &sanSite{t: t, clock: jirasim.NewManualClock(t0), p: p}
	if s.jsim, err = jirasim.New(seed, jirasim.Options{Now: s.clock.Now}); err != nil {
		t.Fatal(err)
	}
	jsrv := httptest.NewServer(s.jsim)
	t.Cleanup(jsrv.Close)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	jcfg := jira.Config{BaseURL: jsrv.URL, Email: jirasim.BotEmail, APIToken: jirasim.BotToken, Fields: specs, Quiet: true,
		ManagedLabelPrefixes: []string{p.LabelPrefix}, Clock: clock.Simulated(s.clock.Now)}
	bcfg := bot.Config{Policies: []*rules.Policy{p}, Schedule: "@every 15m", Logger: quiet, WriteBudget: writeBudget}
	for _, tweak := range tweaks {
		tweak(&jcfg, &bcfg)
	}
	jc, err := jira.New(jcfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := jc.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	channels := map[string]string{"#sanarise-support": "C0SUP", "#sanarise-leads": "C0LEAD", "#sanarise-management": "C0MGMT"}
	s.ssim = slacksim.NewServer(slacksim.WithClock(s.clock.Now), slacksim.WithToken("xoxb-test"),
		slacksim.WithChannel("C0SUP", "sanarise-support"), slacksim.WithChannel("C0LEAD", "sanarise-leads"),
		slacksim.WithChannel("C0MGMT", "sanarise-management"))
	t.Cleanup(s.ssim.Close)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "slabot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	sender := slack.NewSender(slack.NewClient("xoxb-test", slack.ClientOptions{APIURL: s.ssim.APIURL(), Clock: clock.Simulated(s.clock.Now)}), nil)
	if s.ob, err = outbox.Open(ctx, st, sender, outbox.Options{Owner: "test", PerChannelInterval: -1, Clock: clock.Simulated(s.clock.Now),
		Channels: channels, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	bcfg.Source, bcfg.Writer, bcfg.Escalator, bcfg.Cursors, bcfg.BotAccountID = jc, writeHook{jc, s}, s.ob, st, jc.AccountID()
	if s.w, err = bot.New(bcfg); err != nil {
		t.Fatal(err)
	}
	if s.sched, err = cron.ParseStandard("@every 15m"); err != nil {
		t.Fatal(err)
	}
	return s
}

// create opens a critical issue of Mehmet's at the instant created.
func (s *sanSite) create(typ string, created time.Time) string {
	s.t.Helper()
	key, err := s.jsim.CreateIssue(jirasim.Issue{Project: "SAN", Type: typ, Priority: "Critical", Reporter: sanCustomer,
		Summary: "Database unreachable", Created: created, Status: "Open"})
	if err != nil {
		s.t.Fatal(err)
	}
	return key
}

// at schedules something a person does in Jira.
func (s *sanSite) at(t time.Time, do func() error) {
	s.events = append(s.events, siteEvent{t, do})
	sort.SliceStable(s.events, func(i, j int) bool { return s.events[i].at.Before(s.events[j].at) })
}

// run plays the site from now until end: the people's events at their
// instants, a cycle of the product at each tick of its schedule (the
// first at once, as the daemon's), and a delivery pass at each instant
// the dispatcher wakes for, whichever comes first.
func (s *sanSite) run(end time.Time) {
	s.t.Helper()
	ctx := context.Background()
	tick := s.clock.Now()
	for range 100000 {
		due, ok := s.ob.NextDue(ctx)
		next := tick
		if len(s.events) > 0 && s.events[0].at.Before(next) {
			next = s.events[0].at
		}
		if ok && due.Before(next) {
			next = due
		}
		if next.After(end) {
			return
		}
		if next.After(s.clock.Now()) {
			s.clock.Set(next)
		}
		switch {
		case ok && next.Equal(due):
			if _, err := s.ob.RunOnce(ctx); err != nil {
				s.t.Fatal(err)
			}
		case len(s.events) > 0 && next.Equal(s.events[0].at):
			ev := s.events[0]
			s.events = s.events[1:]
			if err := ev.do(); err != nil {
				s.t.Fatal(err)
			}
		default:
			st, err := s.w.Cycle(ctx, s.p.Product, tick)
			if err != nil {
				s.t.Fatalf("cycle at %v: %v", tick, err)
			}
			s.stats = append(s.stats, st)
			if s.afterCycle != nil {
				s.afterCycle()
			}
			tick = s.sched.Next(tick)
		}
	}
	s.t.Fatal("the simulation did not reach its end")
}

// post is one message slabot posted, by its outbox key.
type post struct {
	at      time.Time
	channel string
	text    string
}

// posts lists the messages posted (chat.postMessage answered ok) by key.
func (s *sanSite) posts() map[string][]post {
	s.t.Helper()
	at := map[string]time.Time{}
	for _, c := range s.ssim.Calls("chat.postMessage") {
		if c.Error == "" && c.TS != "" {
			at[c.Channel+"/"+c.TS] = c.At
		}
	}
	out := map[string][]post{}
	for _, m := range s.ssim.AllMessages() {
		if m.Metadata == nil {
			continue
		}
		k, _ := m.Metadata.EventPayload["key"].(string)
		out[k] = append(out[k], post{at: at[m.Channel+"/"+m.TS], channel: m.Channel, text: m.Text})
	}
	return out
}

// onTime fails unless the step key was posted once, to channel, within 2
// seconds after its instant.
func (s *sanSite) onTime(posts map[string][]post, key, channel string, instant time.Time) post {
	s.t.Helper()
	ps := posts[key]
	if len(ps) != 1 {
		s.t.Errorf("%s: %d messages; want 1", key, len(ps))
		return post{}
	}
	if late := ps[0].at.Sub(instant); late < 0 || late > 2*time.Second || ps[0].channel != channel {
		s.t.Errorf("%s: posted to %s at %s, %v after its instant %s; want %s within 2 s", key, ps[0].channel,
			ps[0].at.Format(time.RFC3339Nano), late, instant.Format(time.RFC3339Nano), channel)
	}
	return ps[0]
}

// Issue 21: "A step posts within 2 seconds of its instant while Slack
// answers, whatever the product's poll schedule." SAN-2 as the issue
// found it in the demo: critical (first response 1 h, 24/7; an access
// issue, a type critical applies to), opened 07:00:00.585, answered
// 08:00:00.677, 92 ms late; the product polls every 15 minutes
// (07:05, 07:20, ...), so no cycle runs at any step's instant. Its 75 %
// reminder goes out at 07:45:00.585 saying the 15 minutes left then (it
// went out at the deadline saying "less than a minute" when steps waited
// for a tick), the breach step at 08:00:00.585; the management step
// (breach+2h) is cancelled once a cycle sees the answer.
func TestStepsPostAtTheirInstantOnA15MinuteSchedule(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 7, 5, 0, 0, time.UTC)
	s := newSanSite(t, t0, 0)
	created := time.Date(2026, 11, 3, 7, 0, 0, 585e6, time.UTC)
	key := s.create("Cannot Access Website/Database", created)
	s.at(created.Add(time.Hour+677*time.Millisecond), func() error {
		_, err := s.jsim.AddComment(key, sanAgent, "Looking at the CSS.", false, s.clock.Now())
		return err
	})
	s.run(created.Add(4 * time.Hour))

	posts := s.posts()
	reminder := s.onTime(posts, rules.NoticeKey(key, "first_response", 1, "75%/agent"), "C0SUP", created.Add(45*time.Minute))
	if strings.Contains(reminder.text, "due in less than a minute") || !strings.Contains(reminder.text, "due in 15m") {
		t.Errorf("75%% reminder %q; want the 15 minutes left at its instant", reminder.text)
	}
	s.onTime(posts, rules.NoticeKey(key, "first_response", 1, "breach/team_lead"), "C0LEAD", created.Add(time.Hour))
	if ps := posts[rules.NoticeKey(key, "first_response", 1, "breach+2h/management")]; len(ps) != 0 {
		t.Errorf("management told of a goal answered 2 h before: %+v", ps)
	}
	r, err := s.ob.Get(context.Background(), rules.NoticeKey(key, "first_response", 1, "breach+2h/management"))
	if err != nil || r.State != outbox.StateCancelled {
		t.Errorf("management step recorded ahead: %+v %v; want cancelled once the answer was seen", r, err)
	}
}

// Issue 21: "notices are handed over before and independently of the
// issue writes, and a cycle's writes have a time budget." With every Jira
// PUT hanging 40 s (past the client's 30 s timeout), six breached issues'
// steps (75 %, breach, breach+2h each, 18 in all) post within 2 s of
// their instants: every cycle hands its steps over before its first write
// (the outbox holds no more rows after the cycle than when the first
// write began), and the writes stop at the budget, the rest deferred to
// the next cycle.
func TestStepsOnTimeWhileJiraWritesHang(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 7, 5, 0, 0, time.UTC)
	s := newSanSite(t, t0, 50*time.Millisecond) // wall time: the hanging PUTs are cut off at it
	s.jsim.InjectFault(jirasim.Fault{Method: http.MethodPut, Path: "/rest/api/2/issue/*", Latency: 40 * time.Second})
	var keys []string
	var created []time.Time
	for i := range 6 {
		c := time.Date(2026, 11, 3, 7, 0, 0, 0, time.UTC).Add(time.Duration(i)*7*time.Minute + time.Duration(101+i*111)*time.Millisecond)
		keys = append(keys, s.create("Cannot Access Website/Database", c))
		created = append(created, c)
	}
	ctx := context.Background()
	rows := func() int {
		c, err := s.ob.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c[outbox.StatePending] + c[outbox.StateSending] + c[outbox.StateSent] + c[outbox.StateCancelled]
	}
	var atFirstWrite []int
	writing := false
	var mu sync.Mutex // a cycle writes several issues at once
	s.onWrite = func() {
		mu.Lock()
		defer mu.Unlock()
		if !writing {
			writing = true
			atFirstWrite = append(atFirstWrite, rows())
		}
	}
	s.afterCycle = func() {
		mu.Lock()
		defer mu.Unlock()
		if writing && atFirstWrite[len(atFirstWrite)-1] != rows() {
			t.Errorf("cycle %d recorded steps after its first write began (%d rows then, %d after)", len(s.stats), atFirstWrite[len(atFirstWrite)-1], rows())
		}
		writing = false
	}
	s.run(created[5].Add(3*time.Hour + time.Minute))

	posts := s.posts()
	for i, key := range keys {
		s.onTime(posts, rules.NoticeKey(key, "first_response", 1, "75%/agent"), "C0SUP", created[i].Add(45*time.Minute))
		s.onTime(posts, rules.NoticeKey(key, "first_response", 1, "breach/team_lead"), "C0LEAD", created[i].Add(time.Hour))
		s.onTime(posts, rules.NoticeKey(key, "first_response", 1, "breach+2h/management"), "C0MGMT", created[i].Add(3*time.Hour))
	}
	deferred := 0
	for _, st := range s.stats {
		deferred += st.WritesDeferred
	}
	if deferred == 0 || len(atFirstWrite) == 0 {
		t.Errorf("no write deferred by the budget (%d cycles, %d with writes): the hanging PUTs were not in the way", len(s.stats), len(atFirstWrite))
	}
}

// The trade-off of posting at the instant: what happens in Jira between
// two polls is known at the next poll. SAN-2 is answered at 07:44, a
// minute before its 75 % instant, between the polls of 07:35 and 07:50:
// the reminder foreseen at 07:35 goes out at 07:45:00.585; the poll at
// 07:50 sees the answer, withdraws the breach and management steps
// recorded ahead (nothing more is posted), and rewrites the reminder's
// status line (its buttons go: the goal stopped), although no step fell
// due before the stop.
func TestAnswerBetweenPollsStopsTheThread(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 7, 5, 0, 0, time.UTC)
	s := newSanSite(t, t0, 0)
	created := time.Date(2026, 11, 3, 7, 0, 0, 585e6, time.UTC)
	key := s.create("Cannot Access Website/Database", created)
	s.at(created.Add(44*time.Minute), func() error {
		_, err := s.jsim.AddComment(key, sanAgent, "On it.", false, s.clock.Now())
		return err
	})
	s.run(created.Add(4 * time.Hour))

	posts := s.posts()
	s.onTime(posts, rules.NoticeKey(key, "first_response", 1, "75%/agent"), "C0SUP", created.Add(45*time.Minute))
	if len(posts) != 1 {
		t.Errorf("%d steps posted; want the reminder only", len(posts))
	}
	for _, step := range []string{"breach/team_lead", "breach+2h/management"} {
		r, err := s.ob.Get(context.Background(), rules.NoticeKey(key, "first_response", 1, step))
		if err != nil || r.State != outbox.StateCancelled || r.SentAt != (time.Time{}) {
			t.Errorf("%s: %s %q %v; want cancelled, never sent", step, r.State, r.LastError, err)
		}
	}
	ups := s.ssim.Calls("chat.update")
	if poll := t0.Add(45 * time.Minute); len(ups) == 0 || ups[0].At.Before(poll) {
		t.Fatalf("status line updates %+v; want the reminder's rewritten after the 07:50 poll", ups)
	}
	if msgs := s.ssim.Messages("C0SUP"); len(msgs) != 1 || strings.Contains(string(msgs[0].Blocks), "slabot.ack") {
		t.Errorf("the reminder still offers its buttons after the goal stopped: %s", msgs[0].Blocks)
	}
}

// "Rows recorded for a future instant must be cancelled/updated when the
// issue changes": SAN-2 waits for the customer from 07:20 to 07:40, so its
// first response deadline moves 20 minutes (Sanarise: "Waiting for
// Customer" pauses it). The reminder foreseen for 07:45:00.585 at the
// 07:05 and 07:20 polls is withdrawn by the 07:35 poll (paused: its
// instant is unknown) and handed over again by the 07:50 one for
// 08:05:00.585, when it posts; nothing is posted at 07:45.
func TestPauseMovesTheStepsRecordedAhead(t *testing.T) {
	t0 := time.Date(2026, 11, 3, 7, 5, 0, 0, time.UTC)
	s := newSanSite(t, t0, 0)
	created := time.Date(2026, 11, 3, 7, 0, 0, 585e6, time.UTC)
	key := s.create("Cannot Access Website/Database", created)
	s.at(created.Add(20*time.Minute), func() error { return s.jsim.Transition(key, "Waiting for customer", sanAgent, s.clock.Now()) })
	s.at(created.Add(40*time.Minute), func() error { return s.jsim.Transition(key, "Open", sanCustomer, s.clock.Now()) })
	s.run(created.Add(70 * time.Minute))

	posts := s.posts()
	s.onTime(posts, rules.NoticeKey(key, "first_response", 1, "75%/agent"), "C0SUP", created.Add(65*time.Minute))
	if len(posts) != 1 {
		t.Errorf("posted %v; want the reminder only (the breach is at 08:20:00.585)", posts)
	}
	r, err := s.ob.Get(context.Background(), rules.NoticeKey(key, "first_response", 1, "breach/team_lead"))
	if err != nil || r.State != outbox.StatePending || !r.DueAt.Equal(created.Add(80*time.Minute)) {
		t.Errorf("breach step: %s due %v %v; want pending at %v", r.State, r.DueAt, err, created.Add(80*time.Minute))
	}
}
