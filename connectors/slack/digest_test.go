package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// The limits stated in connectors/slack/limits.go, each with its source.
const (
	limitBlocks      = 50    // Block Kit reference: "up to 50 blocks in each message"
	limitSectionText = 3000  // section block: "Maximum length for the text in this field is 3000 characters"
	limitBlockText   = 10000 // slabot's budget, under the 11,341 Slack refused (slackapi/bolt-js #2867)
	limitText        = 40000 // Slack's changelog: text truncated beyond 40,000 characters
)

// bigDigest is a digest of n goals as untidy as a real site's: summaries
// at Jira's 255 characters full of characters escaping lengthens,
// non-ASCII names, long goal titles, levels and acknowledgements.
func bigDigest(n int) rules.Digest {
	d := rules.Digest{Product: "Botron Support", Period: "2026-11-02T09:00:00+01:00", Title: "Botron Support, Mon 2 Nov 2026 09:00 CET",
		Channel: "CLEAD", DueAt: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	for i := range n {
		state := "at risk"
		if i%3 == 0 {
			state = "breached"
			d.Breached++
		} else {
			d.AtRisk++
		}
		sum := fmt.Sprintf("SUP-%d: Ошибка <billing> & \"invoices\" 💥 %s", i+1, strings.Repeat("R&D <export> ", 30))[:255]
		it := rules.DigestItem{Key: fmt.Sprintf("SUP-%d", i+1), URL: fmt.Sprintf("https://botron.atlassian.net/browse/SUP-%d", i+1),
			Summary: sum, Goal: "Time to first response (business hours, Europe/Sofia calendar)", State: state,
			Deadline: "Tue 3 Nov 14:30 EET", Owner: "Zoë Åkesson-Łukasiewicz", Level: i % 4}
		if i%5 == 0 {
			it.AckBy = "U0LEA"
		}
		d.Items = append(d.Items, it)
	}
	return d
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// blockTexts sums every "text" string in a message's blocks.
func blockTexts(v any) (total int, longest int) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "text" {
				total += utf16Len(s)
				longest = max(longest, utf16Len(s))
				continue
			}
			t, l := blockTexts(e)
			total, longest = total+t, max(longest, l)
		}
	case []any:
		for _, e := range x {
			t, l := blockTexts(e)
			total, longest = total+t, max(longest, l)
		}
	}
	return total, longest
}

func digestEnv(t *testing.T) (*slacksim.Server, *slackc.Sender) {
	t.Helper()
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("CLEAD", "#botron-leads"))
	t.Cleanup(sim.Close)
	return sim, slackc.NewSender(slackc.NewClient("xoxb-test", slackc.ClientOptions{APIURL: sim.APIURL()}), nil)
}

// keysIn lists the digest items' keys in the order the channel shows
// them, message by message.
func keysIn(t *testing.T, msgs []slacksim.Message) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		var blocks []map[string]any
		if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks[1:] {
			txt, _ := b["text"].(map[string]any)
			s, _ := txt["text"].(string)
			if i := strings.Index(s, "|SUP-"); i >= 0 {
				out = append(out, s[i+1:i+1+strings.Index(s[i+1:], ">")])
			}
		}
	}
	return out
}

// "A digest of 200 items is delivered as messages each within the limits
// you state" (issue 22): the strict simulator takes every part, each part
// keeps the limits of limits.go, every item appears exactly once and in
// order, a shortened summary shows "…", and the last part carries the
// row's key (what the outbox's look-up of an uncertain post finds).
func TestDigestOfTwoHundredItemsWithinLimits(t *testing.T) {
	sim, s := digestEnv(t)
	d := bigDigest(200)
	ch, ts, err := s.PostDigest(context.Background(), "CLEAD", "digest|Botron Support|2026-11-02", d, nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs := sim.Messages("CLEAD")
	if len(msgs) < 2 {
		t.Fatalf("%d messages for 200 items", len(msgs))
	}
	if ch != "CLEAD" || ts != msgs[len(msgs)-1].TS {
		t.Errorf("PostDigest returned %s %s, want the last part %s", ch, ts, msgs[len(msgs)-1].TS)
	}
	for i, m := range msgs {
		var blocks []any
		if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
			t.Fatal(err)
		}
		total, longest := blockTexts(blocks)
		t.Logf("part %d: %d blocks, %d characters of block text, longest text %d, fallback %d", i+1, len(blocks), total, longest, utf16Len(m.Text))
		if len(blocks) > limitBlocks || total > limitBlockText || longest > limitSectionText || utf16Len(m.Text) > limitText {
			t.Errorf("part %d beyond the limits: %d blocks, %d block text, longest %d, text %d", i+1, len(blocks), total, longest, utf16Len(m.Text))
		}
		header := fmt.Sprintf("part %d of %d", i+1, len(msgs))
		if b, _ := json.Marshal(blocks[0]); !strings.Contains(string(b), header) || !strings.Contains(m.Text, header) {
			t.Errorf("part %d does not say %q: %s / %s", i+1, header, b, m.Text)
		}
		wantKey := fmt.Sprintf("digest|Botron Support|2026-11-02|part %d", i+1)
		if i == len(msgs)-1 {
			wantKey = "digest|Botron Support|2026-11-02"
		}
		if m.Metadata == nil || m.Metadata.EventPayload["key"] != wantKey {
			t.Errorf("part %d metadata %+v, want key %q", i+1, m.Metadata, wantKey)
		}
	}
	got := keysIn(t, msgs)
	if len(got) != 200 {
		t.Fatalf("%d items delivered, want 200", len(got))
	}
	for i, k := range got {
		if k != d.Items[i].Key {
			t.Fatalf("item %d is %s, want %s (order kept, none twice)", i, k, d.Items[i].Key)
		}
	}
	if !strings.Contains(string(msgs[0].Blocks), "…") {
		t.Error("a 255-character summary was shortened without a visible …")
	}
	if n := len(sim.Calls("chat.postMessage")); n != len(msgs) {
		t.Errorf("%d posts for %d messages", n, len(msgs))
	}
}

