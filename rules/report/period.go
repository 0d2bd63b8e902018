package report

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrBadPeriod is returned (wrapped) for a period that is neither a month
// (YYYY-MM) nor a quarter (YYYY-Qn).
var ErrBadPeriod = errors.New("want a month YYYY-MM or a quarter YYYY-Qn")

// Period is a calendar month or quarter. It has no zone of its own: its
// bounds are taken in the policy's zone, because that is where the contract
// counts months (credits do not carry over from one local month to the next).
type Period struct {
	Year    int
	Month   time.Month // 1..12 for a month, 0 for a quarter
	Quarter int        // 1..4 for a quarter, 0 for a month
}

// MonthPeriod returns the month m of year y.
func MonthPeriod(y int, m time.Month) Period { return Period{Year: y, Month: m} }

// QuarterPeriod returns quarter q (1..4) of year y.
func QuarterPeriod(y, q int) Period { return Period{Year: y, Quarter: q} }

// ParsePeriod reads "2026-11" (a month) or "2026-Q4" (a quarter).
func ParsePeriod(s string) (Period, error) {
	y, rest, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok || len(y) != 4 {
		return Period{}, fmt.Errorf("period %q: %w", s, ErrBadPeriod)
	}
	year, err := strconv.Atoi(y)
	if err != nil || year < 1900 {
		return Period{}, fmt.Errorf("period %q: %w", s, ErrBadPeriod)
	}
	if len(rest) == 2 && (rest[0] == 'Q' || rest[0] == 'q') {
		q := int(rest[1] - '0')
		if q < 1 || q > 4 {
			return Period{}, fmt.Errorf("period %q: quarter must be Q1..Q4: %w", s, ErrBadPeriod)
		}
		return QuarterPeriod(year, q), nil
	}
	if len(rest) != 2 {
		return Period{}, fmt.Errorf("period %q: %w", s, ErrBadPeriod)
	}
	m, err := strconv.Atoi(rest)
	if err != nil || m < 1 || m > 12 {
		return Period{}, fmt.Errorf("period %q: month must be 01..12: %w", s, ErrBadPeriod)
	}
	return MonthPeriod(year, time.Month(m)), nil
}

// IsQuarter reports whether the period is a quarter.
func (p Period) IsQuarter() bool { return p.Quarter > 0 }

func (p Period) firstMonth() time.Month {
	if p.IsQuarter() {
		return time.Month(3*(p.Quarter-1) + 1)
	}
	return p.Month
}

func (p Period) length() int {
	if p.IsQuarter() {
		return 3
	}
	return 1
}

// String is the period as ParsePeriod reads it: "2026-11" or "2026-Q4".
func (p Period) String() string {
	if p.IsQuarter() {
		return fmt.Sprintf("%04d-Q%d", p.Year, p.Quarter)
	}
	return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month))
}

// Title is the period for people: "November 2026" or "Q4 2026".
func (p Period) Title() string {
	if p.IsQuarter() {
		return fmt.Sprintf("Q%d %d", p.Quarter, p.Year)
	}
	return fmt.Sprintf("%s %d", p.Month, p.Year)
}

// Previous is the period just before: the previous month, or quarter.
func (p Period) Previous() Period {
	if p.IsQuarter() {
		if p.Quarter == 1 {
			return QuarterPeriod(p.Year-1, 4)
		}
		return QuarterPeriod(p.Year, p.Quarter-1)
	}
	if p.Month == time.January {
		return MonthPeriod(p.Year-1, time.December)
	}
	return MonthPeriod(p.Year, p.Month-1)
}

// Bounds returns [start, end) of the period in loc: local midnight on the
// first day, and local midnight on the first day after. time.Date is used
// for both ends so a DST change inside the period does not shift them.
func (p Period) Bounds(loc *time.Location) (start, end time.Time) {
	start = time.Date(p.Year, p.firstMonth(), 1, 0, 0, 0, 0, loc)
	end = time.Date(p.Year, p.firstMonth()+time.Month(p.length()), 1, 0, 0, 0, 0, loc)
	return start, end
}

// Months lists the months of the period, in order ("2026-10", "2026-11",
// ...), spelled as rules.CustomerMonth.Month spells them.
func (p Period) Months() []string {
	out := make([]string, 0, p.length())
	for i := 0; i < p.length(); i++ {
		out = append(out, MonthPeriod(p.Year, p.firstMonth()+time.Month(i)).String())
	}
	return out
}
