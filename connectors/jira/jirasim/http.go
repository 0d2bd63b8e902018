package jirasim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Route is one method + path pattern the simulator serves.
type Route struct {
	Method string
	Path   string // net/http pattern path, e.g. /rest/api/2/issue/{issueIdOrKey}
	// Removed marks endpoints Atlassian has shut off: they answer 410.
	Removed bool
	// Anonymous routes need no credentials.
	Anonymous bool
	// Write routes count against per-issue write limits.
	Write bool
	// OutsideSpec names the document a route follows when Atlassian's
	// OpenAPI description of the platform API does not list it.
	OutsideSpec string
}

// Request is one entry of the request log.
type Request struct {
	At        time.Time // simulator clock when the request arrived
	Method    string
	Path      string
	RawQuery  string
	Route     string // "METHOD pattern", empty when no route matched
	AccountID string // authenticated caller, empty when anonymous or rejected
	Status    int    // 0 when the connection was dropped
	Body      []byte // writes only, when Options.LogBodies is set
}

type handlerFunc func(c *call)

// call carries one request through the pipeline. Handlers write into a
// buffer so faults can replace or drop a response after the handler ran.
type call struct {
	s      *Server
	r      *http.Request
	route  Route
	user   *User
	rc     rc
	body   []byte
	status int
	header http.Header
	out    *bytes.Buffer // from outBuffers
}

func (c *call) json(status int, v any) {
	c.status = status
	c.header.Set("Content-Type", "application/json;charset=UTF-8")
	_ = encodeJSON(c.out, v)
}

// errorCollection is Jira's error body (ErrorCollection).
type errorCollection struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

func (c *call) fail(status int, msgs ...string) {
	c.json(status, errorCollection{ErrorMessages: append([]string{}, msgs...), Errors: map[string]string{}})
}

func (c *call) failFields(status int, errs map[string]string) {
	c.json(status, errorCollection{ErrorMessages: []string{}, Errors: errs})
}

func (c *call) noContent() { c.status = http.StatusNoContent }

// decode reads a JSON body strictly (unknown properties are 400s, as the
// closed request schemas demand).
func (c *call) decode(v any, strict bool) bool {
	dec := json.NewDecoder(bytes.NewReader(c.body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		c.fail(http.StatusBadRequest, "Invalid request payload. Refer to the REST API documentation and try again. ("+err.Error()+")")
		return false
	}
	return true
}

// Routes lists every route the simulator serves.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Handler returns the simulator as an http.Handler.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP serves the Jira REST API.
//
// Every answer carries a Date header from the simulator's clock, as a real
// site's does from its own: clients read the server's time from it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	s.mux.ServeHTTP(w, r)
}

func (s *Server) registerRoutes() {
	s.mux = http.NewServeMux()
	add := func(rt Route, h handlerFunc) {
		s.routes = append(s.routes, rt)
		s.mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, rt, h) })
		// Every live v2 route has its v3 twin: the same resource, rich text
		// as ADF.
		if v2, ok := strings.CutPrefix(rt.Path, "/rest/api/2/"); ok && !rt.Removed {
			twin := rt
			twin.Path = "/rest/api/3/" + v2
			s.routes = append(s.routes, twin)
			s.mux.HandleFunc(twin.Method+" "+twin.Path, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, twin, h) })
		}
	}
	for _, v := range []string{"2", "3"} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			add(Route{Method: m, Path: "/rest/api/" + v + "/search", Removed: true, Anonymous: true}, (*call).removedSearch)
		}
	}
	add(Route{Method: "GET", Path: "/rest/api/2/serverInfo", Anonymous: true}, (*call).serverInfo)
	add(Route{Method: "GET", Path: "/rest/api/2/myself"}, (*call).myself)
	add(Route{Method: "GET", Path: "/rest/api/2/field"}, (*call).listFields)
	add(Route{Method: "GET", Path: "/rest/api/2/status"}, (*call).listStatuses)
	add(Route{Method: "GET", Path: "/rest/api/2/search/jql"}, (*call).searchJQL)
	add(Route{Method: "POST", Path: "/rest/api/2/search/jql"}, (*call).searchJQL)
	add(Route{Method: "POST", Path: "/rest/api/2/issue"}, (*call).createIssue)
	add(Route{Method: "GET", Path: "/rest/api/2/issue/{issueIdOrKey}"}, (*call).getIssue)
	add(Route{Method: "PUT", Path: "/rest/api/2/issue/{issueIdOrKey}", Write: true}, (*call).editIssue)
	add(Route{Method: "GET", Path: "/rest/api/2/issue/{issueIdOrKey}/editmeta"}, (*call).getEditMeta)
	add(Route{Method: "GET", Path: "/rest/api/2/issue/{issueIdOrKey}/transitions"}, (*call).getTransitions)
	add(Route{Method: "POST", Path: "/rest/api/2/issue/{issueIdOrKey}/transitions", Write: true}, (*call).doTransition)
	add(Route{Method: "GET", Path: "/rest/api/2/issue/{issueIdOrKey}/comment"}, (*call).getComments)
	add(Route{Method: "POST", Path: "/rest/api/2/issue/{issueIdOrKey}/comment", Write: true}, (*call).addComment)
	add(Route{Method: "GET", Path: "/rest/api/2/issue/{issueIdOrKey}/changelog"}, (*call).getChangelog)
	add(Route{Method: "GET", Path: "/rest/api/2/issue/{issueIdOrKey}/worklog"}, (*call).getWorklogs)
	add(Route{Method: "POST", Path: "/rest/api/2/issue/{issueIdOrKey}/worklog", Write: true}, (*call).addWorklog)
	add(Route{Method: "POST", Path: "/rest/api/3/changelog/bulkfetch"}, (*call).bulkChangelogs)
	s.registerAdminRoutes(add)
	s.registerRoleRoutes(add)
	s.registerAssignRoutes(add)
	s.registerWebhookRoutes(add)
	s.mux.HandleFunc("GET /{$}", s.serveIndex)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.log = append(s.log, Request{At: s.now(), Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Status: 404})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(errorCollection{ErrorMessages: []string{"null for uri: " + r.URL.String()}, Errors: map[string]string{}})
	})
}