// A digest that fits is one message with the row's key, as before.
func TestSmallDigestIsOneMessage(t *testing.T) {
	sim, s := digestEnv(t)
	if _, _, err := s.PostDigest(context.Background(), "CLEAD", "digest|k", bigDigest(3), nil); err != nil {
		t.Fatal(err)
	}
	msgs := sim.Messages("CLEAD")
	if len(msgs) != 1 || msgs[0].Metadata.EventPayload["key"] != "digest|k" || strings.Contains(msgs[0].Text, "part") {
		t.Fatalf("messages %+v", msgs)
	}
	if n := len(sim.Calls("conversations.history")); n != 0 {
		t.Errorf("a one-message digest looked in history %d times", n)
	}
}

// A post interrupted after some parts (a 429, a connection dropped after
// Slack took the part) is resumed by the next attempt: the parts already
// there are found by their keys, the others posted, none twice.
func TestDigestResumesWithoutDuplicates(t *testing.T) {
	for _, kind := range []slacksim.FaultKind{slacksim.RateLimit, slacksim.DropAfterAccept} {
		t.Run(kind.String(), func(t *testing.T) {
			sim, s := digestEnv(t)
			ctx := context.Background()
			d := bigDigest(200)
			// The first attempt's third post fails.
			sim.Inject(slacksim.Fault{Kind: kind, Method: "chat.postMessage", After: 2, RetryAfter: time.Second})
			if _, _, err := s.PostDigest(ctx, "CLEAD", "digest|k", d, nil); err == nil {
				t.Fatal("interrupted post succeeded")
			}
			before := len(sim.Messages("CLEAD"))
			if _, _, err := s.PostDigest(ctx, "CLEAD", "digest|k", d, nil); err != nil {
				t.Fatal(err)
			}
			msgs := sim.Messages("CLEAD")
			got := keysIn(t, msgs)
			seen := map[string]int{}
			for _, k := range got {
				seen[k]++
			}
			for _, it := range d.Items {
				if seen[it.Key] != 1 {
					t.Errorf("%s delivered %d times", it.Key, seen[it.Key])
				}
			}
			t.Logf("%d parts before the resume, %d after", before, len(msgs))
			if last := msgs[len(msgs)-1]; last.Metadata.EventPayload["key"] != "digest|k" {
				t.Errorf("last message carries %v, want the row's key", last.Metadata.EventPayload["key"])
			}
		})
	}
}

// A message beyond a limit never reaches Slack: the client refuses it
// with an error that needs a person (a slabot bug), naming the limit.
func TestMessageBeyondLimitsNotPosted(t *testing.T) {
	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("C1", "#support"))
	defer sim.Close()
	c := slackc.NewClient("xoxb-test", slackc.ClientOptions{APIURL: sim.APIURL()})
	out := slackc.RenderDigest(bigDigest(200))[0]
	out.Blocks = append(out.Blocks, slackc.RenderDigest(bigDigest(200))[1].Blocks...)
	_, _, err := c.Post(context.Background(), "C1", "", out)
	var le *slackc.LimitError
	if !errors.As(err, &le) || !le.NeedsPerson() || !strings.Contains(err.Error(), "blocks") {
		t.Fatalf("over-long message: %v", err)
	}
	if n := len(sim.Calls("chat.postMessage")); n != 0 {
		t.Errorf("%d posts reached Slack", n)
	}
}

// The parts of a digest keep the channel's pace: "chat.postMessage
// generally allows posting one message per second per channel" (Slack,
// Rate limits). pace is called before every part after the first, after
// the previous part was posted, and an error from it (the context ended)
// stops the post with nothing more sent.
func TestDigestPartsArePaced(t *testing.T) {
	sim, s := digestEnv(t)
	var at []int // posts made when pace was called
	pace := func(context.Context) error {
		at = append(at, len(sim.Calls("chat.postMessage")))
		return nil
	}
	if _, _, err := s.PostDigest(context.Background(), "CLEAD", "digest|k", bigDigest(200), pace); err != nil {
		t.Fatal(err)
	}
	n := len(sim.Messages("CLEAD"))
	if n < 2 || len(at) != n-1 {
		t.Fatalf("%d parts, pace called %d times (%v), want one call between each two", n, len(at), at)
	}
	for i, posts := range at {
		if posts != i+1 {
			t.Errorf("pace call %d came after %d posts, want %d", i+1, posts, i+1)
		}
	}

	sim2, s2 := digestEnv(t)
	stop := errors.New("context ended")
	calls := 0
	_, _, err := s2.PostDigest(context.Background(), "CLEAD", "digest|k", bigDigest(200), func(context.Context) error {
		if calls++; calls == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(sim2.Messages("CLEAD")) != 2 {
		t.Errorf("pace refused the third part: err %v, %d parts posted, want 2", err, len(sim2.Messages("CLEAD")))
	}
}
