package jira

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/rules"
)

func TestNewValidatesConfig(t *testing.T) {
	for _, tc := range []struct {
		url  string
		ok   bool
		want string
	}{
		{"https://example.atlassian.net", true, ""},
		{"http://127.0.0.1:8080", true, ""},
		{"http://localhost:8080", true, ""},
		{"http://[::1]:8080", true, ""},
		{"http://example.atlassian.net", false, "must use https"},
		{"https://bot:hunter2@example.atlassian.net", false, "must not contain credentials"},
		{"", false, "not set"},
	} {
		_, err := New(Config{BaseURL: tc.url, Email: "a@b.c", APIToken: "t"})
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: err = %v", tc.url, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: error reveals the password", tc.url)
		}
	}
	// Every problem at once.
	_, err := New(Config{BaseURL: "ftp://x", Fields: []rules.Field{{Name: "A", Kind: 99}}})
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 4 {
		t.Errorf("err = %v, want 4 problems", err)
	}
	// An empty managed prefix would let every label be removed.
	_, err = New(Config{BaseURL: "https://example.atlassian.net", Email: "a@b.c", APIToken: "t", ManagedLabelPrefixes: []string{"sla-", ""}})
	if err == nil || !strings.Contains(err.Error(), "prefix is empty") {
		t.Errorf("empty prefix: err = %v", err)
	}
}

