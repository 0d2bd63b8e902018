package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slabot/slabot/rules"
)

// KindDigest rows are per-period digests: one message per (product,
// period) to a rung's channel listing what is at risk and breached. The
// key makes it once per period across restarts; the message carries the
// key as metadata, so an uncertain post is looked up, not repeated.
const KindDigest Kind = "digest"

// DigestKey is a digest's row key.
func DigestKey(product, period string) string { return "digest|" + product + "|" + period }

// digestSender is what a Sender offers to post digests (connectors/slack's
// does); a sender without it blocks digest rows with the reason.
type digestSender interface {
	PostDigest(ctx context.Context, channel, key string, d rules.Digest, pace func(context.Context) error) (ch, ts string, err error)
}

const kindDigestField = "digest"

// digestV2 and digestItemV2 are a rules.Digest as stored in the version
// 2 envelope.
type digestV2 struct {
	Product  string         `json:"product"`
	Period   string         `json:"period"`
	Title    string         `json:"title"`
	Channel  string         `json:"channel"`
	AtRisk   int            `json:"at_risk"`
	Breached int            `json:"breached"`
	Items    []digestItemV2 `json:"items"`
	DueAt    time.Time      `json:"due_at,omitzero"`
}

type digestItemV2 struct {
	Key      string `json:"key"`
	URL      string `json:"url,omitempty"`
	Summary  string `json:"summary"`
	Goal     string `json:"goal"`
	State    string `json:"state"`
	Deadline string `json:"deadline"`
	Owner    string `json:"owner"`
	Level    int    `json:"level"`
	AckBy    string `json:"ack_by,omitempty"`
}

type digestPayload struct {
	V      int      `json:"v"`
	Kind   string   `json:"kind"`
	Digest digestV2 `json:"digest"`
}

func encodeDigest(d rules.Digest) ([]byte, error) {
	v := digestV2{Product: d.Product, Period: d.Period, Title: d.Title, Channel: d.Channel, AtRisk: d.AtRisk, Breached: d.Breached, DueAt: d.DueAt}
	if d.Items != nil {
		v.Items = make([]digestItemV2, len(d.Items))
	}
	for i, it := range d.Items {
		v.Items[i] = digestItemV2(it)
	}
	return json.Marshal(digestPayload{V: envelopeVersion, Kind: kindDigestField, Digest: v})
}

// DeliverDigest records a digest once per (product, period).
func (o *Outbox) DeliverDigest(ctx context.Context, now time.Time, d rules.Digest) (inserted bool, err error) {
	d.Channel = o.channel(d.Channel)
	if d.Product == "" || d.Period == "" || d.Channel == "" {
		return false, fmt.Errorf("%w: digest %s %s needs a product, a period and a channel (got %q)", ErrInvalid, d.Product, d.Period, d.Channel)
	}
	b, err := encodeDigest(d)
	if err != nil {
		return false, err
	}
	return o.rows.enqueue(ctx, now, intent{Kind: KindDigest, Issue: d.Product, Goal: d.Period,
		Step: "digest", Level: 1, Payload: b, DueAt: d.DueAt, Uncertain: !d.DueAt.IsZero() && d.DueAt.Before(o.Horizon()),
		Dest: o.channel(d.Channel)})
}

func decodeDigest(b []byte) (rules.Digest, error) {
	var p digestPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return rules.Digest{}, fmt.Errorf("stored digest is not valid JSON: %w", err)
	}
	if p.V != envelopeVersion || p.Kind != kindDigestField {
		return rules.Digest{}, fmt.Errorf("stored payload is %q v%d, not a digest", p.Kind, p.V)
	}
	v := p.Digest
	d := rules.Digest{Product: v.Product, Period: v.Period, Title: v.Title, Channel: v.Channel, AtRisk: v.AtRisk, Breached: v.Breached, DueAt: v.DueAt}
	if v.Items != nil {
		d.Items = make([]rules.DigestItem, len(v.Items))
	}
	for i, it := range v.Items {
		d.Items[i] = rules.DigestItem(it)
	}
	return d, nil
}

var errNoDigestSender = errors.New("the sender cannot post digests")

// sendDigest posts one claimed digest row, looking for it first when an
// earlier attempt may have reached Slack.
func (o *Outbox) sendDigest(ctx context.Context, rep *pass, r Row, claimedAt time.Time) {
	d, err := decodeDigest(r.Payload)
	if err != nil {
		o.fail(ctx, rep, r, rules.Route{}, "", err, true)
		return
	}
	ds, ok := o.sender.(digestSender)
	if !ok {
		o.fail(ctx, rep, r, rules.Route{}, "", errNoDigestSender, true)
		return
	}
	route, err := o.channelRoute(ctx, d.Channel)
	if err != nil {
		o.fail(ctx, rep, r, rules.Route{Channel: d.Channel}, "", err, false)
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
	if !o.mayAttempt(ctx, claimedAt) {
		o.putBack(ctx, rep, []job{{row: r}}, o.opt.Clock.Now(), "writer lease lost before posting the digest")
		return
	}
	// The parts of a digest too big for one message keep the channel's
	// pace between them, as separate rows would.
	pace := func(ctx context.Context) error {
		o.pacer.done(d.Channel)
		return o.pacer.wait(ctx, d.Channel)
	}
	ch, ts, err := ds.PostDigest(ctx, d.Channel, r.Key, d, pace)
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
