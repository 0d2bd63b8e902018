//go:build !go1.27

package jirasim

import (
	"bytes"
	"encoding/json"
)

// encodeJSON appends v to out as json.Encoder with SetEscapeHTML(false)
// writes it (encode.go streams on go1.27).
func encodeJSON(out *bytes.Buffer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
