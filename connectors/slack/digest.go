package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/slabot/slabot/rules"
)

// A digest lists every goal at risk or breached, however many: one
// message when it fits Slack's limits (limits.go), otherwise several
// messages in the channel, "part 1 of 4" ... "part 4 of 4", each within
// them, in the digest's order (breached first, then by deadline). Nothing
// is left out; a summary is shortened to digestSummary characters with a
// visible "…" next to the issue's link.
//
// Each part carries its own key as metadata ("KEY|part 1", ...); the last
// part carries the digest row's key itself, so finding the row's key in
// the channel (the outbox's look-up of an uncertain post) means every
// part is there. A post interrupted after some parts (a 429, a dropped
// connection, a crash) resumes: PostDigest first looks in the channel for
// the parts already posted and posts only the others.

// digestSummary bounds an issue's summary in a digest line; the whole
// summary is one click away on the linked issue.
const digestSummary = 150

// digestName bounds a goal's title and an owner's name in a digest line.
const digestName = 80

// digestLookback widens the search for parts already posted to before
// the period began, for a host clock ahead of Slack's.
const digestLookback = time.Hour

// PostDigest posts a digest tagged with key (outbox.Sender's optional
// digest method), as one message or several (RenderDigest), skipping the
// parts an interrupted earlier attempt already posted. Before each part
// after the first it posts, it calls pace (when not nil): "chat.postMessage
// generally allows posting one message per second per channel" (Slack,
// Rate limits, https://api.slack.com/docs/rate-limits), and the outbox's
// per-channel pacer keeps to it, so a digest of ten parts is not ten
// posts in a burst. It returns the channel
// and the ts of the message carrying key (the last part).
func (s *Sender) PostDigest(ctx context.Context, channel, key string, d rules.Digest, pace func(context.Context) error) (string, string, error) {
	parts := RenderDigest(d)
	keys := make([]string, len(parts))
	for i := range parts {
		keys[i] = digestPartKey(key, i, len(parts))
	}
	posted := map[string]string{}
	if len(parts) > 1 {
		oldest := time.Time{}
		if !d.DueAt.IsZero() {
			oldest = d.DueAt.Add(-digestLookback)
		}
		var err error
		if posted, err = s.client.findKeys(ctx, channel, oldest, keys); err != nil {
			return "", "", err
		}
	}
	ch, ts := channel, ""
	sent := 0
	for i, p := range parts {
		p.Key = keys[i]
		if t, ok := posted[p.Key]; ok {
			ts = t
			continue
		}
		if sent > 0 && pace != nil {
			if err := pace(ctx); err != nil {
				return "", "", err
			}
		}
		sent++
		c, t, err := s.client.Post(ctx, channel, "", p)
		if err != nil {
			return "", "", err
		}
		ch, ts = c, t
	}
	return ch, ts, nil
}

// digestPartKey is part i's key (0-based) of n: the last is the row's
// key itself.
func digestPartKey(key string, i, n int) string {
	if i == n-1 {
		return key
	}
	return fmt.Sprintf("%s|part %d", key, i+1)
}

// RenderDigest builds a digest's messages: the counts at the top of the
// first, then one section per issue goal, as many messages as Slack's
// limits need (at most maxBlocks blocks and maxBlockText characters of
// block text each). Summaries and names are escaped like every customer-
// or agent-controlled text.
func RenderDigest(d rules.Digest) []Outgoing {
	lines := make([]string, len(d.Items))
	for i, it := range d.Items {
		lines[i] = digestLine(it)
	}
	// The header's length grows with the part numbers: reserve the
	// longest it can be, with as many parts as there are items.
	reserve := length(digestHeader(d, len(d.Items)+1, len(d.Items)+1))
	var groups [][]string
	var cur []string
	used := reserve
	for _, l := range lines {
		if len(cur) > 0 && (len(cur)+1 >= maxBlocks || used+length(l) > maxBlockText) {
			groups = append(groups, cur)
			cur, used = nil, reserve
		}
		cur = append(cur, l)
		used += length(l)
	}
	groups = append(groups, cur)

	out := make([]Outgoing, len(groups))
	first := 0
	for g, group := range groups {
		n := len(groups)
		blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(digestHeader(d, g+1, n)), nil, nil)}
		if len(d.Items) == 0 {
			blocks = append(blocks, slack.NewContextBlock("none", mrkdwn(":white_check_mark: Nothing at risk or breached.")))
		}
		for _, l := range group {
			blocks = append(blocks, slack.NewSectionBlock(mrkdwn(l), nil, nil))
		}
		out[g] = Outgoing{Text: digestFallback(d, g+1, n, first, first+len(group)), Blocks: blocks}
		first += len(group)
	}
	return out
}

// digestHeader is part's first block: the title and counts, and which
// part of how many when there are several.
func digestHeader(d rules.Digest, part, parts int) string {
	h := ":bar_chart: *SLA digest — " + esc(d.Title) + "*"
	if parts > 1 {
		h += fmt.Sprintf(" · part %d of %d", part, parts)
	}
	return h + fmt.Sprintf("\n*%d breached* · *%d at risk*", d.Breached, d.AtRisk)
}

// digestFallback is a part's notification text: the counts, and the
// first few issues of the part (items from..to of the digest).
func digestFallback(d rules.Digest, part, parts, from, to int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SLA digest %s: %d breached, %d at risk", esc(d.Title), d.Breached, d.AtRisk)
	if parts > 1 {
		fmt.Fprintf(&b, " (part %d of %d: items %d to %d)", part, parts, from+1, to)
	}
	for i := from; i < to && i < from+5; i++ {
		fmt.Fprintf(&b, "; %s %s", esc(d.Items[i].Key), esc(d.Items[i].State))
	}
	return b.String()
}

// digestLine is one issue goal's section text.
func digestLine(it rules.DigestItem) string {
	emoji := ":large_orange_circle:"
	if it.State == "breached" {
		emoji = ":red_circle:"
	}
	line := fmt.Sprintf("%s %s %s\n%s *%s* · due %s · %s", emoji, digestLink(it), esc(clip(it.Summary, digestSummary)),
		esc(clip(it.Goal, digestName)), esc(it.State), esc(it.Deadline), esc(clip(it.Owner, digestName)))
	if it.Level > 0 {
		line += fmt.Sprintf(" · level %d", it.Level)
	}
	if it.AckBy != "" {
		line += " · acknowledged by " + mention(it.AckBy)
	}
	return line
}

func digestLink(it rules.DigestItem) string {
	return issueLink(rules.Notice{IssueKey: it.Key, IssueURL: it.URL})
}
