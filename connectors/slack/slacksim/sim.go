package slacksim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// User is a member of the simulated workspace's directory.
type User struct {
	ID    string
	Name  string // handle
	Real  string // real name
	Email string
}

// Metadata is a message's metadata as the app posted it.
type Metadata struct {
	EventType    string         `json:"event_type"`
	EventPayload map[string]any `json:"event_payload"`
}

// Message is a stored message. Edits keeps earlier texts, oldest first.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string // set on replies (and on a parent that has replies, equal to TS)
	Text     string
	Blocks   json.RawMessage
	Metadata *Metadata
	Edits    []string
	// Files are the files the message shares (files.completeUploadExternal).
	Files []MessageFile
}

// MessageFile is a file as a message in history lists it.
type MessageFile struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Title string `json:"title"`
	Size  int    `json:"size"`
}

// IsReply reports whether m is a reply in a thread (not its parent).
func (m Message) IsReply() bool { return m.ThreadTS != "" && m.ThreadTS != m.TS }

// Call is one request the simulator received. Params never include the
// token.
type Call struct {
	Seq     int
	At      time.Time
	Method  string
	Params  url.Values
	Status  int    // HTTP status sent, 0 when the connection was dropped
	Error   string // Slack error code when ok was false
	Needed  string // the scope a missing_scope answer named
	Fault   string // the injected fault, if any
	Channel string // the resolved channel id, when the method has one
	TS      string // the ts created or addressed
}

type channel struct {
	id       string
	name     string
	im       bool
	user     string   // the other party of an IM
	member   bool     // whether the bot is in it
	private  bool     // a private channel: invisible to the bot unless it is a member
	users    []string // the people in it (conversations.members), in join order
	archived bool
	msgs     []*Message // ts order
}

// Sim is the simulated workspace and its Web API handler. All methods are
// safe for concurrent use.
type Sim struct {
	mu        sync.Mutex
	now       func() time.Time
	tokens    map[string]bool  // bot tokens the app is installed on (WithToken, WithScopes)
	appTokens map[string]bool  // app-level tokens (WithAppToken)
	users     map[string]*User // by id
	byEmail   map[string]*User // lower-cased e-mail
	chans     map[string]*channel
	byName    map[string]*channel
	imOf      map[string]*channel // user id -> IM
	lastTS    int64               // unix microseconds of the newest ts
	calls     []Call
	faults    []*Fault
	chaos     *chaos
	imSeq     int
	teamID    string
	botUser   string
	botID     string
	hostname  string

	sock       socketState
	ephemerals []Ephemeral
	responses  map[string]*responseURL // response_url id -> its click
	addr       string                  // host:port the server listens on (NewServer)

	files      map[string]*File // uploads by id
	pending    []*pendingShare  // completed uploads whose share has not landed yet
	shareLag   int
	shareDelay time.Duration
	fileOrder  []string
	reqHost    string // Host of the request being answered (upload URLs point back at it)

	scopes  map[string][]string // bot scopes by token (scopes.go); a token not in it is not checked
	granted []string            // the scopes of the request being answered; nil: not checked

	groups     map[string]*userGroup // user groups by id
	groupOrder []string
}

// Option configures New.
type Option func(*Sim)

// WithClock makes the simulator read time (for ts values and Call.At) from
// now instead of the wall clock, so tests with a fake clock see consistent
// timestamps.
func WithClock(now func() time.Time) Option { return func(s *Sim) { s.now = now } }

// WithToken installs the app on the given bot tokens (xoxb-...) with
// DefaultScopes (WithScopes sets others). A workspace knows its tokens: a
// token it was never given answers invalid_auth on every method, as
// Slack does for a revoked or mistyped token, so a wrong token can be
// rehearsed; a simulator with no token accepts nothing.
func WithToken(tokens ...string) Option {
	return func(s *Sim) {
		for _, t := range tokens {
			s.tokens[t] = true
		}
	}
}

// WithAppToken accepts the given app-level tokens (xapp-...) for
// apps.connections.open (Socket Mode); any other app-level token answers
// invalid_auth.
func WithAppToken(tokens ...string) Option {
	return func(s *Sim) {
		for _, t := range tokens {
			s.appTokens[t] = true
		}
	}
}

// WithUsers adds users to the directory.
func WithUsers(users ...User) Option {
	return func(s *Sim) {
		for _, u := range users {
			s.addUser(u)
		}
	}
}

// WithChannel adds a public channel the bot is a member of.
func WithChannel(id, name string) Option { return func(s *Sim) { s.addChannel(id, name, true, false) } }

// New returns an empty workspace (team T0SIM, bot user U0BOT).
func New(opts ...Option) *Sim {
	s := &Sim{
		now:        time.Now,
		tokens:     map[string]bool{},
		appTokens:  map[string]bool{},
		users:      map[string]*User{},
		byEmail:    map[string]*User{},
		chans:      map[string]*channel{},
		byName:     map[string]*channel{},
		imOf:       map[string]*channel{},
		teamID:     "T0SIM",
		botUser:    "U0BOT",
		botID:      "B0BOT",
		shareLag:   1,
		shareDelay: time.Second,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *Sim) addUser(u User) {
	cp := u
	s.users[u.ID] = &cp
	if u.Email != "" {
		s.byEmail[strings.ToLower(u.Email)] = &cp
	}
}

func (s *Sim) addChannel(id, name string, member, private bool) {
	c := &channel{id: id, name: strings.TrimPrefix(name, "#"), member: member, private: private}
	s.chans[id] = c
	if c.name != "" {
		s.byName[c.name] = c
	}
}

// AddUser adds (or replaces) a directory entry.
func (s *Sim) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUser(u)
}

