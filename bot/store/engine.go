package store

import (
	"net/url"
	"strings"
)

// Engine is the database a Store runs on.
type Engine string

// The engines: SQLite, one file on one machine (the default), and
// PostgreSQL, one server that several slabot processes share.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// IsURL reports whether dsn names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than a SQLite file.
func IsURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Redact returns dsn as it may be logged or shown in an error: a file path
// as it is; a URL without its password (in the user part or a password
// query parameter). A URL that does not parse is shown by its scheme only,
// since where its password starts cannot be told.
func Redact(dsn string) string {
	if !IsURL(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		scheme, _, _ := strings.Cut(dsn, "://")
		return scheme + "://(unparsable URL, not shown)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	if q := u.Query(); q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Engine is the database the store runs on.
func (s *Store) Engine() Engine { return s.engine }

// HasPassword reports whether a postgres:// URL carries a password, in its
// user part or a password parameter (then a password file would make two).
func HasPassword(dsn string) bool {
	u, err := url.Parse(dsn)
	if err != nil || !IsURL(dsn) {
		return false
	}
	_, set := u.User.Password()
	return set || u.Query().Has("password")
}
