package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/report"
)

// runReport writes a product's SLA and credit report for a month or a
// quarter:
//
//	slabot report --product KEY (--month YYYY-MM | --quarter YYYY-Qn)
//	    [--customer NAME] [--format md|html|csv] [--out FILE] --policies DIR
//	    --issues FILE.json
//
// The figures come from rules/report.Build, the same engine that sets the
// Jira fields. For now the issues come from a JSON file (an array of
// rules.Issue, as the demo and tests produce); fetching the period's issues
// through the Jira connector is wired by the caller that registers the verb.
func runReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("policies", "deploy/policies", "directory of policy files (*.yaml)")
	product := fs.String("product", "", "Jira project key (or product name) of the policy")
	month := fs.String("month", "", "month to report, YYYY-MM in the policy's zone")
	quarter := fs.String("quarter", "", "quarter to report, YYYY-Qn")
	customer := fs.String("customer", "", "only this customer (for the customer's own meeting)")
	format := fs.String("format", "", "md, html or csv (default: from --out's extension, else md)")
	out := fs.String("out", "", "file to write (default: standard output)")
	issuesFile := fs.String("issues", "", "JSON file with the issues (an array of rules.Issue)")
	nowFlag := fs.String("now", "", "build the report as of this RFC 3339 instant (default: now)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "slabot report:", err)
		return code
	}
	if *product == "" {
		return fail(2, errors.New("--product is required"))
	}
	if (*month == "") == (*quarter == "") {
		return fail(2, errors.New("give exactly one of --month YYYY-MM and --quarter YYYY-Qn"))
	}
	period, err := report.ParsePeriod(*month + *quarter)
	if err != nil || (*month != "" && period.IsQuarter()) || (*quarter != "" && !period.IsQuarter()) {
		return fail(2, fmt.Errorf("bad period %q: %w", *month+*quarter, report.ErrBadPeriod))
	}
	f, err := reportFormat(*format, *out)
	if err != nil {
		return fail(2, err)
	}
	now := time.Now()
	if *nowFlag != "" {
		if now, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			return fail(2, fmt.Errorf("--now: %w", err))
		}
	}
	if *issuesFile == "" {
		return fail(2, errors.New("--issues FILE.json is required until the Jira source is wired"))
	}

	policies, err := rules.LoadDir(*dir)
	if err != nil {
		return fail(1, fmt.Errorf("load policies: %w", err))
	}
	p, err := reportPolicy(policies, *product)
	if err != nil {
		return fail(1, err)
	}
	issues, err := reportReadIssues(*issuesFile)
	if err != nil {
		return fail(1, err)
	}
	r := report.Build(p, issues, period, now, rules.Options{})
	if *customer != "" {
		if r, err = r.Only(*customer); err != nil {
			return fail(1, err)
		}
	}
	var buf bytes.Buffer
	if err := r.Write(&buf, f); err != nil {
		return fail(1, err)
	}
	if *out == "" {
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			return fail(1, err)
		}
		return 0
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fail(1, fmt.Errorf("write report: %w", err))
	}
	fmt.Fprintf(stdout, "wrote %s (%s, %s, %d customer(s), %d issue(s))\n", *out, p.Product, period, len(r.Customers), len(r.Issues))
	return 0
}

// reportFormat takes --format, else the extension of --out, else Markdown.
func reportFormat(format, out string) (report.Format, error) {
	if format != "" {
		return report.ParseFormat(format)
	}
	switch strings.ToLower(filepath.Ext(out)) {
	case ".html", ".htm":
		return report.HTML, nil
	case ".csv":
		return report.CSV, nil
	}
	return report.Markdown, nil
}

// reportPolicy finds the policy governing a Jira project key, or named by
// its product name.
func reportPolicy(policies []*rules.Policy, key string) (*rules.Policy, error) {
	var known []string
	for _, p := range policies {
		for _, k := range p.Projects {
			if strings.EqualFold(k, key) {
				return p, nil
			}
			known = append(known, k)
		}
		if strings.EqualFold(p.Product, key) {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no policy governs project %q (projects: %s)", key, strings.Join(known, ", "))
}

func reportReadIssues(path string) ([]rules.Issue, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read issues: %w", err)
	}
	var issues []rules.Issue
	if err := json.Unmarshal(data, &issues); err != nil {
		return nil, fmt.Errorf("read issues %s: %w", path, err)
	}
	return issues, nil
}
