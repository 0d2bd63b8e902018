package main

import (
	"bytes"
	"context"
	"os"
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
	d := newTestDemoSite(t, ctx)
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
			if got := tsTime(m.TS, time.UTC); got != "Mon 02 Nov 06:00" {
				t.Errorf("posted %s UTC, want Mon 02 Nov 06:00 UTC (09:00 Istanbul)", got)
			}
		}
	}
	if strings.Join(files, " ") != "sla-report-SAN-2026-10.html" {
		t.Errorf("files in #sanarise-management: %v", files)
	}
	if n := len(d.ssim.Files()); n != 1 {
		t.Errorf("%d files uploaded; only Sanarise asks for the report", n)
	}

	// Once, also across a restart: the new process has forgotten what it
	// handed over and hands the report to the outbox again, which keeps one
	// per project and period, so nothing more reaches Slack.
	d.stop()
	if err := d.start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.play(ctx, nil, until.Add(30*time.Minute), until.Add(3*time.Hour), 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := len(d.ssim.Files()); n != 1 {
		t.Errorf("%d files uploaded after a restart, want still 1", n)
	}
	if n := len(d.ssim.Calls("files.completeUploadExternal")); n != 1 {
		t.Errorf("%d completeUploadExternal calls after a restart, want 1", n)
	}
}

// The demo ends by writing each product's month report, HTML and Markdown,
// to a temporary directory and printing the paths.
func TestDemoWritesReports(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // writeReports keeps its directory
	ctx := context.Background()
	d := newTestDemoSite(t, ctx)
	now := demoStart.Add(2 * time.Hour)
	if err := d.play(ctx, nil, demoStart, now, time.Hour); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := d.writeReports(ctx, &out, now); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "== Reports for November 2026") {
		t.Errorf("output lacks the heading:\n%s", out.String())
	}
	for _, p := range d.policies {
		var line string
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, p.Product+" ") {
				line = l
			}
		}
		fields := strings.Fields(strings.TrimPrefix(line, p.Product))
		if len(fields) != 2 || !strings.HasSuffix(fields[0], ".html") || !strings.HasSuffix(fields[1], ".md") {
			t.Errorf("%s: line %q, want the HTML and Markdown paths", p.Product, line)
			continue
		}
		for _, path := range fields {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: %v", p.Product, err)
				continue
			}
			if !strings.Contains(string(b), p.Product+": SLA report, November 2026") {
				t.Errorf("%s: %s lacks the title", p.Product, path)
			}
		}
	}
}
