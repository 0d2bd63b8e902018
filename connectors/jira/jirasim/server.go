package jirasim

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Caps are the page sizes and inline caps the simulator applies. The
// defaults mirror Jira Cloud: search pages of at most 100 issues when fields
// are requested, inline changelogs and comments truncated (with the real
// totals) so clients must page the dedicated endpoints.
type Caps struct {
	SearchMaxResults   int // largest page search/jql returns
	SearchChangelog    int // histories inlined per issue in search results
	IssueChangelog     int // histories inlined by GET issue
	InlineComments     int // comments inlined in the comment field
	InlineWorklogs     int // worklogs inlined in the worklog field
	ChangelogPage      int // largest page of GET .../changelog
	CommentPage        int // largest page of GET .../comment
	WorklogPage        int // largest page of GET .../worklog
	DefaultSearchPage  int // maxResults when the request gives none
	DefaultChangelogPg int // maxResults of GET .../changelog when none is given
}

// DefaultCaps returns Cloud-like caps.
func DefaultCaps() Caps {
	return Caps{
		SearchMaxResults:   100,
		SearchChangelog:    40,
		IssueChangelog:     100,
		InlineComments:     20,
		InlineWorklogs:     20,
		ChangelogPage:      100,
		CommentPage:        100,
		WorklogPage:        5000,
		DefaultSearchPage:  50,
		DefaultChangelogPg: 100,
	}
}

// Options configure a Server. The zero value is usable.
type Options struct {
	// Now is the simulator's clock: it stamps created/updated times of
	// scripted changes, drives rate-limit buckets and evaluates relative JQL
	// dates. Defaults to time.Now.
	Now func() time.Time
	// Caps override DefaultCaps when non-zero.
	Caps Caps
	// Limits enables rate limiting (see CloudLimits). Zero means none.
	Limits Limits
	// LimitsNow is the clock the rate limits count on; nil means Now. A
	// benchmark whose site time stands still (the demo's scripted clock)
	// gives it time.Now, so the burst bucket refills as real time passes
	// while the client waits out Retry-After on the wall clock.
	LimitsNow func() time.Time
	// BaseURL is used in "self" links and serverInfo. When empty it is
	// derived from each request's Host.
	BaseURL string
	// LogBodies keeps request bodies of writes in the request log.
	LogBodies bool
	// DatetimePrecision is what datetime custom fields keep of a written
	// value: zero keeps milliseconds (like created/updated), time.Second
	// drops them (as Forge datetime fields do: "the milliseconds part is
	// ignored"), time.Minute keeps what the date-time picker shows. Sites
	// and field types differ, so clients must compare at any of the three.
	DatetimePrecision time.Duration
	// IndexLag delays what search/jql sees of each change (index.go).
	IndexLag time.Duration
}

// stampPrecision is what Jira keeps of the instants it stamps: created,
// updated, resolved, comments, changelog entries and worklogs all carry
// milliseconds ("2026-11-10T10:00:00.123+0000"), never finer.
const stampPrecision = time.Millisecond

// stamp is an instant as Jira stores it.
func stamp(t time.Time) time.Time { return t.Truncate(stampPrecision) }

// Server is a simulated Jira Cloud site. It is safe for concurrent use.
type Server struct {
	mu   sync.Mutex
	now  func() time.Time
	caps Caps
	opts Options
	loc  *time.Location
	mux  *http.ServeMux

	projects    map[string]*project // by key
	projByID    map[string]*project
	types       []*IssueType
	priorities  []*Priority
	statuses    []*Status
	resolutions []string
	fields      []*field
	fieldByID   map[string]*field
	users       map[string]*User // by account id
	byEmail     map[string]*User
	issues      []*issue // creation order
	byKey       map[string]*issue
	byID        map[int64]*issue

	nextIssueID   int64
	nextHistoryID int64
	nextCommentID int64
	nextWorklogID int64
	nextFieldNum  int

	routes []Route
	admin  adminState
	rs     roleState
	log    []Request
	faults []*faultState
	rl     rateState
	tokens map[string]pageCursor
	tokSeq int64
	// bulkLists are the entry lists of bulk changelog answers being paged.
	bulkLists map[string][]bulkEntry
	bulkSeq   int64
	zones     map[string]*time.Location
	// hooks are the admin webhooks and their deliveries (webhook.go).
	hooks webhookState
	// gen counts changes; orderings are search's sorted views (order.go).
	gen       uint64
	orderings map[string]*ordering
}

