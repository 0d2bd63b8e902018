package rules

// WrittenStates are the values the engine writes to a goal's state field,
// in the order a select list shows them (a goal not started clears the
// field instead). A select-list state field needs each as an option.
var WrittenStates = []GoalState{StateRunning, StatePaused, StateMet, StateBreached, StateNoTarget, StateUnknown}

// FieldOptions lists, per field the policy names that may be a select
// list, the values it writes or matches: each goal's state field gets the
// written states, the customer field each customer's field values, the
// plan field the plan names. `slabot setup` creates the missing ones.
func (p *Policy) FieldOptions() map[string][]string {
	out := map[string][]string{}
	add := func(field, v string) {
		if field == "" || v == "" {
			return
		}
		for _, x := range out[field] {
			if x == v {
				return
			}
		}
		out[field] = append(out[field], v)
	}
	for _, g := range p.Goals {
		for _, s := range WrittenStates {
			add(g.StateField, string(s))
		}
	}
	for _, c := range p.Customers.Directory {
		for _, v := range c.FieldValues {
			add(p.Customers.Field, v)
		}
	}
	for _, pl := range p.Plans {
		add(p.Customers.PlanField, pl.Name)
	}
	return out
}
