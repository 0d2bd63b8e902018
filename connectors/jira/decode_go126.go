//go:build !go1.27

package jira

import (
	"encoding/json"
	"io"
)

// decodeBody decodes a JSON answer whole, as go-jira's Do does, on a
// toolchain without encoding/json/v2 (decode.go streams).
func decodeBody(r io.Reader, out any) error {
	return json.NewDecoder(r).Decode(out)
}

// decodeValue decodes one value already read (decode.go says why it
// differs on go1.27).
func decodeValue(raw []byte, out any) error { return json.Unmarshal(raw, out) }