// New returns a site holding seed. It fails when the seed refers to
// projects, types, statuses, priorities, fields or users it does not define.
func New(seed Seed, opts Options) (*Server, error) {
	s := &Server{
		opts:      opts,
		projects:  map[string]*project{},
		projByID:  map[string]*project{},
		fieldByID: map[string]*field{},
		users:     map[string]*User{},
		byEmail:   map[string]*User{},
		byKey:     map[string]*issue{},
		byID:      map[int64]*issue{},
		tokens:    map[string]pageCursor{},
		bulkLists: map[string][]bulkEntry{},
		zones:     map[string]*time.Location{},
		orderings: map[string]*ordering{},

		nextIssueID:   10000,
		nextHistoryID: 20000,
		nextCommentID: 30000,
		nextWorklogID: 40000,
		nextFieldNum:  10000,
	}
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	// Every stamp the site makes comes from its clock at Jira's precision.
	s.now = func() time.Time { return stamp(clock()) }
	if opts.DatetimePrecision < 0 || opts.DatetimePrecision > time.Minute {
		return nil, fmt.Errorf("jirasim: DatetimePrecision %v: use 0 (milliseconds), time.Second or time.Minute", opts.DatetimePrecision)
	}
	s.caps = mergeCaps(DefaultCaps(), opts.Caps)
	s.rl.init(opts.Limits)
	s.loc = time.UTC
	if seed.TimeZone != "" {
		loc, err := time.LoadLocation(seed.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("jirasim: seed time zone: %w", err)
		}
		s.loc = loc
	}
	if err := s.load(seed); err != nil {
		return nil, err
	}
	s.registerRoutes()
	return s, nil
}

func mergeCaps(d, o Caps) Caps {
	pick := func(a *int, b int) {
		if b > 0 {
			*a = b
		}
	}
	pick(&d.SearchMaxResults, o.SearchMaxResults)
	pick(&d.SearchChangelog, o.SearchChangelog)
	pick(&d.IssueChangelog, o.IssueChangelog)
	pick(&d.InlineComments, o.InlineComments)
	pick(&d.InlineWorklogs, o.InlineWorklogs)
	pick(&d.ChangelogPage, o.ChangelogPage)
	pick(&d.CommentPage, o.CommentPage)
	pick(&d.WorklogPage, o.WorklogPage)
	pick(&d.DefaultSearchPage, o.DefaultSearchPage)
	pick(&d.DefaultChangelogPg, o.DefaultChangelogPg)
	return d
}

// Now returns the simulator's current time.
func (s *Server) Now() time.Time { return s.now() }

