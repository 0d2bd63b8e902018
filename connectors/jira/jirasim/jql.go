package jirasim

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The JQL subset slabot needs and admins write: project, key, id, status,
// statusCategory, priority, issuetype, labels, resolution, assignee,
// reporter, created, updated and resolved, summary, description and text
// (text search, jql_text.go), and custom fields by name ("Customer Tier") or
// number (cf[10010], jql_custom.go), with = != > >= < <= ~ !~ IN / NOT IN
// / IS [NOT] EMPTY, AND/OR/NOT, parentheses and ORDER BY. Dates are
// absolute ("yyyy-MM-dd HH:mm", "yyyy/MM/dd", ...) in the searching user's
// zone, relative ("-15m", "-2d", "1w"), epoch milliseconds, now() or a
// start/end-of-period function (jql_functions.go). Values of project,
// status, priority, issuetype, statusCategory, resolution, assignee and
// reporter must exist: Jira answers 400 "The value 'x' does not exist for
// the field 'f'." otherwise.

type jqlQuery struct {
	where func(*issue) bool // nil when unbounded
	order []orderKey
}

type orderKey struct {
	field string
	desc  bool
}

type jqlError string

func (e jqlError) Error() string { return string(e) }

// jqlValueErrors are the values a query names that do not exist (or the
// user may not see). Jira checks every operand before running a search and
// answers 400 with one message per bad value: one misspelled, deleted or
// unreadable project in `project in (...)` fails the whole search.
type jqlValueErrors []string

func (e jqlValueErrors) Error() string { return strings.Join(e, " ") }

type token struct {
	kind byte // 'w' word, 's' string, 'o' operator, '(' ')' ','
	text string
	pos  int
}

func lexJQL(q string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(q) {
		ch := q[i]
		switch {
		case unicode.IsSpace(rune(ch)):
			i++
		case ch == '(' || ch == ')' || ch == ',':
			toks = append(toks, token{kind: ch, text: string(ch), pos: i})
			i++
		case ch == '"' || ch == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(q) && q[j] != ch; j++ {
				if q[j] == '\\' && j+1 < len(q) {
					j++
				}
				b.WriteByte(q[j])
			}
			if j >= len(q) {
				return nil, jqlError(fmt.Sprintf("Error in the JQL Query: The quoted string starting at character %d has not been completed.", i))
			}
			toks = append(toks, token{kind: 's', text: b.String(), pos: i})
			i = j + 1
		case strings.ContainsRune("=!<>~", rune(ch)):
			j := i + 1
			if j < len(q) && (q[j] == '=' || (ch == '!' && q[j] == '~')) {
				j++
			}
			op := q[i:j]
			if op == "!" {
				return nil, jqlError(fmt.Sprintf("Error in the JQL Query: The character '!' is a reserved JQL character (character %d).", i))
			}
			toks = append(toks, token{kind: 'o', text: op, pos: i})
			i = j
		default:
			j := i
			for j < len(q) && !unicode.IsSpace(rune(q[j])) && !strings.ContainsRune("()=,!<>~\"'", rune(q[j])) {
				j++
			}
			toks = append(toks, token{kind: 'w', text: q[i:j], pos: i})
			i = j
		}
	}
	return toks, nil
}

type jqlParser struct {
	s    *Server
	toks []token
	p    int
	loc  *time.Location
	now  time.Time
	user *User
	// badValues collects operands that name nothing the user can see.
	badValues jqlValueErrors
}

func (s *Server) parseJQL(q string, user *User) (*jqlQuery, error) {
	toks, err := lexJQL(q)
	if err != nil {
		return nil, err
	}
	p := &jqlParser{s: s, toks: toks, loc: s.userZone(user), now: s.now(), user: user}
	out, err := p.query()
	if err != nil {
		return nil, err
	}
	if len(p.badValues) > 0 {
		return nil, p.badValues
	}
	return out, nil
}

