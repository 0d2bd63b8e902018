// Command slabot enforces customer-support contracts inside Jira Cloud.
//
//	slabot run [--dry-run]          the daemon (configuration from the environment)
//	slabot once [--dry-run]         one cycle of every product, then exit
//	slabot setup [--dry-run]        create the policies' custom fields in Jira
//	slabot check [--offline] [PATH...]
//	slabot calendar [--policies PATH] (--from T --add D | --month YYYY-MM)
//	slabot explain KEY | --issue FILE.json [--bot-account ID]
//	slabot report (--month M | --quarter Q) [--policies PATH] [--product KEY]
//	slabot demo [--serve]
//	slabot migrate --from SLABOT_DB --to postgres://...
//	slabot version
//
// Every verb takes -h; PATH is a policy file or a directory of them.
// Exit codes: 0 done, 1 failed (policy problems, a failed cycle), 2 usage
// or configuration, 3 (check) the sites are not set up for the policies.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// verb is one subcommand. It returns the process exit code.
type verb struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func verbs() []verb {
	return []verb{
		{"run", "the daemon: every product on SLABOT_SCHEDULE, health and metrics on SLABOT_LISTEN", runDaemon},
		{"once", "one cycle of every product, then exit (for a cron job)", runOnce},
		{"setup", "create the policies' custom fields, their contexts, options and edit-screen entries in Jira (--dry-run: the plan)", runSetup},
		{"check", "validate policy files (and, unless --offline, the Jira and Slack sites) and list every problem", runCheck},
		{"calendar", "compute a deadline or list a month's working windows", runCalendar},
		{"demo", "run the four seed products against simulated Jira and Slack over two simulated weeks", runDemo},
		{"report", "monthly or quarterly SLA and credit report (md, html, csv) for the customer meeting", runReport},
		{"explain", "explain an issue's SLA evaluation (slabot explain KEY, or offline with --issue FILE.json)", runExplain},
		{"migrate", "copy the outbox, ledger and cursors to another database (a SQLite file to PostgreSQL) without sending anything", runMigrate},
		{"version", "print the module version and the VCS revision it was built from", runVersion},
	}
}

func main() {
	if err := loadDotEnv(); err != nil {
		fmt.Fprintln(os.Stderr, "slabot: configuration:", err)
		os.Exit(exitUsage)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	case "--version":
		return runVersion(nil, stdout, stderr)
	}
	for _, v := range verbs() {
		if v.name == args[0] {
			return v.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "slabot: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: slabot <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, v := range verbs() {
		fmt.Fprintf(w, "  %-10s %s\n", v.name, v.summary)
	}
	fmt.Fprintln(w, "\nRun 'slabot <command> -h' for a command's flags.")
}

func sortStrings(s []string) { sort.Strings(s) }