// AddChannel adds a channel; member says whether the bot is in it (posting
// to a channel it is not in answers not_in_channel).
func (s *Sim) AddChannel(id, name string, member bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addChannel(id, name, member, false)
}

// AddPrivateChannel adds a private channel; member says whether the bot
// was invited. To a bot outside it the channel does not exist:
// conversations.list leaves it out and every method answers
// channel_not_found (Slack's answer, which cannot tell a typo from a
// channel nobody invited the bot to).
func (s *Sim) AddPrivateChannel(id, name string, member bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addChannel(id, name, member, true)
}

// SetMember puts the bot in, or takes it out of, a channel (an invite,
// or /remove).
func (s *Sim) SetMember(id string, member bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chans[id]; c != nil {
		c.member = member
	}
}

// Archive archives a channel (posting answers is_archived).
func (s *Sim) Archive(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chans[id]; c != nil {
		c.archived = true
	}
}

// DMChannel returns the id of the IM with a user, if one was opened.
func (s *Sim) DMChannel(userID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.imOf[userID]
	if c == nil {
		return "", false
	}
	return c.id, true
}

// Messages returns copies of a channel's messages, replies included, in ts
// order.
func (s *Sim) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.landShares(0, s.now())
	c := s.chans[channelID]
	if c == nil {
		return nil
	}
	out := make([]Message, 0, len(c.msgs))
	for _, m := range c.msgs {
		out = append(out, copyMessage(m))
	}
	return out
}

// AllMessages returns every message in every channel, ordered by ts.
func (s *Sim) AllMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.landShares(0, s.now())
	var out []Message
	for _, c := range s.chans {
		for _, m := range c.msgs {
			out = append(out, copyMessage(m))
		}
	}
	slices.SortFunc(out, func(a, b Message) int { return strings.Compare(a.TS, b.TS) })
	return out
}

// Calls returns the recorded calls, optionally only those to the given
// methods.
func (s *Sim) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || slices.Contains(methods, c.Method) {
			c.Params = cloneValues(c.Params)
			out = append(out, c)
		}
	}
	return out
}

func copyMessage(m *Message) Message {
	cp := *m
	cp.Blocks = slices.Clone(m.Blocks)
	cp.Edits = slices.Clone(m.Edits)
	cp.Files = slices.Clone(m.Files)
	if m.Metadata != nil {
		md := *m.Metadata
		md.EventPayload = map[string]any{}
		for k, v := range m.Metadata.EventPayload {
			md.EventPayload[k] = v
		}
		cp.Metadata = &md
	}
	return cp
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// nextTS returns a ts unique in the workspace and later than every earlier
// one, in Slack's "seconds.microseconds" form. Caller holds s.mu.
func (s *Sim) nextTS() string {
	us := s.now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1_000_000, us%1_000_000)
}

// resolveChannel accepts an id, a #name or name, or a user id (Slack posts
// those to the app's DM with that user). Caller holds s.mu.
func (s *Sim) resolveChannel(ref string) *channel {
	if c := s.lookup(ref); c != nil {
		return c
	}
	if u := s.users[ref]; u != nil {
		return s.openIM(u.ID)
	}
	return nil
}

// lookup finds a conversation by id, #name or name as the bot sees it: a
// private channel the bot is not in is not there. Caller holds s.mu.
func (s *Sim) lookup(ref string) *channel {
	c := s.chans[ref]
	if c == nil {
		c = s.byName[strings.TrimPrefix(ref, "#")]
	}
	if c == nil || (c.private && !c.member) {
		return nil
	}
	return c
}

// byID finds a conversation by its id alone, as Slack's conversations.*
// methods other than posting do ("ID of the conversation": a "#name" is
// channel_not_found), as the bot sees it. Caller holds s.mu.
func (s *Sim) byID(id string) *channel {
	if c := s.chans[id]; c != nil && s.lookup(id) != nil {
		return c
	}
	return nil
}

// openIM returns (creating) the IM with a user. Caller holds s.mu.
func (s *Sim) openIM(userID string) *channel {
	if c := s.imOf[userID]; c != nil {
		return c
	}
	s.imSeq++
	c := &channel{id: fmt.Sprintf("D%07d", s.imSeq), im: true, user: userID, member: true}
	s.chans[c.id] = c
	s.imOf[userID] = c
	return c
}

// IMUser returns the user a direct-message channel is with.
func (s *Sim) IMUser(channelID string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chans[channelID]
	if c == nil || !c.im {
		return User{}, false
	}
	u, ok := s.users[c.user]
	if !ok {
		return User{ID: c.user}, true
	}
	return *u, true
}
