package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/rules"
)

// runExplain prints the engine's reasoning for one issue. Offline it reads
// the issue as GET /rest/api/2/issue/KEY?expand=changelog,names returns it;
// live (slabot explain KEY) it fetches the issue with the configured
// credentials.
func runExplain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	policyFile := fs.String("policy", "", "policy file (offline, with --issue)")
	issueFile := fs.String("issue", "", "issue JSON as GET /rest/api/2/issue/KEY?expand=changelog,names returns it (offline)")
	at := fs.String("at", "", "evaluate as of this RFC 3339 instant (default: now)")
	asJSON := fs.Bool("json", false, "print goals, deadlines, states, labels and the due step as JSON")
	// Flags may come after the key too (slabot explain SAN-1 --json): parse
	// again past each positional argument, except after "--", which ends
	// the flags.
	var keys []string
	for {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			keys = append(keys, rest...)
			break
		}
		keys, args = append(keys, rest[0]), rest[1:]
	}
	const usage = "usage: slabot explain KEY [--at RFC3339] [--json]  |  slabot explain --policy FILE --issue FILE.json [--at RFC3339] [--json]"
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintf(stderr, "slabot explain: --at: %v\n", err)
			return 2
		}
		now = t
	}
	var (
		iss    rules.Issue
		policy *rules.Policy
		bot    string
	)
	switch {
	case (*issueFile != "" || *policyFile != "") && (*issueFile == "" || *policyFile == "" || len(keys) > 0):
		fmt.Fprintln(stderr, "slabot explain: offline, give both --policy and --issue and no issue key; live, give only the key")
		fmt.Fprintln(stderr, usage)
		return 2
	case *issueFile != "":
		p, err := rules.LoadFile(*policyFile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		policy = p
		data, err := os.ReadFile(*issueFile)
		if err != nil {
			fmt.Fprintf(stderr, "slabot explain: %v\n", err)
			return 1
		}
		specs, err := fieldSpecs([]*rules.Policy{p}, os.Getenv("SLABOT_JIRA_FIELD_TYPES"))
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		if iss, err = jira.DecodeIssue(data, specs); err != nil {
			fmt.Fprintf(stderr, "slabot explain: %s: %v\n", *issueFile, err)
			return 1
		}
	case len(keys) == 1:
		var code int
		if iss, policy, bot, code = liveIssue(keys[0], stderr); code != 0 {
			return code
		}
	default:
		fmt.Fprintln(stderr, usage)
		return 2
	}
	ev := rules.Evaluate(policy, []rules.Issue{iss}, now, rules.Options{BotAccountID: bot})
	o := &ev.Outcomes[0]
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(explainJSON(o, now)); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprint(stdout, o.Explain(policy, now))
	return 0
}

type goalJSON struct {
	Goal      string    `json:"goal"`
	State     string    `json:"state"`
	Cycle     int       `json:"cycle"`
	Target    string    `json:"target,omitempty"`
	Calendar  string    `json:"calendar,omitempty"`
	Start     time.Time `json:"start,omitzero"`
	Stop      time.Time `json:"stop,omitzero"`
	Deadline  time.Time `json:"deadline,omitzero"`
	Elapsed   string    `json:"elapsed"`
	Remaining string    `json:"remaining,omitempty"`
	DueStep   *stepJSON `json:"due_step,omitempty"`
	NextStep  *stepJSON `json:"next_step,omitempty"`
}

type stepJSON struct {
	Level   int       `json:"level"`
	Rung    string    `json:"rung"`
	Channel string    `json:"channel"`
	At      time.Time `json:"at"`
}

type outcomeJSON struct {
	Key         string            `json:"key"`
	At          time.Time         `json:"at"`
	Priority    string            `json:"priority,omitempty"`
	Type        string            `json:"type,omitempty"`
	Customer    string            `json:"customer,omitempty"`
	Plan        string            `json:"plan,omitempty"`
	Goals       []goalJSON        `json:"goals"`
	Labels      []string          `json:"labels"`
	Fields      map[string]string `json:"fields"`
	SetPriority string            `json:"set_priority,omitempty"`
	Comments    []string          `json:"comments,omitempty"`
	Flags       []rules.Flag      `json:"flags,omitempty"`
}

func explainJSON(o *rules.Outcome, now time.Time) outcomeJSON {
	out := outcomeJSON{Key: o.Issue.Key, At: now, Labels: o.Labels, Fields: map[string]string{}, SetPriority: o.SetPriority, Flags: o.Flags}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	if o.Priority != nil {
		out.Priority = o.Priority.Name
	}
	if o.Type != nil {
		out.Type = o.Type.Name
	}
	if o.Customer != nil {
		out.Customer = o.Customer.Name
	}
	if o.Plan != nil {
		out.Plan = o.Plan.Name
	}
	for name, v := range o.Fields {
		out.Fields[name] = v.String()
	}
	for _, c := range o.Comments {
		out.Comments = append(out.Comments, c.Key)
	}
	for _, g := range o.Goals {
		gj := goalJSON{Goal: g.Goal.Name, State: string(g.State), Cycle: g.Cycle, Start: g.Start, Stop: g.Stop,
			Deadline: g.Deadline, Elapsed: g.Elapsed.String()}
		if g.Row != nil && !g.Row.None {
			gj.Target, gj.Remaining = g.Target.String(), g.Remaining.String()
		}
		if g.Calendar != nil {
			gj.Calendar = g.Calendar.Name()
		}
		for _, s := range g.Steps {
			sj := &stepJSON{Level: s.Step.Level, Rung: string(s.Step.Rung), Channel: s.Step.Channel, At: s.At}
			switch {
			case s.Due:
				gj.DueStep = sj
			case gj.NextStep == nil && !s.At.IsZero() && !g.Stopped():
				gj.NextStep = sj
			}
		}
		out.Goals = append(out.Goals, gj)
	}
	return out
}
