package slacksim

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// answer is what a method handler produces: a JSON body (ok or not) plus
// what the call record should say.
type answer struct {
	body    map[string]any
	channel string
	ts      string
}

func ok(fields map[string]any) answer {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	return answer{body: fields}
}

func fail(code string) answer {
	return answer{body: map[string]any{"ok": false, "error": code}}
}

type handler func(s *Sim, p url.Values) answer

var methods = map[string]handler{
	"auth.test":             (*Sim).authTest,
	"chat.postMessage":      (*Sim).postMessage,
	"chat.update":           (*Sim).update,
	"users.lookupByEmail":   (*Sim).lookupByEmail,
	"conversations.open":    (*Sim).open,
	"conversations.info":    (*Sim).info,
	"conversations.list":    (*Sim).listChannels,
	"conversations.history": (*Sim).history,
	"conversations.replies": (*Sim).replies,

	"chat.postEphemeral":    (*Sim).postEphemeral,
	"conversations.members": (*Sim).members,
	"users.info":            (*Sim).userInfo,
	"apps.connections.open": (*Sim).connectionsOpen,

	"files.getUploadURLExternal":   (*Sim).getUploadURL,
	"files.completeUploadExternal": (*Sim).completeUpload,

	"usergroups.list":       (*Sim).listUserGroups,
	"usergroups.users.list": (*Sim).userGroupUsers,
}

// ServeHTTP answers /api/<method> like Slack's Web API: form-encoded or
// JSON bodies, query parameters, the token as a "token" parameter or a
// Bearer header.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Slack's answers carry its clock in Date, as every origin server's
	// with a clock do (RFC 9110 §6.6.1): the simulator's clock, which
	// WithClock may set apart from the client's.
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	if strings.HasPrefix(r.URL.Path, uploadPath) {
		s.serveUpload(w, r)
		return
	}
	if r.URL.Path == PressPath {
		s.servePress(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, responsePath) {
		s.serveResponse(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, socketPath) {
		s.serveSocket(w, r)
		return
	}
	if r.URL.Path == "/" {
		s.serveIndex(w)
		return
	}
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	p, err := params(r)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	token := p.Get("token")
	p.Del("token")
	if token == "" {
		token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}

	s.mu.Lock()
	call := Call{Seq: len(s.calls) + 1, At: s.now(), Method: method, Params: p}
	s.landShares(call.Seq, call.At)
	h, known := methods[method]
	var kind FaultKind
	var retry time.Duration
	var a answer
	switch {
	case !known:
		a = fail("unknown_method")
	case token == "":
		a = fail("not_authed")
	case !s.tokens[token] && !s.appTokens[token]:
		// A token the workspace never issued (mistyped, revoked, another
		// workspace's): Slack answers invalid_auth to every method.
		a = fail("invalid_auth")
	case (method == "apps.connections.open") != s.appTokens[token]:
		// Only an app-level token opens Socket Mode connections, and an
		// app-level token calls nothing else.
		a = fail("not_allowed_token_type")
	default:
		var code string
		kind, retry, code = s.pickFault(method, p.Get("channel"))
		if kind == ErrorCode {
			a = fail(code)
		}
		if kind != RateLimit && kind != ServerError && kind != ErrorCode {
			s.reqHost = r.Host
			s.granted = nil
			if s.tokens[token] {
				s.granted = s.scopesOf(token)
				w.Header().Set("X-OAuth-Scopes", strings.Join(s.granted, ","))
			}
			var refused bool
			if a, refused = s.missingScope(method, p); !refused {
				a = h(s, p)
			}
			s.granted = nil
		}
	}
	call.Fault = ""
	if kind != 0 {
		call.Fault = kind.String()
	}
	call.Channel, call.TS = a.channel, a.ts
	status := http.StatusOK
	switch kind {
	case RateLimit:
		status = http.StatusTooManyRequests
	case ServerError:
		status = http.StatusInternalServerError
	case DropAfterAccept:
		status = 0
	default: // ErrorCode too: a 200 with Slack's error
		if !known {
			status = http.StatusNotFound
		}
		if e, _ := a.body["error"].(string); e != "" {
			call.Error = e
			call.Needed, _ = a.body["needed"].(string)
		}
	}
	call.Status = status
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	switch kind {
	case RateLimit:
		secs := int((retry + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeJSON(w, status, map[string]any{"ok": false, "error": "ratelimited"})
	case ServerError:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "<html><body>Internal Server Error (slacksim)</body></html>")
	case DropAfterAccept:
		drop(w)
	default:
		writeJSON(w, status, a.body)
	}
}

// drop closes the connection without writing a response.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// params merges query, form and JSON body parameters into url.Values; JSON
// objects and arrays (blocks, metadata) are kept as their JSON text, as
// they arrive in form posts.
func params(r *http.Request) (url.Values, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		return cloneValues(r.Form), nil
	}
	out := cloneValues(r.URL.Query())
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	for k, raw := range body {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out.Set(k, s)
			continue
		}
		out.Set(k, strings.TrimSpace(string(raw)))
	}
	return out, nil
}

func boolParam(p url.Values, name string) bool {
	v := p.Get(name)
	return v == "1" || v == "true"
}

func intParam(p url.Values, name string, def int) int {
	if n, err := strconv.Atoi(p.Get(name)); err == nil {
		return n
	}
	return def
}

// tsMicro parses a Slack ts ("1700000000.000123", or a bare second count
// as clients send in oldest/latest) into microseconds; ok is false for
// anything else.
func tsMicro(ts string) (int64, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || len(frac) > 6 {
		return 0, false
	}
	var us int64
	if frac != "" {
		f, err := strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
		if err != nil {
			return 0, false
		}
		us = f
	}
	return s*1_000_000 + us, true
}
