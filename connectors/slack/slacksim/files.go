package slacksim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
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
	Channel  string // where it was shared, once completed
	TS       string // the share message's ts
}

// uploadPath is where upload URLs point (on the simulator's own host, which
// slack-go accepts as a target for the token).
const uploadPath = "/upload/"

// Files returns copies of every file, in creation order.
func (s *Sim) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
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
		if f == nil || !f.Uploaded || f.Channel != "" {
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
	m := &Message{Channel: c.id, Text: text}
	for _, f := range files {
		m.Files = append(m.Files, MessageFile{ID: f.ID, Name: f.Name, Title: f.Title, Size: len(f.Data)})
	}
	if code := s.appendMessage(c, m, p.Get("thread_ts")); code != "" {
		return fail(code)
	}
	for _, f := range files {
		f.Channel, f.TS = c.id, m.TS
	}
	a := ok(map[string]any{"files": out})
	a.channel, a.ts = c.id, m.TS
	return a
}
