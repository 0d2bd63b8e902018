package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// buttonsEnv is the demo's sites and slabot with its Socket Mode listener,
// for tests of the buttons on ladder messages. Everything goes over real
// HTTP (go-jira, slack-go) and a real websocket (slack-go's socketmode).
type buttonsEnv struct {
	*demoEnv
	t          *testing.T
	stopListen func()
	listens    int
}

const (
	leadUser  = "U0LINA" // Lina Lead: in the Botron ladder channels
	outsider  = "U0OLAF" // not in any Botron ladder channel
	leadEmail = "lina@botronsoft.com"
)

func newButtonsEnv(t *testing.T) *buttonsEnv {
	t.Helper()
	ctx := context.Background()
	d := newTestDemo(t, ctx)
	e := &buttonsEnv{demoEnv: d, t: t}
	t.Cleanup(e.stopListening) // runs before newTestDemo's close
	ch := demoChannels(d.policies)
	d.ssim.AddUser(slacksim.User{ID: leadUser, Name: "lina", Real: "Lina Lead", Email: leadEmail})
	d.ssim.AddUser(slacksim.User{ID: outsider, Name: "olaf", Real: "Olaf Outsider", Email: "olaf@elsewhere.example"})
	d.ssim.Join(ch["#botron-support"], leadUser)
	d.ssim.Join(ch["#botron-leads"], leadUser)
	e.listen()
	return e
}

// listen starts this "process"'s Socket Mode listener and waits until it
// is connected.
func (e *buttonsEnv) listen() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.slack.Listen(ctx, e.clicks, e.log)
	}()
	e.stopListen = func() { cancel(); <-done }
	e.listens++
	wait, cancelWait := context.WithTimeout(ctx, 30*time.Second)
	defer cancelWait()
	if err := e.ssim.WaitConnected(wait, e.listens); err != nil {
		e.t.Fatal(err)
	}
}

func (e *buttonsEnv) stopListening() {
	if e.stopListen != nil {
		e.stopListen()
		e.stopListen = nil
	}
}

// restart is a crash and a new process over the same database.
func (e *buttonsEnv) restart() {
	e.stopListening()
	e.stop()
	if err := e.start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.listen()
}