func (p *jqlParser) query() (*jqlQuery, error) {
	var err error
	out := &jqlQuery{}
	if !p.atKeyword("order") && p.p < len(p.toks) {
		if out.where, err = p.or(); err != nil {
			return nil, err
		}
	}
	if p.atKeyword("order") {
		p.p++
		if !p.atKeyword("by") {
			return nil, p.errf("Expecting 'by' after 'order'")
		}
		p.p++
		for {
			t, ok := p.next()
			if !ok || (t.kind != 'w' && t.kind != 's') {
				return nil, p.errf("Expecting a field name in the ORDER BY clause")
			}
			f := canonicalField(t.text)
			if !slices.Contains([]string{"key", "id", "created", "updated", "resolved", "priority", "status"}, f) {
				return nil, jqlError(fmt.Sprintf("Field '%s' does not exist or you do not have permission to view it.", t.text))
			}
			k := orderKey{field: f}
			if p.atKeyword("asc") {
				p.p++
			} else if p.atKeyword("desc") {
				k.desc = true
				p.p++
			}
			out.order = append(out.order, k)
			if p.p < len(p.toks) && p.toks[p.p].kind == ',' {
				p.p++
				continue
			}
			break
		}
		if len(out.order) > 7 {
			return nil, jqlError("Error in the JQL Query: The ORDER BY clause can contain at most 7 fields.")
		}
	}
	if p.p < len(p.toks) {
		return nil, p.errf("Expecting either 'OR' or 'AND' but got '%s'", p.toks[p.p].text)
	}
	return out, nil
}

func (p *jqlParser) errf(format string, args ...any) error {
	pos := len(p.toks)
	if p.p < len(p.toks) {
		pos = p.toks[p.p].pos
	}
	return jqlError(fmt.Sprintf("Error in the JQL Query: "+format+" (at character %d).", append(args, pos)...))
}

func (p *jqlParser) next() (token, bool) {
	if p.p >= len(p.toks) {
		return token{}, false
	}
	t := p.toks[p.p]
	p.p++
	return t, true
}

func (p *jqlParser) atKeyword(k string) bool {
	return p.p < len(p.toks) && p.toks[p.p].kind == 'w' && strings.EqualFold(p.toks[p.p].text, k)
}

func (p *jqlParser) or() (func(*issue) bool, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.atKeyword("or") {
		p.p++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(i *issue) bool { return a(i) || b(i) }
	}
	return l, nil
}

func (p *jqlParser) and() (func(*issue) bool, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.atKeyword("and") {
		p.p++
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(i *issue) bool { return a(i) && b(i) }
	}
	return l, nil
}

func (p *jqlParser) not() (func(*issue) bool, error) {
	if p.atKeyword("not") {
		p.p++
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return func(i *issue) bool { return !e(i) }, nil
	}
	if p.p < len(p.toks) && p.toks[p.p].kind == '(' {
		p.p++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if t, ok := p.next(); !ok || t.kind != ')' {
			return nil, p.errf("Expecting ')'")
		}
		return e, nil
	}
	return p.clause()
}

func canonicalField(f string) string {
	switch strings.ToLower(f) {
	case "issuekey", "key":
		return "key"
	case "updateddate", "updated":
		return "updated"
	case "createddate", "created":
		return "created"
	case "resolutiondate", "resolved":
		return "resolved"
	case "type", "issuetype":
		return "issuetype"
	case "statuscategory":
		return "statusCategory"
	}
	return strings.ToLower(f)
}

// value is one right-hand operand: its text and whether it was quoted, or
// a function call with its arguments.
type value struct {
	text   string
	quoted bool
	fn     string   // function name without parentheses, lower-cased, e.g. "now"
	fnName string   // the function's name as written
	args   []string // the function's arguments, unquoted
}

func (p *jqlParser) value() (value, error) {
	t, ok := p.next()
	if !ok || (t.kind != 'w' && t.kind != 's') {
		return value{}, p.errf("Expecting a value")
	}
	v := value{text: t.text, quoted: t.kind == 's'}
	if t.kind == 'w' && p.p < len(p.toks) && p.toks[p.p].kind == '(' {
		p.p++
		v.fn, v.fnName = strings.ToLower(t.text), t.text
		for first := true; ; first = false {
			a, ok := p.next()
			if !ok {
				return value{}, p.errf("Expecting ')' after the arguments of function '%s'", t.text)
			}
			if a.kind == ')' && first {
				break
			}
			if a.kind != 'w' && a.kind != 's' {
				return value{}, p.errf("Expecting an argument of function '%s'", t.text)
			}
			v.args = append(v.args, a.text)
			if a, ok = p.next(); !ok || (a.kind != ',' && a.kind != ')') {
				return value{}, p.errf("Expecting ',' or ')' in the arguments of function '%s'", t.text)
			}
			if a.kind == ')' {
				break
			}
		}
	}
	return v, nil
}

