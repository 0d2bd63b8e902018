package report

import (
	"bytes"
	"context"
	"image"
	"image/png"
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
	if testing.Short() {
		t.Skip("-short: no browser")
	}
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

// screenshot opens page in headless Chromium, writes a PNG of the first
// width x height pixels to png, and returns the page's console messages.
//
// Chromium logs every console message of the page, whatever its level, as
// "INFO:CONSOLE" on stderr (the level is not in the line), and uncaught
// exceptions the same way with "Uncaught" in the text. The report carries
// no script, so any console line at all means the page is broken; the
// browser's own noise (D-Bus, sandbox warnings) is not a console line.
func screenshot(t *testing.T, bin, page, png string, width, height int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
		"--screenshot="+png, "--window-size="+itoa(width)+","+itoa(height), "file://"+page)
	cmd.Dir = profile
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	var console []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") {
			console = append(console, line)
		}
	}
	return console
}

// screenshotDir is where the screenshots are kept for a look:
// $SLABOT_REPORT_PNG, else slabot-report-png in the system's temporary
// directory (the path is logged; run with -v to see it).
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("SLABOT_REPORT_PNG")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "slabot-report-png")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	return dir
}

// inked is the share of pixels that are not (nearly) white: a page that
// failed to render, or rendered blank, has next to none.
func inked(t *testing.T, path string) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	return inkShare(img)
}

func inkShare(img image.Image) float64 {
	b := img.Bounds()
	var ink, all int
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			all++
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
		}
	}
	if all == 0 {
		return 0
	}
	return float64(ink) / float64(all)
}

// The HTML report opens in headless Chromium without console errors and
// renders to a PNG screenshot with something on it. The window is tall
// enough for the whole of each golden report, so the screenshot shows every
// section for a reviewer to judge.
func TestHTMLRendersInChromium(t *testing.T) {
	bin := chromium(t)
	keep := screenshotDir(t)

	// The console check must be able to fail: a page with a console error
	// and an uncaught exception is caught.
	t.Run("console check", func(t *testing.T) {
		page := filepath.Join(t.TempDir(), "broken.html")
		bad := `<!DOCTYPE html><html><body><p>x</p><script>console.error("deliberate"); notDefined();</script></body></html>`
		if err := os.WriteFile(page, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := screenshot(t, bin, page, filepath.Join(t.TempDir(), "broken.png"), 400, 300); len(got) < 2 {
			t.Errorf("console lines %q, want the error and the exception", got)
		}
	})

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
			png := filepath.Join(keep, name+".png")
			for _, line := range screenshot(t, bin, page, png, 1200, 5200) {
				t.Errorf("console: %s", line)
			}
			if share := inked(t, png); share < 0.01 {
				t.Errorf("screenshot %s is blank (%.2f%% inked)", png, 100*share)
			}
			t.Logf("screenshot: %s", png)
		})
	}
}