// tickUntil steps the clock by the demo's tick, running every product's
// cycle and a delivery pass, until cond holds.
func (e *buttonsEnv) tickUntil(what string, max int, cond func() bool) {
	e.t.Helper()
	for range max {
		if cond() {
			return
		}
		e.clock.Advance(e.tick)
		if err := e.cycleAll(context.Background(), e.clock.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
	if !cond() {
		e.t.Fatalf("%s: not after %d ticks (now %s)", what, max, e.clock.Now())
	}
}

func (e *buttonsEnv) ticks(n int) {
	for range n {
		e.clock.Advance(e.tick)
		if err := e.cycleAll(context.Background(), e.clock.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
}

// message returns the message of one step of the issue's first response
// ladder, if posted.
func (e *buttonsEnv) message(issue, step string) (slacksim.Message, bool) {
	key := rules.NoticeKey(issue, "first_response", 1, step)
	for _, m := range e.ssim.AllMessages() {
		if m.Metadata != nil && m.Metadata.EventPayload["key"] == key {
			return m, true
		}
	}
	return slacksim.Message{}, false
}

// press presses a button of a posted message and waits for the ack.
func (e *buttonsEnv) press(user string, m slacksim.Message, action string) slacksim.Envelope {
	e.t.Helper()
	env, err := e.ssim.Press(slacksim.Click{User: user, Channel: m.Channel, TS: m.TS, ActionID: action})
	if err != nil {
		e.t.Fatal(err)
	}
	e.deliver(env)
	return env
}

func (e *buttonsEnv) deliver(env slacksim.Envelope) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.ssim.Deliver(ctx, env); err != nil {
		e.t.Fatal(err)
	}
}

// waitReplies waits until user got n answers: the answer is posted after
// the envelope is acknowledged, so it may trail Deliver.
func (e *buttonsEnv) waitReplies(user string, n int) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(e.replies(user)) < n {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s got %d answers, want %d: %q", user, len(e.replies(user)), n, e.replies(user))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// replies returns the ephemeral answers user got, in order.
func (e *buttonsEnv) replies(user string) []string {
	var out []string
	for _, m := range e.ssim.Ephemerals() {
		if m.User == user {
			out = append(out, m.Text)
		}
	}
	return out
}

func (e *buttonsEnv) latest(user string) string {
	r := e.replies(user)
	if len(r) == 0 {
		return ""
	}
	return r[len(r)-1]
}

func (e *buttonsEnv) openIssue(summary string) string {
	e.t.Helper()
	key, err := e.jsim.CreateIssue(jirasim.Issue{Project: "BEXP", Type: "Question", Priority: "Medium", Reporter: botronCust,
		Summary: summary, Description: "please", Created: e.clock.Now(), Status: "Open"})
	if err != nil {
		e.t.Fatal(err)
	}
	return key
}

// withHalfwayStep gives Botron's ladder a 50% reminder before the 75% one,
// so there is a reminder to hold back and to snooze, and sets the
// acknowledgement rule.
func withHalfwayStep(p *rules.Policy, rule rules.AckRule) {
	half := p.Ladder.Steps[0]
	half.At, half.Share = "50%", 0.5
	steps := append([]rules.Step{half}, p.Ladder.Steps...)
	for i := range steps {
		steps[i].Level = i + 1
	}
	p.Ladder.Steps = steps
	p.Ladder.Ack = rule
}

// blocksText is a message's blocks with JSON's escapes of <, > and & undone.
func blocksText(m slacksim.Message) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(m.Blocks))
}

func blocksHaveButton(m slacksim.Message, action string) bool {
	return strings.Contains(string(m.Blocks), `"action_id":"`+action+`"`)
}

// "An Acknowledge click holds back the next step as the policy says, edits
// the parent, writes one Jira comment; the same click delivered twice, and
// a crash between receiving and applying it, still give one comment; a
// non-member gets an ephemeral refusal" (issue 15, Must show).
func TestAcknowledgeFromSlack(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	e := newButtonsEnv(t)
	bp := policyFor(e.policies, "BEXP")
	withHalfwayStep(bp, rules.AckRule{Hold: rules.HoldUntilBreach, Management: true, Internal: true})
	e.clock.Set(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)) // a Tuesday morning
	key := e.openIssue("Exporter stops at 99% <!channel>")
	e.tickUntil("the 50% reminder", 400, func() bool { _, ok := e.message(key, "50%/agent"); return ok })
	parent, _ := e.message(key, "50%/agent")
	if !blocksHaveButton(parent, "slabot.ack") || !blocksHaveButton(parent, "slabot.claim") || !blocksHaveButton(parent, "slabot.snooze.30m") {
		t.Fatalf("the ladder message has no buttons: %s", parent.Blocks)
	}

	// Someone outside the ladder's channels is refused, and nothing is stored.
	e.press(outsider, parent, "slabot.ack")
	e.waitReplies(outsider, 1)
	if r := e.latest(outsider); !strings.Contains(r, "Only members of") || !strings.Contains(r, "#botron-leads") {
		t.Errorf("outsider's reply: %q", r)
	}
	if acts, _ := e.outbox.Actions(context.Background(), "BEXP"); len(acts) != 0 {
		t.Fatalf("a refused click was stored: %+v", acts)
	}

	// Lina acknowledges; Slack delivers the envelope twice and she double
	// clicks: one acknowledgement.
	env := e.press(leadUser, parent, "slabot.ack")
	e.deliver(env)
	e.press(leadUser, parent, "slabot.ack")
	e.waitReplies(leadUser, 2)
	if r := e.replies(leadUser); len(r) < 2 || !strings.Contains(r[0], "Acknowledged "+key) || !strings.Contains(r[len(r)-1], "already acknowledged by <@"+leadUser+">") {
		t.Errorf("Lina's replies: %q", r)
	}
	if acts, _ := e.outbox.Actions(context.Background(), "BEXP"); len(acts) != 1 {
		t.Errorf("%d stored clicks, want the one acknowledgement: %+v", len(acts), acts)
	}
	for _, a := range e.ssim.Acks() {
		if a.Late {
			t.Errorf("envelope %s acknowledged after Slack's 3 seconds (%s)", a.EnvelopeID, a.After)
		}
	}

	// Crash after the click is stored, before any cycle applied it.
	e.restart()
	e.tickUntil("the acknowledgement comment", 4, func() bool { return ackComments(e, key) > 0 })
	e.ticks(3)
	if n := ackComments(e, key); n != 1 {
		t.Errorf("%d acknowledgement comments in Jira, want 1", n)
	}
	is, _ := e.jsim.Issue(key)
	for _, c := range is.Comments {
		if strings.Contains(c.Body, "[slabot:ack-first_response-1]") && (!c.Internal || !strings.Contains(c.Body, "lina (Slack user "+leadUser+")")) {
			t.Errorf("acknowledgement comment is not internal or does not say who: %+v", c)
		}
	}

	// The parent now says who acknowledged, and offers no second Acknowledge.
	parent, _ = e.message(key, "50%/agent")
	if len(parent.Edits) == 0 || !strings.Contains(blocksText(parent), "Acknowledged by <@"+leadUser+">") || blocksHaveButton(parent, "slabot.ack") {
		t.Errorf("parent not updated: edits %d, blocks %s", len(parent.Edits), parent.Blocks)
	}

	// until_breach: the 75% reminder is held back (recorded, never posted);
	// the breach step still goes to the team lead.
	e.tickUntil("the breach step", 400, func() bool { _, ok := e.message(key, "breach/team_lead"); return ok })
	if _, ok := e.message(key, "75%/agent"); ok {
		t.Error("the 75% reminder was posted after the acknowledgement")
	}
	// The team lead rung names @support-leads: its message mentions the group.
	if m, _ := e.message(key, "breach/team_lead"); !strings.HasPrefix(m.Text, "<!subteam^S0001> ") {
		t.Errorf("the team lead's message does not mention @support-leads: %s", m.Text)
	}
	row, err := e.outbox.Get(context.Background(), rules.NoticeKey(key, "first_response", 1, "75%/agent"))
	if err != nil || row.State != outbox.StateCancelled || !strings.Contains(row.LastError, "held back: acknowledged in Slack by <@"+leadUser+">") {
		t.Errorf("75%% step row: %+v %v", row, err)
	}
}

func ackComments(e *buttonsEnv, key string) int {
	is, _ := e.jsim.Issue(key)
	n := 0
	for _, c := range is.Comments {
		if strings.Contains(c.Body, "[slabot:ack-first_response-1]") {
			n++
		}
	}
	return n
}

// Claim assigns the issue in Jira to whoever clicked (Slack user ->
// e-mail -> Jira account); Snooze delays the next reminder and never
// passes the deadline.
func TestClaimAndSnoozeFromSlack(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	e := newButtonsEnv(t)
	bp := policyFor(e.policies, "BEXP")
	withHalfwayStep(bp, rules.AckRule{Hold: rules.HoldUntilBreach, Management: true, Internal: true})
	e.clock.Set(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC))
	key := e.openIssue("Licence server unreachable")
	e.tickUntil("the 50% reminder", 400, func() bool { _, ok := e.message(key, "50%/agent"); return ok })
	half, _ := e.message(key, "50%/agent")

	e.press(leadUser, half, "slabot.claim")
	e.waitReplies(leadUser, 1)
	e.tickUntil("the claim in Jira", 4, func() bool { is, _ := e.jsim.Issue(key); return is.Assignee == botronLead })
	if r := e.latest(leadUser); !strings.Contains(r, "Claimed "+key) {
		t.Errorf("reply %q", r)
	}

	// Snooze 1 h half an hour before the 75% reminder: it waits until the
	// snooze ends.
	_, ev := e.worker.Outcomes(bp.Product, e.clock.Now())
	at75, deadline := ladderStepAt(t, ev, key, "75%"), goalDeadline(t, ev, key)
	e.tickUntil("half an hour before the 75% reminder", 400, func() bool { return !e.clock.Now().Before(at75.Add(-30 * time.Minute)) })
	half, _ = e.message(key, "50%/agent")
	e.press(leadUser, half, "slabot.snooze.1h")
	until := e.clock.Now().Add(time.Hour)
	e.waitReplies(leadUser, 2)
	if r := e.latest(leadUser); !strings.Contains(r, "Snoozed "+key) {
		t.Errorf("reply %q (all: %q)", r, e.replies(leadUser))
	}
	e.tickUntil("the 75% reminder", 400, func() bool { _, ok := e.message(key, "75%/agent"); return ok })
	r75, _ := e.outbox.Get(context.Background(), rules.NoticeKey(key, "first_response", 1, "75%/agent"))
	if r75.SentAt.Before(until) || !r75.DueAt.Equal(at75) {
		t.Errorf("75%% reminder due %s, sent %s: the snooze should have held it until %s", r75.DueAt, r75.SentAt, until)
	}

	// A snooze half an hour before the deadline cannot pass it: the
	// breach step goes out at the deadline, not an hour after the click.
	e.tickUntil("half an hour before the deadline", 400, func() bool { return !e.clock.Now().Before(deadline.Add(-30 * time.Minute)) })
	m75, _ := e.message(key, "75%/agent")
	e.press(leadUser, m75, "slabot.snooze.1h")
	e.tickUntil("the breach step", 400, func() bool { _, ok := e.message(key, "breach/team_lead"); return ok })
	rb, _ := e.outbox.Get(context.Background(), rules.NoticeKey(key, "first_response", 1, "breach/team_lead"))
	if rb.SentAt.After(deadline) {
		t.Errorf("breach step sent %s, deadline %s: a snooze delayed it past the deadline", rb.SentAt, deadline)
	}
}

