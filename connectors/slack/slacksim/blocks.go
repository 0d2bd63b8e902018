package slacksim

import (
	"encoding/json"
	"fmt"
	"unicode/utf16"
)

// Block Kit limits a posted or updated message must keep, and how Slack
// refuses one that does not. Documented (Slack's Block Kit reference,
// https://docs.slack.dev/reference/block-kit/blocks):
//
//   - "You can include up to 50 blocks in each message";
//   - a section block's text: "Maximum length for the text in this field
//     is 3000 characters"; its fields: "Maximum number of items is 10.
//     Maximum length for the text in each item is 2000 characters"
//     (https://docs.slack.dev/reference/block-kit/blocks/section-block);
//   - a context block: "Maximum number of items is 10"
//     (https://docs.slack.dev/reference/block-kit/blocks/context-block).
//
// A block beyond them answers invalid_blocks with an errors list naming
// the place, the form Slack uses ("must be less than 3001 characters
// [json-pointer:/blocks/0/text/text]").
//
// Not documented: a total. Slack answers msg_blocks_too_long to messages
// whose blocks are each within their limits but whose text adds up to
// too much. The smallest total publicly reported refused is 11,341
// characters, counted as the sum of every "text" string in the blocks
// (slackapi/bolt-js issue #2867, April 2026: rich_text, section, header
// and divider blocks; "It reported 11,341 ... yet Slack still rejected
// with msg_blocks_too_long"); issue #2509 (April 2025) found markdown
// blocks refused above 13,297 and 13,172 with a divider added, and a
// Slack engineer there spoke of "12,000 text characters with a buffer for
// block containers". slacksim refuses from the lowest observed figure
// (MaxBlockText + 1), counted the same way (UTF-16 code units, as the
// JavaScript measurement counts), so whatever slabot posts here stayed
// under every total Slack is known to have refused.
const (
	MaxBlocks       = 50
	MaxSectionText  = 3000
	MaxSectionField = 2000
	MaxFields       = 10
	MaxContextItems = 10
	// MaxBlockText is the most block text slacksim accepts in one
	// message: one less than the smallest total reported refused
	// (observed, not documented).
	MaxBlockText = 11340
)

// blockProblems checks blocks against the documented limits, returning
// Slack's error strings (empty: within them).
func blockProblems(arr []map[string]any) []string {
	var errs []string
	if len(arr) > MaxBlocks {
		errs = append(errs, fmt.Sprintf("no more than %d items allowed [json-pointer:/blocks]", MaxBlocks))
	}
	for i, blk := range arr {
		switch blk["type"] {
		case "section":
			if txt, ok := blk["text"].(map[string]any); ok {
				if t, _ := txt["text"].(string); length(t) > MaxSectionText {
					errs = append(errs, fmt.Sprintf("must be less than %d characters [json-pointer:/blocks/%d/text/text]", MaxSectionText+1, i))
				}
			}
			fields, _ := blk["fields"].([]any)
			if len(fields) > MaxFields {
				errs = append(errs, fmt.Sprintf("no more than %d items allowed [json-pointer:/blocks/%d/fields]", MaxFields, i))
			}
			for j, f := range fields {
				fm, _ := f.(map[string]any)
				if t, _ := fm["text"].(string); length(t) > MaxSectionField {
					errs = append(errs, fmt.Sprintf("must be less than %d characters [json-pointer:/blocks/%d/fields/%d/text]", MaxSectionField+1, i, j))
				}
			}
		case "context":
			if els, _ := blk["elements"].([]any); len(els) > MaxContextItems {
				errs = append(errs, fmt.Sprintf("no more than %d items allowed [json-pointer:/blocks/%d/elements]", MaxContextItems, i))
			}
		}
	}
	return errs
}

// blockText is the total length of every "text" string in the blocks,
// as the msg_blocks_too_long reports measure it.
func blockText(v any) int {
	n := 0
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "text" {
				n += length(s)
				continue
			}
			n += blockText(e)
		}
	case []any:
		for _, e := range x {
			n += blockText(e)
		}
	}
	return n
}

// length counts s in UTF-16 code units.
func length(s string) int { return len(utf16.Encode([]rune(s))) }

// checkBlocks validates a blocks parameter: it returns the decoded
// blocks, or Slack's answer refusing them.
func checkBlocks(raw string) (json.RawMessage, *answer) {
	var arr []map[string]any
	if json.Unmarshal([]byte(raw), &arr) != nil {
		a := fail("invalid_blocks_format")
		return nil, &a
	}
	errs := blockProblems(arr)
	actionIDs := map[string]bool{}
	for i, blk := range arr {
		if t, _ := blk["type"].(string); t == "" {
			errs = append(errs, fmt.Sprintf("missing required field: type [json-pointer:/blocks/%d]", i))
		} else if t == "actions" && !validActions(blk, actionIDs) {
			errs = append(errs, fmt.Sprintf("invalid actions block [json-pointer:/blocks/%d]", i))
		}
	}
	if len(errs) > 0 {
		a := fail("invalid_blocks")
		a.body["errors"] = errs
		return nil, &a
	}
	var all []any
	_ = json.Unmarshal([]byte(raw), &all)
	if blockText(all) > MaxBlockText {
		a := fail("msg_blocks_too_long")
		return nil, &a
	}
	return json.RawMessage(raw), nil
}
