package outbox_test

import (
	"context"
	"testing"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/rules"
)

// secondProduct is another product's report of the same period on the same
// Jira project, under its own file name (report.SharedFileName).
func secondProduct() rules.ReportDelivery {
	r := reportFile()
	r.Product, r.FileName = "Acme Billing", "sla-report-SUP-acme-billing-2026-02.html"
	r.Summary = "*Acme Billing: SLA report for February 2026*"
	return r
}

// Issue 21: "Two products on one Jira project: the second product's
// monthly report logs 'handed over for delivery' and is never posted (the
// report row is keyed by project)." Rows are keyed by product and period:
// both are posted, each once.
func TestReportsOfTwoProductsOnOneProject(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx := context.Background()
		for range 2 {
			for _, r := range []rules.ReportDelivery{reportFile(), secondProduct()} {
				if err := e.ob.DeliverReport(ctx, e.clock.Now(), r); err != nil {
					t.Fatal(err)
				}
			}
		}
		if rep := e.drain(5); rep.Sent != 2 {
			t.Fatalf("pass %+v, want both reports sent", rep)
		}
		files := e.sim.Files()
		if len(files) != 2 || files[0].Name != "sla-report-SUP-2026-02.html" || files[1].Name != "sla-report-SUP-acme-billing-2026-02.html" {
			t.Fatalf("files %+v", files)
		}
		for _, product := range []string{"Acme Support", "Acme Billing"} {
			if r, err := e.ob.Get(ctx, outbox.ReportKey(product, "2026-02")); err != nil || r.State != outbox.StateSent || r.Issue != product {
				t.Errorf("%s: row %+v, %v", product, r, err)
			}
		}
	})
}

// "A database written by the previous release, then the new binary over
// the same site: zero re-sends." The previous release keyed the report row
// by project ("report|SUP|2026-02", issue SUP) at schema version 4; the
// upgrade (schema 6) gives it its product, so the same report handed over
// again is not posted again, while the other product on the project gets
// its own.
func TestReportRowOfThePreviousReleaseNotPostedAgain(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx := context.Background()
		if err := e.ob.DeliverReport(ctx, e.clock.Now(), reportFile()); err != nil {
			t.Fatal(err)
		}
		e.drain(5)
		// Make the file what the previous release left: its row keyed by
		// project, the schema at version 4 (no ledger).
		for _, q := range []string{
			`UPDATE outbox SET issue = 'SUP', key = 'report|SUP|2026-02' WHERE kind = 'report'`,
			`DROP TABLE ledger`,
			`ALTER TABLE outbox DROP COLUMN dest`,
			`ALTER TABLE leases DROP COLUMN token`,
			`DELETE FROM schema_migrations WHERE version > 4`,
			`DELETE FROM cursors WHERE name = 'outbox:ledger-from-rows'`,
		} {
			if _, err := e.store.Exec(ctx, nil, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := e.store.Close(); err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(ctx, e.path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if v, _ := st.Version(ctx); v != store.SchemaVersion() {
			t.Fatalf("schema %d after the upgrade", v)
		}
		e.store = st
		e.ob = e.outbox(nil)
		for _, r := range []rules.ReportDelivery{reportFile(), secondProduct()} {
			if err := e.ob.DeliverReport(ctx, e.clock.Now(), r); err != nil {
				t.Fatal(err)
			}
		}
		if rep := e.drain(5); rep.Sent != 1 {
			t.Fatalf("pass %+v: want only the second product's report", rep)
		}
		files := e.sim.Files()
		if len(files) != 2 || files[0].Name != "sla-report-SUP-2026-02.html" || files[1].Name != "sla-report-SUP-acme-billing-2026-02.html" {
			t.Fatalf("files %+v: the previous release's report was posted again, or the second product's was not", files)
		}
		if r, err := e.ob.Get(ctx, "report|SUP|2026-02"); err != nil || r.Issue != "Acme Support" || r.State != outbox.StateSent {
			t.Errorf("the previous release's row after the upgrade: %+v, %v", r, err)
		}
	})
}