// ladderStepAt is when the issue's first response ladder step at fires.
func ladderStepAt(t *testing.T, ev *rules.Evaluation, key, at string) time.Time {
	t.Helper()
	for i := range ev.Outcomes {
		if ev.Outcomes[i].Issue.Key == key {
			for _, s := range ev.Outcomes[i].Goal("first_response").Steps {
				if s.Step.At == at {
					return s.At
				}
			}
		}
	}
	t.Fatalf("no %s step for %s", at, key)
	return time.Time{}
}

func goalDeadline(t *testing.T, ev *rules.Evaluation, key string) time.Time {
	t.Helper()
	for i := range ev.Outcomes {
		if ev.Outcomes[i].Issue.Key == key {
			if gs := ev.Outcomes[i].Goal("first_response"); gs != nil {
				return gs.Deadline
			}
		}
	}
	t.Fatalf("no first response deadline for %s", key)
	return time.Time{}
}

// "A page triggered once and resolved when met" (issue 15, Must show): the
// demo pages Botron's management rung through the PagerDuty simulator,
// with go-pagerduty over real HTTP; a restart does not page again.
func TestPageTriggeredOnceResolvedWhenMet(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	e := newButtonsEnv(t)
	e.clock.Set(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC))
	key := e.openIssue("Billing export hangs")
	e.tickUntil("the management step", 600, func() bool { _, ok := e.message(key, "breach+1bd/management"); return ok })
	e.restart()
	e.ticks(4)
	dedup := rules.PageDedupKey(key, "first_response", 1)
	alerts := e.pd.Alerts()
	if len(alerts) != 1 || alerts[0].DedupKey != dedup || alerts[0].Triggers != 1 || alerts[0].Status != "triggered" {
		t.Fatalf("alerts after the management step and a restart: %+v", alerts)
	}
	if _, err := e.jsim.AddComment(key, botronAgent, "Looking at it now.", false, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.tickUntil("the resolve", 8, func() bool { a := e.pd.Alerts(); return len(a) == 1 && a[0].Status == "resolved" })
	e.ticks(3)
	if a := e.pd.Alerts(); len(a) != 1 || a[0].Triggers != 1 || a[0].Resolves != 1 {
		t.Errorf("alerts after the goal was met: %+v", a)
	}
	for _, ev := range e.pd.Events() {
		if ev.Action == "trigger" && (ev.Severity != "critical" || !strings.Contains(ev.Summary, key) || !strings.Contains(ev.Summary, "First response")) {
			t.Errorf("trigger event %+v", ev)
		}
	}
}

