package rules

import (
	"fmt"
	"strings"
)

// matchCustomer finds the issue's customer and plan. Order: JSM
// organization, the configured customer field, the reporter as a registered
// contact, the reporter's e-mail domain. A plan field on the issue, when the
// policy names one, overrides the directory's plan (it is what the service
// desk set on this very issue).
func (p *Policy) matchCustomer(o *Outcome, sc *scratch) {
	iss := o.Issue
	cust, how := p.findCustomer(iss)
	o.Customer, o.CustomerMatch = cust, how
	if cust != nil {
		o.Plan = cust.Plan
	}
	if p.Customers.PlanField != "" {
		if v := strings.TrimSpace(iss.Fields[p.Customers.PlanField].String()); v != "" {
			if pl := p.planByValue(v); pl != nil {
				o.Plan = pl
				o.CustomerMatch = joinReason(o.CustomerMatch, fmt.Sprintf("plan %s from field %q", pl.Name, p.Customers.PlanField))
			} else {
				o.flag(sc, FlagUnknownPlan, fmt.Sprintf("field %q says plan %q, which the policy does not define (plans: %s)", p.Customers.PlanField, v, strings.Join(planNames(p), ", ")))
			}
		}
	}
	if o.Plan == nil && p.Customers.DefaultPlan != nil {
		o.Plan = p.Customers.DefaultPlan
		o.CustomerMatch = joinReason(o.CustomerMatch, "default plan "+o.Plan.Name)
	}
	if cust == nil && (p.Customers.Required || (len(p.Plans) > 0 && o.Plan == nil)) {
		o.flag(sc, FlagUnknownCustomer, fmt.Sprintf("reporter %s matches no customer in %s (by organization, %s, contact or e-mail domain)",
			describeUser(iss.Reporter), p.File, fieldOrNone(p.Customers.Field)))
	}
	if cust != nil && len(cust.Contacts) > 0 && !cust.isContact(iss.Reporter) {
		o.flag(sc, FlagUnregistered, fmt.Sprintf("reporter %s is not one of %s's registered persons", describeUser(iss.Reporter), cust.Name))
	}
}

func fieldOrNone(f string) string {
	if f == "" {
		return "no customer field"
	}
	return fmt.Sprintf("field %q", f)
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func describeUser(u User) string {
	switch {
	case u.DisplayName != "" && u.Email != "":
		return fmt.Sprintf("%s <%s>", u.DisplayName, u.Email)
	case u.Email != "":
		return u.Email
	case u.DisplayName != "":
		return u.DisplayName
	case u.AccountID != "":
		return "account " + u.AccountID
	}
	return "(unknown reporter)"
}

func (p *Policy) planByValue(v string) *Plan {
	for _, pl := range p.Plans {
		if strings.EqualFold(pl.Name, v) {
			return pl
		}
	}
	return nil
}

func (p *Policy) findCustomer(iss *Issue) (*Customer, string) {
	for _, c := range p.Customers.Directory {
		for _, org := range iss.Organizations {
			for _, o := range c.Organizations {
				if strings.EqualFold(org, o) {
					return c, fmt.Sprintf("customer %s by organization %q", c.Name, org)
				}
			}
		}
	}
	if f := p.Customers.Field; f != "" {
		if v := strings.TrimSpace(iss.Fields[f].String()); v != "" {
			for _, c := range p.Customers.Directory {
				for _, fv := range c.FieldValues {
					if strings.EqualFold(v, fv) {
						return c, fmt.Sprintf("customer %s by field %q = %q", c.Name, f, v)
					}
				}
			}
		}
	}
	for _, c := range p.Customers.Directory {
		if c.isContact(iss.Reporter) {
			return c, fmt.Sprintf("customer %s by registered contact %s", c.Name, describeUser(iss.Reporter))
		}
	}
	if d := emailDomain(iss.Reporter.Email); d != "" {
		for _, c := range p.Customers.Directory {
			for _, cd := range c.Domains {
				if d == cd {
					return c, fmt.Sprintf("customer %s by e-mail domain %s", c.Name, d)
				}
			}
		}
	}
	return nil, ""
}

func (c *Customer) isContact(u User) bool {
	email := strings.ToLower(u.Email)
	id := strings.ToLower(u.AccountID)
	for _, ct := range c.Contacts {
		if (email != "" && ct == email) || (id != "" && ct == id) {
			return true
		}
	}
	return false
}

func emailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(email[at+1:])
}

// isAgent decides whether a comment's author counts as support staff. The
// reporter and the bot never do. With agents configured, only they do;
// otherwise anyone who is not a known customer does.
func (p *Policy) isAgent(u User, reporter User, bot string) bool {
	if u.AccountID != "" && u.AccountID == reporter.AccountID {
		return false
	}
	if u.Email != "" && strings.EqualFold(u.Email, reporter.Email) {
		return false
	}
	if bot != "" && u.AccountID == bot {
		return false
	}
	domain := emailDomain(u.Email)
	if len(p.Agents.Accounts)+len(p.Agents.Domains) > 0 {
		for _, a := range p.Agents.Accounts {
			if a == u.AccountID {
				return true
			}
		}
		for _, d := range p.Agents.Domains {
			if d == domain && domain != "" {
				return true
			}
		}
		return false
	}
	for _, c := range p.Customers.Directory {
		if c.isContact(u) {
			return false
		}
		for _, d := range c.Domains {
			if d == domain && domain != "" {
				return false
			}
		}
	}
	return true
}
