package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ReportFile is a scheduled report to post as a file, with a short
// summary as the message that shares it. It is stored in the outbox like
// an escalation, under the key of (Issue "report:<project>", Goal
// "<period>", cycle 0, level 1), so each product's report of a period is
// posted once.
type ReportFile struct {
	Product string `json:"product"`
	Project string `json:"project"` // first Jira project key of the product
	Period  string `json:"period"`  // "2026-10"
	Title   string `json:"title"`   // "October 2026"
	Summary string `json:"summary"` // the message text (mrkdwn)
	// FileName must be unique per product and period: an upload whose
	// outcome is unknown is looked up by it in the channel's history.
	FileName string `json:"file_name"`
	Content  []byte `json:"content"`
	Channel  string `json:"channel"` // channel id (C0123...)
}

// ReportKey returns the outbox issue and goal a report is stored under.
func ReportKey(project, period string) (issue, goal string) {
	return "report:" + project, period
}

// Validate reports what is missing for the report to be deliverable.
func (f ReportFile) Validate() error {
	var errs []error
	if f.Project == "" || f.Period == "" {
		errs = append(errs, errors.New("project or period is empty"))
	}
	if f.FileName == "" || len(f.Content) == 0 {
		errs = append(errs, errors.New("file name or content is empty"))
	}
	if f.Channel == "" {
		errs = append(errs, errors.New("no channel"))
	} else if strings.HasPrefix(f.Channel, "#") {
		errs = append(errs, fmt.Errorf("channel %q is a name: give the channel id (C0123...), which reconciling through conversations.history needs", f.Channel))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: report %s %s: %w", ErrInvalidEscalation, f.Project, f.Period, err)
	}
	return nil
}

// Payloads: version 1 is an escalation (no kind, as every release wrote
// it); version 2 is an envelope with a kind, so a release that only knows
// version 1 refuses a report row (and leaves it blocked) instead of
// misreading it as an escalation.
const envelopeVersion = 2

const kindReport = "report"

type reportPayload struct {
	V      int        `json:"v"`
	Kind   string     `json:"kind"`
	Report ReportFile `json:"report"`
}

func encodeReport(f ReportFile) ([]byte, error) {
	return json.Marshal(reportPayload{V: envelopeVersion, Kind: kindReport, Report: f})
}

// decodeRow reads a stored payload: an escalation, or a report (file set).
func decodeRow(b []byte) (Escalation, *ReportFile, error) {
	var head struct {
		V    int    `json:"v"`
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return Escalation{}, nil, fmt.Errorf("stored payload is not valid JSON: %w", err)
	}
	if head.V != envelopeVersion {
		e, err := decodeEscalation(b)
		return e, nil, err
	}
	if head.Kind != kindReport {
		return Escalation{}, nil, fmt.Errorf("stored payload has kind %q, this build reads %q", head.Kind, kindReport)
	}
	var p reportPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return Escalation{}, nil, fmt.Errorf("stored report is not valid JSON: %w", err)
	}
	return Escalation{}, &p.Report, nil
}

// EnqueueReport stores a report to post: call it whenever the report is
// due; only the first call for a (project, period) stores anything.
func (d *Dispatcher) EnqueueReport(ctx context.Context, now time.Time, f ReportFile) (inserted bool, err error) {
	if err := f.Validate(); err != nil {
		return false, err
	}
	p, err := encodeReport(f)
	if err != nil {
		return false, err
	}
	issue, goal := ReportKey(f.Project, f.Period)
	return d.store.Enqueue(ctx, now, OutboxIntent{Issue: issue, Goal: goal, Cycle: 0, Level: 1, Payload: p})
}

// sendFile delivers a claimed report row: settle an uncertain earlier
// upload by looking for the file name in the channel's history, then
// upload and share the file with the summary, and record the share's ts.
//
// Slack's files.completeUploadExternal takes no message metadata, so a
// report is reconciled by its file name (unique per product and period)
// rather than by the outbox key. An upload that failed before
// files.completeUploadExternal never reached the channel and is simply
// retried.
func (d *Dispatcher) sendFile(ctx context.Context, rep *report, j job) {
	r, f, route := j.row, j.file, j.route
	if r.Uncertain {
		where := r.Channel
		if where == "" {
			where = route.Channel
		}
		oldest := r.FirstAttemptAt
		if oldest.IsZero() {
			oldest = r.CreatedAt
		}
		if err := d.pacer.wait(ctx, where); err != nil {
			d.fail(ctx, rep, r, route, "", err, false)
			return
		}
		ts, found, err := d.client.FindFile(ctx, where, "", f.FileName, oldest.Add(-d.opt.ReconcileMargin))
		if err != nil {
			var rl *RateLimitError
			if errors.As(err, &rl) {
				d.pacer.hold(where, rl.RetryAfter)
			}
			d.failUncertain(ctx, rep, r, where, "", err)
			return
		}
		if found {
			d.recordSent(ctx, rep, r, where, ts, "")
			rep.add(func(x *Report) { x.Reconciled++ })
			d.log.Info("outbox: uncertain report upload found in Slack, recorded without uploading again", "key", r.Key, "channel", where, "ts", ts)
			return
		}
		r.Uncertain = false
	}
	if err := d.pacer.wait(ctx, route.Channel); err != nil {
		d.fail(ctx, rep, r, route, "", err, false)
		return
	}
	ch, ts, err := d.client.UploadFile(ctx, route.Channel, f.FileName, f.Product+" SLA report "+f.Title, f.Summary, f.Content)
	d.pacer.done(route.Channel)
	if err != nil {
		var rl *RateLimitError
		if errors.As(err, &rl) {
			rep.add(func(x *Report) { x.RateLimited++ })
			d.pacer.hold(route.Channel, rl.RetryAfter)
		}
		d.fail(ctx, rep, r, route, "", err, false)
		return
	}
	d.recordSent(ctx, rep, r, ch, ts, "")
}
