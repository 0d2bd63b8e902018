package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// Sanarise's policy asks for the monthly report ("Aylık Geri Bildirim
// Toplantıları"): in the demo, October's report is posted to
// #sanarise-management as a file at Monday 2 November 09:00 Istanbul, once,
// through the outbox.
func TestDemoPostsMonthlyReport(t *testing.T) {
	ctx := context.Background()
	d, err := newDemoEnv(ctx, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	until := demoStart.Add(7 * time.Hour)
	var script []scriptEvent
	for _, ev := range demoScript() {
		if !ev.at.After(until) {
			script = append(script, ev)
		}
	}
	if err := d.play(ctx, script, demoStart, until, 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	mgmt := demoChannels(d.policies)["#sanarise-management"]
	var files []string
	for _, m := range d.ssim.Messages(mgmt) {
		for _, f := range m.Files {
			files = append(files, f.Name)
			if !strings.Contains(m.Text, "SLA report for October 2026") {
				t.Errorf("file message text %q", m.Text)
			}
			if got := tsTime(m.TS, d.clock); got != "Mon 02 Nov 06:00Z" {
				t.Errorf("posted %s, want Mon 02 Nov 06:00Z (09:00 Istanbul)", got)
			}
		}
	}
	if strings.Join(files, " ") != "sla-report-SAN-2026-10.html" {
		t.Errorf("files in #sanarise-management: %v", files)
	}
	if n := len(d.ssim.Files()); n != 1 {
		t.Errorf("%d files uploaded; only Sanarise asks for the report", n)
	}
}