func TestConnectReportsMissingAmbiguousAndMistypedFields(t *testing.T) {
	seed := jirasim.DefaultSeed()
	seed.Fields = append(seed.Fields,
		jirasim.Field{Name: "Escalation Level", Type: jirasim.FieldSelect, Options: []string{"1"}},
		jirasim.Field{Name: "Escalation Level", Type: jirasim.FieldSelect, Options: []string{"1"}},
		jirasim.Field{Name: "Breached At", Type: jirasim.FieldText})
	sim, err := jirasim.New(seed, jirasim.Options{})
	must(t, err)
	srv := newServer(t, sim)
	c, err := New(Config{BaseURL: srv, Email: jirasim.BotEmail, APIToken: jirasim.BotToken, Fields: []rules.Field{
		{Name: "First Response Due", Kind: rules.KindDatetime},
		{Name: "Escalation Level", Kind: rules.KindOption},
		{Name: "Breached At", Kind: rules.KindDatetime},
		{Name: "Paused Since", Kind: rules.KindDatetime},
	}})
	must(t, err)
	err = c.Connect(ctx(t))
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 3 {
		t.Fatalf("err = %v, want 3 problems", err)
	}
	msg := err.Error()
	for _, want := range []string{`"Escalation Level" is ambiguous`, `"Breached At" has the wrong type`, `"Paused Since" does not exist`, "Date Time Picker"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestHTTPErrorsSayWhatToFix(t *testing.T) {
	seed := seedWith(oneIssue())
	seed.Users = append(seed.Users,
		jirasim.User{AccountID: "ro-1", DisplayName: "read only", Email: "ro@example.com", APIToken: "ro-token", ReadOnly: true})
	s := newSite(t, seed, jirasim.Options{}, nil)

	t.Run("401", func(t *testing.T) {
		c, err := New(Config{BaseURL: s.srv.URL, Email: jirasim.BotEmail, APIToken: "wrong-token"})
		must(t, err)
		err = c.Connect(ctx(t))
		var ae *AuthError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "API token") || !strings.Contains(err.Error(), jirasim.BotEmail) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("403", func(t *testing.T) {
		c, err := New(Config{BaseURL: s.srv.URL, Email: "ro@example.com", APIToken: "ro-token", Fields: defaultFields()})
		must(t, err)
		must(t, c.Connect(ctx(t)))
		_, err = c.Apply(ctx(t), rules.Patch{Key: "SUP-1", AddLabels: []string{"sla-x"}})
		var pe *PermissionError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "Edit issues") || !strings.Contains(err.Error(), "SUP-1") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("403 notifyUsers", func(t *testing.T) {
		c, err := New(Config{BaseURL: s.srv.URL, Email: "ro@example.com", APIToken: "ro-token", Quiet: true})
		must(t, err)
		must(t, c.Connect(ctx(t)))
		_, err = c.Apply(ctx(t), rules.Patch{Key: "SUP-1", AddLabels: []string{"sla-x"}})
		if !strings.Contains(fmt.Sprint(err), "Administer projects") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("404", func(t *testing.T) {
		_, _, err := s.client.Issue(ctx(t), "SUP-404")
		var nf *NotFoundError
		if !errors.As(err, &nf) || !strings.Contains(err.Error(), "SUP-404") || !strings.Contains(err.Error(), "Browse projects") {
			t.Fatalf("err = %v", err)
		}
		var api *APIError
		if !errors.As(err, &api) || api.Status != http.StatusNotFound {
			t.Errorf("APIError not wrapped: %v", err)
		}
	})
}

// TestTokenNeverInErrors provokes every kind of failure with a token that
// a misbehaving proxy even echoes back, and checks no error reveals it.
func TestTokenNeverInErrors(t *testing.T) {
	const token = "ATATT-super-secret-token-0123456789"
	seed := seedWith(oneIssue())
	seed.Users[0].APIToken = token
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newSite(t, seed, jirasim.Options{}, func(c *Config) { c.APIToken = token; c.MaxRetries = 1; c.Logger = logger })
	basic := base64.StdEncoding.EncodeToString([]byte(jirasim.BotEmail + ":" + token))
	echo := fmt.Sprintf(`{"errorMessages":["proxy saw Authorization: Basic %s token=%s"],"errors":{"x":"%s"}}`, basic, token, token)

	var errs []error
	for _, f := range []jirasim.Fault{
		{Path: "/rest/api/2/issue/SUP-1", Status: 400, Body: echo},
		{Path: "/rest/api/2/issue/SUP-1", Status: 500, Body: echo},
		{Path: "/rest/api/2/issue/SUP-1", Status: 403, Body: "<html>" + token + "</html>"},
		{Path: "/rest/api/2/issue/SUP-1", Drop: true},
		{Path: "/rest/api/2/issue/SUP-1", Status: 429, Body: echo, Header: http.Header{"Retry-After": {"3600"}}},
	} {
		remove := s.sim.InjectFault(f)
		_, _, err := s.client.Issue(ctx(t), "SUP-1")
		errs = append(errs, err)
		_, err = s.client.Apply(ctx(t), rules.Patch{Key: "SUP-1", AddLabels: []string{"sla-x"}})
		errs = append(errs, err)
		remove()
	}
	bad, err := New(Config{BaseURL: s.srv.URL, Email: jirasim.BotEmail, APIToken: token + "x"})
	must(t, err)
	errs = append(errs, bad.Connect(ctx(t)))
	_, err = New(Config{BaseURL: "http://example.com", Email: jirasim.BotEmail, APIToken: token})
	errs = append(errs, err)
	for i, err := range errs {
		t.Logf("case %d: %v", i, err)
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		for _, form := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(form, token) || strings.Contains(form, basic) {
				t.Errorf("case %d: error reveals the token: %s", i, form)
			}
		}
	}
	if cfg := fmt.Sprint(s.client.cfg); strings.Contains(cfg, token) {
		t.Errorf("Config prints the token: %s", cfg)
	}
	// The retries above were logged; a logged Config is redacted too.
	logger.Info("config", "jira", s.client.cfg)
	out := logs.String()
	if !strings.Contains(out, "retrying") || !strings.Contains(out, "[redacted]") {
		t.Errorf("expected retry and config log lines, got:\n%s", out)
	}
	if strings.Contains(out, token) || strings.Contains(out, basic) {
		t.Errorf("logs reveal the token:\n%s", out)
	}
	_ = time.Second
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
