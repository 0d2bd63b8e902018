package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// defaultMaxConns is the PostgreSQL pool size when Options.MaxConns is
// unset. Our choice, not a published figure: the dispatcher sends up to
// Options.Concurrency rows at once and each records its outcome, while a
// cycle writes cursors and rows; eight lets those proceed without queueing
// on one connection and stays far below a server's max_connections
// (PostgreSQL's default is 100).
const defaultMaxConns = 8

// openPostgres opens the PostgreSQL database dsn names (a postgres:// URL).
//
// Statements go out with pgx's QueryExecModeExec: one round trip, each
// parameter typed by the server from where it stands in the statement,
// which is how SQLite treats them too (it has no declared parameter
// types), so the outbox's statements mean the same on both engines.
func openPostgres(ctx context.Context, dsn string, opt Options) (*Store, error) {
	s := &Store{path: Redact(dsn), engine: Postgres, secret: urlPassword(dsn)}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, s.wrap("open", err)
	}
	if opt.PasswordFile != "" {
		if s.secret != "" {
			return nil, s.wrap("open", errors.New("the URL carries a password and a password file is set too: keep one"))
		}
		pw, err := readPasswordFile(opt.PasswordFile)
		if err != nil {
			return nil, s.wrap("open", err)
		}
		cfg.Password = pw
	}
	s.secret = cfg.Password // from the URL, the file, PGPASSWORD or ~/.pgpass
	if _, ok := cfg.RuntimeParams["lock_timeout"]; !ok {
		cfg.RuntimeParams["lock_timeout"] = fmt.Sprintf("%dms", opt.BusyTimeout.Milliseconds())
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "slabot"
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	db := stdlib.OpenDB(*cfg)
	n := opt.MaxConns
	if n <= 0 {
		n = defaultMaxConns
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	s.db = db
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, s.wrap("open", err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// urlPassword is the password dsn carries, in its user part or as a
// password parameter; "" when none (or when it does not parse).
func urlPassword(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	if pw, ok := u.User.Password(); ok {
		return pw
	}
	return u.Query().Get("password")
}

// readPasswordFile returns the first line of path. The error names the
// file and never its content.
func readPasswordFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("password file %s is empty or unreadable", path)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("password file %s starts with an empty line", path)
	}
	return pw, nil
}
