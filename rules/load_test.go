package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slabot/slabot/rules"
)

func TestLoadSeedPolicies(t *testing.T) {
	ps, err := rules.LoadDir(filepath.Join("..", "deploy", "policies"))
	if err != nil {
		t.Fatalf("the shipped policies must load:\n%v", err)
	}
	if len(ps) != 4 {
		t.Fatalf("%d policies, want the four seed contracts", len(ps))
	}
	botron := seed(t, "botron")
	// "It is a JIRA on demand system, where every Botron product is configured
	// as a separate project." -- one policy, several projects.
	if len(botron.Projects) < 2 {
		t.Errorf("botron governs %v, want several product projects", botron.Projects)
	}
	if d := botron.DefaultCalendar.NominalDay(); d.Hours() != 16 {
		t.Errorf("botron business day %s, want 16h (06:00-22:00)", d)
	}
}

func TestLoadGoodFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "good", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no good fixtures")
	}
	for _, f := range files {
		if _, err := rules.LoadFile(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestLoadReportSchedule(t *testing.T) {
	p, err := rules.LoadFile(filepath.Join("testdata", "good", "everything.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (rules.ReportSchedule{Monthly: true, Rung: rules.RungTeamLead, Channel: "#tl", Format: "md"}); p.Report != want {
		t.Errorf("report %+v, want %+v", p.Report, want)
	}
	if p.Schedule != "*/5 * * * *" {
		t.Errorf("schedule %q, want the policy's own */5 * * * *", p.Schedule)
	}
	// Sanarise: "Aylık Geri Bildirim Toplantıları" -- the monthly report
	// goes to management as HTML (the defaults).
	if want := (rules.ReportSchedule{Monthly: true, Rung: rules.RungManagement, Channel: "#sanarise-management", Format: "html"}); seed(t, "sanarise").Report != want {
		t.Errorf("sanarise report %+v, want %+v", seed(t, "sanarise").Report, want)
	}
}

// Every problem comes with file:line and a fix, and all of them are reported
// at once.
func TestLoadReportsEveryProblemWithLine(t *testing.T) {
	cases := []struct {
		file string
		want []string // "line: fragment"
	}{
		{"unknown_keys.yaml", []string{
			`7: unknown key "holidayz"`,
			`13: unknown key "targt"`,
			`14: unknown key "escalation"`,
		}},
		{"references.yaml", []string{
			`3: unknown time zone "Mars/Olympus"`,
			`7: windows 09:00-13:00 and 12:00-17:00 overlap`,
			`16: customer "Acme" lists 2 contacts but plan "basic" allows 1 registered person(s)`,
			`20: unknown condition "first_agent_coment"`,
			`22: unknown priority "urgent"`,
			`23: unknown calendar "weekend"`,
			`23: duration "4 hours"`,
			`24: this row can never apply`,
			`25: this row can never apply`,
			`32: ladder steps out of order`,
		}},
		// Impossible targets: rows no issue can reach (fix mode moves the
		// priority away; earlier rows take every combination), targets too
		// long to track, a share that is not a number, and breach+ steps
		// whose order depends on the length of a business day (1bd is 9h on
		// this calendar, so breach+1bd fires before breach+20h).
		{"impossible.yaml", []string{
			`21: "NaN%" must be between 0% and 100%`,
			`23: this row can never apply: priority_rule measures priority critical on question issues as the nearest allowed priority`,
			`24: target 9000h is impossible to track`,
			`26: this row can never apply: row(s) 2 already match every issue it names`,
			`27: target 400bd is impossible to track`,
			`34: ladder steps out of order: breach+1bd`,
			`36: schedule "0 0 31 2 *" never fires`,
		}},
		// The report goes to the management rung unless told otherwise: a
		// ladder without a management channel cannot take it.
		// A product's own schedule must be something the worker's cron
		// parser reads.
		{"report.yaml", []string{
			`19: rung "management" has no channel to post the report to`,
			`21: unknown report format "pdf"`,
			`22: schedule "every two minutes" does not parse`,
		}},
		// A rung with page and no channel only pages: a rung with neither
		// reaches no one; the digest and the report need a channel to go
		// to, and a step that only pages has no thread to repeat in.
		{"pageonly.yaml", []string{
			`16: rung "team_lead" has neither a channel nor page`,
			`21: rung "management" only pages: its step cannot repeat`,
			`22: rung "management" only pages (no Slack channel): it cannot take the digest`,
			`23: rung "management" only pages (no Slack channel): it cannot take the report`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "bad", tc.file)
			_, err := rules.LoadFile(path)
			var ps rules.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("want Problems, got %v", err)
			}
			for _, w := range tc.want {
				line, frag, _ := strings.Cut(w, ": ")
				found := false
				for _, p := range ps {
					if strings.Contains(p.String(), path+":"+line+":") && strings.Contains(p.Message, frag) {
						found = true
						if p.Fix == "" {
							t.Errorf("%s has no fix hint", p)
						}
					}
				}
				if !found {
					t.Errorf("missing problem at line %s: %q\ngot:\n%v", line, frag, ps)
				}
			}
			if len(ps) != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%v", len(ps), len(tc.want), ps)
			}
		})
	}
}

