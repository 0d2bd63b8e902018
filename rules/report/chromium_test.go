package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium finds Debian's chromium, or skips: CI machines may not have it.
func chromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed (apt-get install chromium): HTML screenshot check skipped")
	return ""
}

// The HTML report opens in headless Chromium without console errors and
// renders to a non-empty PNG screenshot. The screenshot is kept in
// t.TempDir(); set SLABOT_REPORT_PNG=DIR to keep copies for a look.
func TestHTMLRendersInChromium(t *testing.T) {
	bin := chromium(t)
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	for name, r := range goldenReports(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			page := filepath.Join(dir, name+".html")
			var buf bytes.Buffer
			if err := r.WriteHTML(&buf); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			png := filepath.Join(dir, name+".png")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
				"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0",
				"--screenshot="+png, "--window-size=1200,1600", "file://"+page)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("chromium: %v\n%s", err, out)
			}
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, "Uncaught") || strings.Contains(line, "ERROR:CONSOLE") || strings.Contains(line, ":CONSOLE(") && strings.Contains(line, "rror") {
					t.Errorf("console error: %s", line)
				}
			}
			st, err := os.Stat(png)
			if err != nil || st.Size() == 0 {
				t.Fatalf("no screenshot: %v\n%s", err, out)
			}
			if keep := os.Getenv("SLABOT_REPORT_PNG"); keep != "" {
				data, err := os.ReadFile(png)
				if err == nil {
					err = os.WriteFile(filepath.Join(keep, name+".png"), data, 0o644)
				}
				if err != nil {
					t.Errorf("keep screenshot: %v", err)
				}
			}
		})
	}
}