func (p *jqlParser) clause() (func(*issue) bool, error) {
	t, ok := p.next()
	if !ok || (t.kind != 'w' && t.kind != 's') {
		return nil, p.errf("Expecting a field name")
	}
	var custom *field
	field := canonicalField(t.text)
	switch field {
	case "project", "key", "id", "status", "statuscategory", "statusCategory", "priority", "issuetype", "labels",
		"resolution", "assignee", "reporter", "created", "updated", "resolved", "summary", "description", "text":
	default:
		if custom = p.customField(t.text); custom == nil {
			return nil, jqlError(fmt.Sprintf("Field '%s' does not exist or you do not have permission to view it.", t.text))
		}
		field = t.text // Jira's messages name a custom field as the query does
	}
	if field == "statuscategory" {
		field = "statusCategory"
	}
	// IS [NOT] EMPTY
	if p.atKeyword("is") {
		p.p++
		neg := false
		if p.atKeyword("not") {
			neg = true
			p.p++
		}
		if !p.atKeyword("empty") && !p.atKeyword("null") {
			return nil, p.errf("Expecting EMPTY or NULL after IS")
		}
		p.p++
		get := p.getter(field)
		if custom != nil {
			get = customGetter(custom)
		}
		return func(i *issue) bool { return (len(get(i)) == 0) != neg }, nil
	}
	neg := false
	if p.atKeyword("not") {
		neg = true
		p.p++
		if !p.atKeyword("in") {
			return nil, p.errf("Expecting 'IN' after 'NOT'")
		}
	}
	var op string
	var vals []value
	if p.atKeyword("in") {
		p.p++
		op = "in"
		if t, ok := p.next(); !ok || t.kind != '(' {
			return nil, p.errf("Expecting '(' after IN")
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
			t, ok := p.next()
			if !ok {
				return nil, p.errf("Expecting ')'")
			}
			if t.kind == ')' {
				break
			}
			if t.kind != ',' {
				return nil, p.errf("Expecting ',' or ')'")
			}
		}
	} else {
		t, ok := p.next()
		if !ok || t.kind != 'o' {
			return nil, p.errf("Expecting operator after field '%s'", field)
		}
		op = t.text
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		vals = []value{v}
	}
	for _, v := range vals {
		if err := p.checkFunction(field, custom, v); err != nil {
			return nil, err
		}
	}
	switch {
	case custom != nil:
		return p.customClause(custom, field, op, neg, vals)
	case field == "created" || field == "updated" || field == "resolved":
		return p.dateClause(field, op, neg, vals, systemDate(field))
	case field == "summary" || field == "description" || field == "text":
		return p.textClause(field, op, vals, p.textOf(field))
	}
	if op != "=" && op != "!=" && op != "in" {
		return nil, jqlError(fmt.Sprintf("The operator '%s' is not supported by the '%s' field.", op, field))
	}
	want := map[string]bool{}
	wantEmpty := false // EMPTY (or NULL, or resolution's Unresolved) among the operands
	for _, v := range vals {
		if v.isEmpty() || (field == "resolution" && v.fn == "" && !v.quoted && strings.EqualFold(v.text, "unresolved")) {
			wantEmpty = true
			continue
		}
		p.checkValue(field, v)
		for _, n := range p.normalize(field, v) {
			want[n] = true
		}
	}
	if op == "!=" {
		neg = true
	}
	get := p.getter(field)
	return func(i *issue) bool {
		have := get(i)
		if len(have) == 0 {
			// "The != operator will not match a field that has no value"
			// (Atlassian, JQL operators); nor does NOT IN.
			return wantEmpty && !neg
		}
		for _, h := range have {
			if want[strings.ToLower(h)] {
				return !neg
			}
		}
		return neg
	}, nil
}

