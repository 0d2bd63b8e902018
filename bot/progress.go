package bot

import (
	"log/slog"
	"sync"
	"time"
)

// ProgressMin is how many issue writes a cycle must have before it logs
// its progress: a first sync (or a policy change touching every issue) is
// long enough to need it, a steady cycle's few writes are not.
const ProgressMin = 100

// ProgressEvery is how often a long write pass logs its progress.
const ProgressEvery = 10 * time.Second

// writeProgress logs "n of N issues written" with the rate and the time
// left while a cycle writes many issues (issue 25: "a first sync shows no
// progress"). Wall time: the rate is Jira's, whatever clock the cycle
// judges by.
type writeProgress struct {
	log     *slog.Logger
	product string
	total   int
	start   time.Time
	mu      sync.Mutex
	done    int
	last    time.Time
}

func newWriteProgress(log *slog.Logger, product string, total int, start time.Time) *writeProgress {
	return &writeProgress{log: log, product: product, total: total, start: start, last: start}
}

// step counts one issue done at now and logs when ProgressEvery passed
// since the last line.
func (p *writeProgress) step(now time.Time) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.done++
	due := now.Sub(p.last) >= ProgressEvery && p.done < p.total
	if due {
		p.last = now
	}
	done := p.done
	p.mu.Unlock()
	if due {
		rate, left := progressRate(done, p.total, now.Sub(p.start))
		p.log.Info("writing issues", "product", p.product, "done", done, "of", p.total,
			"per_second", rate, "left", left)
	}
}

// progressRate is the rate of a pass that did done of total in elapsed,
// in issues a second (one decimal), and the time left at that rate
// (rounded to the second; zero before the first issue).
func progressRate(done, total int, elapsed time.Duration) (perSecond float64, left time.Duration) {
	if done <= 0 || elapsed <= 0 {
		return 0, 0
	}
	per := float64(done) / elapsed.Seconds()
	left = time.Duration(float64(total-done) / per * float64(time.Second)).Round(time.Second)
	return float64(int(per*10+0.5)) / 10, left
}
