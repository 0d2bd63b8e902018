package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/rules"
)

// config is slabot's configuration, read from the environment only
// (.env.example documents every variable). Tokens never leave this struct
// except to the connectors; String redacts them.
type config struct {
	JiraURL       string `env:"SLABOT_JIRA_URL"`
	JiraEmail     string `env:"SLABOT_JIRA_EMAIL"`
	JiraToken     string `env:"SLABOT_JIRA_TOKEN"`
	JiraQuiet     bool   `env:"SLABOT_JIRA_QUIET" envDefault:"true"`
	JiraOrgField  string `env:"SLABOT_JIRA_ORGANIZATIONS_FIELD"`
	SlackToken    string `env:"SLABOT_SLACK_TOKEN"`
	SlackAppToken string `env:"SLABOT_SLACK_APP_TOKEN"`
	// JiraWebhookSecret turns on the Jira webhook receiver (POST
	// /jira/webhook on SLABOT_LISTEN): the secret of the admin webhook.
	JiraWebhookSecret string `env:"SLABOT_JIRA_WEBHOOK_SECRET"`
	// PublicURL is where Jira reaches slabot run's listener from outside
	// (an ingress, a reverse proxy, a tunnel): `slabot setup` points the
	// admin webhook at PublicURL + /jira/webhook and `check` verifies it.
	PublicURL string `env:"SLABOT_PUBLIC_URL"`
	// WebToken lets requests from other hosts than loopback see the page
	// at / (bot/view Guard): as a bearer token or a basic auth password.
	// Without it the page is loopback only.
	WebToken      string `env:"SLABOT_WEB_TOKEN"`
	PagerDutyURL  string `env:"SLABOT_PAGERDUTY_URL"`
	SlackUsers    string `env:"SLABOT_SLACK_USERS"`
	SlackChannels string `env:"SLABOT_SLACK_CHANNELS"`
	SlackAPIURL   string `env:"SLABOT_SLACK_API_URL"`
	Policies      string `env:"SLABOT_POLICIES" envDefault:"deploy/policies"`
	// Database is a SQLite file path or a postgres:// URL (store.Open);
	// shown only through store.Redact. DatabasePasswordFile holds the
	// PostgreSQL password when the URL carries none.
	Database             string        `env:"SLABOT_DB" envDefault:"slabot.db"`
	DatabasePasswordFile string        `env:"SLABOT_DB_PASSWORD_FILE"`
	Listen               string        `env:"SLABOT_LISTEN" envDefault:"127.0.0.1:9090"`
	Schedule             string        `env:"SLABOT_SCHEDULE" envDefault:"@every 2m"`
	ResyncEvery          time.Duration `env:"SLABOT_RESYNC_EVERY" envDefault:"1h"`
	JiraIndexLag         time.Duration `env:"SLABOT_JIRA_INDEX_LAG" envDefault:"1m"`
	// JiraWriteConcurrency bounds the issue writes in flight (per product's
	// cycle, and to the site as a whole, where the client lowers it while
	// Jira answers burst 429s).
	JiraWriteConcurrency int           `env:"SLABOT_JIRA_WRITE_CONCURRENCY" envDefault:"4"`
	DispatchEvery        time.Duration `env:"SLABOT_DISPATCH_EVERY" envDefault:"10s"`
	Retention            time.Duration `env:"SLABOT_RETENTION" envDefault:"2160h"`
	WriterLease          time.Duration `env:"SLABOT_WRITER_LEASE" envDefault:"30s"`
	FeedCache            string        `env:"SLABOT_FEED_CACHE" envDefault:"feeds"`
	DryRun               bool          `env:"SLABOT_DRY_RUN"`
	LogFormat            string        `env:"SLABOT_LOG_FORMAT" envDefault:"json"`
	LogLevel             string        `env:"SLABOT_LOG_LEVEL" envDefault:"info"`
}

// loadConfig reads the environment and checks it, returning every problem.
// needJira/needSlack say which credentials the verb requires.
func loadConfig(needJira, needSlack bool) (config, error) {
	return readConfig(needJira, func(config) bool { return needSlack }, "")
}

