package outbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/rules"
)

// A ladder step to a channel the bot cannot use is never dropped: a
// private channel nobody invited the bot to (Slack hides it, so slabot
// knows it only by the policy's "#name"), an archived channel and a
// public channel without the bot each keep their row, blocked with the
// fix in plain words, retried every BlockedRetry, while a step to a
// working channel goes out in the same pass. Once the bot is invited, the
// private channel's step goes out, and its next level replies in the
// thread.
func TestUnusableChannelsBlockOnlyTheirSteps(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, func(o *outbox.Options) { o.Channels = map[string]string{"#support": "C1"} })
		e.sim.AddPrivateChannel("GVIP", "vip-leads", false)
		e.sim.AddChannel("COLD", "old", true)
		e.sim.Archive("COLD")
		e.sim.AddChannel("COUT", "outside", false)
		e.enqueue(esc("SUP-1", 1, "agent", rules.Recipient{Channel: "#support"}))
		e.enqueue(esc("SUP-2", 1, "team lead", rules.Recipient{Channel: "#vip-leads"}))
		e.enqueue(esc("SUP-3", 1, "team lead", rules.Recipient{Channel: "#old"}))
		e.enqueue(esc("SUP-4", 1, "team lead", rules.Recipient{Channel: "COUT"}))

		rep := e.pass()
		if rep.Sent != 1 || rep.Blocked != 3 || len(e.sim.Messages("C1")) != 1 {
			t.Fatalf("first pass %+v, %d in #support", rep, len(e.sim.Messages("C1")))
		}
		for issue, fix := range map[string]string{
			"SUP-2": "if it is private, invite @slabot to #vip-leads",
			"SUP-3": "the channel is archived: pick another in the policy",
			"SUP-4": "not_in_channel (invite @slabot to the channel",
		} {
			r := e.row(issue, 1)
			if r.State != outbox.StatePending || !r.Blocked || !strings.Contains(r.LastError, fix) {
				t.Errorf("%s: state %s blocked %v, error %q; want pending, blocked, %q", issue, r.State, r.Blocked, r.LastError, fix)
			}
		}

		e.sim.SetMember("GVIP", true) // /invite @slabot in #vip-leads
		e.clock.Advance(5 * time.Minute)
		if rep := e.pass(); rep.Sent != 0 {
			t.Fatalf("a blocked row was retried before BlockedRetry: %+v", rep)
		}
		e.clock.Advance(6 * time.Minute)
		if rep := e.pass(); rep.Sent != 1 || len(e.sim.Messages("GVIP")) != 1 {
			t.Fatalf("after the invite: %+v, %d in #vip-leads", rep, len(e.sim.Messages("GVIP")))
		}
		if r := e.row("SUP-2", 1); r.State != outbox.StateSent || r.Blocked || r.Channel != "GVIP" {
			t.Errorf("SUP-2 after the invite: %+v", r)
		}
		e.enqueue(esc("SUP-2", 2, "team lead", rules.Recipient{Channel: "#vip-leads"}))
		e.pass()
		msgs := e.sim.Messages("GVIP")
		if len(msgs) != 2 || !msgs[1].IsReply() || msgs[1].ThreadTS != msgs[0].TS {
			t.Errorf("level 2 in #vip-leads: %+v", msgs)
		}
		for _, issue := range []string{"SUP-3", "SUP-4"} {
			if r := e.row(issue, 1); r.State != outbox.StatePending || !r.Blocked {
				t.Errorf("%s left blocked and pending: %+v", issue, r)
			}
		}
	})
}

// A monthly report to a private channel nobody invited the bot to waits,
// blocked with the fix, and is uploaded there once the bot is invited.
func TestReportToUninvitedPrivateChannelWaits(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		e.sim.AddPrivateChannel("GMGMT", "vip-management", false)
		f := reportFile()
		f.Channel = "#vip-management"
		if err := e.ob.DeliverReport(context.Background(), e.clock.Now(), f); err != nil {
			t.Fatal(err)
		}
		if rep := e.pass(); rep.Blocked != 1 || rep.Sent != 0 {
			t.Fatalf("first pass %+v", rep)
		}
		if r := e.reportRow(); r.State != outbox.StatePending || !r.Blocked || !strings.Contains(r.LastError, "invite @slabot to #vip-management") {
			t.Fatalf("row %+v", r)
		}
		e.sim.SetMember("GMGMT", true)
		e.clock.Advance(11 * time.Minute)
		if rep := e.pass(); rep.Sent != 1 {
			t.Fatalf("after the invite %+v", rep)
		}
		e.sim.FlushShares()
		if msgs := e.sim.Messages("GMGMT"); len(msgs) != 1 || len(msgs[0].Files) != 1 {
			t.Errorf("#vip-management: %+v", msgs)
		}
	})
}
