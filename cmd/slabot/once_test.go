package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/bot/store/storetest"
	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// slabot once --dry-run writes nothing; slabot once writes the SLA fields,
// and delivers every due level of every thread, in order, before it exits
// (issue 21: "`slabot once` delivers every due level of every thread in
// order"): a critical issue opened 4 h ago on a ladder of four steps
// (Sanarise's, with a breach+1h step to the team leads) gets all four in
// one run, where a run used to deliver one level per thread.
//
// On both engines: SLABOT_DB a file, then a postgres:// URL.
func TestOnceAgainstSimulators(t *testing.T) {
	storetest.Each(t, testOnceAgainstSimulators)
}

func testOnceAgainstSimulators(t *testing.T) {
	sites := newTestSites(t, func(seed *jirasim.Seed) {
		seed.Issues = []jirasim.Issue{{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
			Summary: "Banner", Created: time.Now().Add(-time.Hour), Status: "Open"},
			{Project: "SAN", Type: "Cannot Access Website/Database", Priority: "Critical", Reporter: sanariseCust,
				Summary: "Database down", Created: time.Now().Add(-4 * time.Hour), Status: "Open"}}
	}, "")
	sim := sites.jira
	policies := shippedPoliciesWith(t, "sanarise", "    - {at: breach, rung: team_lead}\n",
		"    - {at: breach, rung: team_lead}\n    - {at: breach+1h, rung: team_lead}\n")
	t.Setenv("SLABOT_POLICIES", policies)
	t.Setenv("SLABOT_DB", storetest.DSN(t))
	t.Setenv("SLABOT_LOG_LEVEL", "error")

	writes := func() int {
		n := 0
		for _, r := range sim.Requests() {
			if r.Method == http.MethodPut || (r.Method == http.MethodPost && !strings.HasSuffix(r.Path, "/search/jql")) {
				n++
			}
		}
		return n
	}
	if code, _, errs := runCLI(t, "once", "--dry-run"); code != 0 || writes() != 0 {
		t.Fatalf("dry run: exit %d, %d writes\n%s", code, writes(), errs)
	}
	if code, _, errs := runCLI(t, "once"); code != 0 || writes() == 0 {
		t.Fatalf("once: exit %d, %d writes\n%s", code, writes(), errs)
	}
	var steps []string
	for _, m := range sites.slack.AllMessages() {
		if m.Metadata != nil {
			if k, _ := m.Metadata.EventPayload["key"].(string); strings.HasPrefix(k, "SAN-2|first_response|") {
				steps = append(steps, k)
			}
		}
	}
	want := []string{"75%/agent", "breach/team_lead", "breach+1h/team_lead", "breach+2h/management"}
	if len(steps) != len(want) {
		t.Fatalf("one run posted %q; want the four levels %q", steps, want)
	}
	for i, w := range want {
		if steps[i] != "SAN-2|first_response|1|"+w {
			t.Errorf("message %d is %s; want step %s (ladder order)", i+1, steps[i], w)
		}
	}
	is, _ := sim.Issue(sim.IssueKeys()[0])
	if is.Fields["First response due"] == nil || is.Fields["First response SLA"] != "running" || len(is.Comments) != 1 {
		t.Errorf("fields %v comments %d: want the deadline, running, and the acknowledgement", is.Fields, len(is.Comments))
	}
	if code, _, _ := runCLI(t, "once", "extra"); code != 2 {
		t.Errorf("stray argument accepted")
	}
}

