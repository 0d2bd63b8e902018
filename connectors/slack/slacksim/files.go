package slacksim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// File is an uploaded file. Slack's external upload takes three calls:
// files.getUploadURLExternal reserves the id and an upload URL, the bytes
// are POSTed there (multipart, field "file"), and
// files.completeUploadExternal shares the file to a channel as a message
// whose text is the initial comment.
type File struct {
	ID       string
	Name     string
	Title    string
	Length   int    // as announced to files.getUploadURLExternal
	Data     []byte // nil until uploaded
	Uploaded bool
	Channel  string // where it was shared, once the share landed
	TS       string // the share message's ts, once the share landed

	completed bool // files.completeUploadExternal accepted it
}

// uploadPath is where upload URLs point (on the simulator's own host, which
// slack-go accepts as a target for the token).
const uploadPath = "/upload/"

// Files returns copies of every file, in creation order.
func (s *Sim) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.landShares(0, s.now())
	out := make([]File, 0, len(s.fileOrder))
	for _, id := range s.fileOrder {
		f := *s.files[id]
		f.Data = slices.Clone(f.Data)
		out = append(out, f)
	}
	return out
}

func (s *Sim) getUploadURL(p url.Values) answer {
	name := p.Get("filename")
	n := intParam(p, "length", 0)
	if name == "" || n <= 0 {
		return fail("invalid_arguments")
	}
	if s.files == nil {
		s.files = map[string]*File{}
	}
	id := fmt.Sprintf("F%07d", len(s.fileOrder)+1)
	s.files[id] = &File{ID: id, Name: name, Length: n}
	s.fileOrder = append(s.fileOrder, id)
	host := s.reqHost
	if host == "" {
		host = "127.0.0.1"
	}
	return ok(map[string]any{"upload_url": "http://" + host + uploadPath + id, "file_id": id})
}

// serveUpload takes the file's bytes. It is not a Web API method: it
// answers plain text, as Slack's upload endpoint does, and is recorded as
// method "upload".
func (s *Sim) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, uploadPath)
	var data []byte
	status := http.StatusOK
	if r.Method != http.MethodPost {
		status = http.StatusMethodNotAllowed
	} else if mf, _, err := r.FormFile("file"); err != nil {
		status = http.StatusBadRequest
	} else {
		data, err = io.ReadAll(mf)
		mf.Close()
		if err != nil {
			status = http.StatusBadRequest
		}
	}
	s.mu.Lock()
	f := s.files[id]
	if f == nil && status == http.StatusOK {
		status = http.StatusNotFound
	}
	if status == http.StatusOK {
		f.Data, f.Uploaded = data, true
	}
	s.calls = append(s.calls, Call{Seq: len(s.calls) + 1, At: s.now(), Method: "upload", Params: url.Values{"file_id": {id}}, Status: status})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	if status == http.StatusOK {
		fmt.Fprintf(w, "OK - %d", len(data))
	}
}

func (s *Sim) completeUpload(p url.Values) answer {
	var list []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if json.Unmarshal([]byte(p.Get("files")), &list) != nil || len(list) == 0 {
		return fail("invalid_arguments")
	}
	var files []*File
	for _, e := range list {
		f := s.files[e.ID]
		if f == nil || !f.Uploaded || f.completed {
			return fail("file_not_found")
		}
		if e.Title != "" {
			f.Title = e.Title
		}
		files = append(files, f)
	}
	ref := p.Get("channel_id")
	if ref == "" {
		ref, _, _ = strings.Cut(p.Get("channels"), ",")
	}
	out := make([]map[string]any, 0, len(files))
	for _, f := range files {
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	if ref == "" { // uploaded privately, shared nowhere
		for _, f := range files {
			f.completed = true
		}
		return ok(map[string]any{"files": out})
	}
	c, code := s.postable(ref)
	if code != "" {
		return fail(code)
	}
	text := p.Get("initial_comment")
	if len(text) > maxText {
		return fail("msg_too_long")
	}
	threadTS := p.Get("thread_ts")
	if threadTS != "" {
		if parent := find(c, threadTS); parent == nil || parent.IsReply() {
			return fail("thread_not_found")
		}
	}
	// The share's ts is the instant Slack accepted it; the message shows
	// up in the channel later, in its ts order.
	m := &Message{Channel: c.id, Text: text, TS: s.nextTS()}
	for _, f := range files {
		m.Files = append(m.Files, MessageFile{ID: f.ID, Name: f.Name, Title: f.Title, Size: len(f.Data)})
		f.completed = true
	}
	s.pending = append(s.pending, &pendingShare{c: c, m: m, threadTS: threadTS, files: files,
		due: len(s.calls) + 1 + s.shareLag, at: s.now().Add(s.shareDelay)})
	a := ok(map[string]any{"files": out})
	a.channel = c.id
	return a
}

// Shares are asynchronous, as Slack's are: files.completeUploadExternal
// answers ok before the message sharing the file exists ("asynchronously
// completes the sharing of uploaded files because there are a few
// time-consuming tasks on the server side (e.g., security scans on the
// files). Therefore, in many cases, the API response does not yet have
// complete \"shares\" in it": a Slack SDK maintainer, slackapi/bolt-js
// issue #2115, August 2024). How long it takes is not documented;
// slacksim lands a share once shareLag further Web API requests have been
// answered after the completing one (default 1: a history lookup made
// right after the completion does not see it, the one after does), or
// once its clock is shareDelay past the completion (default a second,
// slacksim's own figure: a demo stepping its clock sees the report), or
// at FlushShares. The message's ts is the completion's.
type pendingShare struct {
	c        *channel
	m        *Message
	threadTS string
	files    []*File
	due      int       // lands before answering a request with a larger Seq
	at       time.Time // or once the clock reaches this
}

// WithShareLag sets how many Web API requests answered after a
// files.completeUploadExternal the share stays invisible (default 1; 0:
// visible from the next request on) and how long on the simulator's
// clock (default a second).
func WithShareLag(requests int, d time.Duration) Option {
	return func(s *Sim) { s.shareLag, s.shareDelay = requests, d }
}

// FlushShares lands every pending share now (a test that reads
// Messages directly, with no further request to let time pass).
func (s *Sim) FlushShares() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.landShares(int(^uint(0)>>1), time.Time{})
}

// landShares posts the shares due before request seq or by now (zero:
// every share). Caller holds s.mu.
func (s *Sim) landShares(seq int, now time.Time) {
	kept := s.pending[:0]
	for _, ps := range s.pending {
		if ps.due >= seq && !now.IsZero() && now.Before(ps.at) {
			kept = append(kept, ps)
			continue
		}
		if s.insertMessage(ps.c, ps.m, ps.threadTS) != "" {
			continue // its thread vanished meanwhile: the share is dropped
		}
		for _, f := range ps.files {
			f.Channel, f.TS = ps.c.id, ps.m.TS
		}
	}
	s.pending = kept
}
