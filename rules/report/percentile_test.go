package report

import (
	"testing"
	"time"
)

// Nearest rank: rank ceil(p/100 * n) of the sorted values, counted from 1.
func TestPercentileNearestRank(t *testing.T) {
	m := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Minute
		}
		return out
	}
	cases := []struct {
		name   string
		values []time.Duration
		p      int
		want   int // minutes
	}{
		{"no values", nil, 50, 0},
		{"one value is every percentile", m(7), 90, 7},
		// n = 4: median rank ceil(2) = 2, the lower middle value.
		{"even count median is the lower middle", m(40, 10, 30, 20), 50, 20},
		// n = 5: median rank ceil(2.5) = 3.
		{"odd count median", m(50, 10, 40, 20, 30), 50, 30},
		// n = 10: P90 rank ceil(9) = 9, not the maximum.
		{"p90 of ten is the 9th", m(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9},
		// n = 11: P90 rank ceil(9.9) = 10.
		{"p90 of eleven is the 10th", m(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 90, 10},
		// n = 6: P90 rank ceil(5.4) = 6.
		{"p90 of six is the maximum", m(20, 150, 150, 240, 360, 540), 90, 540},
		{"p100 is the maximum", m(3, 1, 2), 100, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]time.Duration(nil), tc.values...)
			if got := Percentile(tc.values, tc.p); got != time.Duration(tc.want)*time.Minute {
				t.Errorf("P%d = %s, want %dm", tc.p, got, tc.want)
			}
			for i := range in {
				if in[i] != tc.values[i] {
					t.Fatalf("Percentile reordered its input")
				}
			}
		})
	}
}
