package store

import "testing"

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"a = ?1 AND b = ?2 OR c = ?1", "a = $1 AND b = $2 OR c = $1"},
		// A bare ? after ?N takes the next number, as SQLite numbers it.
		{"x = ?2, y = ?, z = ?1", "x = $2, y = $3, z = $1"},
		{"?12 != ''", "$12 != ''"},
		// Literals, quoted identifiers and comments keep their question marks.
		{"a = 'is it?' AND b = ?", "a = 'is it?' AND b = $1"},
		{"a = 'it''s ?' AND b = ?", "a = 'it''s ?' AND b = $1"},
		{`SELECT "odd?name" FROM t WHERE x = ?`, `SELECT "odd?name" FROM t WHERE x = $1`},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{"SELECT /* ? */ ?", "SELECT /* ? */ $1"},
		{"step LIKE 'snooze@%' AND x = ?", "step LIKE 'snooze@%' AND x = $1"},
		{"'unterminated ?", "'unterminated ?"},
	} {
		if got := rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

func TestPGArgs(t *testing.T) {
	in := []any{true, false, "x", int64(3)}
	got := pgArgs(in)
	if got[0] != int64(1) || got[1] != int64(0) || got[2] != "x" || got[3] != int64(3) {
		t.Fatalf("pgArgs = %#v", got)
	}
	if in[0] != true {
		t.Fatal("pgArgs changed its argument")
	}
}

// Every SQLite step has a PostgreSQL step of the same version and name:
// a new migration is written for both engines.
func TestMigrationsPaired(t *testing.T) {
	if len(pgMigrations) != len(migrations) {
		t.Fatalf("%d PostgreSQL steps for %d SQLite steps", len(pgMigrations), len(migrations))
	}
	for i, m := range migrations {
		p := pgMigrations[i]
		if p.version != m.version || p.name != m.name {
			t.Errorf("step %d: SQLite v%d %q, PostgreSQL v%d %q", i, m.version, m.name, p.version, p.name)
		}
	}
}
