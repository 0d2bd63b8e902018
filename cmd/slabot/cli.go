package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/slabot/slabot/rules"
)

// Exit codes every verb shares (README "Exit codes").
const (
	exitOK      = 0 // done; `check` may have printed live warnings
	exitProblem = 1 // the work failed: bad policies, a failed cycle, a refused write
	exitUsage   = 2 // the command line or the environment is wrong
	exitSite    = 3 // `check`: the policies are fine but Jira or Slack is not set up for them
)

// verbFlags is one verb's flag set with the rules every verb follows, so
// the CLI stays strict without a framework: the standard flag package is
// enough for seven verbs, and one helper keeps them consistent.
//
//   - -h and --help print the verb's usage on standard output and exit 0;
//   - a bad flag, a missing argument or an unexpected one prints the usage
//     on standard error and exits 2;
//   - flags may follow positional arguments (slabot explain SUP-1 --json),
//     except after "--".
type verbFlags struct {
	*flag.FlagSet
	synopsis string
	stdout   io.Writer
	stderr   io.Writer
}

// newVerbFlags starts a verb's flags; synopsis is what follows "slabot
// VERB" in the usage line.
func newVerbFlags(verb, synopsis string, stdout, stderr io.Writer) *verbFlags {
	f := &verbFlags{FlagSet: flag.NewFlagSet(verb, flag.ContinueOnError), synopsis: synopsis, stdout: stdout, stderr: stderr}
	f.SetOutput(io.Discard) // parse errors are printed once, by parse
	return f
}

// printUsage writes the usage line and the flags to w.
func (f *verbFlags) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: slabot %s %s\n", f.Name(), f.synopsis)
	n := 0
	f.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		f.SetOutput(w)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
	}
}

// parse reads args and returns the positional arguments, which must number
// between min and max (max < 0: any number). ok is false when the verb
// must stop with code: 0 after -h, 2 after a usage error (already
// printed).
func (f *verbFlags) parse(args []string, min, max int) (pos []string, code int, ok bool) {
	for {
		err := f.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			f.printUsage(f.stdout)
			return nil, exitOK, false
		}
		if err != nil {
			return nil, f.usageError("%v", err), false
		}
		rest := f.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	switch {
	case len(pos) < min:
		return nil, f.usageError("missing argument"), false
	case max >= 0 && len(pos) > max:
		return nil, f.usageError("unexpected argument %q", pos[max]), false
	}
	return pos, exitOK, true
}

// usageError prints "slabot VERB: message" and the usage on standard
// error and returns the usage exit code.
func (f *verbFlags) usageError(format string, a ...any) int {
	fmt.Fprintf(f.stderr, "slabot %s: %s\n", f.Name(), fmt.Sprintf(format, a...))
	f.printUsage(f.stderr)
	return exitUsage
}

// policiesFlag registers --policies, the one spelling every verb uses for
// policy files: PATH is a policy file or a directory of them. The default
// is SLABOT_POLICIES, else deploy/policies, like `run`. --policy is kept
// as a synonym for scripts written before.
func (f *verbFlags) policiesFlag() *string {
	def := os.Getenv("SLABOT_POLICIES")
	if def == "" {
		def = "deploy/policies"
	}
	p := f.String("policies", def, "policy file or directory of policy files (*.yaml); default $SLABOT_POLICIES or deploy/policies")
	f.Var(aliasValue{p}, "policy", "same as --policies")
	return p
}

// aliasValue lets a second flag name set the same string.
type aliasValue struct{ p *string }

func (a aliasValue) String() string {
	if a.p == nil {
		return ""
	}
	return *a.p
}
func (a aliasValue) Set(s string) error { *a.p = s; return nil }

// errNoPath marks a policy path that does not exist: a usage error, not a
// policy problem.
var errNoPath = errors.New("no such file or directory")

// loadPolicies compiles each path (a policy file or a directory of them)
// and checks that no project is governed twice across them. Every problem
// of every file comes back together as rules.Problems.
func loadPolicies(paths ...string) ([]*rules.Policy, error) {
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s: %w", p, errNoPath)
		}
	}
	return rules.LoadPaths(paths...)
}

// pickPolicy chooses the policy a one-product verb works on: the only one,
// or the one whose product or project is product.
func pickPolicy(policies []*rules.Policy, product, path string) (*rules.Policy, error) {
	if product == "" {
		if len(policies) == 1 {
			return policies[0], nil
		}
		var names []string
		for _, p := range policies {
			names = append(names, p.Projects...)
		}
		return nil, fmt.Errorf("%s holds %d policies: choose one with --product (%s)", path, len(policies), strings.Join(names, ", "))
	}
	return reportPolicy(policies, product)
}
