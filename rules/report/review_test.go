package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// sanariseIssues is the fixed Sanarise data set for the review rule in the
// October 2026 report. Policy (deploy/policies/sanarise.yaml): zone
// Europe/Istanbul (UTC+3 all year); "If more than three issues are opened on
// the same day by the same client, the SLA times and ticket priorities will
// be reviewed": review.max_per_day 3, the fourth and later issues of a
// client's local day are flagged. No customer directory, so clients are the
// reporters' e-mail domains (two people of acme.com.tr count together).
//
// acme.com.tr:
//
//	SAN-1..4  Tue 13 Oct 09:00, 10:00, 11:00, 12:00 IST (mehmet and ayse):
//	          SAN-4 is the 4th of the day -> review day 2026-10-13.
//	SAN-5     2026-10-14T21:30Z = Thu 15 Oct 00:30 IST (14 October in UTC).
//	SAN-6..8  Thu 15 Oct 09:00, 10:00, 11:00 IST: SAN-8 is the 4th of 15
//	          October in Istanbul -> review day 2026-10-15. In UTC 15 October
//	          holds only SAN-6..8 (three), so a UTC count would miss it.
//	SAN-9..11 Sat 31 Oct 10:00, 11:00, 12:00 IST: three, no review.
//	SAN-12    2026-10-31T21:30Z = Sun 1 Nov 00:30 IST: November's; in UTC it
//	          would be the 4th of 31 October and a review day.
//
// beta.com.tr: SAN-20..22 Tue 13 Oct 13:00, 14:00, 15:00 IST: exactly
// three, no review (the rule says more than three).
//
// October: acme.com.tr opened 11 (SAN-1..11), review days 2026-10-13 and
// 2026-10-15, review issues SAN-4 and SAN-8; beta.com.tr opened 3, no
// review day. Total: 14 opened, review days "acme.com.tr 2026-10-13" and
// "acme.com.tr 2026-10-15". September: nothing, so the comparison row reads
// 0 -> 2 (+2) for acme.com.tr.
func sanariseIssues(t testing.TB) []rules.Issue {
	ist := func(s string) time.Time { return at(t, "Europe/Istanbul", s) }
	mehmet, ayse, can := "mehmet@acme.com.tr", "ayse@acme.com.tr", "can@beta.com.tr"
	bug := func(key string, created time.Time, who string) rules.Issue {
		return newIssue(key, "Medium", "Bug", created, who, rulestest.Summary("Problem "+key, ""))
	}
	return []rules.Issue{
		bug("SAN-1", ist("2026-10-13 09:00"), mehmet),
		bug("SAN-2", ist("2026-10-13 10:00"), ayse),
		bug("SAN-3", ist("2026-10-13 11:00"), mehmet),
		bug("SAN-4", ist("2026-10-13 12:00"), ayse),
		bug("SAN-5", utc(t, "2026-10-14T21:30:00Z"), mehmet),
		bug("SAN-6", ist("2026-10-15 09:00"), mehmet),
		bug("SAN-7", ist("2026-10-15 10:00"), ayse),
		bug("SAN-8", ist("2026-10-15 11:00"), mehmet),
		bug("SAN-9", ist("2026-10-31 10:00"), mehmet),
		bug("SAN-10", ist("2026-10-31 11:00"), mehmet),
		bug("SAN-11", ist("2026-10-31 12:00"), mehmet),
		bug("SAN-12", utc(t, "2026-10-31T21:30:00Z"), mehmet),
		bug("SAN-20", ist("2026-10-13 13:00"), can),
		bug("SAN-21", ist("2026-10-13 14:00"), can),
		bug("SAN-22", ist("2026-10-13 15:00"), can),
	}
}

func sanariseReport(t testing.TB) *Report {
	t.Helper()
	now := at(t, "Europe/Istanbul", "2026-11-02 09:00")
	return Build(seed(t, "sanarise"), sanariseIssues(t), MonthPeriod(2026, time.October), now, rules.Options{BotAccountID: "slabot"})
}

// The review rule's days are counted per client and local day in the
// policy's zone, and reach every format.
func TestSanariseReviewDays(t *testing.T) {
	r := sanariseReport(t)
	if !r.HasReview || r.HasCredits || r.HasBilling {
		t.Errorf("has review %v credits %v billing %v, want review only", r.HasReview, r.HasCredits, r.HasBilling)
	}
	acme := sectionOf(t, r, "acme.com.tr")
	if acme.Current.Opened != 11 {
		t.Errorf("acme.com.tr opened %d, want 11 (SAN-12 is November's in Istanbul)", acme.Current.Opened)
	}
	if got, want := acme.Current.Credit.ReviewDays, []string{"2026-10-13", "2026-10-15"}; !slices.Equal(got, want) {
		t.Errorf("acme.com.tr review days %v, want %v", got, want)
	}
	if n := len(acme.Previous.Credit.ReviewDays); n != 0 {
		t.Errorf("September review days %d, want 0", n)
	}
	beta := sectionOf(t, r, "beta.com.tr")
	if beta.Current.Opened != 3 || len(beta.Current.Credit.ReviewDays) != 0 {
		t.Errorf("beta.com.tr opened %d review days %v, want 3 and none (three is not more than three)",
			beta.Current.Opened, beta.Current.Credit.ReviewDays)
	}
	if got, want := r.Total.Current.Credit.ReviewDays, []string{"acme.com.tr 2026-10-13", "acme.com.tr 2026-10-15"}; !slices.Equal(got, want) {
		t.Errorf("total review days %v, want %v", got, want)
	}
	if r.Total.Current.Opened != 14 {
		t.Errorf("total opened %d, want 14", r.Total.Current.Opened)
	}
	var review []string
	for _, row := range r.Issues {
		if row.Review {
			review = append(review, row.Key)
		}
	}
	if want := []string{"SAN-4", "SAN-8"}; !slices.Equal(review, want) {
		t.Errorf("review issues %v, want %v (the 4th of each day)", review, want)
	}
	if hasRow(r, "SAN-12") {
		t.Error("SAN-12 (00:30 on 1 November in Istanbul) must not be in October")
	}

	// The figures reach the readers.
	var md, page, sheet bytes.Buffer
	for f, buf := range map[Format]*bytes.Buffer{Markdown: &md, HTML: &page, CSV: &sheet} {
		if err := r.Write(buf, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"Days over the review rule: 2026-10-13, 2026-10-15.", "| Review-rule days | 0 | 2 | +2 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if !strings.Contains(page.String(), "Days over the review rule: 2026-10-13, 2026-10-15.") {
		t.Error("HTML lacks the review days")
	}
	recs, err := csv.NewReader(&sheet).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], "review")
	if col < 0 {
		t.Fatalf("CSV has no review column: %v", recs[0])
	}
	var flagged []string
	for _, rec := range recs[1:] {
		if rec[col] == "true" {
			flagged = append(flagged, rec[2])
		}
	}
	if want := []string{"SAN-4", "SAN-8"}; !slices.Equal(flagged, want) {
		t.Errorf("CSV review rows %v, want %v", flagged, want)
	}
}
