package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/slabot/slabot/rules"
)

// writePolicyDir writes files into a fresh directory and returns it.
func writePolicyDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Issue 22: "A policy can read any file on the host and print it, tokens
// included ... `calendars.NAME.file: /proc/self/environ` makes slabot run
// and slabot check --offline fail with an error that quotes the whole
// file". Calendar and feed files resolve inside the policy directory: no
// absolute paths, no "..", no symbolic links that lead out; refused with
// file:line and the fix, printing nothing of the target.
func TestPolicyFilesStayInTheirDirectory(t *testing.T) {
	outside := t.TempDir()
	secret := "xoxb-1234-outside-secret-token"
	secretFile := filepath.Join(outside, "secret.yaml")
	if err := os.WriteFile(secretFile, []byte("SLABOT_SLACK_TOKEN="+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	environ, _ := os.ReadFile("/proc/self/environ")
	cases := []struct {
		name, file, want string
	}{
		{"/proc/self/environ", "/proc/self/environ", `"/proc/self/environ" is an absolute path`},
		{"../../etc/passwd", "../../etc/passwd", `"../../etc/passwd" leads outside the policy's directory`},
		{"an absolute path to a readable file", secretFile, "is an absolute path"},
		{"a .. that climbs out", "calendars/../../secret.yaml", "leads outside the policy's directory"},
		{"a link that leads out", "link.yaml", `"link.yaml" is a symbolic link that leads outside the policy's directory`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, block := range []string{
				"  business:\n    file: " + tc.file + "\n    week: {mon-fri: [\"09:00-18:00\"]}\n",
				"  business:\n    week: {mon-fri: [\"09:00-18:00\"]}\n    feeds:\n      - {file: " + tc.file + "}\n",
			} {
				dir := writePolicyDir(t, map[string]string{"botron.yaml": string(withCalendars(t, block))})
				if err := os.Symlink(secretFile, filepath.Join(dir, "link.yaml")); err != nil {
					t.Fatal(err)
				}
				_, err := rules.LoadFile(filepath.Join(dir, "botron.yaml"))
				var ps rules.Problems
				if !errors.As(err, &ps) {
					t.Fatalf("want problems, got %v", err)
				}
				msg := err.Error()
				if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "botron.yaml:") || ps[0].Line == 0 || !strings.Contains(msg, "fix: ") {
					t.Errorf("want %q at file:line with the fix, got:\n%s", tc.want, msg)
				}
				for _, leak := range []string{secret, "root:", "PATH="} {
					if strings.Contains(msg, leak) {
						t.Errorf("the error prints the target file (%q):\n%s", leak, msg)
					}
				}
				if len(environ) > 0 {
					for _, kv := range strings.Split(string(environ), "\x00") {
						if _, v, _ := strings.Cut(kv, "="); len(v) > 12 && strings.Contains(msg, v) {
							t.Errorf("the error prints an environment value:\n%s", msg)
						}
					}
				}
			}
		})
	}
}

// Links inside the directory are followed: a Kubernetes ConfigMap mounts
// each file as a link into its ..data folder.
func TestPolicyFilesFollowLinksInsideTheDirectory(t *testing.T) {
	dir := writePolicyDir(t, map[string]string{
		"..2026_12_07/ru.yaml":     "holidays:\n  - {name: Transferred days off 2026, dates: [2026-12-31], source: Decree No. 1466 of 24 Sep 2025}\n",
		"..2026_12_07/policy.yaml": string(withCalendars(t, "  business:\n    file: ru.yaml\n    week: {mon-fri: [\"09:00-18:00\"]}\n")),
	})
	for _, l := range [][2]string{{"..2026_12_07", "..data"}, {"..data/ru.yaml", "ru.yaml"}, {"..data/policy.yaml", "policy.yaml"}} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := rules.LoadDir(dir)
	if err != nil || len(ps) != 1 {
		t.Fatalf("a ConfigMap-style directory: %v %v", ps, err)
	}
}

