package slack_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// A ladder message whose Jira values are as long as Jira lets them be (a
// 255-character summary, a paragraph custom field of 32,767 characters
// as the customer, long plan, priority and assignee names, all full of
// characters escaping lengthens) stays within Slack's limits: the strict
// simulator takes it, and every shortened value says so with "…" in a
// message whose header links the issue.
func TestLadderMessageWithLongValuesWithinLimits(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("C1", "#support"))
	defer sim.Close()
	s := slackc.NewSender(slackc.NewClient("xoxb-test", slackc.ClientOptions{APIURL: sim.APIURL()}), nil)
	e := esc("SUP-1", 1, "agent", rules.Recipient{AssigneeName: strings.Repeat("Łukasz <&> ", 100), FallbackChannel: "C1"})
	e.Summary = strings.Repeat("<&>", 85)
	e.Customer = strings.Repeat("&", 32767)
	e.Plan, e.Priority = strings.Repeat("Gold & <Platinum> ", 300), strings.Repeat("P1 <urgent> ", 50)
	_, ts, err := s.Post(context.Background(), "C1", "", rules.Message{Key: "k1", Notice: e,
		Route: rules.Route{Channel: "C1", Fallback: true, Why: "no Slack user for the assignee"}, Status: rules.ThreadStatus{ThisLevel: 1}})
	if err != nil {
		t.Fatal(err)
	}
	m := sim.Messages("C1")[0]
	if m.TS != ts {
		t.Fatalf("ts %s, message %s", ts, m.TS)
	}
	var blocks []any
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	total, longest := blockTexts(blocks)
	if len(blocks) > limitBlocks || total > limitBlockText || longest > 2000 {
		t.Errorf("%d blocks, %d characters of block text, longest text %d", len(blocks), total, longest)
	}
	if n := strings.Count(string(m.Blocks), "…"); n < 4 {
		t.Errorf("%d values marked shortened, want customer, plan, priority and assignee: %s", n, m.Blocks)
	}
	header, _ := blocks[0].(map[string]any)["text"].(map[string]any)["text"].(string)
	if !strings.Contains(header, "<https://acme.atlassian.net/browse/SUP-1|SUP-1>") {
		t.Errorf("no link to the issue: %s", header)
	}
}
