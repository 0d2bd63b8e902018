package rules_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

func loadFixture(t *testing.T, name string) *rules.Policy {
	t.Helper()
	p, err := rules.LoadFile(filepath.Join("testdata", "good", name))
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
		opts     []rulestest.Opt
		customer string
		plan     string
		flag     string
	}{
		{"by organization", []rulestest.Opt{rulestest.Org("Acme Org"), rulestest.Reporter("ann@acme.example")}, "Acme", "gold", ""},
		{"by customer field", []rulestest.Opt{rulestest.Reporter("ann@acme.example"), func(i *rules.Issue) { i.Fields["Customer"] = rules.Option("acme") }}, "Acme", "gold", ""},
		{"by domain, unregistered person", []rulestest.Opt{rulestest.Reporter("bob@acme.example")}, "Acme", "gold", rules.FlagUnregistered},
		{"plan field overrides", []rulestest.Opt{rulestest.Reporter("ann@acme.example"), func(i *rules.Issue) { i.Fields["Support plan"] = rules.Option("Silver") }}, "Acme", "silver", ""},
		{"unknown plan in the field", []rulestest.Opt{rulestest.Reporter("ann@acme.example"), func(i *rules.Issue) { i.Fields["Support plan"] = rules.Option("Platinum") }}, "Acme", "gold", rules.FlagUnknownPlan},
		{"unknown customer gets the default plan and a flag", []rulestest.Opt{rulestest.Reporter("x@else.example")}, "", "silver", rules.FlagUnknownCustomer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := evalOne(t, p, rulestest.Issue("EVR-1", "High", "Task", now, tc.opts...), now)
			if customer, plan := customerAndPlan(o); customer != tc.customer || plan != tc.plan {
				t.Errorf("customer %q plan %q, want %q %q (%s)", customer, plan, tc.customer, tc.plan, o.CustomerMatch)
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

// customerAndPlan names the outcome's customer and plan, "" for none.
func customerAndPlan(o *rules.Outcome) (customer, plan string) {
	if o.Customer != nil {
		customer = o.Customer.Name
	}
	if o.Plan != nil {
		plan = o.Plan.Name
	}
	return customer, plan
}

func TestQualifiedStartAndCategoryStop(t *testing.T) {
	p := loadFixture(t, "everything.yaml")
	mon := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC) // 10:00 Berlin
	iss := rulestest.Issue("EVR-2", "Highest", "Incident", mon, rulestest.Org("Acme Org"), rulestest.Reporter("ann@acme.example"))
	o := evalOne(t, p, iss, mon.Add(time.Hour))
	if g := mustGoal(t, o, "fix"); g.State != rules.StateNotStarted || len(o.Missing) != 2 {
		t.Fatalf("incomplete incident: fix %s, missing %v", g.State, o.Missing)
	}
	// The information arrives at 11:00 UTC: the qualified clock starts then.
	iss.Fields["Version"] = rules.Text("1.2")
	iss.Description = "Steps: click"
	iss.Changes = append(iss.Changes, rules.Change{At: mon.Add(2 * time.Hour), Field: "description", To: "Steps: click"})
	o = evalOne(t, p, iss, mon.Add(3*time.Hour))
	g := mustGoal(t, o, "fix")
	if g.State != rules.StateNoTarget || !g.Start.Equal(mon.Add(2*time.Hour)) {
		t.Fatalf("fix: %s from %s, want running without target from 11:00", g.State, g.Start)
	}
	// p1 / gold / incident: 30m on the nonstop calendar; the done category stops it.
	if fr := mustGoal(t, o, "first_response"); fr.Target != 30*time.Minute || fr.State != rules.StateBreached {
		t.Errorf("first response %s target %s, want breached 30m", fr.State, fr.Target)
	}
	rulestest.MoveTo(mon.Add(10*time.Minute), "Closed", rules.CategoryDone)(&iss)
	o = evalOne(t, p, iss, mon.Add(3*time.Hour))
	if fr := mustGoal(t, o, "first_response"); fr.State != rules.StateMet {
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