// The database's password is in no line slabot writes: not in the
// configuration it shows, not in an error opening the database.
func TestDatabasePasswordNeverShown(t *testing.T) {
	const pw = "Sekr1t-db-pw"
	url := "postgres://slabot:" + pw + "@127.0.0.1:1/slabot?sslmode=disable" // port 1: nothing listens
	c := config{Database: url}
	if s := c.String(); strings.Contains(s, pw) || !strings.Contains(s, "db=postgres://slabot@127.0.0.1:1/slabot") {
		t.Errorf("config shows %s", s)
	}
	for _, tc := range []struct{ db, file, want string }{
		{"slabot.db", "", ""},
		{url, "", ""},
		{"postgres://slabot@db/slabot", "/run/secrets/db", ""},
		{url, "/run/secrets/db", "keep one"},
		{"slabot.db", "/run/secrets/db", "is a SQLite file"},
		{"postgres://slabot:" + pw + "@/slabot", "", "is not a PostgreSQL URL"},
	} {
		got := databaseProblem(tc.db, tc.file)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) || strings.Contains(got, pw) {
			t.Errorf("databaseProblem(%s, %q) = %q; want %q", store.Redact(tc.db), tc.file, got, tc.want)
		}
	}
	for _, k := range []string{"SLABOT_JIRA_URL", "SLABOT_JIRA_EMAIL", "SLABOT_JIRA_TOKEN", "SLABOT_SLACK_TOKEN", "SLABOT_DB_PASSWORD_FILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("SLABOT_DB", url)
	code, out, errs := runCLI(t, "check", "--policies", "../../deploy/policies")
	if strings.Contains(out+errs, pw) {
		t.Fatalf("check shows the password (exit %d):\n%s%s", code, out, errs)
	}
	if !strings.Contains(out+errs, "postgres://slabot@127.0.0.1:1/slabot") {
		t.Fatalf("check should name the database it could not open (exit %d):\n%s%s", code, out, errs)
	}
}

// "slabot once against the simulators with a policy naming a project that
// does not exist logs that project and the fix, and polls the others"
// (issue 25). The real process (the test binary re-executed as `once`),
// its log read from its stderr: Sanarise's policy also names NOPE; the
// run exits 0, logs NOPE with what to do, and SAN's issue gets its fields.
func TestOnceLogsAMissingProject(t *testing.T) {
	sites := newTestSites(t, func(seed *jirasim.Seed) {
		seed.Issues = []jirasim.Issue{{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
			Summary: "Banner", Created: time.Now().Add(-time.Hour), Status: "Open"}}
	}, "")
	policies := shippedPoliciesWith(t, "sanarise", "projects: [SAN]", "projects: [SAN, NOPE]")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDaemon$")
	cmd.Env = append(os.Environ(), envDaemon+"=once", "SLABOT_POLICIES="+policies, "SLABOT_DB="+filepath.Join(t.TempDir(), "slabot.db"),
		"SLABOT_LOG_LEVEL=warn", "SLABOT_LOG_FORMAT=text")
	for k, v := range sites.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("once: %v\n%s", err, stderr.String())
	}
	log := stderr.String()
	if !strings.Contains(log, "jira project unavailable") || !strings.Contains(log, "projects=NOPE") || !strings.Contains(log, "fix=") {
		t.Errorf("the log does not name NOPE and the fix:\n%s", log)
	}
	var key string
	for _, k := range sites.jira.IssueKeys() {
		if strings.HasPrefix(k, "SAN-") {
			key = k
		}
	}
	if is, _ := sites.jira.Issue(key); is.Fields["First response due"] == nil {
		t.Errorf("%s has no deadline: SAN was not polled", key)
	}
}

// shippedPoliciesWith is a directory with the shipped policies, one of
// them (name) edited: old replaced by new once; the edit must apply.
func shippedPoliciesWith(t *testing.T, name, old, new string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range []string{"botron", "hydra", "b2bee", "sanarise"} {
		b, err := os.ReadFile("../../deploy/policies/" + n + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if n == name {
			if !bytes.Contains(b, []byte(old)) {
				t.Fatalf("%s.yaml has no %q to edit", n, old)
			}
			b = bytes.Replace(b, []byte(old), []byte(new), 1)
		}
		if err := os.WriteFile(filepath.Join(dir, n+".yaml"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
