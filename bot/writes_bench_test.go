package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// BenchmarkFirstSyncWrites is the first cycle over 200 new Sanarise issues
// when every Jira request takes 50 ms more (Fault.Latency, wall time):
// each issue needs its SLA fields written once, one PUT each. in-flight=1
// is the previous release's way (one write at a time); the default writes
// bot.DefaultWriteConcurrency issues at once, the Jira client pacing them.
func BenchmarkFirstSyncWrites(b *testing.B) {
	t0 := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	for _, n := range []int{1, bot.DefaultWriteConcurrency} {
		b.Run(fmt.Sprintf("in-flight=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				b.StopTimer()
				s := newSanSite(b, t0, time.Hour, func(jc *jira.Config, bc *bot.Config) { jc.WriteConcurrency, bc.WriteConcurrency = n, n })
				for i := range 200 {
					s.create("Cannot Access Website/Database", t0.Add(-time.Duration(i+1)*time.Minute))
				}
				s.jsim.InjectFault(jirasim.Fault{Path: "/rest/*", Latency: 50 * time.Millisecond})
				b.StartTimer()
				st, err := s.w.Cycle(context.Background(), s.p.Product, t0)
				b.StopTimer()
				if err != nil || st.Writes != 200 || st.WriteErrors != 0 {
					b.Fatalf("cycle: %+v, %v", st, err)
				}
				b.StartTimer()
			}
		})
	}
}
