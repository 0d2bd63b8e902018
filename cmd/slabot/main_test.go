package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckShippedPolicies(t *testing.T) {
	code, out, errs := runCLI(t, "check", "--policies", "../../deploy/policies")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, name := range []string{"botron.yaml", "hydra.yaml", "b2bee.yaml", "sanarise.yaml"} {
		if !strings.Contains(out, name) {
			t.Errorf("output lacks %s:\n%s", name, out)
		}
	}
}

// A broken copy of a shipped policy fails with file:line for every problem.
func TestCheckBrokenCopyNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../deploy/policies/botron.yaml")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "      - {target: 1bd}", "      - {target: 1bd, calender: business}", 1)
	broken = strings.Replace(broken, "    - {at: breach, rung: team_lead}", "    - {at: breach, rung: team_leader}", 1)
	if broken == string(src) {
		t.Fatal("fixture edit did not apply")
	}
	path := filepath.Join(dir, "botron.yaml")
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "check", "--policies", dir)
	if code == 0 {
		t.Fatal("broken policy accepted")
	}
	if !strings.Contains(errs, path+":") || !strings.Contains(errs, `unknown key "calender"`) {
		t.Errorf("want file:line and the unknown key, got:\n%s", errs)
	}
}

func TestCalendarAdd(t *testing.T) {
	cases := []struct {
		contract string
		args     []string
		want     string
	}{
		// Botron: "Business days are Monday to Friday, except December 25th
		// (Christmas)"; "Business hours are from 6,00am to 10,00pm ... (GMT)."
		{"Botron over Christmas", []string{"--policy", "../../deploy/policies/botron.yaml", "--calendar", "business", "--from", "2026-12-24T12:00:00Z", "--add", "1bd"}, "2026-12-28T12:00:00Z"},
		// Hydra: "On weekdays from 10 to 19 Moscow time (GMT +3)"
		{"Hydra Friday evening", []string{"--policy", "../../deploy/policies/hydra.yaml", "--from", "2026-11-20T18:00:00+03:00", "--add", "2h"}, "2026-11-23T11:00:00+03:00"},
	}
	for _, tc := range cases {
		code, out, errs := runCLI(t, append([]string{"calendar"}, tc.args...)...)
		if code != 0 || strings.TrimSpace(out) != tc.want {
			t.Errorf("%s: exit %d out %q err %q, want %s", tc.contract, code, out, errs, tc.want)
		}
	}
}

// Botron: "Thanksgiving Day (last Thursday of November)" shows in the month
// listing on 2029-11-29, and 2029-11-22 is a working day.
func TestCalendarMonth(t *testing.T) {
	code, out, errs := runCLI(t, "calendar", "--policy", "../../deploy/policies/botron.yaml", "--month", "2029-11")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"2029-11-29 Thu closed  (Thanksgiving)", "2029-11-22 Thu 06:00-22:00", "2029-11-24 Sat closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("month listing lacks %q:\n%s", want, out)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	if code, _, errs := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("exit %d: %s", code, errs)
	}
}