// readConfig reads the environment and lists every problem of it in one
// error (README: "A misconfiguration stops start-up with every problem
// listed"): a value that does not parse, a missing or malformed setting,
// a pair list that is not key=value. needSlack says, from what was read
// (SLABOT_DRY_RUN), whether the Slack token is required; slackHint ends
// its message.
func readConfig(needJira bool, needSlack func(config) bool, slackHint string) (config, error) {
	var c config
	var problems []string
	unparsed := map[string]bool{} // variables whose value did not parse: no second problem for them
	if err := env.Parse(&c); err != nil {
		// env.Parse goes on past a bad value and aggregates them all.
		var agg env.AggregateError
		if errors.As(err, &agg) {
			for _, e := range agg.Errors {
				var pe env.ParseError
				if errors.As(e, &pe) {
					name := envName(pe.Name)
					unparsed[name] = true
					problems = append(problems, fmt.Sprintf("%s=%q: %v", name, os.Getenv(name), pe.Err))
					continue
				}
				problems = append(problems, e.Error())
			}
		} else {
			problems = append(problems, err.Error())
		}
	}
	if needJira {
		for name, v := range map[string]string{"SLABOT_JIRA_URL": c.JiraURL, "SLABOT_JIRA_EMAIL": c.JiraEmail, "SLABOT_JIRA_TOKEN": c.JiraToken} {
			if v == "" {
				problems = append(problems, name+" is not set")
			}
		}
	}
	if c.JiraURL != "" {
		if p := jira.BaseURLProblem(c.JiraURL); p != "" {
			problems = append(problems, "SLABOT_JIRA_URL: "+p)
		}
	}
	if needSlack(c) && c.SlackToken == "" {
		problems = append(problems, "SLABOT_SLACK_TOKEN is not set (a bot token, xoxb-..."+slackHint+")")
	}
	for name, v := range map[string]string{"SLABOT_SLACK_USERS": c.SlackUsers, "SLABOT_SLACK_CHANNELS": c.SlackChannels} {
		if _, err := parsePairs(name, v); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		problems = append(problems, "SLABOT_SLACK_APP_TOKEN is not an app-level token (xapp-...): create one under Basic Information > App-Level Tokens with the connections:write scope")
	}
	if c.SlackAPIURL != "" {
		if p := httpsOffLoopback("SLABOT_SLACK_API_URL", c.SlackAPIURL); p != "" {
			problems = append(problems, p)
		}
	}
	if c.PagerDutyURL != "" {
		if p := httpsOffLoopback("SLABOT_PAGERDUTY_URL", c.PagerDutyURL); p != "" {
			problems = append(problems, p)
		}
	}
	if c.PublicURL != "" {
		if p := publicURLProblem(c.PublicURL); p != "" {
			problems = append(problems, p)
		}
		if c.JiraWebhookSecret == "" {
			problems = append(problems, "SLABOT_PUBLIC_URL is set but SLABOT_JIRA_WEBHOOK_SECRET is not: without the secret slabot run serves no /jira/webhook, so Jira's deliveries would fail")
		}
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		problems = append(problems, fmt.Sprintf("SLABOT_LOG_FORMAT=%q: use json or text", c.LogFormat))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		problems = append(problems, err.Error())
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"SLABOT_DISPATCH_EVERY", c.DispatchEvery}, {"SLABOT_RETENTION", c.Retention}, {"SLABOT_WRITER_LEASE", c.WriterLease}} {
		if d.v <= 0 && !unparsed[d.name] {
			problems = append(problems, fmt.Sprintf("%s=%s: give a positive duration, e.g. 10s, 30s or 2160h", d.name, d.v))
		}
	}
	if p := databaseProblem(c.Database, c.DatabasePasswordFile); p != "" {
		problems = append(problems, p)
	}
	if c.WriterLease > 0 && c.WriterLease < 3*time.Second {
		problems = append(problems, fmt.Sprintf("SLABOT_WRITER_LEASE=%s: at least 3s (it is renewed at a third of it)", c.WriterLease))
	}
	if len(problems) > 0 {
		sortStrings(problems)
		return c, errors.New("configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return c, nil
}

// databaseProblem says what is wrong with SLABOT_DB and
// SLABOT_DB_PASSWORD_FILE together, "" when nothing. The URL is shown
// without its password.
func databaseProblem(db, passwordFile string) string {
	if !store.IsURL(db) {
		if passwordFile != "" {
			return fmt.Sprintf("SLABOT_DB_PASSWORD_FILE is set but SLABOT_DB=%s is a SQLite file: unset it, or give a postgres:// URL", db)
		}
		return ""
	}
	u, err := url.Parse(db)
	if err != nil || u.Host == "" {
		return fmt.Sprintf("SLABOT_DB=%s is not a PostgreSQL URL: postgres://USER@HOST:5432/DATABASE?sslmode=require", store.Redact(db))
	}
	if store.HasPassword(db) && passwordFile != "" {
		return "SLABOT_DB carries a password and SLABOT_DB_PASSWORD_FILE is set too: keep one"
	}
	return ""
}

// String never shows a token.
func (c config) String() string {
	return fmt.Sprintf("jira=%s as %s (token %s, webhook secret %s), web token %s, slack token %s, slack app token %s, policies=%s, db=%s, listen=%s, public=%s, schedule=%q, dry-run=%v",
		c.JiraURL, c.JiraEmail, redact(c.JiraToken), redact(c.JiraWebhookSecret), redact(c.WebToken), redact(c.SlackToken), redact(c.SlackAppToken), c.Policies, store.Redact(c.Database), c.Listen, c.PublicURL, c.Schedule, c.DryRun)
}

func redact(s string) string {
	if s == "" {
		return "unset"
	}
	return "set"
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("SLABOT_LOG_LEVEL=%q: use debug, info, warn or error", s)
	}
	return l, nil
}

