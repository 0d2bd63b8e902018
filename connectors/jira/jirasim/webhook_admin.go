package jirasim

import (
	"net/http"
	"slices"
	"strconv"
)

// The admin webhooks REST resource, as `slabot setup` and `check` use it:
// GET and POST /rest/webhooks/1.0/webhook, GET, PUT and DELETE
// /rest/webhooks/1.0/webhook/{id}, for administrators only. It is not in
// the platform's OpenAPI description; Atlassian's Webhooks page
// (developer.atlassian.com/cloud/jira/platform/webhooks, "Registering a
// webhook via the Jira REST API") documents registering with a body of
// name, url, events, filters {"issue-related-events-section": JQL} and
// excludeBody, listing, and deleting. Three things that page does not
// document, and how the simulator settles them:
//   - the secret: the REST body has no documented field for it (an
//     administrator types it on the WebHooks page), so a webhook created
//     here has none until SetWebhookSecret plays that step, and its
//     deliveries go unsigned;
//   - enabling: an administrator toggles it on the page; a webhook created
//     here is enabled, and SetWebhookEnabled plays the toggle;
//   - PUT replaces name, url, events, filters and excludeBody and keeps the
//     secret and the enabled flag.

// adminWebhook is the resource's JSON.
type adminWebhook struct {
	Self        string            `json:"self,omitempty"`
	Name        string            `json:"name"`
	URL         string            `json:"url"`
	Events      []string          `json:"events"`
	Filters     map[string]string `json:"filters"`
	ExcludeBody bool              `json:"excludeBody"`
	Enabled     bool              `json:"enabled"`
}

// webhookRequest is what POST and PUT take.
type webhookRequest struct {
	Name        string            `json:"name"`
	URL         string            `json:"url"`
	Events      []string          `json:"events"`
	Filters     map[string]string `json:"filters"`
	ExcludeBody bool              `json:"excludeBody"`
}

// jqlFilterKey is the filters entry that holds an issue events' JQL.
const jqlFilterKey = "issue-related-events-section"

// WebhookEventNames are the issue, comment and worklog events an admin
// webhook can subscribe to, as the Webhooks page names them.
var WebhookEventNames = []string{
	"jira:issue_created", "jira:issue_updated", "jira:issue_deleted",
	"comment_created", "comment_updated", "comment_deleted",
	"worklog_created", "worklog_updated", "worklog_deleted",
}

func (s *Server) registerWebhookRoutes(add func(Route, handlerFunc)) {
	const doc = "developer.atlassian.com/cloud/jira/platform/webhooks"
	add(Route{Method: "GET", Path: "/rest/webhooks/1.0/webhook", OutsideSpec: doc}, (*call).listAdminWebhooks)
	add(Route{Method: "POST", Path: "/rest/webhooks/1.0/webhook", OutsideSpec: doc}, (*call).createAdminWebhook)
	add(Route{Method: "GET", Path: "/rest/webhooks/1.0/webhook/{id}", OutsideSpec: doc}, (*call).getAdminWebhook)
	add(Route{Method: "PUT", Path: "/rest/webhooks/1.0/webhook/{id}", OutsideSpec: doc}, (*call).updateAdminWebhook)
	add(Route{Method: "DELETE", Path: "/rest/webhooks/1.0/webhook/{id}", OutsideSpec: doc}, (*call).deleteAdminWebhook)
}

func (c *call) webhookJSON(r registered) adminWebhook {
	w := adminWebhook{Self: c.s.opts.BaseURL + "/rest/webhooks/1.0/webhook/" + strconv.FormatInt(r.id, 10),
		Name: r.Name, URL: r.URL, Events: append([]string{}, r.Events...), Filters: map[string]string{},
		ExcludeBody: r.ExcludeBody, Enabled: !r.Disabled}
	if r.JQL != "" {
		w.Filters[jqlFilterKey] = r.JQL
	}
	return w
}

func (c *call) listAdminWebhooks() {
	if !c.requireAdmin() {
		return
	}
	c.s.hooks.mu.Lock()
	out := make([]adminWebhook, 0, len(c.s.hooks.hooks))
	for _, r := range c.s.hooks.hooks {
		out = append(out, c.webhookJSON(r))
	}
	c.s.hooks.mu.Unlock()
	c.json(http.StatusOK, out)
}

