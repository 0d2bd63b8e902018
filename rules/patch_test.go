package rules_test

import (
	"slices"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

// DESIGN.md: "Reconcile writes only differences; a steady state makes zero
// writes, on data as untidy as a real site's (millisecond timestamps,
// fields kept at seconds or minutes)."
func TestFieldValueEqualAtThePrecisionKept(t *testing.T) {
	want := time.Date(2026, 11, 10, 13, 7, 42, 987_000_000, time.UTC)
	kept := func(t time.Time, p time.Duration) rules.FieldValue {
		v := rules.Datetime(t)
		v.Precision = p
		return v
	}
	for _, tc := range []struct {
		name string
		have rules.FieldValue
		same bool
	}{
		{"a field keeping milliseconds holds the deadline", kept(want, time.Millisecond), true},
		{"the same instant in another zone", kept(want.In(time.FixedZone("MSK", 3*3600)), time.Millisecond), true},
		{"a millisecond off on a field keeping milliseconds", kept(want.Add(-time.Millisecond), time.Millisecond), false},
		{"a field keeping seconds cut the milliseconds", kept(want.Truncate(time.Second), time.Second), true},
		{"a field keeping seconds rounded them", kept(want.Round(time.Second), time.Second), true},
		{"a field keeping seconds holds another second", kept(want.Truncate(time.Second).Add(-time.Second), time.Second), false},
		{"a field keeping minutes cut the seconds", kept(want.Truncate(time.Minute), time.Minute), true},
		{"a field keeping minutes holds another minute", kept(want.Truncate(time.Minute).Add(time.Minute*2), time.Minute), false},
		{"an empty field", rules.FieldValue{}, false},
		{"text where a time belongs", rules.Text("2026-11-10T13:07:42.987Z"), false},
	} {
		if got := rules.Datetime(want).Equal(tc.have); got != tc.same {
			t.Errorf("%s: Equal = %v, want %v", tc.name, got, tc.same)
		}
	}
	for _, tc := range []struct {
		want, have rules.FieldValue
		same       bool
	}{
		{rules.Number(3), rules.Number(3.0), true},
		{rules.Number(1.25), rules.Number(1.26), false},
		{rules.Option("running"), rules.Option("running"), true},
		{rules.Option("running"), rules.Text("running"), true},
		{rules.Option("running"), rules.Option("Running"), false},
		{rules.FieldValue{}, rules.FieldValue{}, true},
		{rules.FieldValue{}, rules.Option("met"), false},
		{rules.Text(""), rules.FieldValue{}, true},
	} {
		if got := tc.want.Equal(tc.have); got != tc.same {
			t.Errorf("%+v.Equal(%+v) = %v, want %v", tc.want, tc.have, got, tc.same)
		}
	}
}

// Issue 10: "slabot removes only labels it can itself produce from the
// policy (its own vocabulary: breached, at-risk, over-quota, ...), never any
// other label, even one with the prefix".
func TestPatchRemovesOnlyOwnLabels(t *testing.T) {
	p := seed(t, "botron")
	iss := rulestest.Issue("BCFG-1", "Medium", "Question", time.Date(2026, 11, 2, 9, 0, 0, 123_000_000, time.UTC))
	// README's vocabulary: "sla-GOAL-breached" (with the policy's prefix).
	breached := p.LabelPrefix + p.Goals[0].Name + "-breached"
	iss.Labels = []string{"vip", "sla-waived-by-manager", p.LabelPrefix + rules.FlagOverQuota, breached}
	o := evalOne(t, p, iss, iss.Created.Add(time.Minute))
	pt := p.Patch(o)
	for _, l := range pt.RemoveLabels {
		if !p.OwnsLabel(l) {
			t.Errorf("patch removes %q, which slabot does not own", l)
		}
	}
	if !slices.Contains(pt.RemoveLabels, p.LabelPrefix+rules.FlagOverQuota) || !slices.Contains(pt.RemoveLabels, breached) {
		t.Errorf("own labels no longer wanted are kept: remove %v", pt.RemoveLabels)
	}
	if slices.Contains(pt.RemoveLabels, "sla-waived-by-manager") || slices.Contains(pt.RemoveLabels, "vip") {
		t.Errorf("a label people set is removed: %v", pt.RemoveLabels)
	}
	for _, l := range p.Labels() {
		if !p.OwnsLabel(l) {
			t.Errorf("vocabulary label %q not owned", l)
		}
	}
}

// A steady state: once the issue holds the patch, the patch is empty, also
// when the field gave the deadline back without its seconds.
func TestPatchOfAnIssueInLineIsEmpty(t *testing.T) {
	p := seed(t, "botron")
	iss := rulestest.Issue("BCFG-2", "Medium", "Question", time.Date(2026, 11, 2, 9, 0, 13, 456_000_000, time.UTC))
	now := iss.Created.Add(10 * time.Minute)
	o := evalOne(t, p, iss, now)
	pt := p.Patch(o)
	if len(pt.Fields) == 0 {
		t.Fatal("nothing to write on a new issue")
	}
	for name, v := range pt.Fields {
		if v.Kind == rules.KindDatetime {
			v = rules.Datetime(v.Time.Truncate(time.Minute))
			v.Precision = time.Minute
		}
		iss.Fields[name] = v
	}
	iss.Labels = append(iss.Labels, pt.AddLabels...)
	for _, c := range pt.Comments {
		iss.Comments = append(iss.Comments, rules.Comment{Author: rules.User{AccountID: "slabot"}, Created: now, Body: c.Body})
	}
	o = evalOne(t, p, iss, now)
	if again := p.Patch(o); !again.Empty() {
		t.Errorf("second patch not empty: %+v", again)
	}
}
