package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

// "Demo: the scripted fortnight shows an acknowledgement, a claim, a
// snooze, a digest and a page" (issue 15, Build 7): the clicks go over
// Socket Mode, are stored once, and their effects reach Slack and Jira.
// Only the pressed issue's life is played (Monday 9 November, 09:45, to its
// answer on Thursday): the clicks are wiring; what an acknowledgement or a
// snooze holds is decided and tested in rules.
func TestDemoFortnightClicks(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	ctx := context.Background()
	d := newTestDemoSite(t, ctx)
	from := demoStart.Add(7*24*time.Hour + 9*time.Hour + 45*time.Minute) // on the demo's tick
	end := demoStart.Add(10*24*time.Hour + 10*time.Hour)
	script := scriptFor(demoScript(), "bot-climb")
	if len(script) < 6 {
		t.Fatalf("the demo script has %d events for bot-climb, want its creation, assignment, three presses and the answer", len(script))
	}
	// Hourly: the presses happen at their own instants, after a delivery
	// pass up to them (the messages they press are posted at their steps'
	// instants); the demo's 15-minute tick adds only idle cycles.
	if err := d.play(ctx, script, from, end, time.Hour); err != nil {
		t.Fatal(err)
	}
	key := d.keys["bot-climb"]
	acts, err := d.outbox.Actions(ctx, "BEXP")
	if err != nil {
		t.Fatal(err)
	}
	count := map[rules.ClickKind]int{}
	for _, a := range acts {
		if a.Issue != key || a.User != demoLeadUser {
			t.Errorf("unexpected stored click: %+v", a)
		}
		count[a.Kind]++
	}
	for _, k := range []rules.ClickKind{rules.ClickAcknowledge, rules.ClickClaim, rules.ClickSnooze} {
		if count[k] != 1 {
			t.Errorf("%d %s clicks stored, want 1 (all: %+v)", count[k], k, acts)
		}
	}
	if len(d.clicked) != 3 {
		t.Fatalf("%d clicks answered, want 3: %+v", len(d.clicked), d.clicked)
	}
	for i, want := range []string{"Snoozed " + key, "Acknowledged " + key, "Claimed " + key} {
		if !strings.Contains(d.clicked[i].reply, want) {
			t.Errorf("click %d answered %q, want %q", i, d.clicked[i].reply, want)
		}
	}
	is, _ := d.jsim.Issue(key)
	if is.Assignee != botronLead {
		t.Errorf("assignee %q, want %q (the claim)", is.Assignee, botronLead)
	}
	acks := 0
	for _, c := range is.Comments {
		if strings.Contains(c.Body, "[slabot:ack-first_response-1]") {
			acks++
			if !c.Internal {
				t.Errorf("acknowledgement comment is public: %+v", c)
			}
		}
	}
	if acks != 1 {
		t.Errorf("%d acknowledgement comments, want 1", acks)
	}
	// The acknowledged parent says who; the page still went out (management
	// is still told after an acknowledgement, as Botron's policy says).
	ack := d.clicked[1]
	acked := false
	for _, m := range d.ssim.AllMessages() {
		if m.Channel == ack.channel && m.TS == ack.ts {
			acked = strings.Contains(blocksUnescaped(m), "Acknowledged by <@"+demoLeadUser+">") &&
				strings.Contains(blocksUnescaped(m), "Claimed by <@"+demoLeadUser+">")
		}
	}
	if !acked {
		t.Error("the acknowledged thread parent does not say who acknowledged and claimed")
	}
	if n := len(d.pd.Events()); n == 0 {
		t.Error("no page after the acknowledgement; management should still be paged")
	}
	var out strings.Builder
	d.printClicks(&out)
	for _, want := range []string{"slabot.ack on " + key, "assignee " + botronLead, "internal comment: Acknowledged in Slack by lina"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, out.String())
		}
	}
}

// scriptFor keeps the events of script that concern the issue alias (its
// name in an event's description, as a whole word).
func scriptFor(script []scriptEvent, alias string) []scriptEvent {
	re := regexp.MustCompile(`(^|[^\w-])` + regexp.QuoteMeta(alias) + `($|[^\w-])`)
	var out []scriptEvent
	for _, e := range script {
		if re.MatchString(e.what) {
			out = append(out, e)
		}
	}
	return out
}
