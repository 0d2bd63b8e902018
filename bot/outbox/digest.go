package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// KindDigest rows are per-period digests: one message per (product,
// period) to a rung's channel listing what is at risk and breached. The
// key makes it once per period across restarts; the message carries the
// key as metadata, so an uncertain post is looked up, not repeated.
const KindDigest Kind = "digest"

// Digest is one digest message.
type Digest struct {
	Product string `json:"product"`
	Period  string `json:"period"` // the period's start, RFC 3339 in the product's zone
	Title   string `json:"title"`  // "Botron Support, Tue 3 Nov 09:00 GMT"
	// Channel as the policy names it ("#botron-leads") or its id.
	Channel  string       `json:"channel"`
	AtRisk   int          `json:"at_risk"`
	Breached int          `json:"breached"`
	Items    []DigestItem `json:"items"`
	// DueAt is the period's start: a digest due before the outbox's
	// horizon (a lost or new database) is looked for in Slack first.
	DueAt time.Time `json:"due_at,omitzero"`
}

// DigestItem is one issue's goal in a digest.
type DigestItem struct {
	Key      string `json:"key"`
	URL      string `json:"url,omitempty"`
	Summary  string `json:"summary"`
	Goal     string `json:"goal"`     // the goal's title
	State    string `json:"state"`    // "at risk" or "breached"
	Deadline string `json:"deadline"` // in the product's zone, as the reader should see it
	Owner    string `json:"owner"`    // assignee's name, or "unassigned"
	Level    int    `json:"level"`    // highest ladder level due (0: none yet)
	AckBy    string `json:"ack_by,omitempty"`
}

// DigestKey is a digest's row key.
func DigestKey(product, period string) string { return "digest|" + product + "|" + period }

// digestSender is what a Sender offers to post digests (connectors/slack's
// does); a sender without it blocks digest rows with the reason.
type digestSender interface {
	PostDigest(ctx context.Context, channel, key string, d Digest) (ch, ts string, err error)
}

const kindDigestField = "digest"

type digestPayload struct {
	V      int    `json:"v"`
	Kind   string `json:"kind"`
	Digest Digest `json:"digest"`
}

// DeliverDigest records a digest once per (product, period).
func (o *Outbox) DeliverDigest(ctx context.Context, now time.Time, d Digest) (inserted bool, err error) {
	d.Channel = o.channel(d.Channel)
	if d.Product == "" || d.Period == "" || d.Channel == "" {
		return false, fmt.Errorf("%w: digest %s %s needs a product, a period and a channel (got %q)", ErrInvalid, d.Product, d.Period, d.Channel)
	}
	b, err := json.Marshal(digestPayload{V: envelopeVersion, Kind: kindDigestField, Digest: d})
	if err != nil {
		return false, err
	}
	return o.rows.enqueue(ctx, now, intent{Kind: KindDigest, Issue: d.Product, Goal: d.Period,
		Step: "digest", Level: 1, Payload: b, DueAt: d.DueAt, Uncertain: !d.DueAt.IsZero() && d.DueAt.Before(o.Horizon())})
}

func decodeDigest(b []byte) (Digest, error) {
	var p digestPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return Digest{}, fmt.Errorf("stored digest is not valid JSON: %w", err)
	}
	if p.V != envelopeVersion || p.Kind != kindDigestField {
		return Digest{}, fmt.Errorf("stored payload is %q v%d, not a digest", p.Kind, p.V)
	}
	return p.Digest, nil
}

var errNoDigestSender = errors.New("the sender cannot post digests")

// sendDigest posts one claimed digest row, looking for it first when an
// earlier attempt may have reached Slack.
func (o *Outbox) sendDigest(ctx context.Context, rep *pass, r Row, claimedAt time.Time) {
	d, err := decodeDigest(r.Payload)
	if err != nil {
		o.fail(ctx, rep, r, Route{}, "", err, true)
		return
	}
	ds, ok := o.sender.(digestSender)
	if !ok {
		o.fail(ctx, rep, r, Route{}, "", errNoDigestSender, true)
		return
	}
	route, err := o.channelRoute(ctx, d.Channel)
	if err != nil {
		o.fail(ctx, rep, r, Route{Channel: d.Channel}, "", err, false)
		return
	}
	d.Channel = route.Channel
	if err := o.pacer.wait(ctx, d.Channel); err != nil {
		o.fail(ctx, rep, r, route, "", err, false)
		return
	}
	if r.Uncertain {
		ts, found, err := o.sender.FindByKey(ctx, d.Channel, "", r.Key, o.lookupSince(r))
		if err != nil {
			o.failUncertain(ctx, rep, r, d.Channel, "", err)
			return
		}
		if found {
			o.recordSent(ctx, rep, r, d.Channel, ts, "")
			return
		}
	}
	if !o.mayAttempt(claimedAt) {
		o.putBack(ctx, rep, []job{{row: r}}, o.opt.Clock.Now(), "writer lease lost before posting the digest")
		return
	}
	ch, ts, err := ds.PostDigest(ctx, d.Channel, r.Key, d)
	o.pacer.done(d.Channel)
	if err != nil {
		if dl, ok := retryIn(err); ok {
			o.pacer.hold(d.Channel, dl)
		}
		o.fail(ctx, rep, r, route, "", err, false)
		return
	}
	o.recordSent(ctx, rep, r, ch, ts, "")
}