func (s *Server) load(seed Seed) error {
	for i, p := range seed.Projects {
		if p.Key == "" {
			return fmt.Errorf("jirasim: project %d has no key", i)
		}
		if p.ID == "" {
			p.ID = strconv.Itoa(10000 + i)
		}
		if p.Name == "" {
			p.Name = p.Key
		}
		pr := &project{Project: p}
		s.projects[p.Key] = pr
		s.projByID[p.ID] = pr
	}
	for i, t := range seed.IssueTypes {
		if t.ID == "" {
			t.ID = strconv.Itoa(10001 + i)
		}
		s.types = append(s.types, &t)
	}
	for i, p := range seed.Priorities {
		if p.ID == "" {
			p.ID = strconv.Itoa(1 + i)
		}
		s.priorities = append(s.priorities, &p)
	}
	for i, st := range seed.Statuses {
		if st.ID == "" {
			st.ID = strconv.Itoa(10100 + i)
		}
		switch st.Category {
		case CategoryNew, CategoryInProgress, CategoryDone:
		default:
			return fmt.Errorf("jirasim: status %q: category %q is not new, indeterminate or done", st.Name, st.Category)
		}
		s.statuses = append(s.statuses, &st)
	}
	s.resolutions = []string{"Done"}
	for _, r := range seed.Resolutions {
		if s.resolutionNamed(r) == "" {
			s.resolutions = append(s.resolutions, r)
		}
	}
	for _, f := range seed.Fields {
		if err := s.addField(f); err != nil {
			return err
		}
	}
	for _, u := range seed.Users {
		if u.AccountID == "" {
			return fmt.Errorf("jirasim: user %q has no accountId", u.DisplayName)
		}
		s.users[u.AccountID] = &u
		if u.Email != "" {
			s.byEmail[strings.ToLower(u.Email)] = &u
		}
	}
	if err := s.initAdmin(); err != nil {
		return err
	}
	if err := s.loadRoles(seed); err != nil {
		return err
	}
	for _, is := range seed.Issues {
		if _, err := s.insertIssue(is); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) addField(f Field) error {
	switch f.Type {
	case FieldDatetime, FieldSelect, FieldText, FieldNumber, FieldOrganizations:
	default:
		return fmt.Errorf("jirasim: field %q: unknown type %q", f.Name, f.Type)
	}
	if f.ID != "" {
		num, ok := strings.CutPrefix(f.ID, "customfield_")
		if _, err := strconv.Atoi(num); !ok || err != nil {
			return fmt.Errorf("jirasim: field %q: id %q is not customfield_<number>", f.Name, f.ID)
		}
	}
	if f.ID == "" {
		s.nextFieldNum++
		f.ID = "customfield_" + strconv.Itoa(s.nextFieldNum)
	}
	fd := &field{Field: f}
	s.fields = append(s.fields, fd)
	s.fieldByID[f.ID] = fd
	return nil
}

// fieldNamed finds a custom field by id or (case-insensitive) name.
func (s *Server) fieldNamed(n string) *field {
	if f, ok := s.fieldByID[n]; ok {
		return f
	}
	for _, f := range s.fields {
		if strings.EqualFold(f.Name, n) {
			return f
		}
	}
	return nil
}

// resolutionNamed is the site's name of resolution n (case-insensitive),
// empty when the site has none such.
func (s *Server) resolutionNamed(n string) string {
	for _, r := range s.resolutions {
		if strings.EqualFold(r, n) {
			return r
		}
	}
	return ""
}

func (s *Server) statusNamed(n string) *Status {
	for _, st := range s.statuses {
		if strings.EqualFold(st.Name, n) || st.ID == n {
			return st
		}
	}
	return nil
}

func (s *Server) priorityNamed(n string) *Priority {
	for _, p := range s.priorities {
		if strings.EqualFold(p.Name, n) || p.ID == n {
			return p
		}
	}
	return nil
}

func (s *Server) typeNamed(n string) *IssueType {
	for _, t := range s.types {
		if strings.EqualFold(t.Name, n) || t.ID == n {
			return t
		}
	}
	return nil
}

func (s *Server) priorityRank(p *Priority) int {
	for i, x := range s.priorities {
		if x == p {
			return i
		}
	}
	return len(s.priorities)
}

// issueRef resolves an issueIdOrKey path value.
func (s *Server) issueRef(ref string) *issue {
	if i, ok := s.byKey[strings.ToUpper(ref)]; ok {
		return i
	}
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.byID[n]
	}
	return nil
}

