package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/connectors/pagerduty"
	"github.com/slabot/slabot/rules"
)

// pageEnvNames lists the environment variables the policies' paging rungs
// name (ladder.rungs.X.page), sorted.
func pageEnvNames(policies []*rules.Policy) []string {
	seen := map[string]bool{}
	for _, p := range policies {
		for _, env := range p.Ladder.Pages {
			seen[env] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// newPager returns the PagerDuty sender when a policy pages (nil when
// none does). Every routing key the policies name must be set: a page
// that cannot be sent is found at start, not at 03:00. The keys are
// secrets: read from the environment, never logged.
func newPager(endpoint string, policies []*rules.Policy, getenv func(string) string) (outbox.Pager, error) {
	names := pageEnvNames(policies)
	if len(names) == 0 {
		return nil, nil
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	keys := map[string]string{}
	var missing []string
	for _, n := range names {
		v := strings.TrimSpace(getenv(n))
		if v == "" {
			missing = append(missing, n)
			continue
		}
		keys[n] = v
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the policies page through PagerDuty: set %s to the routing key of the service's Events API v2 integration", strings.Join(missing, ", "))
	}
	return pagerduty.New(endpoint, keys, 0), nil
}