// "A digest posted once per period across a restart" (issue 15, Must
// show): per product, on the policy's schedule, one message to the rung's
// channel listing what is at risk and breached, counts at the top.
func TestDigestOncePerPeriod(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	e := newButtonsEnv(t)
	bp := policyFor(e.policies, "BEXP")
	dg, err := rules.NewDigest("0 9 * * *", rules.RungTeamLead, bp.Ladder.Channels[rules.RungTeamLead], bp.Location)
	if err != nil {
		t.Fatal(err)
	}
	bp.Digest = dg
	e.clock.Set(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC))
	late := e.openIssue("Export <!here> fails")
	e.clock.Set(time.Date(2026, 11, 3, 16, 0, 0, 0, time.UTC))
	e.openIssue("Question about licences")
	leads := demoChannels(e.policies)["#botron-leads"]
	digests := func() []slacksim.Message {
		var out []slacksim.Message
		for _, m := range e.ssim.Messages(leads) {
			if m.Metadata != nil && strings.HasPrefix(m.Metadata.EventPayload["key"].(string), "digest|") {
				out = append(out, m)
			}
		}
		return out
	}
	// Started within today's period (09:00): today's digest goes out at
	// once, with nothing at risk yet.
	e.tickUntil("today's digest", 4, func() bool { return len(digests()) == 1 })
	if text := blocksText(digests()[0]); !strings.Contains(text, "*0 breached* · *0 at risk*") {
		t.Errorf("first digest: %s", text)
	}
	e.tickUntil("tomorrow's digest", 120, func() bool { return len(digests()) == 2 })
	second := digests()[1]
	text := blocksText(second)
	if !strings.Contains(text, "Wed 4 Nov 2026 09:00") || !strings.Contains(text, "*1 breached* · *") {
		t.Errorf("digest has no counts at the top: %s", text)
	}
	if !strings.Contains(text, late) || !strings.Contains(text, "Export &lt;!here&gt; fails") || !strings.Contains(text, "First response *breached*") ||
		!strings.Contains(second.Text, "SLA digest") || strings.Contains(second.Text, "<!here>") {
		t.Errorf("digest does not list %s (escaped, with its goal's title): %s\n%s", late, text, second.Text)
	}
	e.restart()
	e.ticks(8) // the rest of the period's morning, after a restart
	if n := len(digests()); n != 2 {
		t.Errorf("%d digests after a restart within the second period, want 2", n)
	}
	e.tickUntil("the third day's digest", 120, func() bool { return len(digests()) == 3 })
}