func (c config) logger() *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

// policyFor returns the policy governing a Jira project.
func policyFor(policies []*rules.Policy, project string) *rules.Policy {
	for _, p := range policies {
		for _, k := range p.Projects {
			if k == project {
				return p
			}
		}
	}
	return nil
}

// httpsOffLoopback checks a base URL that tokens are sent to: https, or
// plain http only to a loopback address (a simulator, a local proxy).
func httpsOffLoopback(name, raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		return fmt.Sprintf("%s=%q is not a URL like https://slack.com/api/", name, raw)
	case u.User != nil:
		return fmt.Sprintf("%s must not contain credentials", name)
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return ""
	}
	return fmt.Sprintf("%s=%s must use https: the bot token is sent there (plain http is only allowed to loopback addresses)", name, u.Redacted())
}

// publicURLProblem checks SLABOT_PUBLIC_URL: Jira posts issue data there,
// so https, or plain http only to a loopback address (the demo).
func publicURLProblem(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		return fmt.Sprintf("SLABOT_PUBLIC_URL=%q is not a base URL like https://slabot.example.com", raw)
	case u.User != nil:
		return "SLABOT_PUBLIC_URL must not contain credentials"
	case u.Scheme == "https", u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return ""
	}
	return fmt.Sprintf("SLABOT_PUBLIC_URL=%s must use https: Jira posts issue data there (plain http is only allowed to loopback addresses)", u.Redacted())
}

// webhookURL is where Jira's admin webhook posts (the route observe.go
// serves), "" without SLABOT_PUBLIC_URL.
func (c config) webhookURL() string {
	if c.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(c.PublicURL, "/") + "/jira/webhook"
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// databaseExists reports whether there is a database to read at db, for
// the verbs that read one and never create a SQLite file (check,
// explain): a SQLite file that exists, or any PostgreSQL URL (opening it
// says whether the server is there).
func databaseExists(db string) bool {
	if store.IsURL(db) {
		return true
	}
	_, err := os.Stat(db)
	return err == nil
}

// envName is the variable the config field named field reads (its env
// tag), for problems that name what the user wrote.
func envName(field string) string {
	if f, ok := reflect.TypeFor[config]().FieldByName(field); ok {
		if tag, _, _ := strings.Cut(f.Tag.Get("env"), ","); tag != "" {
			return tag
		}
	}
	return field
}
