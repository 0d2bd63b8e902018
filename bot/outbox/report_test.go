package outbox_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

func reportFile() rules.ReportDelivery {
	return rules.ReportDelivery{
		Product: "Acme Support", Project: "SUP", Period: "2026-02", Title: "February 2026",
		Summary:  "*Acme Support: SLA report for February 2026*\nIssues opened 3, resolved 2.",
		FileName: "sla-report-SUP-2026-02.html", Content: []byte("<!doctype html><title>report</title>"),
		Channel: "CMGMT",
	}
}

func (e *env) reportRow() outbox.Row {
	e.t.Helper()
	r, err := e.ob.Get(context.Background(), outbox.ReportKey("Acme Support", "2026-02"))
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// The report is uploaded once as a file shared in the management channel
// with the summary as its message, however often it is enqueued.
func TestReportPostedOnceAsFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		ctx := context.Background()
		for i := range 3 {
			if err := e.ob.DeliverReport(ctx, e.clock.Now(), reportFile()); err != nil {
				t.Fatalf("enqueue %d: %v", i, err)
			}
		}
		// An escalation in the same pass still goes out as before.
		e.enqueue(esc("SUP-1", 1, "team lead", rules.Recipient{Channel: "CLEAD"}))
		if rep := e.drain(3); rep.Sent != 2 {
			t.Fatalf("report %+v", rep)
		}
		e.sim.FlushShares() // Slack shares asynchronously: the share lands later
		msgs := e.sim.Messages("CMGMT")
		if len(msgs) != 1 || len(msgs[0].Files) != 1 || !strings.HasPrefix(msgs[0].Text, "*Acme Support: SLA report for February 2026*") {
			t.Fatalf("management channel: %+v", msgs)
		}
		files := e.sim.Files()
		if len(files) != 1 || files[0].Name != "sla-report-SUP-2026-02.html" || !bytes.Equal(files[0].Data, reportFile().Content) ||
			files[0].Channel != "CMGMT" || files[0].Title != "Acme Support SLA report February 2026" {
			t.Fatalf("files %+v", files)
		}
		// When the share was not in the channel yet as the upload finished
		// (Slack shares asynchronously), the row holds the file id in place of
		// the share's ts; whether it was depends on the calls other channels'
		// jobs made meanwhile.
		r := e.reportRow()
		if r.State != outbox.StateSent || r.Channel != "CMGMT" || (r.TS != msgs[0].TS && r.TS != "file:"+files[0].ID) {
			t.Fatalf("row %+v, message ts %s", r, msgs[0].TS)
		}
		if n := len(e.sim.Messages("CLEAD")); n != 1 {
			t.Fatalf("%d escalation messages", n)
		}
		// Later passes and enqueues post nothing more.
		if err := e.ob.DeliverReport(ctx, e.clock.Now(), reportFile()); err != nil {
			t.Fatal(err)
		}
		e.drain(2)
		if n := len(e.sim.Calls("files.completeUploadExternal")); n != 1 {
			t.Fatalf("%d completeUploadExternal calls", n)
		}
	})
}

// Slack shares the file and the connection drops before the answer: the
// next pass finds the file by its name in the channel's history and records
// it instead of uploading again.
func TestReportUncertainUploadReconciled(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		e.sim.Inject(slacksim.Fault{Kind: slacksim.DropAfterAccept, Method: "files.completeUploadExternal"})
		if err := e.ob.DeliverReport(context.Background(), e.clock.Now(), reportFile()); err != nil {
			t.Fatal(err)
		}
		rep := e.pass()
		if rep.Sent != 0 || rep.Uncertain != 1 {
			t.Fatalf("first pass %+v", rep)
		}
		if r := e.reportRow(); !r.Uncertain || r.Channel != "CMGMT" {
			t.Fatalf("row after the drop %+v", r)
		}
		// The share lands asynchronously: a look-up that misses it does not
		// upload again, a later one finds it.
		sum := e.drain(10)
		if sum.Reconciled != 1 {
			t.Fatalf("passes %+v", sum)
		}
		msgs := e.sim.Messages("CMGMT")
		if len(msgs) != 1 || len(e.sim.Calls("files.completeUploadExternal")) != 1 {
			t.Fatalf("posted %d times, %d completes", len(msgs), len(e.sim.Calls("files.completeUploadExternal")))
		}
		if r := e.reportRow(); r.State != outbox.StateSent || r.TS != msgs[0].TS {
			t.Fatalf("row %+v", r)
		}
	})
}

// A failure before the file is shared (here a 500 from the upload URL
// request) is not uncertain: the next attempt uploads again, and the
// channel gets one message.
func TestReportRetriedAfterFailedUploadURL(t *testing.T) {
	storetest.Run(t, func(t *testing.T) {
		e := newEnv(t, nil)
		e.sim.Inject(slacksim.Fault{Kind: slacksim.ServerError, Method: "files.getUploadURLExternal"})
		if err := e.ob.DeliverReport(context.Background(), e.clock.Now(), reportFile()); err != nil {
			t.Fatal(err)
		}
		rep := e.pass()
		if rep.Sent != 0 || rep.Uncertain != 0 || rep.Retried != 1 {
			t.Fatalf("first pass %+v", rep)
		}
		e.drain(10)
		e.sim.FlushShares()
		if n := len(e.sim.Messages("CMGMT")); n != 1 {
			t.Fatalf("%d messages", n)
		}
	})
}

func TestReportValidate(t *testing.T) {
	f := reportFile()
	f.Channel = ""
	if err := outbox.ValidateReport(f); err == nil || !strings.Contains(err.Error(), "no channel") {
		t.Errorf("no channel accepted: %v", err)
	}
	f = reportFile()
	f.Content = nil
	if err := outbox.ValidateReport(f); err == nil {
		t.Error("empty file accepted")
	}
}
