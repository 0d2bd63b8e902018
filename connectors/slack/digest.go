package slack

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/slabot/slabot/rules"
)

// maxDigestItems keeps a digest inside Slack's 50 blocks.
const maxDigestItems = 40

// PostDigest posts a digest tagged with key (outbox.Sender's optional
// digest method): the counts at the top, then one line per issue.
func (s *Sender) PostDigest(ctx context.Context, channel, key string, d rules.Digest) (string, string, error) {
	out := RenderDigest(d)
	out.Key = key
	return s.client.Post(ctx, channel, "", out)
}

// RenderDigest builds a digest's blocks and fallback text. Summaries and
// names are escaped like every customer- or agent-controlled text.
func RenderDigest(d rules.Digest) Outgoing {
	counts := fmt.Sprintf("*%d breached* · *%d at risk*", d.Breached, d.AtRisk)
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(":bar_chart: *SLA digest — "+esc(d.Title)+"*\n"+counts), nil, nil),
	}
	var text strings.Builder
	fmt.Fprintf(&text, "SLA digest %s: %d breached, %d at risk", esc(d.Title), d.Breached, d.AtRisk)
	if len(d.Items) == 0 {
		blocks = append(blocks, slack.NewContextBlock("none", mrkdwn(":white_check_mark: Nothing at risk or breached.")))
	}
	for i, it := range d.Items {
		if i == maxDigestItems {
			blocks = append(blocks, slack.NewContextBlock("more", mrkdwn(fmt.Sprintf("… and %d more.", len(d.Items)-i))))
			break
		}
		emoji := ":large_orange_circle:"
		if it.State == rules.WordBreached {
			emoji = ":red_circle:"
		}
		line := fmt.Sprintf("%s %s %s\n%s *%s* · due %s · %s", emoji, digestLink(it), esc(clip(it.Summary, 150)),
			esc(it.Goal), esc(it.State), esc(it.Deadline), esc(it.Owner))
		if it.Level > 0 {
			line += fmt.Sprintf(" · level %d", it.Level)
		}
		if it.AckBy != "" {
			line += " · acknowledged by " + mention(it.AckBy)
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(line), nil, nil))
		if i < 5 {
			fmt.Fprintf(&text, "; %s %s", esc(it.Key), esc(it.State))
		}
	}
	return Outgoing{Text: text.String(), Blocks: blocks}
}

func digestLink(it rules.DigestItem) string {
	return issueLink(rules.Notice{IssueKey: it.Key, IssueURL: it.URL})
}
