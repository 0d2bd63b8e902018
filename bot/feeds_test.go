package bot

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/calendar"
)

// "ICS import from a file or an https URL, refreshed on a schedule and
// cached so a feed outage keeps the last good copy" (issue 13). The feed is
// served over real HTTP; it then fails (500, then an HTML error page that
// is not a calendar), and the copy in use, and after a restart the cached
// copy, still close the UK's 2027 substitute days.
func TestFeedRefreshKeepsLastGoodCopy(t *testing.T) {
	ics, err := os.ReadFile(filepath.Join("..", "rules", "calendar", "testdata", "uk-holidays.ics"))
	if err != nil {
		t.Fatal(err)
	}
	var mode atomic.Int32 // 0 ok, 1 500, 2 garbage
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch mode.Load() {
		case 1:
			http.Error(w, "upstream down", http.StatusInternalServerError)
		case 2:
			w.Write([]byte("<html>maintenance</html>"))
		default:
			w.Header().Set("Content-Type", "text/calendar")
			w.Write(ics)
		}
	}))
	defer srv.Close()
	policy := func() *rules.Policy {
		src, err := os.ReadFile(filepath.Join("..", "deploy", "policies", "botron.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		s := string(src)
		i, j := strings.Index(s, "calendars:\n"), strings.Index(s, "\ntypes:")
		s = s[:i] + `calendars:
  business:
    timezone: Europe/London
    week: {mon-fri: ["09:00-17:00"]}
    feeds:
      - {url: "` + srv.URL + `/uk.ics?token=secret", days_off: "public holiday|bank holiday", refresh: 24h}
` + s[j:]
		p, err := rules.Load("uk.yaml", []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	closed := func(p *rules.Policy, day string) bool {
		d, _ := calendar.ParseDate(day)
		ws, _ := p.Calendars["business"].Hours(d)
		return len(ws) == 0
	}
	var logs bytes.Buffer
	cache := t.TempDir()
	ff := &FeedFetcher{CacheDir: cache, RetryEvery: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Metrics: NewMetrics(nil)}
	ctx := context.Background()
	p := policy()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	if stale := p.StaleCalendars(now); len(stale) != 1 {
		t.Errorf("a feed not loaded yet is stale data: %v", stale)
	}
	if err := ff.Refresh(ctx, p.Feeds(), now); err != nil {
		t.Fatal(err)
	}
	if !closed(p, "2027-12-27") || !closed(p, "2027-12-28") || closed(p, "2027-12-29") {
		t.Fatal("the feed's substitute days are not closed")
	}
	if stale := p.StaleCalendars(now); len(stale) != 0 {
		t.Errorf("a loaded feed covering 2026-2027 is current: %v", stale)
	}
	// Not due yet: no request.
	n := hits.Load()
	ff.Refresh(ctx, p.Feeds(), now.Add(time.Hour))
	if hits.Load() != n {
		t.Error("refreshed before the feed's refresh interval")
	}
	for _, step := range []struct {
		mode int32
		at   time.Duration
	}{{1, 25 * time.Hour}, {2, 27 * time.Hour}} {
		m, at := step.mode, step.at
		mode.Store(m)
		if err := ff.Refresh(ctx, p.Feeds(), now.Add(at)); err == nil {
			t.Errorf("mode %d: the failed refresh reported no error", m)
		}
		if !closed(p, "2027-12-27") {
			t.Errorf("mode %d: a failed refresh dropped the copy in use", m)
		}
	}
	if strings.Contains(logs.String(), "secret") {
		t.Errorf("the feed URL's token leaked into the log:\n%s", logs.String())
	}
	// A restart during the outage: the cache gives the last good copy.
	p2 := policy()
	ff2 := &FeedFetcher{CacheDir: cache}
	ff2.LoadCached(p2.Feeds(), now.Add(48*time.Hour))
	if err := ff2.Refresh(ctx, p2.Feeds(), now.Add(48*time.Hour)); err == nil {
		t.Error("the refresh during the outage reported no error")
	}
	if !closed(p2, "2027-12-27") || !closed(p2, "2027-12-28") {
		t.Error("after a restart the cached copy is not in use")
	}
	// The outage ends: the next due refresh takes the feed again.
	mode.Store(0)
	if err := ff2.Refresh(ctx, p2.Feeds(), now.Add(72*time.Hour)); err != nil {
		t.Errorf("refresh after the outage: %v", err)
	}
}
