package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	slackc "github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

type fakeDigests struct {
	mu  sync.Mutex
	got []rules.Digest
}

func (f *fakeDigests) DeliverDigest(_ context.Context, _ time.Time, d rules.Digest) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, d)
	return true, nil
}

// "A digest of 200 items is delivered as messages each within the limits
// you state" (issue 22): 200 Sanarise issues, all past their first
// response, make a digest (this package decides its content) that the
// Slack sender delivers to the strict simulator as several messages,
// each within connectors/slack's limits (50 blocks; 3,000 characters in a
// section; 10,000 characters of block text, under the 11,341 Slack was
// seen to refuse), listing every issue once.
func TestDigestOfTwoHundredIssuesDelivered(t *testing.T) {
	ctx := context.Background()
	var issues []rules.Issue
	for i := range 200 {
		key := fmt.Sprintf("SAN-%d", i+1)
		summary := fmt.Sprintf("Fatura toplamları yanlış & <PDF> dışa aktarımı bozuk — müşteri %d %s", i+1, strings.Repeat("ğüşiöç ", 25))
		issues = append(issues, rulestest.Issue(key, "High", "Bug", created, rulestest.ID(fmt.Sprint(i+1)),
			rulestest.Reporter("mehmet@client.com.tr"), rulestest.Summary(summary, "")))
	}
	w, p, f := newFakeWorker(t, false, issues...)
	digests := &fakeDigests{}
	w.cfg.Digests = digests
	dg, err := rules.NewDigest("0 9 * * *", rules.RungTeamLead, "#san-leads", p.Location)
	if err != nil {
		t.Fatal(err)
	}
	p.Digest = dg
	now := created.Add(48 * time.Hour) // Thursday 10:00 Istanbul, an hour into the day's period
	if _, err := w.Cycle(ctx, p.Product, now); err != nil {
		t.Fatal(err)
	}
	if len(f.esc.got) == 0 || len(digests.got) != 1 {
		t.Fatalf("%d steps, %d digests", len(f.esc.got), len(digests.got))
	}
	d := digests.got[0]
	if len(d.Items) < 200 || d.Breached == 0 {
		t.Fatalf("digest of %d items, %d breached: want every issue", len(d.Items), d.Breached)
	}

	sim := slacksim.NewServer(slacksim.WithToken("xoxb-test"), slacksim.WithChannel("CSAN", "#san-leads"))
	defer sim.Close()
	s := slackc.NewSender(slackc.NewClient("xoxb-test", slackc.ClientOptions{APIURL: sim.APIURL()}), nil)
	if _, _, err := s.PostDigest(ctx, "CSAN", outbox.DigestKey(d.Product, d.Period), d, nil); err != nil {
		t.Fatal(err)
	}
	msgs := sim.Messages("CSAN")
	seen := map[string]int{}
	for i, m := range msgs {
		var blocks []struct {
			Text struct {
				Text string `json:"text"`
			} `json:"text"`
		}
		if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, b := range blocks {
			n := len([]rune(b.Text.Text))
			total += n
			if n > 3000 {
				t.Errorf("message %d: a section of %d characters", i+1, n)
			}
		}
		if len(blocks) > 50 || total > 10000 {
			t.Errorf("message %d: %d blocks, %d characters of block text", i+1, len(blocks), total)
		}
		for _, b := range blocks[1:] {
			for _, is := range issues {
				if strings.Contains(b.Text.Text, "|"+is.Key+">") || strings.Contains(b.Text.Text, "*"+is.Key+"*") {
					seen[is.Key]++
				}
			}
		}
		t.Logf("message %d: %d blocks, %d characters of block text", i+1, len(blocks), total)
	}
	if len(msgs) < 2 {
		t.Errorf("%d messages for %d items", len(msgs), len(d.Items))
	}
	for _, is := range issues {
		if seen[is.Key] == 0 {
			t.Errorf("%s not in the digest's messages", is.Key)
		}
	}
}