// webhookIndex finds the path's webhook, answering 404 when there is
// none (then -1); caller holds hooks.mu.
func (c *call) webhookIndex() int {
	id, err := strconv.ParseInt(c.r.PathValue("id"), 10, 64)
	i := -1
	if err == nil {
		i = slices.IndexFunc(c.s.hooks.hooks, func(r registered) bool { return r.id == id })
	}
	if i < 0 {
		c.fail(http.StatusNotFound, "Webhook not found.")
	}
	return i
}

func (c *call) getAdminWebhook() {
	if !c.requireAdmin() {
		return
	}
	c.s.hooks.mu.Lock()
	defer c.s.hooks.mu.Unlock()
	if i := c.webhookIndex(); i >= 0 {
		c.json(http.StatusOK, c.webhookJSON(c.s.hooks.hooks[i]))
	}
}

// readWebhook validates a POST or PUT body into r (keeping r's id, secret
// and enabled flag). Caller holds s.mu.
func (c *call) readWebhook(r *registered) bool {
	var req webhookRequest
	if !c.decode(&req, true) {
		return false
	}
	errs := map[string]string{}
	if req.Name == "" {
		errs["name"] = "The webhook name is required."
	}
	if req.URL == "" {
		errs["url"] = "The webhook URL is required."
	}
	for _, e := range req.Events {
		if !slices.Contains(WebhookEventNames, e) {
			errs["events"] = "Unknown event: " + e
		}
	}
	for k := range req.Filters {
		if k != jqlFilterKey {
			errs["filters"] = "Unknown filter: " + k
		}
	}
	jql := req.Filters[jqlFilterKey]
	var match func(*issue) bool
	if jql != "" {
		q, err := c.s.parseJQL(jql, c.s.webhookAdmin())
		if err != nil {
			errs["filters"] = "Invalid JQL: " + err.Error()
		} else {
			match = q.where
		}
	}
	if len(errs) > 0 {
		c.failFields(http.StatusBadRequest, errs)
		return false
	}
	r.Name, r.URL, r.Events, r.JQL, r.ExcludeBody, r.match = req.Name, req.URL, req.Events, jql, req.ExcludeBody, match
	return true
}

func (c *call) createAdminWebhook() {
	if !c.requireAdmin() {
		return
	}
	var r registered
	if !c.readWebhook(&r) {
		return
	}
	c.s.hooks.mu.Lock()
	defer c.s.hooks.mu.Unlock()
	c.s.hooks.lastID++
	r.id = c.s.hooks.lastID
	c.s.hooks.hooks = append(c.s.hooks.hooks, r)
	c.json(http.StatusCreated, c.webhookJSON(r))
}

func (c *call) updateAdminWebhook() {
	if !c.requireAdmin() {
		return
	}
	c.s.hooks.mu.Lock()
	i := c.webhookIndex()
	var r registered
	if i >= 0 {
		r = c.s.hooks.hooks[i]
	}
	c.s.hooks.mu.Unlock()
	if i < 0 {
		return
	}
	if !c.readWebhook(&r) {
		return
	}
	c.s.hooks.mu.Lock()
	defer c.s.hooks.mu.Unlock()
	if i = c.webhookIndex(); i < 0 {
		return
	}
	c.s.hooks.hooks[i] = r
	c.json(http.StatusOK, c.webhookJSON(r))
}

func (c *call) deleteAdminWebhook() {
	if !c.requireAdmin() {
		return
	}
	c.s.hooks.mu.Lock()
	defer c.s.hooks.mu.Unlock()
	if i := c.webhookIndex(); i >= 0 {
		c.s.hooks.hooks = slices.Delete(c.s.hooks.hooks, i, i+1)
		c.noContent()
	}
}

// SetWebhookSecret plays the administrator typing a secret for the
// webhooks pointing at url on the WebHooks page (the REST resource has no
// documented field for it). It reports how many it changed.
func (s *Server) SetWebhookSecret(url, secret string) int {
	return s.editWebhooks(url, func(r *registered) { r.Secret = secret })
}

// SetWebhookEnabled plays the WebHooks page's enable toggle for the
// webhooks pointing at url.
func (s *Server) SetWebhookEnabled(url string, enabled bool) int {
	return s.editWebhooks(url, func(r *registered) { r.Disabled = !enabled })
}

func (s *Server) editWebhooks(url string, edit func(*registered)) int {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	n := 0
	for i := range s.hooks.hooks {
		if s.hooks.hooks[i].URL == url {
			edit(&s.hooks.hooks[i])
			n++
		}
	}
	return n
}
