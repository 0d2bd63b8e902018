package rules

import (
	"path/filepath"
	"testing"
	"time"
)

func loadFixture(t *testing.T, name string) *Policy {
	t.Helper()
	p, err := LoadFile(filepath.Join("testdata", "good", name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

// The full-schema fixture: customers by organization, field, contact and
// domain; plan from a field; the qualified start and category stop.
func TestCustomerMatching(t *testing.T) {
	p := loadFixture(t, "everything.yaml")
	now := time.Date(2026, 11, 17, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		opts     []issueOpt
		customer string
		plan     string
		flag     string
	}{
		{"by organization", []issueOpt{org("Acme Org"), reporter("ann@acme.example")}, "Acme", "gold", ""},
		{"by customer field", []issueOpt{reporter("ann@acme.example"), func(i *Issue) { i.Fields["Customer"] = Option("acme") }}, "Acme", "gold", ""},
		{"by domain, unregistered person", []issueOpt{reporter("bob@acme.example")}, "Acme", "gold", FlagUnregistered},
		{"plan field overrides", []issueOpt{reporter("ann@acme.example"), func(i *Issue) { i.Fields["Support plan"] = Option("Silver") }}, "Acme", "silver", ""},
		{"unknown plan in the field", []issueOpt{reporter("ann@acme.example"), func(i *Issue) { i.Fields["Support plan"] = Option("Platinum") }}, "Acme", "gold", FlagUnknownPlan},
		{"unknown customer gets the default plan and a flag", []issueOpt{reporter("x@else.example")}, "", "silver", FlagUnknownCustomer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := evalOne(t, p, newIssue("EVR-1", "High", "Task", now, tc.opts...), now)
			if nameOfCustomer(o.Customer) != tc.customer || nameOf(o.Plan) != tc.plan {
				t.Errorf("customer %q plan %q, want %q %q (%s)", nameOfCustomer(o.Customer), nameOf(o.Plan), tc.customer, tc.plan, o.CustomerMatch)
			}
			if tc.flag != "" && !o.HasFlag(tc.flag) {
				t.Errorf("flags %v lack %s", o.Flags, tc.flag)
			}
			if tc.flag != "" && !hasLabel(o, "slabot-"+tc.flag) {
				t.Errorf("labels %v lack the custom prefix", o.Labels)
			}
		})
	}
}

func nameOfCustomer(c *Customer) string {
	if c == nil {
		return ""
	}
	return c.Name
}

func TestQualifiedStartAndCategoryStop(t *testing.T) {
	p := loadFixture(t, "everything.yaml")
	mon := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC) // 10:00 Berlin
	iss := newIssue("EVR-2", "Highest", "Incident", mon, org("Acme Org"), reporter("ann@acme.example"))
	o := evalOne(t, p, iss, mon.Add(time.Hour))
	if g := mustGoal(t, o, "fix"); g.State != StateNotStarted || len(o.Missing) != 2 {
		t.Fatalf("incomplete incident: fix %s, missing %v", g.State, o.Missing)
	}
	// The information arrives at 11:00 UTC: the qualified clock starts then.
	iss.Fields["Version"] = Text("1.2")
	iss.Description = "Steps: click"
	iss.Changes = append(iss.Changes, Change{At: mon.Add(2 * time.Hour), Field: "description", To: "Steps: click"})
	o = evalOne(t, p, iss, mon.Add(3*time.Hour))
	g := mustGoal(t, o, "fix")
	if g.State != StateNoTarget || !g.Start.Equal(mon.Add(2*time.Hour)) {
		t.Fatalf("fix: %s from %s, want running without target from 11:00", g.State, g.Start)
	}
	// p1 / gold / incident: 30m on the nonstop calendar; the done category stops it.
	if fr := mustGoal(t, o, "first_response"); fr.Target != 30*time.Minute || fr.State != StateBreached {
		t.Errorf("first response %s target %s, want breached 30m", fr.State, fr.Target)
	}
	moveTo(mon.Add(10*time.Minute), "Closed", CategoryDone)(&iss)
	o = evalOne(t, p, iss, mon.Add(3*time.Hour))
	if fr := mustGoal(t, o, "first_response"); fr.State != StateMet {
		t.Errorf("closed within 30m: %s, want met", fr.State)
	}
}

// "1bd4h" on a calendar whose usual day is 7h (09:00-12:00, 13:00-17:00) is 11h.
func TestBusinessDayUnitFollowsCalendar(t *testing.T) {
	p := loadFixture(t, "everything.yaml")
	if d := p.Goals[0].Targets[1].Target.Resolve(p.Calendars["office"]); d != 11*time.Hour {
		t.Errorf("1bd4h = %s, want 11h", d)
	}
}
