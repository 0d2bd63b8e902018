package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/slabot/slabot/bot/store/storetest"
)

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"slabot.db", "slabot.db"},
		{"/var/lib/slabot/slabot.db", "/var/lib/slabot/slabot.db"},
		{"postgres://slabot:s3cret@db:5432/slabot?sslmode=require", "postgres://slabot@db:5432/slabot?sslmode=require"},
		{"postgresql://slabot@db/slabot", "postgresql://slabot@db/slabot"},
		{"postgres://db/slabot?password=s3cret&sslmode=disable", "postgres://db/slabot?sslmode=disable"},
		{"postgres://u:s3cret@db:bad port/x", "postgres://(unparsable URL, not shown)"},
	} {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

// PostgreSQL's error codes take the same kinds as SQLite's result codes.
func TestPostgresErrorKinds(t *testing.T) {
	for code, want := range map[string]error{"55P03": ErrLocked, "40P01": ErrLocked, "40001": ErrLocked,
		"XX001": ErrCorrupt, "XX002": ErrCorrupt, "23505": nil} {
		err := fmt.Errorf("driver: %w", &pgconn.PgError{Code: code, Message: "m"})
		if got := classify(err); got != want {
			t.Errorf("code %s: kind %v; want %v", code, got, want)
		}
	}
}

// withPassword returns the test server's URL for t's schema carrying pw.
func withPassword(t *testing.T, dsn, pw string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), pw)
	return u.String()
}

// A password, wherever it comes from, is in no error: not in the URL the
// error names, not in the server's or the driver's message.
func TestPostgresPasswordNeverInErrors(t *testing.T) {
	const pw = "pw-Zq8e1xT" // the test server trusts every password: it is sent, never checked
	dsn := storetest.PostgresURL(t)
	ctx := context.Background()
	// A database that does not exist: the server refuses the connection.
	u, _ := url.Parse(withPassword(t, dsn, pw))
	u.Path = "/no_such_database_slabot"
	_, err := Open(ctx, u.String(), Options{})
	if err == nil {
		t.Fatal("open of a missing database succeeded")
	}
	if strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "no_such_database_slabot") {
		t.Fatalf("error should name the database and not the password: %v", err)
	}
	// The password as a URL parameter, and in the driver's own message:
	// a URL it cannot parse.
	for _, bad := range []string{
		strings.Replace(dsn, "?", "?password="+pw+"&connect_timeout=x&", 1),
		withPassword(t, dsn, pw) + "&sslmode=nonsense",
	} {
		_, err := Open(ctx, bad, Options{})
		if err == nil {
			t.Fatalf("open of %s succeeded", Redact(bad))
		}
		if strings.Contains(err.Error(), pw) {
			t.Fatalf("error carries the password: %v", err)
		}
	}
	// From PGPASSWORD, as libpq reads it.
	t.Setenv("PGPASSWORD", pw)
	_, err = Open(ctx, u.String(), Options{})
	if err == nil || strings.Contains(err.Error(), pw) {
		t.Fatalf("with PGPASSWORD: %v", err)
	}
	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Wrap("probe", errors.New("a driver quoting "+pw)); strings.Contains(err.Error(), pw) {
		t.Fatalf("PGPASSWORD's password not scrubbed: %v", err)
	}
	_ = s.Close()
	t.Setenv("PGPASSWORD", "")
	// Opened with a password: errors of the open store carry none either.
	s, err = Open(ctx, withPassword(t, dsn, pw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if strings.Contains(s.Path(), pw) {
		t.Fatalf("Path carries the password: %s", s.Path())
	}
	err = s.Wrap("probe", errors.New("a driver quoting "+pw))
	if strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "xxxxx") {
		t.Fatalf("wrapped error: %v", err)
	}
}

func TestPostgresPasswordFile(t *testing.T) {
	const pw = "file-pw-Ue3c"
	dsn := storetest.PostgresURL(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "db-password")
	if err := os.WriteFile(file, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, dsn, Options{PasswordFile: file})
	if err != nil {
		t.Fatalf("open with a password file: %v", err)
	}
	if err := s.Wrap("probe", errors.New(pw)); strings.Contains(err.Error(), pw) {
		t.Fatalf("the file's password is not scrubbed: %v", err)
	}
	_ = s.Close()
	// Two passwords: refused, naming neither.
	_, err = Open(ctx, withPassword(t, dsn, "url-pw-Mn4r"), Options{PasswordFile: file})
	if err == nil || !strings.Contains(err.Error(), "keep one") || strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "url-pw-Mn4r") {
		t.Fatalf("two passwords: %v", err)
	}
	for name, content := range map[string]string{"empty": "", "blank first line": "\nx\n"} {
		f := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, dsn, Options{PasswordFile: f}); err == nil {
			t.Errorf("%s password file accepted", name)
		}
	}
	if _, err := Open(ctx, dsn, Options{PasswordFile: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("missing password file accepted")
	}
}

// Processes starting at once on a new database migrate it once: each
// opens it at the current version, and every step is recorded once.
func TestConcurrentOpen(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		dsn := storetest.DSN(t)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(ctx, dsn, Options{})
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var n, distinct int
		if err := s.QueryRow(ctx, nil, "SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations").Scan(&n, &distinct); err != nil || n != len(migrations) || distinct != n {
			t.Fatalf("schema_migrations: %d rows, %d versions, %v", n, distinct, err)
		}
	})
}
