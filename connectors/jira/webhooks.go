package jira

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The admin webhook that makes slabot react in seconds: `slabot setup`
// creates or updates it, `slabot check` verifies it. Both read the site's
// webhooks and decide with PlanWebhook, so they cannot disagree about
// what "set up" means.
//
// The resource is /rest/webhooks/1.0/webhook (Atlassian's Webhooks page,
// developer.atlassian.com/cloud/jira/platform/webhooks, "Registering a
// webhook via the Jira REST API": name, url, events, filters with
// "issue-related-events-section", excludeBody). That page documents no
// field for the secret and none for enabling, both set on the site's
// WebHooks page: slabot sends neither, and says what is left to do there.

// WebhookEvents are the events slabot takes: every change to an issue,
// its comments or its work log can move a clock (the Webhooks page's
// names).
var WebhookEvents = []string{
	"jira:issue_created", "jira:issue_updated", "jira:issue_deleted",
	"comment_created", "comment_updated", "comment_deleted",
	"worklog_created", "worklog_updated", "worklog_deleted",
}

// WebhookName is the name setup gives the webhook, and the second way it
// finds it again (after the URL) when the public URL changed.
const WebhookName = "slabot"

// WebhookSecretStep is the step setup leaves to an administrator.
const WebhookSecretStep = "in Jira, Settings > System > WebHooks > " + WebhookName + " > Edit: set Secret to the value of " +
	"SLABOT_JIRA_WEBHOOK_SECRET (Atlassian documents no REST field for it, so setup cannot set it, nor read it back; " +
	"until it matches, slabot refuses the deliveries, counts them in slabot_jira_webhook_requests_total, and polling carries on)"

// WebhookSpec is the webhook the policies need.
type WebhookSpec struct {
	URL      string   // SLABOT_PUBLIC_URL + "/jira/webhook"
	Projects []string // every project a policy governs
}

// JQL is the filter: the governed projects, sorted.
func (s WebhookSpec) JQL() string {
	ps := slices.Clone(s.Projects)
	sort.Strings(ps)
	ps = slices.Compact(ps)
	return "project in (" + strings.Join(ps, ", ") + ")"
}

// AdminWebhook is one admin webhook as the site lists it.
type AdminWebhook struct {
	Self        string            `json:"self"`
	Name        string            `json:"name"`
	URL         string            `json:"url"`
	Events      []string          `json:"events"`
	Filters     map[string]string `json:"filters"`
	ExcludeBody bool              `json:"excludeBody"`
	Enabled     bool              `json:"enabled"`
}

// jqlFilter is the filters entry of issue-related events.
const jqlFilter = "issue-related-events-section"

// ID is the webhook's id, the last element of its self link.
func (w AdminWebhook) ID() string {
	return w.Self[strings.LastIndex(w.Self, "/")+1:]
}

// WebhookPlan is what PlanWebhook decided.
type WebhookPlan struct {
	Create bool
	// Update is the webhook to replace with the spec's definition, with
	// Why saying what differs.
	Update *AdminWebhook
	Why    []string
	// Current is the webhook that needs nothing, when one does.
	Current *AdminWebhook
	// Problems are what setup cannot fix through the API.
	Problems []string
}