// A policy file in the directory that is a link out of it is not read.
func TestLoadDirReadsNoLinkOut(t *testing.T) {
	outside := writePolicyDir(t, map[string]string{"secret.yaml": "product: xoxb-outside-secret\n"})
	dir := writePolicyDir(t, map[string]string{"botron.yaml": string(withCalendars(t, "  business:\n    week: {mon-fri: [\"09:00-18:00\"]}\n"))})
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "evil.yaml")); err != nil {
		t.Fatal(err)
	}
	_, err := rules.LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "evil.yaml") || strings.Contains(err.Error(), "xoxb") {
		t.Errorf("want evil.yaml refused without its contents, got %v", err)
	}
}

// Issue 22: "rules/load_types.go describeNode quotes the whole scalar". An
// error quotes at most a few dozen characters of a value: a 1 MB scalar,
// and values under the value limit, wherever they are.
func TestErrorsQuoteAFewDozenCharactersOfAValue(t *testing.T) {
	big := strings.Repeat("A", 1_000_000) // 1 MB, inside the file limit
	long := strings.Repeat("B", 4000)     // under MaxValueChars: reaches the checks that quote it
	cases := []struct{ name, yaml, want string }{
		{"1 MB where a mapping belongs", "product: X\nprojects: [BOT]\nagents: " + big + "\n", "over the limit of 4096"},
		{"1 MB in a list", "product: X\nprojects: [" + big + "]\n", "over the limit of 4096"},
		{"a long value where a mapping belongs", "product: X\nprojects: [BOT]\nagents: " + long + "\n", "want a mapping"},
		{"a long project key", "product: X\nprojects: [" + long + "]\n", "is not a Jira project key"},
		{"a long unknown key", "product: X\n" + long + ": 1\n", "unknown key"},
		{"a long calendar file name", "product: X\nprojects: [BOT]\ncalendars:\n  b:\n    file: /" + long + "\n", "is an absolute path"},
		{"a long bad regular expression", "product: X\nprojects: [BOT]\nqualification:\n  items:\n    - {name: x, summary: \"(" + strings.Repeat("C", 900) + "\"}\n", "bad regular expression"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rules.Load("big.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "big.yaml:") {
				t.Fatalf("want %q at file:line, got %.300s", tc.want, err)
			}
			for _, run := range []string{"A", "B", "C"} {
				if n := longestRun(err.Error(), run[0]); n >= 100 {
					t.Errorf("the error quotes %d characters of the value:\n%.400s", n, err)
				}
			}
		})
	}
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// Issue 22: "An 82 MB policy file took 4 GB of memory; a 200 KB regular
// expression is accepted." Policy files over MaxFileBytes are refused by
// their size before they are read; values over MaxValueChars and regular
// expressions over MaxRegexpChars are refused with file:line.
func TestPolicySizeLimits(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(82 << 20); err != nil { // sparse: 82 MB long, nothing written
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, errFile := rules.LoadFile(huge)
	_, errDir := rules.LoadDir(dir)
	_, errPaths := rules.LoadPaths(huge)
	_, _, errCal := rules.LoadCalendarFile(huge)
	runtime.ReadMemStats(&after)
	for _, err := range []error{errFile, errDir, errPaths, errCal} {
		if err == nil || !strings.Contains(err.Error(), "huge.yaml:1:1: the file is 85983232 bytes, over the limit of 1048576") {
			t.Errorf("want the 82 MB file refused by its size, got %v", err)
		}
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("refusing the 82 MB file allocated %d bytes: it was read", grew)
	}

	src, err := os.ReadFile(filepath.Join("..", "deploy", "policies", "botron.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, expr, want string }{
		{"a 200 KB regular expression", strings.Repeat("a", 200<<10), "the value is 204800 characters long, over the limit of 4096"},
		{"a 2,000-character regular expression", strings.Repeat("a|", 1000), "the regular expression is 2000 characters long, over the limit of 1024"},
	} {
		body := strings.Replace(string(src), `'(?i)(contact|company|phone|tel)'`, `'`+tc.expr+`'`, 1)
		_, err := rules.Load("botron.yaml", []byte(body))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "botron.yaml:") {
			t.Errorf("%s: want %q at file:line, got %.300v", tc.name, tc.want, err)
		}
	}
	// The shipped policies are far inside every limit.
	if _, err := rules.LoadDir(filepath.Join("..", "deploy", "policies")); err != nil {
		t.Fatal(err)
	}
}
