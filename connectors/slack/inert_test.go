package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// "Escape every customer- or agent-controlled string for mrkdwn (&, <, >),
// in blocks and in the fallback text (mobile notifications show only the
// fallback)." (DESIGN.md, connectors/slack). A summary, customer, plan,
// priority or assignee name written to trigger a mention or a disguised
// link reaches Slack inert, in both places, over the real client.
func TestCustomerTextIsInert(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("C1", "#support"))
	defer sim.Close()
	s := slackc.NewSender(slackc.NewClient("xoxb-test", slackc.ClientOptions{APIURL: sim.APIURL()}), nil)

	hostile := "<!channel> ping <@U123> <!subteam^S1> see <https://evil.example/sso|Reset your SSO> & @here"
	e := esc("SUP-1", 1, "agent", rules.Recipient{AssigneeName: "Mallory <!everyone>", FallbackChannel: "C1"})
	e.Summary, e.Customer, e.Plan, e.Priority = hostile, "Acme <@U999>", "Gold <!here>", "High <#C42>"
	_, ts, err := s.Post(context.Background(), "C1", "", rules.Message{Key: "k1", Notice: e,
		Route: rules.Route{Channel: "C1", Fallback: true, Why: "no Slack user for <@U7>"}, Status: rules.ThreadStatus{ThisLevel: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var got slacksim.Message
	for _, m := range sim.Messages("C1") {
		if m.TS == ts {
			got = m
		}
	}
	// Every text the client will parse: the fallback and each mrkdwn object.
	texts := map[string]string{"fallback text": got.Text}
	var blocks []map[string]any
	if err := json.Unmarshal(got.Blocks, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	walkText(blocks, func(path string, obj map[string]any) {
		texts[path] = obj["text"].(string)
		if obj["type"] == "mrkdwn" && obj["verbatim"] != true {
			t.Errorf("%s is not verbatim: Slack would turn bare @here or #channel words into mentions", path)
		}
	})
	// Our own tokens are the issue link and date tokens; any other <...>
	// is a control sequence someone smuggled in.
	own := regexp.MustCompile(`^<(https://acme\.atlassian\.net/browse/SUP-1\|SUP-1|!date\^[0-9]+\^\{date_short_pretty\} \{time\}\|[^<>]*)>$`)
	tokens := regexp.MustCompile(`<[^>]*>`)
	for where, text := range texts {
		for _, tok := range tokens.FindAllString(text, -1) {
			if !own.MatchString(tok) {
				t.Errorf("%s carries a live control sequence %q:\n%s", where, tok, text)
			}
		}
	}
	for _, want := range []string{"&lt;!channel&gt;", "&lt;@U123&gt;", "&lt;https://evil.example/sso|Reset your SSO&gt; &amp;", "Mallory &lt;!everyone&gt;"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("fallback text lacks %q: %s", want, got.Text)
		}
	}
}

// walkText calls f for every text object (a map with "type" and "text").
func walkText(v any, f func(path string, obj map[string]any)) {
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["text"].(string); ok {
				f(path, x)
			}
			for k, c := range x {
				walk(path+"."+k, c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), c)
			}
		}
	}
	var root []any
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &root)
	walk("blocks", root)
}
