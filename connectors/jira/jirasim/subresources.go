package jirasim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// pageParams reads startAt/maxResults, clamping maxResults to limit.
func (c *call) pageParams(def, limit int) (start, max_ int, ok bool) {
	q := c.r.URL.Query()
	start, max_ = 0, def
	if v := q.Get("startAt"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.fail(http.StatusBadRequest, "startAt must be a non-negative number")
			return 0, 0, false
		}
		start = n
	}
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.fail(http.StatusBadRequest, "maxResults must be a non-negative number")
			return 0, 0, false
		}
		max_ = n
	}
	return start, min(max_, limit), true
}

func window(total, start, n int) (int, int) {
	lo := min(start, total)
	return lo, min(total, lo+n)
}

// IssueTransition
type jTransition struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	To            jStatus `json:"to"`
	HasScreen     bool    `json:"hasScreen"`
	IsGlobal      bool    `json:"isGlobal"`
	IsInitial     bool    `json:"isInitial"`
	IsAvailable   bool    `json:"isAvailable"`
	IsConditional bool    `json:"isConditional"`
	IsLooped      bool    `json:"looped"`
}

func (c *call) getTransitions() {
	is := c.lookup()
	if is == nil {
		return
	}
	out := []jTransition{}
	for _, st := range c.s.statuses {
		if st == is.status {
			continue
		}
		out = append(out, jTransition{ID: st.ID, Name: st.Name, To: c.s.renderStatus(c.rc, st), IsGlobal: true, IsAvailable: true})
	}
	c.json(http.StatusOK, map[string]any{"transitions": out})
}

func (c *call) doTransition() {
	is := c.lookupForWrite("transition this issue")
	if is == nil {
		return
	}
	var req struct {
		Transition struct {
			ID string `json:"id"`
		} `json:"transition"`
		Fields struct {
			Resolution *struct {
				Name string `json:"name"`
			} `json:"resolution"`
		} `json:"fields"`
		Update          json.RawMessage `json:"update"`
		HistoryMetadata json.RawMessage `json:"historyMetadata"`
		Properties      json.RawMessage `json:"properties"`
	}
	if !c.decode(&req, false) {
		return
	}
	var st *Status
	for _, x := range c.s.statuses {
		if x.ID == req.Transition.ID && x != is.status {
			st = x
		}
	}
	if st == nil {
		c.fail(http.StatusBadRequest, "Transition id '"+req.Transition.ID+"' is not valid for this issue.")
		return
	}
	res := ""
	if req.Fields.Resolution != nil {
		res = req.Fields.Resolution.Name
	}
	c.s.transition(is, st, res, c.user.AccountID, c.s.now())
	c.noContent()
}

func (c *call) getComments() {
	is := c.lookup()
	if is == nil {
		return
	}
	start, n, ok := c.pageParams(c.s.caps.CommentPage, c.s.caps.CommentPage)
	if !ok {
		return
	}
	visible := c.s.visibleComments(c.user, is)
	lo, hi := window(len(visible), start, n)
	p := jCommentPage{Comments: make([]jComment, 0, hi-lo), StartAt: start, MaxResults: n, Total: len(visible)}
	for _, cm := range visible[lo:hi] {
		p.Comments = append(p.Comments, c.s.renderComment(c.rc, is, cm))
	}
	c.json(http.StatusOK, p)
}

type commentRequest struct {
	Body       json.RawMessage `json:"body"`
	Visibility *Visibility     `json:"visibility,omitempty"`
	Properties []struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
	} `json:"properties,omitempty"`
}

// addComment handles POST .../comment. A JSM internal note is a comment
// with the sd.public.comment property {"internal": true}.
func (c *call) addComment() {
	is := c.lookupForWrite("add comments to this issue")
	if is == nil {
		return
	}
	var req commentRequest
	if !c.decode(&req, false) {
		return
	}
	body, ok := c.rc.readRichText(req.Body)
	if len(req.Body) > 0 && !ok {
		what := "a string"
		if c.rc.v3 {
			what = "an Atlassian Document"
		}
		c.failFields(http.StatusBadRequest, map[string]string{"comment": "Comment body must be " + what + "."})
		return
	}
	if strings.TrimSpace(body) == "" {
		c.failFields(http.StatusBadRequest, map[string]string{"comment": "Comment body can not be empty!"})
		return
	}
	if textLength(body) > MaxCommentLength {
		c.failFields(http.StatusBadRequest, map[string]string{"comment": commentTooLong})
		return
	}
	internal := false
	for _, p := range req.Properties {
		if p.Key == "sd.public.comment" {
			var v struct {
				Internal bool `json:"internal"`
			}
			_ = json.Unmarshal(p.Value, &v)
			internal = v.Internal
		}
	}
	if msg := c.s.visibilityRefusal(c.user.AccountID, is.project.Key, req.Visibility); msg != "" {
		c.failFields(http.StatusBadRequest, map[string]string{"commentLevel": msg})
		return
	}
	cm := c.s.addCommentAt(is, c.user.AccountID, body, internal, req.Visibility, c.s.now())
	c.json(http.StatusCreated, c.s.renderComment(c.rc, is, cm))
}

