package store_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
)

// Copy moves the named values row for row into an empty database of the
// other engine, and refuses one that holds rows (all or nothing: nothing
// of the second copy lands).
func TestCopyBetweenEngines(t *testing.T) {
	ctx := t.Context()
	src, err := store.Open(ctx, filepath.Join(t.TempDir(), "a.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	for _, n := range []string{"cursor:SUP", "outbox:horizon"} {
		if err := src.SetCursor(ctx, now, n, "v-"+n); err != nil {
			t.Fatal(err)
		}
	}
	dst, err := store.Open(ctx, storetest.PostgresURL(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	res, err := store.Copy(ctx, src, dst)
	if err != nil || res["cursors"] != 2 {
		t.Fatalf("copy: %v %v", res, err)
	}
	if v, ok, err := dst.Cursor(ctx, "cursor:SUP"); err != nil || !ok || v != "v-cursor:SUP" {
		t.Errorf("copied cursor %q %v %v", v, ok, err)
	}
	if _, err := store.Copy(ctx, src, dst); err == nil || !strings.Contains(err.Error(), "empty database only") {
		t.Errorf("copy into a database with rows: %v", err)
	}
}
