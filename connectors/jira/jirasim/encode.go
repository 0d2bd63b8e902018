//go:build go1.27

package jirasim

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
)

// encodeJSON appends v to out as json.Encoder with SetEscapeHTML(false)
// writes it (v1 semantics, a trailing newline), streaming: Encoder.Encode
// builds the whole answer in a buffer of its own first, and its pool drops
// buffers of the size of a search page, so every page grew one anew.
// encoding/json/v2 is go1.27's; encode_go126.go keeps older toolchains
// building.
func encodeJSON(out *bytes.Buffer, v any) error {
	if err := jsonv2.MarshalWrite(out, v, json.DefaultOptionsV1(), jsontext.EscapeForHTML(false)); err != nil {
		return err
	}
	return out.WriteByte('\n')
}

// The entries of changelogs and their authors are most of what the
// simulator writes (tens per issue, on every search page and bulk fetch),
// so they write their own tokens instead of going through reflection.
// The bytes are those of their struct tags (TestHandEncodedAsTagged).

// MarshalJSONTo writes a history as its struct tags say.
func (h *jHistory) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := tokens{enc: enc}
	w.tok(jsontext.BeginObject)
	w.str("id", h.ID)
	if h.Author != nil {
		w.name("author")
		w.err = errOr(w.err, h.Author.MarshalJSONTo(enc))
	}
	w.str("created", h.Created)
	w.name("items")
	if h.Items == nil {
		w.tok(jsontext.Null)
	} else {
		w.tok(jsontext.BeginArray)
		for i := range h.Items {
			it := &h.Items[i]
			w.tok(jsontext.BeginObject)
			w.str("field", it.Field)
			w.str("fieldtype", it.FieldType)
			if it.FieldID != "" {
				w.str("fieldId", it.FieldID)
			}
			w.strPtr("from", it.From)
			w.strPtr("fromString", it.FromString)
			w.strPtr("to", it.To)
			w.strPtr("toString", it.ToString)
			w.tok(jsontext.EndObject)
		}
		w.tok(jsontext.EndArray)
	}
	w.tok(jsontext.EndObject)
	return w.err
}

// MarshalJSONTo writes a user as its struct tags say.
func (u *jUser) MarshalJSONTo(enc *jsontext.Encoder) error {
	w := tokens{enc: enc}
	w.tok(jsontext.BeginObject)
	w.str("self", u.Self)
	w.str("accountId", u.AccountID)
	w.str("accountType", u.AccountType)
	w.name("active")
	w.tok(jsontext.Bool(u.Active))
	w.name("avatarUrls")
	w.tok(jsontext.BeginObject)
	w.str("48x48", u.AvatarURLs.Large)
	w.tok(jsontext.EndObject)
	w.str("displayName", u.DisplayName)
	if u.EmailAddress != "" {
		w.str("emailAddress", u.EmailAddress)
	}
	if u.TimeZone != "" {
		w.str("timeZone", u.TimeZone)
	}
	w.tok(jsontext.EndObject)
	return w.err
}

// tokens writes tokens until the first error.
type tokens struct {
	enc *jsontext.Encoder
	err error
}

func (w *tokens) tok(t jsontext.Token) {
	if w.err == nil {
		w.err = w.enc.WriteToken(t)
	}
}

func (w *tokens) name(n string) { w.tok(jsontext.String(n)) }

func (w *tokens) str(n, v string) {
	w.name(n)
	w.tok(jsontext.String(v))
}

func (w *tokens) strPtr(n string, v *string) {
	w.name(n)
	if v == nil {
		w.tok(jsontext.Null)
		return
	}
	w.tok(jsontext.String(*v))
}

func errOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
