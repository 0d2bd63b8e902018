package slacksim

import (
	"net/url"
	"slices"
	"strings"
)

// Scopes: each bot token carries the OAuth scopes its app was installed
// with, and a Web API method called without the scope it needs answers
//
//	{"ok":false,"error":"missing_scope","needed":"groups:read","provided":"chat:write,channels:read"}
//
// as Slack does. Every answer to a token with known scopes carries them in
// the X-OAuth-Scopes header (Slack's way to tell a token's scopes, read on
// auth.test). The Conversations API's methods need the scope of the
// conversation's type: channels:* for a public channel, groups:* for a
// private one, im:* for a direct message; conversations.list needs the
// read scope of every type it is asked for (types, default
// public_channel). Every bot token has scopes (DefaultScopes unless
// WithScopes says otherwise), so every method can answer missing_scope.

// conversation kinds, as scope tables key them.
const (
	kindPublic  = "public_channel"
	kindPrivate = "private_channel"
	kindIM      = "im"
)

// methodScopes is the bot scope each method needs, by the kind of
// conversation it addresses ("" for a method that addresses none), from
// Slack's method reference (docs.slack.dev/reference/methods/NAME,
// "Required scopes"). auth.test needs none; apps.connections.open takes
// the app-level token's connections:write, which is not a bot scope.
var methodScopes = map[string]map[string]string{
	"chat.postMessage":             {"": "chat:write"},
	"chat.update":                  {"": "chat:write"},
	"chat.postEphemeral":           {"": "chat:write"},
	"conversations.info":           {kindPublic: "channels:read", kindPrivate: "groups:read", kindIM: "im:read"},
	"conversations.members":        {kindPublic: "channels:read", kindPrivate: "groups:read", kindIM: "im:read"},
	"conversations.list":           {kindPublic: "channels:read", kindPrivate: "groups:read", kindIM: "im:read"},
	"conversations.history":        {kindPublic: "channels:history", kindPrivate: "groups:history", kindIM: "im:history"},
	"conversations.replies":        {kindPublic: "channels:history", kindPrivate: "groups:history", kindIM: "im:history"},
	"conversations.open":           {"": "im:write"},
	"users.lookupByEmail":          {"": "users:read.email"},
	"users.info":                   {"": "users:read"}, // the profile's e-mail only with users:read.email
	"files.getUploadURLExternal":   {"": "files:write"},
	"files.completeUploadExternal": {"": "files:write"},
	"usergroups.list":              {"": "usergroups:read"},
	"usergroups.users.list":        {"": "usergroups:read"},
}

// DefaultScopes are the bot scopes of a token installed with WithToken:
// every scope methodScopes names, so each method slacksim implements may
// be called, but not chat:write.public (an app installed with the usual
// chat:write posts only where the bot was invited: a public channel it is
// not in answers not_in_channel).
var DefaultScopes = func() []string {
	var out []string
	for _, byKind := range methodScopes {
		for _, sc := range byKind {
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		}
	}
	slices.Sort(out)
	return out
}()

// WithScopes installs the app on a bot token with exactly these scopes
// (the token is then accepted, as WithToken does): methods needing
// another answer missing_scope.
func WithScopes(token string, scopes ...string) Option {
	return func(s *Sim) { s.setScopes(token, scopes) }
}

// SetScopes changes a token's scopes, as reinstalling the app with an
// edited manifest does.
func (s *Sim) SetScopes(token string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setScopes(token, scopes)
}

func (s *Sim) setScopes(token string, scopes []string) {
	if s.scopes == nil {
		s.scopes = map[string][]string{}
	}
	s.tokens[token] = true
	s.scopes[token] = slices.Sorted(slices.Values(scopes))
	if s.scopes[token] == nil {
		s.scopes[token] = []string{}
	}
}

// scopesOf is an installed bot token's scopes: those WithScopes or
// SetScopes gave it, else DefaultScopes. Caller holds s.mu.
func (s *Sim) scopesOf(token string) []string {
	if sc, ok := s.scopes[token]; ok {
		return sc
	}
	return DefaultScopes
}

// has reports whether the token of the request being answered has scope
// (every bot token has scopes: scopesOf). Caller holds s.mu.
func (s *Sim) has(scope string) bool {
	return slices.Contains(s.granted, scope)
}

// kindOf is a conversation's kind for the scope tables.
func kindOf(c *channel) string {
	switch {
	case c.im:
		return kindIM
	case c.private:
		return kindPrivate
	}
	return kindPublic
}

// missingScope returns the missing_scope answer when the request's token
// lacks the scope method needs for what p addresses, or ok false. A
// channel that cannot be found is left to the method (channel_not_found).
// Caller holds s.mu.
func (s *Sim) missingScope(method string, p url.Values) (answer, bool) {
	if s.granted == nil {
		return answer{}, false
	}
	table := methodScopes[method]
	var need []string
	switch {
	case table == nil:
	case table[""] != "":
		need = []string{table[""]}
	case method == "conversations.list":
		for _, t := range listTypes(p) {
			need = append(need, table[t])
		}
	default:
		ref := p.Get("channel")
		if c := s.lookup(ref); c != nil {
			need = []string{table[kindOf(c)]}
		} else if s.users[ref] != nil { // a user id posts to the DM with them
			need = []string{table[kindIM]}
		}
	}
	for _, n := range need {
		if n != "" && !s.has(n) {
			return answer{body: map[string]any{"ok": false, "error": "missing_scope", "needed": n,
				"provided": strings.Join(s.granted, ",")}}, true
		}
	}
	return answer{}, false
}

// listTypes is conversations.list's types parameter (default
// public_channel), the kinds slacksim knows.
func listTypes(p url.Values) []string {
	v := p.Get("types")
	if v == "" {
		return []string{kindPublic}
	}
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t == kindPublic || t == kindPrivate || t == kindIM {
			out = append(out, t)
		}
	}
	return out
}
