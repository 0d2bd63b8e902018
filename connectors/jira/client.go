// Package jira is slabot's Jira Cloud client. It reads issues (with their
// complete changelog, comments and worklogs) through the search/jql API that
// replaced the removed /rest/api/2/search, maps them onto the engine's
// connector-neutral rules.Issue, and writes change sets back with as few
// calls as possible, without ever removing labels people set.
//
// It is built on github.com/andygrunwald/go-jira (v2 endpoints and its
// structs, since v3 bodies are ADF) but never calls go-jira's Search or
// SearchPages: those use the removed endpoint.
package jira

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // Jira users' zones must resolve in minimal containers.

	gojira "github.com/andygrunwald/go-jira"

	"github.com/slabot/slabot/rules"
)

// Client talks to one Jira Cloud site. Create it with New, then Connect
// before syncing. It is safe for concurrent use.
type Client struct {
	cfg     Config
	jc      *gojira.Client
	secrets []string // strings that must never appear in errors

	gates   gates
	pace    *writePace // writes in flight (pace.go)
	metrics metrics
	skips   skips
	// internal is what slabot knows of each project's way to keep a
	// comment internal (internal.go).
	internal internalState
	noBulk   atomic.Bool // the site has no bulk changelog endpoint

	mu        sync.RWMutex
	connected bool
	account   string         // accountId of the bot
	zone      *time.Location // the bot user's zone: JQL date literals use it
	fields    map[string]resolvedField
	byID      map[string]resolvedField
	orgField  string            // id of the JSM organizations field, if any
	statusCat map[string]string // status id and lower-cased name -> category key
}

type resolvedField struct {
	Name string
	ID   string
	Kind rules.FieldKind
	// kept is what the field was found to keep of a datetime (see
	// datetimeKept), shared by every copy of the field.
	kept *keptPrecision
}

// New checks the configuration and builds a client. It does not contact
// Jira: Connect does.
func New(cfg Config) (*Client, error) {
	cfg.defaults()
	if probs := cfg.validate(); len(probs) > 0 {
		return nil, &ConfigError{Problems: probs}
	}
	base := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	site, _ := url.Parse(cfg.BaseURL) // validate checked it
	tp := &authTransport{email: cfg.Email, token: cfg.APIToken, site: site, base: base}
	hc := &http.Client{Transport: tp, CheckRedirect: sameSiteRedirects(site, nil)}
	if cfg.HTTPClient != nil {
		hc.Jar = cfg.HTTPClient.Jar
		hc.CheckRedirect = sameSiteRedirects(site, cfg.HTTPClient.CheckRedirect)
	}
	jc, err := gojira.NewClient(hc, strings.TrimSuffix(cfg.BaseURL, "/")+"/")
	if err != nil {
		return nil, fmt.Errorf("jira: base URL: %w", err)
	}
	c := &Client{cfg: cfg, jc: jc, zone: time.UTC}
	c.secrets = []string{cfg.APIToken, base64.StdEncoding.EncodeToString([]byte(cfg.Email + ":" + cfg.APIToken))}
	c.gates.until = map[string]gate{}
	c.pace = newWritePace(cfg.WriteConcurrency)
	c.metrics.counts = map[RequestCount]int{}
	return c, nil
}

// Connect verifies the credentials (GET myself, which also gives the
// account's time zone for JQL dates), resolves the configured custom
// fields by name and type, and loads status categories. Every site-setup
// problem is reported together in a ConfigError.
func (c *Client) Connect(ctx context.Context) error {
	var me gojira.User
	if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/myself", endpoint: "/rest/api/2/myself", idempotent: true, out: &me}); err != nil {
		return fmt.Errorf("%w (connecting: GET /rest/api/2/myself)", err)
	}
	zone := time.UTC
	if me.TimeZone != "" {
		if loc, err := time.LoadLocation(me.TimeZone); err == nil {
			zone = loc
		}
	}
	var fields []gojira.Field
	if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/field", endpoint: "/rest/api/2/field", idempotent: true, out: &fields}); err != nil {
		return fmt.Errorf("%w (connecting: listing fields)", err)
	}
	resolved, orgID, probs := resolveFields(c.cfg.Fields, c.cfg.OrganizationsField, fields)
	if len(probs) > 0 {
		return &ConfigError{Problems: probs}
	}
	var statuses []gojira.Status
	if _, err := c.call(ctx, op{method: "GET", path: "rest/api/2/status", endpoint: "/rest/api/2/status", idempotent: true, out: &statuses}); err != nil {
		return fmt.Errorf("%w (connecting: listing statuses)", err)
	}
	cats := map[string]string{}
	for _, s := range statuses {
		cats[s.ID] = s.StatusCategory.Key
		cats[strings.ToLower(s.Name)] = s.StatusCategory.Key
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.account, c.zone, c.orgField, c.statusCat = me.AccountID, zone, orgID, cats
	c.fields = map[string]resolvedField{}
	c.byID = map[string]resolvedField{}
	for _, f := range resolved {
		c.fields[f.Name] = f
		c.byID[f.ID] = f
	}
	c.connected = true
	return nil
}

// AccountID is the bot's own account (known after Connect): its comments
// and changes can be told apart from people's.
func (c *Client) AccountID() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.account
}

// FieldID returns the resolved id of a configured field.
func (c *Client) FieldID(name string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	f, ok := c.fields[name]
	return f.ID, ok
}

func (c *Client) ready() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.connected {
		return fmt.Errorf("jira: Connect must succeed before reading or writing issues")
	}
	return nil
}

// redact removes credentials from text that came from the network.
func (c *Client) redact(s string) string { return redactWhole(s, c.secrets) }