func TestLoadSuggestsKnownKey(t *testing.T) {
	_, err := rules.LoadFile(filepath.Join("testdata", "bad", "unknown_keys.yaml"))
	if err == nil || !strings.Contains(err.Error(), `did you mean "target"?`) {
		t.Errorf("want a suggestion for targt, got:\n%v", err)
	}
}

func TestLoadDirRejectsSharedProject(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join("testdata", "good", "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, n), good, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err = rules.LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "project MIN is already governed by") {
		t.Errorf("want a shared-project problem, got %v", err)
	}
}

func TestLoadSyntaxErrorHasLine(t *testing.T) {
	_, err := rules.Load("x.yaml", []byte("product: x\nprojects: [A\n"))
	var ps rules.Problems
	if !errors.As(err, &ps) || ps[0].Line == 0 {
		t.Fatalf("want a located syntax problem, got %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want rules.Duration
		err  bool
	}{
		{in: "90m", want: rules.Duration{Fixed: 90 * 60e9}},
		{in: "4h", want: rules.Duration{Fixed: 4 * 3600e9}},
		{in: "1h30m", want: rules.Duration{Fixed: 90 * 60e9}},
		// Botron: "the first response and assessment of the issue is done in 1 business day"
		{in: "1bd", want: rules.Duration{Days: 1}},
		{in: "2bd4h", want: rules.Duration{Days: 2, Fixed: 4 * 3600e9}},
		{in: "0h", err: true},
		{in: "4 hours", err: true},
		{in: "30m1h", err: true},
		{in: "h", err: true},
		{in: "", err: true},
		{in: "-1h", err: true},
		{in: "99999999h", err: true},
	}
	for _, tc := range cases {
		got, err := rules.ParseDuration(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
		if err == nil {
			if back, err := rules.ParseDuration(got.String()); err != nil || back != got {
				t.Errorf("round trip of %q via %q: %v %v", tc.in, got.String(), back, err)
			}
		}
	}
}

// A tag the YAML library cannot decode (`projects: !foo` made goccy/go-yaml
// v1.19.2 dereference nil, upstream issue #735) is a file:line problem: a
// crash would be a restart loop under systemd or Kubernetes.
func TestLoadDecoderPanicIsAProblem(t *testing.T) {
	for _, data := range []string{"projects: !foo\n", "product: p\nprojects: !foo\n"} {
		_, err := rules.Load("bad.yaml", []byte(data))
		var ps rules.Problems
		if !errors.As(err, &ps) || len(ps) != 1 {
			t.Fatalf("%q: err %v, want one problem", data, err)
		}
		wantLine := strings.Count(data, "\n")
		if ps[0].Line != wantLine || !strings.Contains(ps[0].String(), "bad.yaml:") || !strings.Contains(ps[0].Message, "!foo") {
			t.Errorf("%q: %s, want bad.yaml:%d naming the tag !foo", data, ps[0], wantLine)
		}
	}
}
