package jira

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/clock"
)

// schemaType is the JsonTypeBean.type GET /rest/api/2/field reports for
// the Jira field type that holds each kind of value.
var schemaType = map[rules.FieldKind]string{
	rules.KindDatetime: "datetime", rules.KindOption: "option", rules.KindText: "string", rules.KindNumber: "number",
}

// Config configures a Client.
type Config struct {
	// BaseURL of the site, e.g. https://example.atlassian.net. Must be
	// https unless it is a loopback address (tests, the demo).
	BaseURL string
	// Email and APIToken authenticate with basic auth.
	Email    string
	APIToken string

	// Fields are the custom fields to read and write, with their kinds
	// (rules.Policy.Fields, merged by rules.FieldsOf). A name may also be
	// the field's id (customfield_NNNNN) to settle ambiguity.
	Fields []rules.Field
	// OrganizationsField names the JSM organizations field. Empty finds it
	// by type and tolerates its absence (non-JSM projects).
	OrganizationsField string

	// PageSize of search requests (Jira caps it at 100 with fields).
	PageSize int
	// Overlap re-reads this much before the cursor on every poll: JQL dates
	// have minute precision and search is eventually consistent.
	Overlap time.Duration
	// IndexLag is the longest delay expected between a change in Jira and
	// search/jql finding it (the index is eventually consistent; seconds
	// usually, minutes on a busy site). Each poll's window reaches back
	// this much further, so a change the index had not caught up with is
	// found by a later poll. Zero means the overlap alone covers it.
	IndexLag time.Duration
	// Quiet edits with notifyUsers=false so slabot's field updates do not
	// e-mail watchers (needs project admin).
	Quiet bool
	// ManagedLabelPrefixes, when set, restrict label removal to labels with
	// one of these prefixes (one per policy: products may choose their
	// own), so labels people set are never removed.
	ManagedLabelPrefixes []string
	// InternalVisibility restricts internal comments on projects outside
	// Jira Service Management, by project key (the policy's
	// internal_comments); a project missing here uses the role
	// rules.DefaultInternalRole.
	InternalVisibility map[string]rules.CommentRestriction
	// RestrictionRetry is how long internal comments of a project whose
	// restriction Jira refused are withheld without asking Jira again
	// (default 1 h, a choice: one refused request per project and hour).
	RestrictionRetry time.Duration

	// MaxRetries bounds retries of idempotent calls on 5xx and network
	// errors (default 3).
	MaxRetries int
	// MaxRateLimitWait is the longest Retry-After the client waits out
	// inside a call (default 60 s); longer waits return a RateLimitError.
	MaxRateLimitWait time.Duration
	// WriteConcurrency bounds the writes in flight to the site (default
	// DefaultWriteConcurrency); the client lowers it while Jira answers
	// writes with burst 429s (pace.go).
	WriteConcurrency int
	// RequestTimeout bounds every HTTP request (default 30 s), also when the
	// caller's context has no deadline.
	RequestTimeout time.Duration

	// HTTPClient supplies the transport (default http.DefaultTransport).
	HTTPClient *http.Client
	// Clock is the client's time and its waits (Retry-After, backoff;
	// default the wall clock): tests and the demo inject a simulated one
	// so the waits take no real time.
	Clock clock.Clock
	// Jitter returns a number in [0,1) to spread backoff (default math/rand).
	Jitter func() float64
	// Logger receives retries and rate-limit waits (default: discard).
	Logger *slog.Logger
	// OnRequest is called after every HTTP request, for metrics.
	OnRequest func(RequestInfo)
}

// LogValue keeps the token out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("email", c.Email),
		slog.String("api_token", redacted(c.APIToken)))
}

// String keeps the token out of %v.
func (c Config) String() string {
	return fmt.Sprintf("jira.Config{BaseURL: %s, Email: %s, APIToken: %s}", c.BaseURL, c.Email, redacted(c.APIToken))
}

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

func (c *Config) defaults() {
	if c.PageSize <= 0 {
		c.PageSize = 100
	}
	if c.Overlap <= 0 {
		c.Overlap = 2 * time.Minute
	}
	if c.MaxRetries <= 0 {
		c.MaxRetries = 3
	}
	if c.MaxRateLimitWait <= 0 {
		c.MaxRateLimitWait = 60 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 30 * time.Second
	}
	if c.RestrictionRetry <= 0 {
		c.RestrictionRetry = time.Hour
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// validate lists every problem with the configuration.
// BaseURLProblem says what is wrong with a Jira base URL, "" when
// nothing: the configuration reports it with every other problem at start.
func BaseURLProblem(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "the Jira base URL is not set (e.g. https://example.atlassian.net)"
	case err != nil || u.Host == "":
		return fmt.Sprintf("the Jira base URL %q is not a URL like https://example.atlassian.net", raw)
	case u.User != nil:
		return "the Jira base URL must not contain credentials; set the e-mail and API token separately"
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Sprintf("the Jira base URL %s must use https (plain http is only allowed for loopback addresses)", u.Redacted())
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Sprintf("the Jira base URL %s must use https", u.Redacted())
	}
	return ""
}

func (c *Config) validate() []string {
	var probs []string
	if p := BaseURLProblem(c.BaseURL); p != "" {
		probs = append(probs, p)
	}
	if c.Email == "" {
		probs = append(probs, "the Jira account e-mail is not set")
	}
	if c.APIToken == "" {
		probs = append(probs, "the Jira API token is not set")
	}
	seen := map[string]bool{}
	for _, f := range c.Fields {
		if _, ok := schemaType[f.Kind]; !ok {
			probs = append(probs, fmt.Sprintf("field %q: kind %s is not one of datetime, option, text, number", f.Name, f.Kind))
		}
		if f.Name == "" {
			probs = append(probs, "a configured custom field has no name")
		}
		if seen[f.Name] {
			probs = append(probs, fmt.Sprintf("field %q is configured twice", f.Name))
		}
		seen[f.Name] = true
	}
	for _, p := range c.ManagedLabelPrefixes {
		switch {
		case p == "":
			probs = append(probs, "a managed label prefix is empty: it would let slabot remove any label")
		case strings.ContainsAny(p, " \t"):
			probs = append(probs, fmt.Sprintf("the managed label prefix %q contains spaces, which Jira labels cannot", p))
		}
	}
	return probs
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// GoString keeps the token out of %#v.
func (c Config) GoString() string { return c.String() }
