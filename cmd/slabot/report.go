package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/rules"
	"github.com/slabot/slabot/rules/report"
)

// runReport writes a product's SLA and credit report for a month or a
// quarter:
//
//	slabot report --product KEY (--month YYYY-MM | --quarter YYYY-Qn)
//	    [--customer NAME] [--format md|html|csv] [--out FILE] --policies DIR
//	    [--issues FILE.json]
//
// The figures come from rules/report.Build, the same engine that sets the
// Jira fields. The issues are fetched from Jira with the configured
// credentials (SLABOT_JIRA_*), or read from a JSON file (an array of
// rules.Issue) for offline use.
func runReport(args []string, stdout, stderr io.Writer) int {
	fl := newVerbFlags("report", "(--month YYYY-MM | --quarter YYYY-Qn) [--policies PATH] [--product KEY] [--customer NAME] [--format md|html|csv] [--out FILE] [--issues FILE.json] [--now RFC3339]", stdout, stderr)
	dir := fl.policiesFlag()
	product := fl.String("product", "", "Jira project key (or product name) of the policy; needed when PATH holds several")
	month := fl.String("month", "", "month to report, YYYY-MM in the policy's zone")
	quarter := fl.String("quarter", "", "quarter to report, YYYY-Qn")
	customer := fl.String("customer", "", "only this customer (for the customer's own meeting)")
	format := fl.String("format", "", "md, html or csv (default: from --out's extension, else md)")
	out := fl.String("out", "", "file to write (default: standard output)")
	issuesFile := fl.String("issues", "", "JSON file with the issues (an array of rules.Issue)")
	nowFlag := fl.String("now", "", "build the report as of this RFC 3339 instant (default: now)")
	if _, code, ok := fl.parse(args, 0, 0); !ok {
		return code
	}
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "slabot report:", err)
		return code
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
	policies, err := loadPolicies(*dir)
	if errors.Is(err, errNoPath) {
		return fl.usageError("%v", err)
	}
	if err != nil {
		return fail(1, fmt.Errorf("load policies: %w", err))
	}
	p, err := pickPolicy(policies, *product, *dir)
	if err != nil {
		return fail(1, err)
	}
	var issues []rules.Issue
	bot := ""
	if *issuesFile != "" {
		issues, err = reportReadIssues(*issuesFile)
	} else {
		issues, bot, err = reportFetch(p, period, now)
	}
	if err != nil {
		return fail(1, err)
	}
	r := report.Build(p, issues, period, now, rules.Options{BotAccountID: bot})
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

// reportFetch reads from Jira every issue of the policy's projects that was
// open, created or resolved since the start of the previous period (the
// report compares the two).
func reportFetch(p *rules.Policy, period report.Period, now time.Time) ([]rules.Issue, string, error) {
	cfg, err := loadConfig(true, false)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cl, err := newJira(ctx, cfg, []*rules.Policy{p})
	if err != nil {
		return nil, "", err
	}
	start, _ := period.Previous().Bounds(p.Location)
	days := int(now.Sub(start).Hours()/24) + 2
	var keys []string
	for _, k := range p.Projects {
		keys = append(keys, jira.Quote(k))
	}
	jql := fmt.Sprintf("project in (%s) AND (created >= -%dd OR updated >= -%dd OR statusCategory != Done) ORDER BY created ASC",
		strings.Join(keys, ", "), days, days)
	var issues []rules.Issue
	err = cl.Search(ctx, jql, func(is rules.Issue) error {
		issues = append(issues, is)
		return nil
	})
	return issues, cl.AccountID(), err
}
