package jira

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/slabot/slabot/rules"
)

// TestLiveSite runs the client's calls against a real Jira Cloud site. It
// needs SLABOT_JIRA_TEST_URL, SLABOT_JIRA_TEST_EMAIL and
// SLABOT_JIRA_TEST_TOKEN (skipped otherwise), plus
// SLABOT_JIRA_TEST_PROJECT (a project key to read). When
// SLABOT_JIRA_TEST_ISSUE names an issue, it also adds and removes a label
// and posts an internal comment on it.
func TestLiveSite(t *testing.T) {
	url, email, token := os.Getenv("SLABOT_JIRA_TEST_URL"), os.Getenv("SLABOT_JIRA_TEST_EMAIL"), os.Getenv("SLABOT_JIRA_TEST_TOKEN")
	if url == "" || email == "" || token == "" {
		t.Skip("set SLABOT_JIRA_TEST_URL, SLABOT_JIRA_TEST_EMAIL and SLABOT_JIRA_TEST_TOKEN to run against a real site")
	}
	project := os.Getenv("SLABOT_JIRA_TEST_PROJECT")
	if project == "" {
		t.Fatal("set SLABOT_JIRA_TEST_PROJECT to the key of a project the account can browse")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := New(Config{BaseURL: url, Email: email, APIToken: token, ManagedLabelPrefixes: []string{"slabot-test-"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	// A bounded incremental poll over the last week, then one more from its
	// cursor, which must not redeliver anything unchanged.
	cur := Cursor{Updated: time.Now().Add(-7 * 24 * time.Hour)}
	issues, cur, err := c.ChangedIn(ctx, []string{project}, cur)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d issues changed in the last week", len(issues))
	for _, is := range issues {
		if is.Key == "" || is.Created.IsZero() || is.Status == "" || is.StatusCategory == "" {
			t.Errorf("incomplete mapping: %+v", is)
		}
	}
	again, _, err := c.ChangedIn(ctx, []string{project}, cur)
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range again {
		if slices.ContainsFunc(issues, func(x rules.Issue) bool { return x.ID == is.ID && x.Updated.Equal(is.Updated) }) {
			t.Errorf("%s redelivered unchanged", is.Key)
		}
	}
	if key := os.Getenv("SLABOT_JIRA_TEST_ISSUE"); key != "" {
		label := "slabot-test-" + time.Now().UTC().Format("20060102150405")
		if _, err := c.Apply(ctx, rules.Patch{Key: key, AddLabels: []string{label},
			Comments: []rules.NewComment{{Body: "slabot live test (internal note)", Internal: true}}}); err != nil {
			t.Fatal(err)
		}
		is, _, err := c.Issue(ctx, key)
		if err != nil || !slices.Contains(is.Labels, label) {
			t.Fatalf("label not added: %v %v", is.Labels, err)
		}
		if _, err := c.Apply(ctx, rules.Patch{Key: key, RemoveLabels: []string{label}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range SortedCounts(c.RequestCounts()) {
		t.Logf("%s %s %d: %d", k.Method, k.Endpoint, k.Status, c.RequestCounts()[k])
	}
}