// checkVisibility accepts the restrictions Jira knows: a role or a group,
// named.
func checkVisibility(v *Visibility) error {
	if v == nil {
		return nil
	}
	if v.Type != "role" && v.Type != "group" {
		return fmt.Errorf("visibility type %q is not role or group", v.Type)
	}
	if v.Value == "" {
		return fmt.Errorf("a %s visibility needs a value (the %s's name)", v.Type, v.Type)
	}
	return nil
}

func copyVis(v *Visibility) *Visibility {
	if v == nil {
		return nil
	}
	x := *v
	return &x
}

func (s *Server) addCommentAt(is *issue, author, body string, internal bool, vis *Visibility, at time.Time) comment {
	if u := s.users[author]; u != nil && u.Customer {
		internal = false
	}
	s.nextCommentID++
	cm := comment{id: s.nextCommentID, author: author, body: body, internal: internal && is.project.ServiceDesk, vis: copyVis(vis), created: at, updated: at}
	is.comments = append(is.comments, cm)
	is.updated = later(is.updated, at)
	s.emit(is, "comment_created")
	return cm
}

// PageBeanChangelog
type jChangelogBean struct {
	Self       string     `json:"self"`
	NextPage   string     `json:"nextPage,omitempty"`
	MaxResults int        `json:"maxResults"`
	StartAt    int        `json:"startAt"`
	Total      int        `json:"total"`
	IsLast     bool       `json:"isLast"`
	Values     []jHistory `json:"values"`
}

// getChangelog pages the changelog oldest first.
func (c *call) getChangelog() {
	is := c.lookup()
	if is == nil {
		return
	}
	start, n, ok := c.pageParams(c.s.caps.DefaultChangelogPg, c.s.caps.ChangelogPage)
	if !ok {
		return
	}
	total := len(is.histories)
	lo, hi := window(total, start, n)
	self := c.rc.base + c.rc.api + "/issue/" + is.key + "/changelog"
	p := jChangelogBean{Self: self + "?maxResults=" + strconv.Itoa(n) + "&startAt=" + strconv.Itoa(start),
		MaxResults: n, StartAt: start, Total: total, IsLast: hi >= total, Values: make([]jHistory, 0, hi-lo)}
	for _, h := range is.histories[lo:hi] {
		p.Values = append(p.Values, c.s.renderHistory(c.rc, h))
	}
	if !p.IsLast {
		p.NextPage = self + "?maxResults=" + strconv.Itoa(n) + "&startAt=" + strconv.Itoa(hi)
	}
	c.json(http.StatusOK, p)
}

func (c *call) getWorklogs() {
	is := c.lookup()
	if is == nil {
		return
	}
	start, n, ok := c.pageParams(c.s.caps.WorklogPage, c.s.caps.WorklogPage)
	if !ok {
		return
	}
	lo, hi := window(len(is.worklogs), start, n)
	p := jWorklogPage{StartAt: start, MaxResults: n, Total: len(is.worklogs), Worklogs: make([]jWorklog, 0, hi-lo)}
	for _, w := range is.worklogs[lo:hi] {
		p.Worklogs = append(p.Worklogs, c.s.renderWorklog(c.rc, is, w))
	}
	c.json(http.StatusOK, p)
}

func (c *call) addWorklog() {
	is := c.lookupForWrite("log work on this issue")
	if is == nil {
		return
	}
	var req struct {
		TimeSpentSeconds int             `json:"timeSpentSeconds"`
		Started          string          `json:"started"`
		Comment          json.RawMessage `json:"comment"`
	}
	if !c.decode(&req, false) {
		return
	}
	comment := ""
	if len(req.Comment) > 0 && string(req.Comment) != "null" {
		var ok bool
		if comment, ok = c.rc.readRichText(req.Comment); !ok {
			c.failFields(http.StatusBadRequest, map[string]string{"comment": "The worklog comment has the wrong format for this API version."})
			return
		}
	}
	started := c.s.now()
	if req.Started != "" {
		t, ok := parseDatetimeInput(req.Started)
		if !ok {
			c.failFields(http.StatusBadRequest, map[string]string{"started": "Invalid date format."})
			return
		}
		started = t
	}
	if req.TimeSpentSeconds <= 0 {
		c.failFields(http.StatusBadRequest, map[string]string{"timeLogged": "You must indicate the time spent working."})
		return
	}
	w := c.s.addWorklogAt(is, Worklog{Author: c.user.AccountID, Started: started, SpentSeconds: req.TimeSpentSeconds, Comment: comment}, c.s.now())
	c.json(http.StatusCreated, c.s.renderWorklog(c.rc, is, w))
}

func (s *Server) addWorklogAt(is *issue, w Worklog, at time.Time) worklog {
	s.nextWorklogID++
	wl := worklog{id: s.nextWorklogID, author: w.Author, started: stamp(w.Started), seconds: w.SpentSeconds, comment: w.Comment, created: stamp(at)}
	is.worklogs = append(is.worklogs, wl)
	is.updated = later(is.updated, at)
	s.emit(is, "worklog_created")
	return wl
}
