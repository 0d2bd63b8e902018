// Package storetest gives tests a fresh database of either engine, so the
// suites of bot/store and bot/outbox run on SQLite and on PostgreSQL.
//
// PostgreSQL comes from the server SLABOT_TEST_POSTGRES names (a
// postgres:// URL; .ci/run sets it). Each test gets a schema of its own in
// that database, dropped when the test ends, so tests are isolated and may
// run in parallel. Without the variable the PostgreSQL subtests are
// skipped with a message naming it, except under CI=true, where a missing
// server is a failure: CI must not pass by testing one engine.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Var is the environment variable naming the test server.
const Var = "SLABOT_TEST_POSTGRES"

// The engines' subtest names (Run); DSN tells them apart by these.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Run runs f as a subtest per engine, "sqlite" and "postgres", the two
// in parallel with each other (each has a database of its own), so a
// suite on both engines takes about the time of the slower engine rather
// than the sum.
func Run(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, name := range []string{SQLite, Postgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t)
		})
	}
}

// Each is Run with the engines one after the other, for a test that sets
// the process's environment (t.Setenv refuses a parallel test).
func Each(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, name := range []string{SQLite, Postgres} {
		t.Run(name, f)
	}
}

// IsPostgres reports whether t runs under Run's postgres subtest (at any
// depth: subtests of it are on PostgreSQL too).
func IsPostgres(t testing.TB) bool {
	return slices.Contains(strings.Split(t.Name(), "/"), Postgres)
}

// DSN returns a fresh, empty database for t on t's engine (IsPostgres): a
// file path in t's temporary directory, or a URL of a new PostgreSQL
// schema that is dropped when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	if IsPostgres(t) {
		return PostgresURL(t)
	}
	return filepath.Join(t.TempDir(), "slabot.db")
}

// Another returns a second fresh database on the engine of dsn (a lost
// database replaced by an empty one, say): a file beside it, or a new
// schema.
func Another(t testing.TB, dsn string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres") {
		return PostgresURL(t)
	}
	return filepath.Join(t.TempDir(), "another.db")
}

var admin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// PostgresURL creates a schema for t on the server Var names and returns
// a URL whose connections use it (search_path). Without Var it skips t, or
// fails it under CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Var)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI runs the PostgreSQL tests against a server (.ci/run starts one)", Var)
		}
		t.Skipf("PostgreSQL not configured: set %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run this test on PostgreSQL", Var)
	}
	admin.once.Do(func() {
		admin.db, admin.err = sql.Open("pgx", base)
		if admin.err == nil {
			admin.db.SetMaxOpenConns(4)
			admin.err = admin.db.PingContext(context.Background())
		}
	})
	if admin.err != nil {
		t.Fatalf("%s: cannot reach the test server: %v", Var, admin.err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "slabot_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.db.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s does not parse: %v", Var, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
