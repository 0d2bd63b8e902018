package store

import "strconv"

// rebind turns a statement written with SQLite's placeholders (? and ?N)
// into PostgreSQL's ($N). It is the one place the store translates SQL
// between the engines; everything else is written to mean the same on
// both. Placeholders inside string literals ('...'), quoted identifiers
// ("...") and comments (-- and /* */) are left alone.
//
// A bare ? takes the number after the largest one used so far, as SQLite
// numbers it (https://www.sqlite.org/lang_expr.html#varparam): "?2, ?"
// is "$2, $3".
func rebind(q string) string {
	out := make([]byte, 0, len(q)+16)
	largest := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // '' or "" inside: an escaped quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(q))
			out = append(out, q[i:end]...)
			i = end - 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := i
			for j < len(q) && q[j] != '\n' {
				j++
			}
			out = append(out, q[i:j]...)
			i = j - 1
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := i + 2
			for j+1 < len(q) && !(q[j] == '*' && q[j+1] == '/') {
				j++
			}
			end := min(j+2, len(q))
			out = append(out, q[i:end]...)
			i = end - 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := largest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			largest = max(largest, n)
			out = append(out, '$')
			out = strconv.AppendInt(out, int64(n), 10)
			i = j - 1
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// pgArgs converts arguments whose SQLite form PostgreSQL would store
// differently: a bool, which SQLite keeps as 1 or 0 in an INTEGER column,
// goes to PostgreSQL's BIGINT columns as 1 or 0 too.
func pgArgs(args []any) []any {
	var out []any
	for i, a := range args {
		b, ok := a.(bool)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = int64(0)
		if b {
			out[i] = int64(1)
		}
	}
	if out == nil {
		return args
	}
	return out
}
