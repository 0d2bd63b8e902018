package report

import (
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 < p <= 100) of values by the
// nearest-rank method: sort the n values ascending and take the value of
// rank ceil(p/100 * n), counting ranks from 1. The result is always one of
// the observed values, never an interpolation, so a customer can find the
// issue behind every figure; the median (p = 50) of an even count is the
// lower of the two middle values. Ranks are computed in integers, so no
// rounding of p/100 can move them. It returns 0 for no values. values is
// not modified.
func Percentile(values []time.Duration, p int) time.Duration {
	n := len(values)
	if n == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	rank := (p*n + 99) / 100 // ceil(p*n/100)
	rank = max(1, min(n, rank))
	return sorted[rank-1]
}

// Dist summarises a set of times: how many, and their nearest-rank median
// and 90th percentile (see Percentile).
type Dist struct {
	N      int
	Median time.Duration
	P90    time.Duration
}

func newDist(values []time.Duration) Dist {
	return Dist{N: len(values), Median: Percentile(values, 50), P90: Percentile(values, 90)}
}
