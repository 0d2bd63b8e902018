package rulestest

import (
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/slabot/slabot/rules"
)

var (
	seedMu       sync.Mutex
	seedPolicies = map[string]*rules.Policy{}
)

// SeedPath is the path of a shipped example policy, deploy/policies/NAME.yaml,
// found from this file's own place in the module, so a test in any package
// names it the same way.
func SeedPath(name string) string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..", "deploy", "policies", name+".yaml")
}

// Seed loads a shipped example policy (botron, hydra, b2bee, sanarise), so
// tests exercise the very files the product ships. Policies are read-only
// once compiled, so one copy per name is shared by every test of the
// package.
func Seed(tb testing.TB, name string) *rules.Policy {
	tb.Helper()
	seedMu.Lock()
	defer seedMu.Unlock()
	if p, ok := seedPolicies[name]; ok {
		return p
	}
	p, err := rules.LoadFile(SeedPath(name))
	if err != nil {
		tb.Fatalf("load %s: %v", name, err)
	}
	seedPolicies[name] = p
	return p
}
