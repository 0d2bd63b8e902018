package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/slack-go/slack"
)

// The limits every message slabot posts or updates is held to, and where
// each comes from. Renderers stay inside them by construction (a digest
// is split into several messages: digest.go; a long field is shortened
// visibly, with "…", next to the link: clip); checkLimits refuses
// anything that would still pass one, before it reaches Slack, so
// nothing is ever cut silently by Slack or refused after the fact.
const (
	// maxBlocks: "You can include up to 50 blocks in each message"
	// (Slack's Block Kit reference,
	// https://docs.slack.dev/reference/block-kit/blocks).
	maxBlocks = 50
	// maxSectionText: a section's text, "Maximum length for the text in
	// this field is 3000 characters"; the same bound holds for any text
	// object (https://docs.slack.dev/reference/block-kit/blocks/section-block,
	// .../composition-objects/text-object).
	maxSectionText = 3000
	// maxFieldText, maxFields: a section's fields, "Maximum number of
	// items is 10. Maximum length for the text in each item is 2000
	// characters" (section block reference).
	maxFieldText = 2000
	maxFields    = 10
	// maxContextElements: a context block's elements, "Maximum number of
	// items is 10" (https://docs.slack.dev/reference/block-kit/blocks/context-block).
	maxContextElements = 10
	// maxFallbackText: the text field; Slack truncates a message "longer
	// than 40,000 characters" (Slack changelog, "Truncating really long
	// messages", https://api.slack.com/changelog/2018-04-truncating-really-long-messages).
	maxFallbackText = 40000
	// maxBlockText is slabot's own budget for the text of all blocks of
	// one message together. Slack documents no such total, yet answers
	// msg_blocks_too_long beyond one: the smallest total reported refused
	// is 11,341 characters, counted as the sum of every "text" string in
	// the blocks (slackapi/bolt-js issue #2867, 2026; #2509 found about
	// 13,200 with markdown blocks). 10,000 leaves over a thousand
	// characters below the lowest observed refusal, for what that count
	// leaves out (block containers, by a Slack engineer's word in #2509).
	maxBlockText = 10000
)

// LimitError is a message slabot built beyond a limit above: a bug in
// slabot (a renderer that did not split or shorten), refused before
// posting. Retrying cannot help, so it needs a person: report it.
type LimitError struct {
	Problems []string
}

func (e *LimitError) Error() string {
	return "slack: slabot built a message beyond Slack's limits, not posted (report this as a bug): " + strings.Join(e.Problems, "; ")
}

// NeedsPerson is true: only a fixed slabot posts it.
func (e *LimitError) NeedsPerson() bool { return true }

// ErrorCode is "over_limits".
func (e *LimitError) ErrorCode() string { return "over_limits" }

// checkLimits lists every limit m passes (nil: within all of them).
func checkLimits(m Outgoing) error {
	var problems []string
	if n := length(m.Text); n > maxFallbackText {
		problems = append(problems, fmt.Sprintf("text of %d characters (Slack truncates beyond %d)", n, maxFallbackText))
	}
	if len(m.Blocks) > maxBlocks {
		problems = append(problems, fmt.Sprintf("%d blocks (at most %d)", len(m.Blocks), maxBlocks))
	}
	for i, b := range m.Blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text != nil && length(b.Text.Text) > maxSectionText {
				problems = append(problems, fmt.Sprintf("block %d: section text of %d characters (at most %d)", i, length(b.Text.Text), maxSectionText))
			}
			if len(b.Fields) > maxFields {
				problems = append(problems, fmt.Sprintf("block %d: %d fields (at most %d)", i, len(b.Fields), maxFields))
			}
			for j, f := range b.Fields {
				if length(f.Text) > maxFieldText {
					problems = append(problems, fmt.Sprintf("block %d: field %d of %d characters (at most %d)", i, j, length(f.Text), maxFieldText))
				}
			}
		case *slack.ContextBlock:
			if n := len(b.ContextElements.Elements); n > maxContextElements {
				problems = append(problems, fmt.Sprintf("block %d: %d context elements (at most %d)", i, n, maxContextElements))
			}
			for _, el := range b.ContextElements.Elements {
				if t, ok := el.(*slack.TextBlockObject); ok && length(t.Text) > maxSectionText {
					problems = append(problems, fmt.Sprintf("block %d: context text of %d characters (at most %d)", i, length(t.Text), maxSectionText))
				}
			}
		}
	}
	if n := blockText(m.Blocks); n > maxBlockText {
		problems = append(problems, fmt.Sprintf("%d characters of block text (slabot's budget %d; Slack answered msg_blocks_too_long from 11,341)", n, maxBlockText))
	}
	if len(problems) > 0 {
		return &LimitError{Problems: problems}
	}
	return nil
}

// blockText is the length of every "text" string in the blocks as Slack
// receives them, the count the msg_blocks_too_long reports use.
func blockText(blocks []slack.Block) int {
	if len(blocks) == 0 {
		return 0
	}
	b, err := json.Marshal(blocks)
	if err != nil {
		return 0 // slack-go's own encoding fails the post with a clear error
	}
	var v any
	_ = json.Unmarshal(b, &v)
	return textIn(v)
}

func textIn(v any) int {
	n := 0
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "text" {
				n += length(s)
				continue
			}
			n += textIn(e)
		}
	case []any:
		for _, e := range x {
			n += textIn(e)
		}
	}
	return n
}

// length counts s in UTF-16 code units, as the JavaScript measurements
// behind the reported totals count: Slack does not say how it counts a
// "character", and this is the larger of the usual counts (an emoji
// outside the Basic Multilingual Plane counts two), so within it is
// within a count in runes too.
func length(s string) int { return len(utf16.Encode([]rune(s))) }