// getter returns the comparable (lower-cased on compare) values of a field.
func (p *jqlParser) getter(field string) func(*issue) []string {
	switch field {
	case "project":
		return func(i *issue) []string { return []string{i.project.Key, i.project.ID, i.project.Name} }
	case "key":
		return func(i *issue) []string { return []string{i.key} }
	case "id":
		return func(i *issue) []string { return []string{i.idString()} }
	case "status":
		return func(i *issue) []string { return []string{i.status.Name, i.status.ID} }
	case "statusCategory":
		return func(i *issue) []string { return []string{i.status.Category} }
	case "priority":
		return func(i *issue) []string {
			if i.priority == nil {
				return nil
			}
			return []string{i.priority.Name, i.priority.ID}
		}
	case "issuetype":
		return func(i *issue) []string { return []string{i.typ.Name, i.typ.ID} }
	case "labels":
		return func(i *issue) []string { return i.labels }
	case "resolution":
		return func(i *issue) []string {
			if i.resolution == "" {
				return nil
			}
			return []string{i.resolution}
		}
	case "assignee":
		return func(i *issue) []string {
			if i.assignee == "" {
				return nil
			}
			return []string{i.assignee}
		}
	case "reporter":
		return func(i *issue) []string {
			if i.reporter == "" {
				return nil
			}
			return []string{i.reporter}
		}
	case "created":
		return func(i *issue) []string { return []string{"x"} }
	case "updated":
		return func(i *issue) []string { return []string{"x"} }
	case "resolved":
		return func(i *issue) []string {
			if i.resolved.IsZero() || i.resolution == "" {
				return nil
			}
			return []string{"x"}
		}
	}
	return func(*issue) []string { return nil }
}

// isEmpty reports an unquoted EMPTY or NULL operand ("assignee = EMPTY",
// "resolution in (Duplicate, EMPTY)"): it matches a field without value.
func (v value) isEmpty() bool {
	return v.fn == "" && !v.quoted && (strings.EqualFold(v.text, "empty") || strings.EqualFold(v.text, "null"))
}

// normalize maps a JQL operand to the lower-cased values getter reports.
func (p *jqlParser) normalize(field string, v value) []string {
	t := v.text
	switch {
	case v.fn == "currentuser" && p.user != nil:
		return []string{strings.ToLower(p.user.AccountID)}
	case field == "statusCategory":
		for key, c := range categoryInfo {
			if strings.EqualFold(t, c.Name) || strings.EqualFold(t, key) || t == strconv.Itoa(c.ID) {
				return []string{key}
			}
		}
	case field == "assignee" || field == "reporter":
		// "You can search by the user's full name, ID, or email address"
		// (Atlassian, JQL fields reference): every account a name matches.
		var ids []string
		for _, u := range p.s.users {
			if u.AccountID == t || strings.EqualFold(u.DisplayName, t) || (u.Email != "" && strings.EqualFold(u.Email, t)) {
				ids = append(ids, strings.ToLower(u.AccountID))
			}
		}
		return ids
	}
	return []string{strings.ToLower(t)}
}

var relDate = regexp.MustCompile(`^([+-]?)(\d+)([wdhm])$`)

// date resolves a date operand in the user's zone; JQL has minute precision.
func (p *jqlParser) date(v value) (time.Time, error) {
	if v.fn != "" {
		return p.dateFunction(v)
	}
	if m := relDate.FindStringSubmatch(v.text); m != nil {
		n, _ := strconv.Atoi(m[2])
		unit := map[string]time.Duration{"w": 7 * 24 * time.Hour, "d": 24 * time.Hour, "h": time.Hour, "m": time.Minute}[m[3]]
		d := time.Duration(n) * unit
		if m[1] == "-" {
			d = -d
		}
		return p.now.Add(d), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006/01/02 15:04", "2006-01-02", "2006/01/02"} {
		if t, err := time.ParseInLocation(layout, v.text, p.loc); err == nil {
			return t, nil
		}
	}
	if ms, err := strconv.ParseInt(v.text, 10, 64); err == nil && !v.quoted {
		return time.UnixMilli(ms), nil
	}
	return time.Time{}, jqlError(fmt.Sprintf("Date value '%s' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.", v.text))
}

