package rules

import (
	"math"
	"strconv"
	"time"
)

// FieldKind is what a Jira custom field holds. The policy gives every field
// it names a kind (a goal's deadline is a datetime, its state an option, the
// billed hours a number, qualification items text); connectors/jira maps
// each kind to Jira's field types and wire formats.
type FieldKind uint8

// Field kinds. KindNone is the kind of a cleared (empty) value.
const (
	KindNone FieldKind = iota
	KindDatetime
	KindText
	KindNumber
	KindOption
)

var kindNames = [...]string{KindNone: "none", KindDatetime: "datetime", KindText: "text", KindNumber: "number", KindOption: "option"}

func (k FieldKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// FieldValue is the value of one Jira field, both what the engine wants an
// issue to carry and what the issue holds. The zero value is an empty
// field: wanted, it clears the field.
type FieldValue struct {
	Kind   FieldKind
	Time   time.Time // KindDatetime
	Text   string    // KindText, KindOption (the option's value)
	Number float64   // KindNumber

	// Precision is what the field keeps of a datetime: a value read from
	// Jira carries the precision its field was found to keep (a
	// millisecond, a second or a minute); a value the engine computes
	// carries zero (exact). Equality is judged at the coarser of the two.
	Precision time.Duration
}

// Datetime is a datetime value.
func Datetime(t time.Time) FieldValue { return FieldValue{Kind: KindDatetime, Time: t} }

// Text is a text value; an empty string is an empty field.
func Text(s string) FieldValue {
	if s == "" {
		return FieldValue{}
	}
	return FieldValue{Kind: KindText, Text: s}
}

// Option is a select list value; an empty string is an empty field.
func Option(s string) FieldValue {
	if s == "" {
		return FieldValue{}
	}
	return FieldValue{Kind: KindOption, Text: s}
}

// Number is a numeric value.
func Number(n float64) FieldValue { return FieldValue{Kind: KindNumber, Number: n} }

// IsZero reports whether the field is empty (a wanted zero value clears it).
func (v FieldValue) IsZero() bool { return v.Kind == KindNone }

// String renders the value for people and for the engine's text matching
// (plan names, customer values, qualification answers). It is not a Jira
// wire format: connectors/jira owns those.
func (v FieldValue) String() string {
	switch v.Kind {
	case KindDatetime:
		return v.Time.Format("2006-01-02T15:04:05.000Z07:00")
	case KindNumber:
		return strconv.FormatFloat(v.Number, 'f', -1, 64)
	}
	return v.Text
}

// Equal reports whether have, what an issue holds, already shows v, so
// writing v would change nothing: a steady state writes nothing.
//
// Datetimes compare at the coarser precision of the two. A field that keeps
// whole seconds or minutes stores the wanted instant cut down (or rounded)
// to that unit, and writing the exact instant again would store the same
// value and bump the "updated" for nothing, every cycle. Numbers
// compare numerically; text and options by their exact text.
func (v FieldValue) Equal(have FieldValue) bool {
	if v.IsZero() || have.IsZero() {
		return v.IsZero() && have.IsZero()
	}
	switch v.Kind {
	case KindDatetime:
		if have.Kind != KindDatetime {
			return false
		}
		p := max(v.Precision, have.Precision)
		if p <= 0 {
			return v.Time.Equal(have.Time)
		}
		a, b := v.Time, have.Time
		return a.Truncate(p).Equal(b.Truncate(p)) || a.Round(p).Equal(b.Round(p))
	case KindNumber:
		return have.Kind == KindNumber && (v.Number == have.Number || math.Abs(v.Number-have.Number) < 1e-9)
	default:
		return (have.Kind == KindText || have.Kind == KindOption) && v.Text == have.Text
	}
}
