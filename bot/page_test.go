package bot

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

type fakePages struct {
	mu       sync.Mutex
	triggers []rules.Page
	resolves int
}

func (f *fakePages) TriggerPage(_ context.Context, _ time.Time, p rules.Page) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.triggers = append(f.triggers, p)
	return true, nil
}

func (f *fakePages) ResolvePages(context.Context, time.Time, string, string, int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resolves++
	return nil
}

type fakeActions []rules.Click

func (a fakeActions) Actions(context.Context, ...string) ([]rules.Click, error) { return a, nil }

// pageOnlySanarise is the Sanarise seed with its team lead rung paging
// on-call instead of posting (ladder.rungs.team_lead: {page: ...}, no
// channel), loaded as a policy file is.
func pageOnlySanarise(t *testing.T) *rules.Policy {
	t.Helper()
	src, err := os.ReadFile("../deploy/policies/sanarise.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const was = `team_lead: {channel: "#sanarise-leads"}`
	if !strings.Contains(string(src), was) {
		t.Fatalf("the seed no longer has %s", was)
	}
	p, err := rules.Load("sanarise.yaml", []byte(strings.Replace(string(src), was, `team_lead: {page: SLABOT_PAGERDUTY_SAN}`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A step to a rung that only pages records a page and no Slack step; a
// step the acknowledgement rule holds back, or the catch-up rule skips,
// records neither.
func TestPageOnlyRungStep(t *testing.T) {
	ctx := context.Background()
	now := created.Add(72 * time.Hour) // every step of both goals is due
	run := func(t *testing.T, acts fakeActions, cursors map[string]string, ack rules.AckRule) (*fakeEscalator, *fakePages) {
		t.Helper()
		p := pageOnlySanarise(t)
		if ack.Hold != "" {
			p.Ladder.Ack = ack
		}
		esc, pages := &fakeEscalator{}, &fakePages{}
		src := &fakeSource{issues: map[string]rules.Issue{"1": sanIssue("1", "SAN-1")}}
		w, err := New(Config{Policies: []*rules.Policy{p}, Source: src, Writer: &fakeWriter{}, Escalator: esc, Cursors: &fakeCursors{m: cursors},
			Pages: pages, Actions: acts, ResyncEvery: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{now, now.Add(2 * time.Minute)} {
			if _, err := w.Cycle(ctx, p.Product, at); err != nil {
				t.Fatal(err)
			}
		}
		return esc, pages
	}
	slackSteps := func(esc *fakeEscalator) (lead, other int) {
		for _, e := range esc.got {
			if strings.HasSuffix(e.Step, "/team_lead") {
				lead++
			} else {
				other++
			}
		}
		return lead, other
	}
	paged := func(pages *fakePages, goal string) int {
		n := 0
		for _, p := range pages.triggers {
			if p.Goal == goal && p.Step == "breach/team_lead" && p.RoutingKey == "SLABOT_PAGERDUTY_SAN" {
				n++
			}
		}
		return n
	}

	t.Run("pages and posts nothing", func(t *testing.T) {
		esc, pages := run(t, nil, map[string]string{}, rules.AckRule{})
		if lead, other := slackSteps(esc); lead != 0 || other == 0 {
			t.Errorf("Slack steps: %d to the team lead (want none), %d to the other rungs", lead, other)
		}
		if paged(pages, "first_response") == 0 || len(pages.triggers) != paged(pages, "first_response") {
			t.Errorf("pages %+v: want the first response's team lead step", pages.triggers)
		}
		if p := pages.triggers[0]; p.Severity != "critical" || !strings.Contains(p.Summary, "SAN-1") || !p.Only || p.Level != 2 || p.Rung != rules.RungTeamLead {
			t.Errorf("page %+v", p)
		}
	})
	t.Run("held back by an acknowledgement", func(t *testing.T) {
		ack := fakeActions{{Kind: rules.ClickAcknowledge, Issue: "SAN-1", Goal: "first_response", Cycle: 1, User: "U0LEAD", At: created.Add(10 * time.Minute)}}
		esc, pages := run(t, ack, map[string]string{}, rules.AckRule{Hold: rules.HoldUntilMet, Management: true})
		if lead, other := slackSteps(esc); lead != 0 || other == 0 {
			t.Errorf("Slack steps: %d to the team lead, %d others (management fires anyway)", lead, other)
		}
		if len(pages.triggers) != 0 {
			t.Errorf("a step held back by the acknowledgement (hold: until_met) paged: %+v", pages.triggers)
		}
	})
	t.Run("skipped by the catch-up rule", func(t *testing.T) {
		// The database knew the ladder without the team lead step: it was
		// added long after these issues passed its instant.
		known := map[string]string{ladderName(pageOnlySanarise(t).Product): `{"75%/agent":0,"breach+2h/management":0}`}
		esc, pages := run(t, nil, known, rules.AckRule{})
		if lead, other := slackSteps(esc); lead != 0 || other == 0 {
			t.Errorf("Slack steps: %d to the team lead, %d others", lead, other)
		}
		if len(pages.triggers) != 0 {
			t.Errorf("a step the catch-up rule skips paged: %+v", pages.triggers)
		}
	})
}

// A worker that is given a paging policy and nowhere to record pages
// refuses to start: a page-only rung would reach no one.
func TestPagingPolicyNeedsPages(t *testing.T) {
	_, err := New(Config{Policies: []*rules.Policy{pageOnlySanarise(t)}, Source: &fakeSource{}, Writer: &fakeWriter{}, Escalator: &fakeEscalator{},
		Cursors: &fakeCursors{m: map[string]string{}}})
	if err == nil || !strings.Contains(err.Error(), "pages") {
		t.Errorf("New without Pages: %v", err)
	}
}
