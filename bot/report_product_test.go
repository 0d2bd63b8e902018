package bot

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// Issue 21: "Two products on one Jira project: the second product's
// monthly report logs 'handed over for delivery' and is never posted."
// Both products' October reports go out, through the real outbox on
// SQLite to the Slack simulator, each under its own file name.
func TestMonthlyReportsOfTwoProductsOnOneProject(t *testing.T) {
	ctx := context.Background()
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-t"), slacksim.WithChannel("C0MGMT", "sanarise-management"))
	t.Cleanup(sim.Close)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "slabot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	client := slack.NewClient("xoxb-t", slack.ClientOptions{APIURL: sim.APIURL()})
	due := rulestest.RFC3339(t, "2026-11-02T06:00:00Z") // Monday 09:00 Istanbul, the first opening of November
	// The outbox lives at the report's due instant (a file created then:
	// its reports are not looked for in Slack first).
	ob, err := outbox.Open(ctx, db, slack.NewSender(client, nil), outbox.Options{PerChannelInterval: -1, Clock: fixedClock{due},
		Channels: map[string]string{"#sanarise-management": "C0MGMT"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	odoo := rptPolicy(t, "sanarise")
	hosting := *odoo // a second product on the same Jira project (SAN)
	hosting.Product = "Sanarise Hosting"
	oct := time.Date(2026, 10, 14, 8, 0, 0, 0, time.UTC)
	issue := rulestest.Issue("SAN-1", "High", "Bug", oct, rulestest.Reporter("mehmet@client.com.tr"), rulestest.Resolve(oct.Add(3*time.Hour)))
	issue.Updated = issue.Resolved
	w, err := New(Config{Policies: []*rules.Policy{odoo, &hosting}, Source: rptSource{[]rules.Issue{issue}}, Writer: rptNop{},
		Escalator: rptNop{}, Cursors: rptNop{}, Reporter: ob})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range w.Products() {
		if _, err := w.Cycle(ctx, p, due); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := ob.RunOnce(ctx); err != nil || rep.Sent != 2 {
		t.Fatalf("dispatch %+v, %v", rep, err)
	}
	// Slack shares an uploaded file asynchronously (slacksim too): the
	// uploads are the simulator's, the channel and ts the outbox's rows.
	got := map[string]bool{}
	for _, f := range sim.Files() {
		got[f.Name] = true
	}
	for product, name := range map[string]string{"Sanarise Odoo Support": "sla-report-SAN-sanarise-odoo-support-2026-10.html",
		"Sanarise Hosting": "sla-report-SAN-sanarise-hosting-2026-10.html"} {
		r, err := ob.Get(ctx, outbox.ReportKey(product, "2026-10"))
		if !got[name] || err != nil || r.State != outbox.StateSent || r.Channel != "C0MGMT" || r.TS == "" {
			t.Errorf("%s: %s uploaded %v; row %+v, %v", product, name, got[name], r, err)
		}
	}
	if len(got) != 2 {
		t.Errorf("files %v, want the two products' reports", got)
	}
}

// fixedClock is the outbox's clock stopped at one instant.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                                   { return c.t }
func (c fixedClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }
