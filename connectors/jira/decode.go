//go:build go1.27

package jira

import (
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"io"
)

// decodeBody decodes a JSON answer as it streams in. go-jira's Do reads through
// json.Decoder.Decode, which holds the whole value in memory before
// decoding it (a search page with its changelogs is megabytes, and the
// buffer doubled its way there for every page) and then copies the parts
// kept as json.RawMessage out of it. UnmarshalRead reads the body through
// a bounded buffer, so only what the wire structs keep is allocated. The
// options keep encoding/json's leniency, which the wire structs were
// written for: names matched regardless of case, duplicate names and
// invalid UTF-8 accepted. (json.DefaultOptionsV1 would also buffer the
// whole answer again, as v1's error reporting needs it.)
// encoding/json/v2 is go1.27's (go.mod's toolchain); decode_go126.go keeps
// older toolchains building.
func decodeBody(r io.Reader, out any) error {
	return jsonv2.UnmarshalRead(r, out, decodeOptions)
}

var decodeOptions = jsonv2.JoinOptions(jsonv2.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
