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
