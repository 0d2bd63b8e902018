package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/rules"
)

// runSetup is `slabot setup`: from the policies, the custom fields with
// their types, a context making each field exist on the issues of the
// projects whose policy names it, the select lists' options in those
// contexts, and each field on those projects' edit screens. It changes only what is
// missing (a second run changes nothing); --dry-run prints the plan and
// changes nothing. It needs the Administer Jira global permission, which
// `run` does not: run it once with an administrator's token if the bot's
// account is not one.
func runSetup(args []string, stdout, stderr io.Writer) int {
	f := newVerbFlags("setup", "[--dry-run] [--policies PATH]  (Jira from SLABOT_JIRA_URL, _EMAIL, _TOKEN)", stdout, stderr)
	path := f.policiesFlag()
	dry := f.Bool("dry-run", false, "print what would change and change nothing")
	if _, code, ok := f.parse(args, 0, 0); !ok {
		return code
	}
	policies, err := loadPolicies(*path)
	if errors.Is(err, errNoPath) {
		return f.usageError("%v", err)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitProblem
	}
	cfg, err := loadConfig(true, false)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	jc, err := jiraConfig(cfg, policies)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	jc.Logger = cfg.logger() // a refused project, a retry or a rate-limit wait is logged
	cl, err := jira.New(jc)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	var projects []jira.SetupProject
	for _, p := range policies {
		ps, err := rules.FieldsOf([]*rules.Policy{p})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitUsage
		}
		var names []string
		for _, s := range ps {
			names = append(names, s.Name)
		}
		var internal *rules.CommentRestriction
		if p.WritesInternalComments() {
			internal = &p.InternalComments
		}
		for _, k := range p.Projects {
			projects = append(projects, jira.SetupProject{Key: k, Fields: names, Internal: internal})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := cl.Setup(ctx, projects, *dry)
	if err == nil {
		err = setupWebhook(ctx, cl, cfg, policies, *dry, &res)
	}
	verb := "done"
	if *dry {
		verb = "would"
	}
	for _, c := range res.Changes {
		fmt.Fprintf(stdout, "%-6s%s\n", verb, c)
	}
	for _, p := range res.Problems {
		fmt.Fprintf(stderr, "FAIL  %s\n", p)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(stdout, "note  %s\n", n)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitProblem
	}
	switch {
	case len(res.Problems) > 0:
		fmt.Fprintf(stderr, "%d problem(s) setup cannot fix: fix them in Jira, then run slabot setup again\n", len(res.Problems))
		return exitSite
	case len(res.Changes) == 0:
		fmt.Fprintf(stdout, "ok    %s has every field, context, option, screen and webhook the policies need: nothing to change\n", cfg.JiraURL)
	case *dry:
		fmt.Fprintf(stdout, "%d change(s) planned; run without --dry-run to make them\n", len(res.Changes))
	default:
		fmt.Fprintf(stdout, "%d change(s) made; next: slabot check\n", len(res.Changes))
	}
	return exitOK
}

// setupWebhook points the site's admin webhook at SLABOT_PUBLIC_URL (README
// "Jira webhooks"); without one it says that slabot will poll only.
func setupWebhook(ctx context.Context, cl *jira.Client, cfg config, policies []*rules.Policy, dry bool, res *jira.SetupResult) error {
	spec, ok := webhookSpec(cfg, policies)
	if !ok {
		res.Notes = append(res.Notes, "no Jira webhook: SLABOT_PUBLIC_URL is not set, so slabot learns of changes by polling only "+
			"(README \"Jira webhooks\" says how to expose /jira/webhook and set it)")
		return nil
	}
	return cl.SetupWebhook(ctx, spec, dry, res)
}

// webhookSpec is the admin webhook the configuration and the policies
// ask for; false without SLABOT_PUBLIC_URL.
func webhookSpec(cfg config, policies []*rules.Policy) (jira.WebhookSpec, bool) {
	if cfg.webhookURL() == "" {
		return jira.WebhookSpec{}, false
	}
	spec := jira.WebhookSpec{URL: cfg.webhookURL()}
	for _, p := range policies {
		spec.Projects = append(spec.Projects, p.Projects...)
	}
	return spec, true
}