// outBuffers hold answers while they are built: a search page is
// megabytes, and growing a buffer to that size for every page was a third
// of what a full sync allocated (both sides of BenchmarkFullSync run in one
// process).
var outBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// serve runs the pipeline: log, fault injection, authentication, rate
// limits, the handler, then flushes (or drops) the response.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt Route, h handlerFunc) {
	body, _ := readBody(r)
	c := &call{s: s, r: r, route: rt, body: body, header: http.Header{}, out: outBuffers.Get().(*bytes.Buffer)}
	defer func() {
		c.out.Reset()
		outBuffers.Put(c.out)
	}()
	base := s.opts.BaseURL
	if base == "" {
		base = "http://" + r.Host
	}
	c.rc.base = strings.TrimSuffix(base, "/")
	c.rc.api = "/rest/api/2"
	if strings.HasPrefix(rt.Path, "/rest/api/3/") {
		c.rc.api, c.rc.v3 = "/rest/api/3", true
	}
	c.rc.users = map[string]*jUser{}

	s.mu.Lock()
	entry := Request{At: s.now(), Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Route: rt.Method + " " + rt.Path}
	if s.opts.LogBodies && r.Method != http.MethodGet {
		entry.Body = body
	}
	f := s.matchFault(r, rt)
	s.mu.Unlock()

	if f != nil && f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			s.record(entry, 0)
			return
		}
	}
	if f != nil && !f.AfterApply && (f.Status != 0 || f.Drop) {
		s.finishFault(w, entry, f)
		return
	}

	s.mu.Lock()
	c.user, entry.AccountID = s.authenticate(r)
	c.rc.viewer = c.user
	switch {
	case c.user == nil && !rt.Anonymous:
		c.status = http.StatusUnauthorized
		c.header.Set("WWW-Authenticate", `Basic realm="protected-area"`)
		c.header.Set("Content-Type", "text/plain;charset=UTF-8")
		c.out.WriteString("Client must be authenticated to access this resource.")
	case !s.rl.allow(s, c):
		// allow wrote the 429.
	default:
		if !readOnly(r.Method, rt.Path) {
			s.changed()
		}
		h(c)
	}
	s.mu.Unlock()

	if f != nil && f.AfterApply && (f.Status != 0 || f.Drop) {
		s.finishFault(w, entry, f)
		return
	}
	for k, v := range c.header {
		w.Header()[k] = v
	}
	if c.status == 0 {
		c.status = http.StatusOK
	}
	s.record(entry, c.status) // before answering: clients may inspect the log at once
	w.WriteHeader(c.status)
	_, _ = w.Write(c.out.Bytes())
}

// readOnly tells the routes that change nothing: GETs, and the searches
// and bulk reads that are POSTs for the size of their bodies.
func readOnly(method, path string) bool {
	return method == http.MethodGet || strings.HasSuffix(path, "/search/jql") || strings.HasSuffix(path, "/changelog/bulkfetch") ||
		strings.HasSuffix(path, "/jql/parse")
}

func (s *Server) record(e Request, status int) {
	e.Status = status
	s.mu.Lock()
	s.log = append(s.log, e)
	s.mu.Unlock()
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	return b.Bytes(), err
}

// authenticate checks basic auth (account e-mail + API token). Caller holds mu.
func (s *Server) authenticate(r *http.Request) (*User, string) {
	email, token, ok := r.BasicAuth()
	if !ok {
		return nil, ""
	}
	u := s.byEmail[strings.ToLower(email)]
	if u == nil || u.APIToken == "" || u.APIToken != token {
		return nil, ""
	}
	return u, u.AccountID
}

// canBrowse reports whether u may see project p.
func canBrowse(u *User, p *project) bool {
	if u == nil {
		return false
	}
	if len(u.Projects) == 0 {
		return true
	}
	for _, k := range u.Projects {
		if k == p.Key {
			return true
		}
	}
	return false
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// CountRequests counts logged requests with the given method whose path
// equals path (or, when path ends in "*", starts with it).
func (s *Server) CountRequests(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	prefix, isPrefix := strings.CutSuffix(path, "*")
	for _, e := range s.log {
		if method != "" && e.Method != method {
			continue
		}
		if (isPrefix && strings.HasPrefix(e.Path, prefix)) || e.Path == path {
			n++
		}
	}
	return n
}

// ResetRequests clears the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}
