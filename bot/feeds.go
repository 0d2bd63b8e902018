package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/slabot/slabot/rules/calendar"
)

// FeedFetcher keeps the policies' holiday feeds (iCalendar) current. Each
// feed is reloaded every Feed.Refresh; a copy that parses replaces the one
// in use and is written to CacheDir, so a feed outage, a broken answer or a
// restart during one keeps the last good copy. A failed reload is retried
// at the next cycle after RetryEvery (default 15 minutes), never dropped.
type FeedFetcher struct {
	Client     *http.Client // default: 30 s timeout
	CacheDir   string       // where last good copies live; "" keeps none
	RetryEvery time.Duration
	Logger     *slog.Logger
	Metrics    *Metrics

	mu   sync.Mutex
	next map[*calendar.Feed]time.Time
}

// maxFeedBytes bounds a feed's size: public holiday feeds are tens of kB.
const maxFeedBytes = 8 << 20

// LoadCached publishes the cached copy of every feed that has none in use
// yet (start-up: deadlines are right before the network answers).
func (f *FeedFetcher) LoadCached(feeds []*calendar.Feed, now time.Time) {
	for _, feed := range feeds {
		if feed.Data() != nil || f.CacheDir == "" {
			continue
		}
		data, err := os.ReadFile(f.cachePath(feed))
		if err != nil {
			continue
		}
		if fd, err := parseFeed(feed, data, now); err == nil {
			feed.Update(fd)
		} else {
			f.logger().Warn("cached holiday feed unreadable", "feed", feed.Name, "source", redact(feed.Source), "err", err)
		}
	}
}

// Refresh reloads the feeds that are due as of now and returns what failed
// (the copies in use stay).
func (f *FeedFetcher) Refresh(ctx context.Context, feeds []*calendar.Feed, now time.Time) error {
	var errs []error
	for _, feed := range feeds {
		f.mu.Lock()
		if f.next == nil {
			f.next = map[*calendar.Feed]time.Time{}
		}
		due := f.next[feed]
		f.mu.Unlock()
		if now.Before(due) {
			continue
		}
		err := f.refresh(ctx, feed, now)
		retry := feed.Refresh
		result := "ok"
		if err != nil {
			result = "failed"
			retry = min(retry, f.retryEvery())
			errs = append(errs, err)
			f.logger().Warn("holiday feed not refreshed: keeping the last good copy", "feed", feed.Name,
				"source", redact(feed.Source), "have_copy", feed.Data() != nil, "err", err)
		}
		if f.Metrics != nil {
			f.Metrics.FeedRefreshes.WithLabelValues(feed.Name, result).Inc()
		}
		f.mu.Lock()
		f.next[feed] = now.Add(retry)
		f.mu.Unlock()
	}
	return errors.Join(errs...)
}

func (f *FeedFetcher) refresh(ctx context.Context, feed *calendar.Feed, now time.Time) error {
	data, err := f.read(ctx, feed)
	if err != nil {
		return fmt.Errorf("feed %s: %w", feed.Name, err)
	}
	fd, err := parseFeed(feed, data, now)
	if err != nil {
		return fmt.Errorf("feed %s: %w", feed.Name, err)
	}
	feed.Update(fd)
	if f.CacheDir != "" {
		if err := writeAtomic(f.cachePath(feed), data); err != nil {
			f.logger().Warn("holiday feed cache not written", "feed", feed.Name, "err", err)
		}
	}
	return nil
}

func (f *FeedFetcher) read(ctx context.Context, feed *calendar.Feed) ([]byte, error) {
	source := feed.Source
	if !strings.HasPrefix(source, "https://") && !strings.HasPrefix(source, "http://") {
		return readFeedFile(feed)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, source, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/calendar")
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", redact(source), errors.Unwrap(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", redact(source), resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxFeedBytes))
}

// readFeedFile reads a feed file inside the policy's directory (Feed.Dir,
// through os.Root: a link swapped in after the policy was loaded cannot
// lead out either), at most maxFeedBytes of it.
func readFeedFile(feed *calendar.Feed) ([]byte, error) {
	var file *os.File
	var err error
	if feed.Dir != "" {
		rel, rerr := filepath.Rel(feed.Dir, feed.Source)
		if rerr != nil {
			return nil, rerr
		}
		file, err = os.OpenInRoot(feed.Dir, rel)
	} else {
		file, err = os.Open(feed.Source)
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxFeedBytes+1))
	if err == nil && len(data) > maxFeedBytes {
		return nil, fmt.Errorf("%s is over %d bytes", feed.Source, maxFeedBytes)
	}
	return data, err
}

// parseFeed reads a copy over the years around now: last year (open
// issues may have started then) to five years ahead.
func parseFeed(feed *calendar.Feed, data []byte, now time.Time) (*calendar.FeedData, error) {
	loc := feed.Location
	if loc == nil {
		loc = time.UTC
	}
	y := now.In(loc).Year()
	return calendar.ParseICS(data, feed.DaysOff, loc, y-1, y+5)
}

func (f *FeedFetcher) cachePath(feed *calendar.Feed) string {
	sum := sha256.Sum256([]byte(feed.Source))
	return filepath.Join(f.CacheDir, hex.EncodeToString(sum[:8])+".ics")
}

func (f *FeedFetcher) retryEvery() time.Duration {
	if f.RetryEvery > 0 {
		return f.RetryEvery
	}
	return 15 * time.Minute
}

func (f *FeedFetcher) logger() *slog.Logger {
	if f.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Logger
}

// writeAtomic replaces path with data, never leaving half a file.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".feed-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// redact drops a URL's query and user info: private calendar feeds carry
// their secret there.
func redact(source string) string {
	if i := strings.IndexAny(source, "?#"); i >= 0 {
		source = source[:i] + "?…"
	}
	if i := strings.Index(source, "@"); i >= 0 && strings.Contains(source[:i], "://") {
		source = source[:strings.Index(source, "://")+3] + "…@" + source[i+1:]
	}
	return source
}
