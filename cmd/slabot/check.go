package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/slabot/slabot/rules"
)

// runCheck validates every policy file in a directory and prints every
// problem with file:line, not only the first.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("policies", "deploy/policies", "directory of policy files (*.yaml)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	policies, err := rules.LoadDir(*dir)
	var ps rules.Problems
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			fmt.Fprintln(stderr, p.String())
		}
		fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(ps), *dir)
		return 1
	case err != nil:
		fmt.Fprintln(stderr, "slabot check:", err)
		return 1
	}
	for _, p := range policies {
		fmt.Fprintf(stdout, "ok  %s  %s  projects %v, %d goal(s), %d calendar(s)\n", p.File, p.Product, p.Projects, len(p.Goals), len(p.Calendars))
	}
	return 0
}
