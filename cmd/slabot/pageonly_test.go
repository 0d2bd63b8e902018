package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/rules"
)

// pageOnly turns a rung of p into one that pages and posts nothing, as a
// policy with ladder.rungs.RUNG: {page: ENV} and no channel loads.
func pageOnly(p *rules.Policy, r rules.Rung, env string) {
	delete(p.Ladder.Channels, r)
	if p.Ladder.Pages == nil {
		p.Ladder.Pages = map[rules.Rung]string{}
	}
	p.Ladder.Pages[r] = env
	for i := range p.Ladder.Steps {
		if p.Ladder.Steps[i].Rung == r {
			p.Ladder.Steps[i].Channel = ""
		}
	}
}

// "A rung that pages instead of posting": Botron's management rung as an
// on-call rota (page, no channel). Its step triggers one PagerDuty alert
// through pdsim over real HTTP and posts nothing to Slack (slacksim has no
// message for it, the management channel stays empty, the outbox has the
// page row and no message row), and the thread's messages say on-call was
// paged; a restart does not page again; the goal met resolves the alert.
func TestPageOnlyRungPagesAndPostsNothing(t *testing.T) {
	t.Parallel() // its own simulators, database and clock; no environment
	e := newButtonsEnv(t)
	mgmt := demoChannels(e.policies)["#botron-management"]
	pageOnly(policyFor(e.policies, "BEXP"), rules.RungManagement, demoPageEnv)
	e.restart() // the process starts with the edited policy
	e.clock.Set(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC))
	key := e.openIssue("Billing export hangs")
	dedup := rules.PageDedupKey(key, "first_response", 1)
	alert := func() (a struct{ triggers, resolves int }) {
		for _, x := range e.pd.Alerts() {
			if x.DedupKey == dedup {
				a.triggers, a.resolves = x.Triggers, x.Resolves
			}
		}
		return a
	}
	e.tickUntil("the management page", 600, func() bool { return alert().triggers > 0 })
	e.restart()
	e.ticks(4)
	if a := alert(); a.triggers != 1 {
		t.Errorf("%d triggers after the management step and a restart, want 1", a.triggers)
	}
	// The team lead's message (a parent in its channel) says what its
	// thread became: on-call was paged.
	if m, ok := e.message(key, "breach/team_lead"); !ok || !strings.Contains(m.Text, "Paged on-call (level 3, management)") {
		t.Errorf("the team lead's breach message does not say on-call was paged: %q (found %v)", m.Text, ok)
	}
	if m, ok := e.message(key, "breach+1bd/management"); ok {
		t.Errorf("the page-only step was posted to Slack, in %s: %s", m.Channel, m.Text)
	}
	if msgs := e.ssim.Messages(mgmt); len(msgs) != 0 {
		t.Errorf("%d messages in the management channel, want none: %s", len(msgs), msgs[0].Text)
	}
	ctx := context.Background()
	if r, err := e.outbox.Get(ctx, rules.NoticeKey(key, "first_response", 1, "breach+1bd/management")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a Slack row for the page-only step: %s %s, %v", r.Key, r.State, err)
	}
	if r, err := e.outbox.Get(ctx, rules.NoticeKey(key, "first_response", 1, "trigger:breach+1bd/management")); err != nil || r.State != outbox.StateSent {
		t.Errorf("page row %s %s, %v: want it sent", r.Key, r.State, err)
	}
	if _, err := e.jsim.AddComment(key, botronAgent, "Looking at it now.", false, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.tickUntil("the resolve", 8, func() bool { return alert().resolves == 1 })
}

// A digest to a rung that only pages has nowhere to go: check refuses the
// policy at the digest's line and says what to do.
func TestCheckRefusesDigestOnPageOnlyRung(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "deploy", "policies", "hydra.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), `management: {channel: "#hydra-management"}`, `management: {page: SLABOT_PAGERDUTY_HYDRA}`, 1)
	s += "\ndigest: {schedule: \"0 8 * * 1-5\", rung: management}\n"
	line := strings.Count(s, "\n") // the digest is the last line
	path := filepath.Join(t.TempDir(), "hydra.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "check", "--offline", "--now", "2026-12-02T10:00:00Z", path)
	want := path + ":" + strconv.Itoa(line) + ":"
	if code == exitOK || !strings.Contains(out+errs, want) || !strings.Contains(out+errs, `rung "management" only pages (no Slack channel): it cannot take the digest`) ||
		!strings.Contains(out+errs, "name a rung that has a channel") {
		t.Errorf("exit %d, want the refusal at %s with the fix:\n%s%s", code, want, out, errs)
	}
}
