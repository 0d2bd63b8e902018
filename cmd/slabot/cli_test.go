package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// "slabot check deploy/policies/botron.yaml checks that file only"; a path
// that does not exist and an unexpected argument are usage errors.
func TestCLIStrict(t *testing.T) {
	t.Setenv("SLABOT_JIRA_URL", "")
	t.Setenv("SLABOT_SLACK_TOKEN", "")
	code, out, errs := runCLI(t, "check", "../../deploy/policies/botron.yaml")
	if code != exitOK || !strings.Contains(out, "botron.yaml") || strings.Contains(out, "hydra.yaml") {
		t.Errorf("check FILE: exit %d, want only botron.yaml checked:\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "check", "../../deploy/policies/botron.yaml", "../../deploy/policies/hydra.yaml")
	if code != exitOK || strings.Count(out, "\nok    ")+1 < 2 || strings.Contains(out, "sanarise") {
		t.Errorf("check FILE FILE: exit %d, want both and only them:\n%s", code, out)
	}
	for _, args := range [][]string{
		{"check", "/nonexistent.yaml"},
		{"run", "extra-arg"},
		{"once", "extra-arg"},
		{"demo", "extra-arg"},
		{"version", "extra-arg"},
		{"calendar", "--month", "2026-11", "extra-arg"},
		{"report", "--month", "2026-11", "extra-arg"},
		{"check", "--no-such-flag"},
	} {
		code, out, errs := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(errs, "usage: slabot "+args[0]) || out != "" {
			t.Errorf("%q: exit %d, want %d with the usage on stderr\nstdout:%s\nstderr:%s", args, code, exitUsage, out, errs)
		}
	}
}

// -h is a question, not a mistake: usage on stdout, exit 0.
func TestCLIHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"check", "-h"}, {"run", "--help"}, {"explain", "-h"}, {"version", "-h"}} {
		code, out, errs := runCLI(t, args...)
		if code != exitOK || !strings.Contains(out, "usage: slabot") || errs != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	if code, _, errs := runCLI(t); code != exitUsage || !strings.Contains(errs, "usage") {
		t.Errorf("no verb: exit %d, %s", code, errs)
	}
}

func TestCLIVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != exitOK || !strings.HasPrefix(out, "slabot ") || !strings.Contains(out, "go1.") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

// `projects: !foo` crashed the YAML library: check must name file:line.
func TestCheckTagCrasherIsAProblem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("projects: !foo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "check", "--offline", path)
	if code != exitProblem || !strings.Contains(errs, path+":1:") {
		t.Errorf("exit %d, want %d and %s:1: in\n%s", code, exitProblem, path, errs)
	}
}

// One spelling for policies across verbs: --policies takes a file or a
// directory, and a directory of several policies asks for --product.
func TestCLIPoliciesSpelling(t *testing.T) {
	code, out, errs := runCLI(t, "calendar", "--policies", "../../deploy/policies/botron.yaml", "--month", "2026-11")
	if code != exitOK || !strings.Contains(out, "November 2026") {
		t.Errorf("calendar with a file: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "calendar", "--policies", "../../deploy/policies", "--month", "2026-11")
	if code != exitUsage || !strings.Contains(errs, "--product") {
		t.Errorf("calendar with a directory and no product: exit %d\n%s", code, errs)
	}
	code, out, errs = runCLI(t, "calendar", "--policies", "../../deploy/policies", "--product", "HYD", "--month", "2026-11")
	if code != exitOK || !strings.Contains(out, "November 2026") {
		t.Errorf("calendar with a directory and --product: exit %d\n%s%s", code, out, errs)
	}
}