// PlanWebhook decides, from the site's admin webhooks, whether spec's
// webhook must be created, updated or is as it should be. The webhook is
// the one pointing at spec.URL, else the one named WebhookName (the public
// URL moved). Two pointing at the URL are a problem: Jira would send every
// event twice.
func PlanWebhook(spec WebhookSpec, site []AdminWebhook) WebhookPlan {
	var at, named []AdminWebhook
	for _, w := range site {
		switch {
		case w.URL == spec.URL:
			at = append(at, w)
		case w.Name == WebhookName:
			named = append(named, w)
		}
	}
	var p WebhookPlan
	if len(at) > 1 {
		ids := make([]string, len(at))
		for i, w := range at {
			ids[i] = w.ID()
		}
		p.Problems = append(p.Problems, fmt.Sprintf("%d admin webhooks point at %s (ids %s): Jira sends each event once per webhook; "+
			"delete all but one in Settings > System > WebHooks", len(at), spec.URL, strings.Join(ids, ", ")))
		return p
	}
	if len(at) == 0 && len(named) == 1 {
		at = named
	}
	if len(at) == 0 {
		p.Create = true
		return p
	}
	w := at[0]
	if w.URL != spec.URL {
		p.Why = append(p.Why, "url "+w.URL+" -> "+spec.URL)
	}
	var missing []string
	for _, e := range WebhookEvents {
		if len(w.Events) > 0 && !slices.Contains(w.Events, e) {
			missing = append(missing, e)
		}
	}
	if len(w.Events) == 0 {
		missing = WebhookEvents
	}
	if len(missing) > 0 {
		p.Why = append(p.Why, "events lack "+strings.Join(missing, ", "))
	}
	if got := w.Filters[jqlFilter]; got != spec.JQL() {
		p.Why = append(p.Why, fmt.Sprintf("filter %q -> %q", got, spec.JQL()))
	}
	if w.ExcludeBody {
		p.Why = append(p.Why, "excludeBody true -> false (slabot reads the issue key from the body)")
	}
	if !w.Enabled {
		p.Problems = append(p.Problems, fmt.Sprintf("admin webhook %s (%s) is disabled: enable it in Settings > System > WebHooks", w.ID(), w.URL))
	}
	if len(p.Why) > 0 {
		p.Update = &w
	} else {
		p.Current = &w
	}
	return p
}

// webhookBody is the definition setup sends (POST and PUT).
func (s WebhookSpec) webhookBody(keep *AdminWebhook) map[string]any {
	events := slices.Clone(WebhookEvents)
	if keep != nil { // keep what an administrator added
		for _, e := range keep.Events {
			if !slices.Contains(events, e) {
				events = append(events, e)
			}
		}
	}
	return map[string]any{"name": WebhookName, "url": s.URL, "events": events,
		"filters": map[string]string{jqlFilter: s.JQL()}, "excludeBody": false}
}

// AdminWebhooks lists the site's admin webhooks (Administer Jira).
func (c *Client) AdminWebhooks(ctx context.Context) ([]AdminWebhook, error) {
	var out []AdminWebhook
	if _, err := c.call(ctx, op{method: "GET", path: "rest/webhooks/1.0/webhook", endpoint: "/rest/webhooks/1.0/webhook",
		idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return out, nil
}

// SetupWebhook creates or updates spec's webhook as PlanWebhook decides,
// adding to res what it did (or, with dryRun, would do) and what is left
// to an administrator.
func (c *Client) SetupWebhook(ctx context.Context, spec WebhookSpec, dryRun bool, res *SetupResult) error {
	site, err := c.AdminWebhooks(ctx)
	if err != nil {
		return c.setupErr(err)
	}
	p := PlanWebhook(spec, site)
	res.Problems = append(res.Problems, p.Problems...)
	switch {
	case p.Create:
		res.Changes = append(res.Changes, fmt.Sprintf("create admin webhook %q -> %s for %s", WebhookName, spec.URL, spec.JQL()))
		if !dryRun {
			var out AdminWebhook
			if _, err := c.call(ctx, op{method: "POST", path: "rest/webhooks/1.0/webhook", endpoint: "/rest/webhooks/1.0/webhook",
				body: spec.webhookBody(nil), out: &out}); err != nil {
				return c.setupErr(err)
			}
		}
		res.Notes = append(res.Notes, WebhookSecretStep)
	case p.Update != nil:
		id := p.Update.ID()
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			return fmt.Errorf("jira: admin webhook %q has no id in its self link %q", p.Update.Name, p.Update.Self)
		}
		res.Changes = append(res.Changes, fmt.Sprintf("update admin webhook %s: %s", id, strings.Join(p.Why, "; ")))
		if !dryRun {
			if _, err := c.call(ctx, op{method: "PUT", path: "rest/webhooks/1.0/webhook/" + id, endpoint: "/rest/webhooks/1.0/webhook/{id}",
				body: spec.webhookBody(p.Update), idempotent: true}); err != nil {
				return c.setupErr(err)
			}
		}
		res.Notes = append(res.Notes, "updated the webhook's definition; whether Jira keeps its secret across an update is not documented: "+
			"if slabot_jira_webhook_requests_total counts unsigned or bad_signature deliveries from now on, "+WebhookSecretStep)
	}
	return nil
}