// systemDate reads created, updated or resolved (zero while unresolved).
func systemDate(field string) func(*issue) time.Time {
	return func(i *issue) time.Time {
		switch field {
		case "created":
			return i.created
		case "updated":
			return i.updated
		}
		if i.resolution == "" {
			return time.Time{}
		}
		return i.resolved
	}
}

func (p *jqlParser) dateClause(field, op string, neg bool, vals []value, get func(*issue) time.Time) (func(*issue) bool, error) {
	var ts []time.Time
	for _, v := range vals {
		t, err := p.date(v)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	x := ts[0]
	var cmp func(time.Time) bool
	switch op {
	case "=":
		cmp = func(t time.Time) bool { return t.Equal(x) }
	case "!=":
		cmp = func(t time.Time) bool { return !t.Equal(x) }
	case ">":
		cmp = func(t time.Time) bool { return t.After(x) }
	case ">=":
		cmp = func(t time.Time) bool { return !t.Before(x) }
	case "<":
		cmp = func(t time.Time) bool { return t.Before(x) }
	case "<=":
		cmp = func(t time.Time) bool { return !t.After(x) }
	case "in":
		cmp = func(t time.Time) bool {
			for _, y := range ts {
				if t.Equal(y) {
					return true
				}
			}
			return false
		}
	default:
		return nil, jqlError(fmt.Sprintf("The operator '%s' is not supported by the '%s' field.", op, field))
	}
	return func(i *issue) bool {
		t := get(i)
		if t.IsZero() {
			return false
		}
		return cmp(t) != neg
	}, nil
}

// less orders two issues by the query's ORDER BY, then by id so the order
// is total (search-after paging depends on it).
func (s *Server) less(q *jqlQuery, a, b *issue) int {
	for _, k := range q.order {
		c := 0
		switch k.field {
		case "key":
			c = strings.Compare(a.project.Key, b.project.Key)
			if c == 0 {
				c = a.num - b.num
			}
		case "id":
			c = int(a.id - b.id)
		case "created":
			c = a.created.Compare(b.created)
		case "updated":
			c = a.updated.Compare(b.updated)
		case "resolved":
			c = a.resolved.Compare(b.resolved)
		case "priority":
			c = s.priorityRank(b.priority) - s.priorityRank(a.priority) // highest first when ASC? Jira sorts by rank
		case "status":
			c = strings.Compare(a.status.Name, b.status.Name)
		}
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case a.id < b.id:
		return -1
	case a.id > b.id:
		return 1
	}
	return 0
}

// checkValue records an operand of project, status, priority, issuetype,
// statusCategory, resolution, assignee or reporter that names nothing the
// searching user can see, with Jira's message ("The value 'INVALID' does
// not exist for the field 'project'.", Atlassian's OpenAPI description,
// the example of POST /rest/api/3/jql/parse). A project the user may not browse is reported exactly
// like one that does not exist: Jira does not reveal which it is.
func (p *jqlParser) checkValue(field string, v value) {
	if v.fn != "" {
		return
	}
	t := v.text
	ok := true
	switch field {
	case "project":
		ok = false
		for _, pr := range p.s.projects {
			if (strings.EqualFold(pr.Key, t) || pr.ID == t || strings.EqualFold(pr.Name, t)) && canBrowse(p.user, pr) {
				ok = true
				break
			}
		}
	case "status":
		ok = p.s.statusNamed(t) != nil
	case "priority":
		ok = p.s.priorityNamed(t) != nil
	case "issuetype":
		ok = p.s.typeNamed(t) != nil
	case "statusCategory":
		ok = len(p.normalize(field, v)) == 1 && categoryInfo[p.normalize(field, v)[0]].Key != ""
	case "resolution":
		ok = p.s.resolutionNamed(t) != ""
	case "assignee", "reporter":
		ok = len(p.normalize(field, v)) > 0
	}
	if !ok {
		p.badValues = append(p.badValues, fmt.Sprintf("The value '%s' does not exist for the field '%s'.", t, field))
	}
}
