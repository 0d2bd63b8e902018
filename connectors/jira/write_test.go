package jira

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

func oneIssue(labels ...string) jirasim.Issue {
	return jirasim.Issue{Key: "SUP-1", Project: "SUP", Type: "Incident", Summary: "printer on fire",
		Reporter: jirasim.CustomerID, Created: t0.Add(-time.Hour), Labels: labels}
}

func TestApplyPreservesLabelsPeopleSet(t *testing.T) {
	s := newSite(t, seedWith(oneIssue("vip", "sla-on-track")), jirasim.Options{LogBodies: true}, func(c *Config) {
		c.Quiet = true
		c.ManagedLabelPrefixes = []string{"sla-"}
	})
	// Someone adds a label after slabot read the issue and before it writes.
	must(t, s.sim.SetFields("SUP-1", map[string]any{"labels": []string{"vip", "sla-on-track", "escalated"}}, jirasim.AgentID, time.Time{}))

	due := time.Date(2025, 3, 3, 17, 0, 0, 0, time.FixedZone("CET", 3600))
	done, err := s.client.Apply(ctx(t), rules.Patch{
		Key: "SUP-1",
		Fields: map[string]rules.FieldValue{
			"First Response Due": rules.Datetime(due),
			"Resolution Due":     rules.Datetime(time.Date(2025, 3, 5, 17, 0, 0, 0, time.FixedZone("", 3600))),
			"SLA State":          rules.Option("at risk"),
			"Credits Used":       rules.Number(1),
		},
		Priority:     "Highest",
		AddLabels:    []string{"sla-at-risk"},
		RemoveLabels: []string{"sla-on-track"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !done.Edited || done.Requests != 1 {
		t.Errorf("applied = %+v, want one edit request", done)
	}
	got, _ := s.sim.Issue("SUP-1")
	if want := []string{"escalated", "sla-at-risk", "vip"}; !slices.Equal(got.Labels, want) {
		t.Errorf("labels = %v, want %v", got.Labels, want)
	}
	if got.Priority != "Highest" || got.Fields["SLA State"] != "at risk" || got.Fields["Credits Used"] != 1.0 {
		t.Errorf("fields not written: %+v", got)
	}
	if ft, _ := got.Fields["First Response Due"].(time.Time); !ft.Equal(due) {
		t.Errorf("First Response Due = %v, want %v", got.Fields["First Response Due"], due)
	}

	var puts []jirasim.Request
	for _, r := range s.sim.Requests() {
		if r.Method == "PUT" {
			puts = append(puts, r)
		}
	}
	if len(puts) != 1 {
		t.Fatalf("%d PUTs, want 1", len(puts))
	}
	if puts[0].RawQuery != "notifyUsers=false" {
		t.Errorf("query = %q, want notifyUsers=false", puts[0].RawQuery)
	}
	var body struct {
		Fields map[string]any                 `json:"fields"`
		Update map[string][]map[string]string `json:"update"`
	}
	must(t, json.Unmarshal(puts[0].Body, &body))
	if _, set := body.Fields["labels"]; set {
		t.Error("labels sent as a field (would overwrite people's labels)")
	}
	if want := []map[string]string{{"add": "sla-at-risk"}, {"remove": "sla-on-track"}}; !equalish(body.Update["labels"], want) {
		t.Errorf("update.labels = %v", body.Update["labels"])
	}
	id, _ := s.client.FieldID("First Response Due")
	if body.Fields[id] != "2025-03-03T17:00:00.000+0100" {
		t.Errorf("datetime sent as %v, want Jira's 2006-01-02T15:04:05.000-0700", body.Fields[id])
	}
}

func TestApplyRefusesToRemoveLabelsPeopleSet(t *testing.T) {
	s := newSite(t, seedWith(oneIssue("vip")), jirasim.Options{}, func(c *Config) { c.ManagedLabelPrefixes = []string{"sla-", "sup-"} })
	_, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", RemoveLabels: []string{"vip"}})
	if err == nil || !strings.Contains(err.Error(), "never removed") || !strings.Contains(err.Error(), `"sla-" or "sup-"`) {
		t.Fatalf("err = %v", err)
	}
	if n := s.sim.CountRequests("PUT", "*"); n != 0 {
		t.Errorf("%d writes sent", n)
	}
	// Either product's own label may go.
	for _, l := range []string{"sla-review", "sup-review"} {
		if _, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", RemoveLabels: []string{l}}); err != nil {
			t.Errorf("removing %s: %v", l, err)
		}
	}
}

func TestApplyPostsCommentsInternalWhereAsked(t *testing.T) {
	s := newSite(t, seedWith(oneIssue()), jirasim.Options{}, nil)
	done, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", Comments: []rules.NewComment{
		{Body: "We received your request; first response by 10:30."},
		{Body: "Escalated to the lead.", Internal: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if done.Edited || len(done.CommentIDs) != 2 || done.Requests != 2 {
		t.Errorf("applied = %+v: want only two comment posts", done)
	}
	got, _ := s.sim.Issue("SUP-1")
	if len(got.Comments) != 2 || got.Comments[0].Internal || !got.Comments[1].Internal {
		t.Errorf("comments = %+v", got.Comments)
	}
	if got.Comments[0].Author != jirasim.BotAccountID {
		t.Errorf("author = %s", got.Comments[0].Author)
	}
	// Reading back gives the JSM public flag.
	is, _, err := s.client.Issue(ctx(t), "SUP-1")
	if err != nil {
		t.Fatal(err)
	}
	if !is.Comments[0].Public || is.Comments[1].Public {
		t.Errorf("public flags = %v, %v", is.Comments[0].Public, is.Comments[1].Public)
	}
}

func TestApplyEmptyPatchMakesNoCalls(t *testing.T) {
	s := newSite(t, seedWith(oneIssue()), jirasim.Options{}, nil)
	before := s.client.TotalRequests()
	done, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1"})
	if err != nil || done.Requests != 0 || s.client.TotalRequests() != before {
		t.Fatalf("empty change set: %+v, %v", done, err)
	}
}

// Issue 10: "when Jira refuses one field (not on the screen, wrong type,
// option missing), the other fields, the labels and the one-time comments
// of that issue are still written".
func TestRefusedFieldDoesNotHoldBackTheRest(t *testing.T) {
	seed := seedWith(oneIssue())
	for i := range seed.Fields {
		if seed.Fields[i].Name == "Resolution Due" {
			seed.Fields[i].NotOnEditScreen = true
		}
	}
	s := newSite(t, seed, jirasim.Options{}, nil)
	done, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", Fields: map[string]rules.FieldValue{
		"Resolution Due": rules.Datetime(t0.Add(time.Hour)), "SLA State": rules.Option("met"), "Customer Tier": rules.Option("Platinum")},
		AddLabels: []string{"sla-at-risk"}, Comments: []rules.NewComment{{Body: "We received your request."}}})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	id, _ := s.client.FieldID("Resolution Due")
	tier, _ := s.client.FieldID("Customer Tier")
	if len(done.Refused) != 2 || done.Refused[0].ID != id || done.Refused[1].ID != tier {
		t.Fatalf("refused = %+v, want Resolution Due and Customer Tier", done.Refused)
	}
	for i, want := range []string{"Edit operation", "add the missing option"} {
		if msg := done.Refused[i].String(); !strings.Contains(msg, want) {
			t.Errorf("refusal %q lacks the fix %q", msg, want)
		}
	}
	got, _ := s.sim.Issue("SUP-1")
	if got.Fields["SLA State"] != "met" || !slices.Contains(got.Labels, "sla-at-risk") || len(done.CommentIDs) != 1 || !done.Edited {
		t.Errorf("the rest was not written: fields %v labels %v comments %v", got.Fields, got.Labels, done.CommentIDs)
	}
	if got.Fields["Resolution Due"] != nil || got.Fields["Customer Tier"] == "Platinum" {
		t.Errorf("refused fields written: %v", got.Fields)
	}
}

func TestApplyValidatesBeforeWriting(t *testing.T) {
	s := newSite(t, seedWith(oneIssue()), jirasim.Options{}, nil)
	_, err := s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1",
		Fields:    map[string]rules.FieldValue{"Nope": rules.Option("x"), "Credits Used": rules.Option("many"), "Resolution Due": rules.Number(3)},
		AddLabels: []string{"two words"}})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`"Nope" is not configured`, `a number field needs a number, not option "many"`, "needs a time", "contains spaces"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if s.sim.CountRequests("PUT", "*") != 0 {
		t.Error("invalid change set was sent")
	}
}