// insertIssue adds a seeded or scripted issue with its full history.
func (s *Server) insertIssue(in Issue) (*issue, error) {
	pr := s.projects[in.Project]
	if pr == nil {
		return nil, fmt.Errorf("jirasim: issue %q: unknown project %q", in.Key, in.Project)
	}
	is := &issue{project: pr, summary: in.Summary, description: in.Description, fields: map[string]any{}}
	if in.ID != "" {
		n, err := strconv.ParseInt(in.ID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("jirasim: issue id %q is not numeric", in.ID)
		}
		is.id = n
		if n >= s.nextIssueID {
			s.nextIssueID = n
		}
	} else {
		s.nextIssueID++
		is.id = s.nextIssueID
	}
	if in.Key != "" {
		k, num, ok := strings.Cut(in.Key, "-")
		n, err := strconv.Atoi(num)
		if !ok || k != pr.Key || err != nil {
			return nil, fmt.Errorf("jirasim: issue key %q does not belong to project %s", in.Key, pr.Key)
		}
		is.num = n
		if n > pr.nextNum {
			pr.nextNum = n
		}
	} else {
		pr.nextNum++
		is.num = pr.nextNum
	}
	is.key = pr.Key + "-" + strconv.Itoa(is.num)
	if _, dup := s.byKey[is.key]; dup {
		return nil, fmt.Errorf("jirasim: duplicate issue key %s", is.key)
	}
	if _, dup := s.byID[is.id]; dup {
		return nil, fmt.Errorf("jirasim: duplicate issue id %d", is.id)
	}
	if is.typ = s.typeNamed(in.Type); is.typ == nil {
		return nil, fmt.Errorf("jirasim: issue %s: unknown issue type %q", is.key, in.Type)
	}
	if in.Priority == "" && len(s.priorities) > 0 {
		in.Priority = s.priorities[len(s.priorities)/2].Name
	}
	if in.Priority != "" {
		if is.priority = s.priorityNamed(in.Priority); is.priority == nil {
			return nil, fmt.Errorf("jirasim: issue %s: unknown priority %q", is.key, in.Priority)
		}
	}
	if in.Status == "" {
		for _, st := range s.statuses {
			if st.Category == CategoryNew {
				in.Status = st.Name
				break
			}
		}
	}
	if is.status = s.statusNamed(in.Status); is.status == nil {
		return nil, fmt.Errorf("jirasim: issue %s: unknown status %q", is.key, in.Status)
	}
	for _, a := range []string{in.Reporter, in.Assignee} {
		if a != "" && s.users[a] == nil {
			return nil, fmt.Errorf("jirasim: issue %s: unknown account %q", is.key, a)
		}
	}
	is.reporter, is.assignee = in.Reporter, in.Assignee
	is.labels = append([]string(nil), in.Labels...)
	if in.Resolution != "" && s.resolutionNamed(in.Resolution) == "" {
		return nil, fmt.Errorf("jirasim: issue %s: unknown resolution %q (the seed's resolutions: %s)", is.key, in.Resolution, strings.Join(s.resolutions, ", "))
	}
	is.resolution = s.resolutionNamed(in.Resolution)
	if is.status.Category == CategoryDone && is.resolution == "" {
		is.resolution = "Done"
	}
	for name, v := range in.Fields {
		f := s.fieldNamed(name)
		if f == nil {
			return nil, fmt.Errorf("jirasim: issue %s: unknown field %q", is.key, name)
		}
		nv, err := s.coerceSeedValue(f, s.contextFor(f, is), v)
		if err != nil {
			return nil, fmt.Errorf("jirasim: issue %s: %w", is.key, err)
		}
		if nv != nil {
			is.fields[f.ID] = nv
		}
	}
	if len(in.Organizations) > 0 {
		f := s.orgField()
		if f == nil {
			return nil, fmt.Errorf("jirasim: issue %s has organizations but the site has no organizations field", is.key)
		}
		is.fields[f.ID] = append([]string(nil), in.Organizations...)
	}
	now := s.now()
	is.created = stamp(in.Created)
	if is.created.IsZero() {
		is.created = now
	}
	for _, h := range in.History {
		if err := s.appendSeedHistory(is, h); err != nil {
			return nil, err
		}
	}
	for _, c := range in.Comments {
		if s.users[c.Author] == nil {
			return nil, fmt.Errorf("jirasim: issue %s: comment by unknown account %q", is.key, c.Author)
		}
		s.nextCommentID++
		at := stamp(c.Created)
		if at.IsZero() {
			at = is.created
		}
		if msg := s.visibilityRefusal(c.Author, pr.Key, c.Visibility); msg != "" {
			return nil, fmt.Errorf("jirasim: issue %s: comment by %s: %s (declare the role or group in Seed.Roles or Seed.Groups, with the author in it)", is.key, c.Author, msg)
		}
		is.comments = append(is.comments, comment{id: s.nextCommentID, author: c.Author, body: c.Body,
			internal: c.Internal && pr.ServiceDesk && !s.users[c.Author].Customer, vis: copyVis(c.Visibility), created: at, updated: at})
	}
	sort.SliceStable(is.comments, func(a, b int) bool { return is.comments[a].created.Before(is.comments[b].created) })
	for _, w := range in.Worklogs {
		if s.users[w.Author] == nil {
			return nil, fmt.Errorf("jirasim: issue %s: worklog by unknown account %q", is.key, w.Author)
		}
		s.nextWorklogID++
		started := stamp(w.Started)
		is.worklogs = append(is.worklogs, worklog{id: s.nextWorklogID, author: w.Author, started: started,
			seconds: w.SpentSeconds, comment: w.Comment, created: started})
	}
	is.resolved = stamp(in.Resolved)
	if is.resolved.IsZero() && is.status.Category == CategoryDone {
		is.resolved = lastStatusChange(is, is.created)
	}
	is.updated = stamp(in.Updated)
	if is.updated.IsZero() {
		is.updated = is.created
		for _, h := range is.histories {
			is.updated = later(is.updated, h.at)
		}
		for _, c := range is.comments {
			is.updated = later(is.updated, c.updated)
		}
		for _, w := range is.worklogs {
			is.updated = later(is.updated, w.created)
		}
	}
	s.issues = append(s.issues, is)
	s.byKey[is.key] = is
	s.byID[is.id] = is
	return is, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func lastStatusChange(is *issue, def time.Time) time.Time {
	t := def
	for _, h := range is.histories {
		for _, it := range h.items {
			if it.field == "status" {
				t = h.at
			}
		}
	}
	return t
}

func (s *Server) orgField() *field {
	for _, f := range s.fields {
		if f.Type == FieldOrganizations {
			return f
		}
	}
	return nil
}

// appendSeedHistory records a seeded changelog entry; it does not change the
// issue's current values (the seed states them).
func (s *Server) appendSeedHistory(is *issue, h History) error {
	if h.Author != "" && s.users[h.Author] == nil {
		return fmt.Errorf("jirasim: issue %s: history by unknown account %q", is.key, h.Author)
	}
	var items []histItem
	for _, it := range h.Items {
		hi, err := s.histItemFor(it.Field, it.From, it.To)
		if err != nil {
			return fmt.Errorf("jirasim: issue %s: %w", is.key, err)
		}
		items = append(items, hi)
	}
	id := s.nextHistoryID + 1
	if h.ID != "" {
		n, err := strconv.ParseInt(h.ID, 10, 64)
		if err != nil {
			return fmt.Errorf("jirasim: history id %q is not numeric", h.ID)
		}
		id = n
	}
	if id > s.nextHistoryID {
		s.nextHistoryID = id
	}
	at := stamp(h.At)
	if at.IsZero() {
		at = is.created
	}
	hs := history{id: id, at: at, author: h.Author, items: items}
	// Keep chronological order even when seeds list entries out of order.
	n := len(is.histories)
	for n > 0 && is.histories[n-1].at.After(at) {
		n--
	}
	is.histories = append(is.histories, history{})
	copy(is.histories[n+1:], is.histories[n:])
	is.histories[n] = hs
	return nil
}

// histItemFor builds a changelog item from display values, filling in the
// ids Jira reports for status, priority and type (assignee items are
// seeded with accountIds, and get the display names).
func (s *Server) histItemFor(fieldName, from, to string) (histItem, error) {
	hi := histItem{field: fieldName, fieldType: "jira", fromString: from, toString: to}
	switch fieldName {
	case "status":
		hi.fieldID = "status"
		if from != "" {
			st := s.statusNamed(from)
			if st == nil {
				return hi, fmt.Errorf("unknown status %q in history", from)
			}
			hi.from, hi.fromString = st.ID, st.Name
		}
		if to != "" {
			st := s.statusNamed(to)
			if st == nil {
				return hi, fmt.Errorf("unknown status %q in history", to)
			}
			hi.to, hi.toString = st.ID, st.Name
		}
	case "priority":
		hi.fieldID = "priority"
		if p := s.priorityNamed(from); p != nil {
			hi.from, hi.fromString = p.ID, p.Name
		}
		if p := s.priorityNamed(to); p != nil {
			hi.to, hi.toString = p.ID, p.Name
		}
	case "issuetype":
		hi.fieldID = "issuetype"
		if t := s.typeNamed(from); t != nil {
			hi.from, hi.fromString = t.ID, t.Name
		}
		if t := s.typeNamed(to); t != nil {
			hi.to, hi.toString = t.ID, t.Name
		}
	case "assignee":
		// Jira keeps the accountIds in from/to and the display names in
		// the strings: a seeded item names the accounts.
		hi.fieldID = "assignee"
		hi.from, hi.fromString = from, s.displayName(from)
		hi.to, hi.toString = to, s.displayName(to)
	case "resolution", "summary", "description", "labels":
		hi.fieldID = fieldName
	default:
		if f := s.fieldNamed(fieldName); f != nil {
			hi.field, hi.fieldID, hi.fieldType = f.Name, f.ID, "custom"
		}
	}
	return hi, nil
}
