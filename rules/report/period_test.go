package report

import (
	"errors"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	cases := []struct {
		in, want, prev string
		months         []string
		err            bool
	}{
		{in: "2026-11", want: "2026-11", prev: "2026-10", months: []string{"2026-11"}},
		{in: "2027-01", want: "2027-01", prev: "2026-12", months: []string{"2027-01"}},
		{in: "2026-Q4", want: "2026-Q4", prev: "2026-Q3", months: []string{"2026-10", "2026-11", "2026-12"}},
		{in: "2027-q1", want: "2027-Q1", prev: "2026-Q4", months: []string{"2027-01", "2027-02", "2027-03"}},
		{in: "2026-13", err: true},
		{in: "2026-Q5", err: true},
		{in: "2026-1", err: true},
		{in: "26-11", err: true},
		{in: "november", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParsePeriod(tc.in)
			if tc.err {
				if !errors.Is(err, ErrBadPeriod) {
					t.Fatalf("err %v, want ErrBadPeriod", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.String() != tc.want || p.Previous().String() != tc.prev {
				t.Errorf("got %s (previous %s), want %s (%s)", p, p.Previous(), tc.want, tc.prev)
			}
			if got := p.Months(); len(got) != len(tc.months) || got[0] != tc.months[0] || got[len(got)-1] != tc.months[len(got)-1] {
				t.Errorf("months %v, want %v", got, tc.months)
			}
		})
	}
}

// Bounds are local midnights in the policy's zone: Moscow has no DST;
// Ljubljana leaves summer time on Sun 25 Oct 2026, so October there is 745
// hours long and Q4 starts at 22:00 UTC but ends at 23:00 UTC.
func TestPeriodBounds(t *testing.T) {
	cases := []struct {
		zone, period, start, end string
	}{
		{"Europe/Moscow", "2026-11", "2026-10-31T21:00:00Z", "2026-11-30T21:00:00Z"},
		{"Europe/Istanbul", "2026-12", "2026-11-30T21:00:00Z", "2026-12-31T21:00:00Z"},
		{"Europe/Ljubljana", "2026-10", "2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z"},
		{"Europe/Ljubljana", "2026-Q4", "2026-09-30T22:00:00Z", "2026-12-31T23:00:00Z"},
		{"Etc/GMT", "2027-Q1", "2027-01-01T00:00:00Z", "2027-04-01T00:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.zone+" "+tc.period, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParsePeriod(tc.period)
			if err != nil {
				t.Fatal(err)
			}
			s, e := p.Bounds(loc)
			if !s.Equal(utc(t, tc.start)) || !e.Equal(utc(t, tc.end)) {
				t.Errorf("bounds %s - %s, want %s - %s", s.UTC(), e.UTC(), tc.start, tc.end)
			}
		})
	}
}