// "A step may repeat every N (wall time) until the goal is met or
// acknowledged" (issue 15): the repeat is a reply in the step's thread,
// and an acknowledgement stops the repeats.
func TestRepeatUntilAcknowledged(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	e := newButtonsEnv(t)
	bp := policyFor(e.policies, "BEXP")
	withHalfwayStep(bp, rules.AckRule{Hold: rules.HoldUntilBreach, Management: true, Internal: true})
	bp.Ladder.Steps[0].Repeat = time.Hour
	e.clock.Set(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC))
	key := e.openIssue("Reports are empty")
	e.tickUntil("the 50% reminder", 400, func() bool { _, ok := e.message(key, "50%/agent"); return ok })
	parent, _ := e.message(key, "50%/agent")
	e.tickUntil("the first repeat", 8, func() bool { _, ok := e.message(key, "50%/agent#1"); return ok })
	rep, _ := e.message(key, "50%/agent#1")
	if rep.ThreadTS != parent.TS || rep.Channel != parent.Channel {
		t.Errorf("repeat not in the reminder's thread: %+v", rep)
	}
	e.press(leadUser, parent, "slabot.ack")
	e.waitReplies(leadUser, 1)
	e.ticks(12) // three hours
	for k := 2; k <= 4; k++ {
		if _, ok := e.message(key, fmt.Sprintf("50%%/agent#%d", k)); ok {
			t.Errorf("repeat %d posted after the acknowledgement", k)
		}
	}
}

