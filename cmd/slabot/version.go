package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// runVersion is `slabot version`: the module version and the VCS revision
// from the build info, so a running binary can be traced to its commit.
func runVersion(args []string, stdout, stderr io.Writer) int {
	f := newVerbFlags("version", "", stdout, stderr)
	if _, code, ok := f.parse(args, 0, 0); !ok {
		return code
	}
	fmt.Fprintln(stdout, versionString())
	return exitOK
}

// versionString reads the build info: "slabot v1.2.3 (rev abc1234, 2026-12-01T10:00:00Z, modified) go1.25".
func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "slabot (no build information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	rev, at, dirty := "", "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	out := "slabot " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += " (rev " + rev
		if at != "" {
			out += ", " + at
		}
		if dirty {
			out += ", modified"
		}
		out += ")"
	}
	return out + " " + bi.GoVersion
}
