package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/rulestest"
)

func TestRunReport(t *testing.T) {
	dir := t.TempDir()
	created := time.Date(2026, 11, 2, 7, 0, 0, 0, time.UTC) // 10:00 in Moscow
	issues := []rules.Issue{rulestest.Issue("HYD-1", "Highest", "Incident", created, rulestest.ID("1"),
		rulestest.Reporter("ivan@alfa.ru"), rulestest.Summary("Billing run stopped", ""),
		rulestest.Comment(created.Add(20*time.Minute), "olga@latera.ru", true))}
	data, err := json.Marshal(issues)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "issues.json")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	policies := filepath.Join("..", "..", "deploy", "policies")
	base := []string{"--policies", policies, "--product", "HYD", "--issues", src, "--now", "2026-12-05T10:00:00Z"}
	cases := []struct {
		name string
		args []string
		code int
		want string // in stdout, or in the file written
		file string
	}{
		{"markdown to stdout", []string{"--month", "2026-11"}, 0, "| alfa.ru | - | 1 | 0 | 100.0% |", ""},
		{"csv by extension", []string{"--month", "2026-11", "--out", "r.csv"}, 0, "HYD-1,Billing run stopped,alfa.ru", "r.csv"},
		{"html for one customer", []string{"--quarter", "2026-Q4", "--customer", "alfa.ru", "--out", "r.html"}, 0, "<svg", "r.html"},
		{"unknown customer", []string{"--month", "2026-11", "--customer", "beta.ru"}, 1, "", ""},
		{"both periods", []string{"--month", "2026-11", "--quarter", "2026-Q4"}, 2, "", ""},
		{"bad month", []string{"--month", "2026-Q4"}, 2, "", ""},
		{"bad format", []string{"--month", "2026-11", "--format", "pdf"}, 2, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{}, base...), tc.args...)
			for i, a := range args {
				if a == "--out" {
					args[i+1] = filepath.Join(dir, args[i+1])
				}
			}
			var stdout, stderr bytes.Buffer
			if code := runReport(args, &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, stderr.String())
			}
			got := stdout.String()
			if tc.file != "" {
				b, err := os.ReadFile(filepath.Join(dir, tc.file))
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, got)
			}
		})
	}
}