// "A lead who is not in the channel must be able to act": a member of
// @support-leads (Botron's team_lead rung names it) who is in no ladder
// channel acknowledges; someone in neither is still refused, and the
// refusal names the group.
func TestUserGroupMemberAcknowledges(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	e := newButtonsEnv(t)
	const greta = "U0GRETA"
	e.ssim.AddUser(slacksim.User{ID: greta, Name: "greta", Real: "Greta Gruppe", Email: "greta@botronsoft.com"})
	// S0001 is demoUserGroups' id for @support-leads, the policies' only group.
	e.ssim.AddUserGroup(slacksim.UserGroup{ID: "S0001", Handle: "support-leads", Name: "Support leads", Users: []string{leadUser, greta}})
	e.clock.Set(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC))
	key := e.openIssue("Importer hangs on Überprüfung")
	e.tickUntil("the 75% reminder", 400, func() bool { _, ok := e.message(key, "75%/agent"); return ok })
	m, _ := e.message(key, "75%/agent")

	e.press(outsider, m, "slabot.ack")
	e.waitReplies(outsider, 1)
	if r := e.latest(outsider); !strings.Contains(r, "Only members of") || !strings.Contains(r, "user groups (@support-leads)") {
		t.Errorf("outsider's reply: %q", r)
	}
	e.press(greta, m, "slabot.ack")
	e.waitReplies(greta, 1)
	if r := e.latest(greta); !strings.Contains(r, "Acknowledged "+key) {
		t.Errorf("the group member's reply: %q", r)
	}
	if acts, _ := e.outbox.Actions(context.Background(), "BEXP"); len(acts) != 1 || acts[0].User != greta {
		t.Errorf("stored clicks %+v, want Greta's acknowledgement alone", acts)
	}
	e.press(greta, m, "slabot.ack") // a double click: the same fact
	e.waitReplies(greta, 2)
	clicks := e.clicks.Metrics.Clicks
	for result, want := range map[string]float64{"refused": 1, "recorded": 1, "repeated": 1, "error": 0} {
		var m dto.Metric
		if err := clicks.WithLabelValues("Botron Support", "acknowledge", result).Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != want {
			t.Errorf("slabot_clicks_total{result=%q} = %v, want %v", result, got, want)
		}
	}
}

// "A person can press a message's buttons without writing Go: ... a
// documented HTTP route" (README "Play with it live"): POST
// slacksim.PressPath with the user, the channel and the button, the ts
// left out (the newest message there with that button). slabot answers
// Lina, the thread's parent says who acknowledged, and the internal
// comment lands in Jira.
func TestPressRouteAcknowledges(t *testing.T) {
	t.Parallel()
	e := newButtonsEnv(t)
	bp := policyFor(e.policies, "BEXP")
	withHalfwayStep(bp, rules.AckRule{Hold: rules.HoldUntilBreach, Management: true, Internal: true})
	e.clock.Set(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC))
	key := e.openIssue("Pressed from curl")
	e.tickUntil("the 50% reminder", 400, func() bool { _, ok := e.message(key, "50%/agent"); return ok })
	parent, _ := e.message(key, "50%/agent")
	res, err := http.PostForm(e.ssim.URL+slacksim.PressPath, url.Values{"user": {leadUser}, "channel": {parent.Channel}, "action_id": {"slabot.ack"}})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		OK        bool
		TS, Reply string
		Error     string
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !got.OK || got.TS != parent.TS || !strings.Contains(got.Reply, "Acknowledged "+key) {
		t.Fatalf("press: %d %+v, want the parent %s acknowledged", res.StatusCode, got, parent.TS)
	}
	e.tickUntil("the acknowledgement comment", 4, func() bool { return ackComments(e, key) > 0 })
	parent, _ = e.message(key, "50%/agent")
	if !strings.Contains(blocksText(parent), "Acknowledged by <@"+leadUser+">") {
		t.Errorf("the parent does not say who acknowledged: %s", parent.Blocks)
	}
	for name, form := range map[string]url.Values{
		"no user":           {"channel": {parent.Channel}, "action_id": {"slabot.ack"}},
		"a button it lacks": {"user": {leadUser}, "channel": {parent.Channel}, "action_id": {"slabot.nothing"}},
	} {
		res, err := http.PostForm(e.ssim.URL+slacksim.PressPath, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("press with %s: %d, want 400", name, res.StatusCode)
		}
	}
}
