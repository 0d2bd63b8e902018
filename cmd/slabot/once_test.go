package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// slabot once --dry-run writes nothing; slabot once writes the SLA fields.
func TestOnceAgainstSimulators(t *testing.T) {
	sites := newTestSites(t, func(seed *jirasim.Seed) {
		seed.Issues = []jirasim.Issue{{Project: "SAN", Type: "Website Issue", Priority: "High", Reporter: sanariseCust,
			Summary: "Banner", Created: time.Now().Add(-time.Hour), Status: "Open"}}
	}, "")
	sim := sites.jira
	t.Setenv("SLABOT_POLICIES", "../../deploy/policies")
	t.Setenv("SLABOT_DB", filepath.Join(t.TempDir(), "slabot.db"))
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
	is, _ := sim.Issue(sim.IssueKeys()[0])
	if is.Fields["First response due"] == nil || is.Fields["First response SLA"] != "running" || len(is.Comments) != 1 {
		t.Errorf("fields %v comments %d: want the deadline, running, and the acknowledgement", is.Fields, len(is.Comments))
	}
	if code, _, _ := runCLI(t, "once", "extra"); code != 2 {
		t.Errorf("stray argument accepted")
	}
}
