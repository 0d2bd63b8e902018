package rules

// FlagMeanings says in a sentence what each flag's label tells a person
// reading the issue (the demo's legend, reports). The label is the policy's
// prefix and the code; goal labels (GOAL-at-risk, GOAL-breached) are the
// goal's own.
var FlagMeanings = map[string]string{
	FlagUnknownPriority:    "the Jira priority is not mapped by the policy",
	FlagUnknownType:        "the issue type is not mapped by the policy",
	FlagUnknownCustomer:    "no customer of the policy matches the reporter or organization",
	FlagUnknownPlan:        "the plan field names a plan the policy does not define",
	FlagPriorityNotAllowed: "the type does not allow the requested priority: the SLA uses the allowed one",
	FlagMissingInfo:        "the qualification checklist lacks information: the clock waits for it",
	FlagOverQuota:          "the customer's monthly credits are used up: this request is billed or refused",
	FlagDailyCap:           "the customer's credits for the day are used up",
	FlagUnregistered:       "the reporter is not a registered person of the customer",
	FlagReview:             "for the team lead to review (e.g. many requests in one day)",
	FlagAfterHours:         "work logged after hours, billed with the policy's multiplier",
}
