//go:build go1.27

package jira

import (
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"fmt"
	"io"
	"strings"
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

// decodeValue decodes one value already read (a field of an issue), with
// decodeBody's options: json.Unmarshal would check the whole value once
// before decoding it.
func decodeValue(raw []byte, out any) error {
	return jsonv2.Unmarshal(raw, out, decodeOptions)
}

var decodeOptions = jsonv2.JoinOptions(jsonv2.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// UnmarshalJSONFrom decodes an inline changelog, skipping its entries
// when it says it is truncated (total above maxResults, both read before
// the entries, as Jira and jirasim order them): those issues' changelogs
// come whole from bulkfetch or paging (bulk.go), so decoding their 40
// inline entries was a quarter of a cold sync's changelog decoding, for
// nothing. When total comes after the entries, they are decoded.
func (p *changelogPage) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if tok, err := dec.ReadToken(); err != nil {
		return err
	} else if tok.Kind() != '{' {
		return fmt.Errorf("changelog: want an object, got %v", tok.Kind())
	}
	var seenTotal, seenMax bool
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		switch name := tok.String(); {
		case strings.EqualFold(name, "startAt"):
			err = jsonv2.UnmarshalDecode(dec, &p.StartAt, decodeOptions)
		case strings.EqualFold(name, "maxResults"):
			err, seenMax = jsonv2.UnmarshalDecode(dec, &p.MaxResults, decodeOptions), true
		case strings.EqualFold(name, "total"):
			err, seenTotal = jsonv2.UnmarshalDecode(dec, &p.Total, decodeOptions), true
		case strings.EqualFold(name, "histories") && seenTotal && seenMax && p.Total > p.MaxResults:
			p.Histories, err = nil, dec.SkipValue()
		case strings.EqualFold(name, "histories"):
			err = jsonv2.UnmarshalDecode(dec, &p.Histories, decodeOptions)
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}
