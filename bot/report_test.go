package bot

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// Fakes for the scheduled-report tests (named rpt* so they do not collide
// with other tests' fakes in this package).

type rptSource struct{ issues []rules.Issue }

func (s rptSource) Changed(_ context.Context, projects []string, _ string, _ time.Time) ([]rules.Issue, string, error) {
	var out []rules.Issue
	for _, is := range s.issues {
		if slices.Contains(projects, is.Project) {
			out = append(out, is)
		}
	}
	return out, "c", nil
}

type rptNop struct{}

func (rptNop) Write(context.Context, rules.Patch) (map[string]string, error) { return nil, nil }
func (rptNop) Escalate(context.Context, time.Time, rules.Notice) (bool, error) {
	return false, nil
}
func (rptNop) GoalStopped(context.Context, time.Time, string, string, int, rules.Stop) error {
	return nil
}
func (rptNop) Cursor(context.Context, string) (string, bool, error)       { return "", false, nil }
func (rptNop) SetCursor(context.Context, time.Time, string, string) error { return nil }

type rptReporter struct {
	mu   sync.Mutex
	got  []rules.ReportDelivery
	fail error
}

func (r *rptReporter) DeliverReport(_ context.Context, _ time.Time, d rules.ReportDelivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.got = append(r.got, d)
	return nil
}

func (r *rptReporter) calls() []rules.ReportDelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rules.ReportDelivery(nil), r.got...)
}

// rptPolicy is a shipped policy (rulestest.Seed).
func rptPolicy(t *testing.T, name string) *rules.Policy { return rulestest.Seed(t, name) }

func rptWorker(t *testing.T, p *rules.Policy, rep Reporter, issues ...rules.Issue) *Worker {
	t.Helper()
	return rptWorkerKeep(t, p, rep, 0, issues...)
}

func rptWorkerKeep(t *testing.T, p *rules.Policy, rep Reporter, keep time.Duration, issues ...rules.Issue) *Worker {
	t.Helper()
	w, err := New(Config{Policies: []*rules.Policy{p}, Source: rptSource{issues}, Writer: rptNop{}, Escalator: rptNop{},
		Cursors: rptNop{}, Reporter: rep, Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Sanarise: "Aylık Geri Bildirim Toplantıları ... Geçen ayın performansını
// ... gözden geçiririz." October's report is handed over at the first cycle
// at or after Monday 2 November 09:00 Istanbul (06:00 UTC), not before, and
// once per process.
func TestMonthlyReportDeliveredWhenDue(t *testing.T) {
	p := rptPolicy(t, "sanarise")
	oct := time.Date(2026, 10, 14, 8, 0, 0, 0, time.UTC)
	issue := rulestest.Issue("SAN-1", "High", "Bug", oct, rulestest.Reporter("mehmet@client.com.tr"),
		rulestest.Summary("Invoice totals wrong", ""), rulestest.Resolve(oct.Add(3*time.Hour)))
	issue.Updated = issue.Resolved
	rep := &rptReporter{}
	w := rptWorker(t, p, rep, issue)
	ctx := context.Background()
	cycle := func(at string) {
		t.Helper()
		if _, err := w.Cycle(ctx, p.Product, rulestest.RFC3339(t, at)); err != nil {
			t.Fatal(err)
		}
	}
	cycle("2026-11-01T12:00:00Z") // Sunday
	cycle("2026-11-02T05:45:00Z") // 08:45 Istanbul
	if n := len(rep.calls()); n != 0 {
		t.Fatalf("%d deliveries before the first opening of the month", n)
	}
	cycle("2026-11-02T06:00:00Z")
	cycle("2026-11-02T06:15:00Z")
	got := rep.calls()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	d := got[0]
	if d.Project != "SAN" || d.Period != "2026-10" || d.Title != "October 2026" ||
		d.Channel != "#sanarise-management" || d.FileName != "sla-report-SAN-2026-10.html" {
		t.Errorf("delivery %+v", d)
	}
	if !bytes.Contains(d.Content, []byte("SAN-1")) || !strings.Contains(d.Summary, "Issues opened 1, resolved 1") {
		t.Errorf("the report does not cover the cached October issue:\n%s", d.Summary)
	}

	// A restarted process hands it over again (the port is idempotent).
	w = rptWorker(t, p, rep, issue)
	cycle("2026-11-03T10:00:00Z")
	if n := len(rep.calls()); n != 2 {
		t.Fatalf("%d deliveries after a restart, want 2", n)
	}
}

func TestMonthlyReportRetriedAndBounded(t *testing.T) {
	p := rptPolicy(t, "sanarise")
	ctx := context.Background()
	at := func(s string) time.Time { return rulestest.RFC3339(t, s) }

	// A failed hand-over is retried at the next cycle.
	rep := &rptReporter{fail: errors.New("database is locked")}
	w := rptWorker(t, p, rep)
	if _, err := w.Cycle(ctx, p.Product, at("2026-11-02T06:00:00Z")); err != nil {
		t.Fatalf("a report failure must not fail the cycle: %v", err)
	}
	rep.mu.Lock()
	rep.fail = nil
	rep.mu.Unlock()
	if _, err := w.Cycle(ctx, p.Product, at("2026-11-02T06:15:00Z")); err != nil {
		t.Fatal(err)
	}
	if n := len(rep.calls()); n != 1 {
		t.Fatalf("%d deliveries after the retry, want 1", n)
	}

	// Started after a cache kept for 35 days stopped covering October:
	// nothing is posted. Nor without report.monthly, nor with no Reporter.
	for name, w := range map[string]*Worker{
		"late":       rptWorkerKeep(t, p, rep, DefaultKeep),
		"no monthly": rptWorker(t, rptPolicy(t, "hydra"), rep),
		"no port":    rptWorker(t, p, nil),
	} {
		if _, err := w.Cycle(ctx, w.Products()[0], at("2026-11-06T09:00:00Z")); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if n := len(rep.calls()); n != 1 {
		t.Fatalf("%d deliveries, want still 1", n)
	}

	// With the default cache of a product with a monthly report
	// (ReportKeep), the report is still posted up to ReportWindow (7 days)
	// after it fell due, and not later.
	for _, tc := range []struct {
		at   string
		want int
	}{{"2026-11-09T07:00:00Z", 1}, {"2026-11-06T09:00:00Z", 2}, {"2026-11-09T05:59:00Z", 3}} {
		w := rptWorker(t, p, rep)
		if _, err := w.Cycle(ctx, p.Product, at(tc.at)); err != nil {
			t.Fatal(err)
		}
		if n := len(rep.calls()); n != tc.want {
			t.Fatalf("at %s: %d deliveries, want %d", tc.at, n, tc.want)
		}
	}
}
