package rules

import (
	"errors"
	"fmt"
	"os"
)

// LoadPaths compiles policy files and directories named on a command line
// (slabot check FILE...): each path is one policy file or a directory of
// them. Every problem of every file is returned together, and no Jira
// project may be governed by two policies across all the paths.
func LoadPaths(paths ...string) ([]*Policy, error) {
	var all Problems
	var policies []*Policy
	for _, path := range paths {
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("read policy: %w", err)
		}
		var got []*Policy
		if st.IsDir() {
			got, err = LoadDir(path)
		} else {
			got, err = loadPathFile(path)
		}
		var ps Problems
		switch {
		case errors.As(err, &ps):
			all = append(all, ps...)
			continue
		case err != nil:
			return nil, err
		}
		policies = append(policies, got...)
	}
	if len(all) == 0 {
		all = governedTwice(policies)
	}
	if len(all) > 0 {
		return nil, all
	}
	return policies, nil
}

// governedTwice reports every Jira project that a second policy claims:
// one project, one contract.
func governedTwice(policies []*Policy) Problems {
	var ps Problems
	owner := map[string]string{}
	for _, p := range policies {
		for _, proj := range p.Projects {
			if prev, ok := owner[proj]; ok && prev != p.File {
				ps = append(ps, Problem{File: p.File, Message: fmt.Sprintf("project %s is already governed by %s", proj, prev),
					Fix: "keep each Jira project in exactly one policy"})
				continue
			}
			owner[proj] = p.File
		}
	}
	return ps
}

// loadPathFile compiles one file named on a command line: a policy, or a
// calendar file, which is checked and governs nothing.
func loadPathFile(path string) ([]*Policy, error) {
	data, err := readFileBounded(path)
	var ps Problems
	switch {
	case errors.As(err, &ps):
		return nil, ps
	case err != nil:
		return nil, fmt.Errorf("read policy: %w", err)
	}
	if IsCalendarFile(data) {
		_, _, err := compileCalendarFile(path, data, false)
		return nil, err
	}
	p, err := Load(path, data)
	if err != nil {
		return nil, err
	}
	return []*Policy{p}, nil
}
