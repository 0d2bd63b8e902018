package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/slabot/slabot/bot/outbox"
	"github.com/slabot/slabot/bot/store"
	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/rules"
)

// runExplain prints the engine's reasoning for one issue beside its
// ledger. Offline it reads the issue as GET
// /rest/api/2/issue/KEY?expand=changelog,names returns it, and says the
// ledger is not available; live (slabot explain KEY) it fetches the issue
// with the configured credentials and reads the ledger from SLABOT_DB.
func runExplain(args []string, stdout, stderr io.Writer) int {
	f := newVerbFlags("explain", "KEY [--at RFC3339] [--json]  |  slabot explain --issue FILE.json [--policies PATH] [--bot-account ID|EMAIL] [--at RFC3339] [--json]", stdout, stderr)
	policyPath := f.policiesFlag()
	issueFile := f.String("issue", "", "issue JSON as GET /rest/api/2/issue/KEY?expand=changelog,names returns it (offline)")
	botAccount := f.String("bot-account", "", "offline: the bot's Jira account id or e-mail, so its own comments are not a first response")
	at := f.String("at", "", "evaluate as of this RFC 3339 instant (default: now)")
	asJSON := f.Bool("json", false, "print goals, deadlines, states, labels, each step's due instant and its ledger as JSON")
	keys, code, ok := f.parse(args, 0, 1)
	if !ok {
		return code
	}
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return f.usageError("--at: %v", err)
		}
		now = t
	}
	var (
		iss    rules.Issue
		policy *rules.Policy
		bot    string
		lg     rules.Ledger
	)
	switch {
	case *issueFile != "" && len(keys) > 0:
		return f.usageError("offline (--issue) takes no issue key; live, give only the key")
	case *issueFile == "" && *botAccount != "":
		return f.usageError("--bot-account is for offline use: live, the bot account is the one that signs in")
	case *issueFile != "":
		policies, err := loadPolicies(*policyPath)
		if errors.Is(err, errNoPath) {
			return f.usageError("%v", err)
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitProblem
		}
		data, err := os.ReadFile(*issueFile)
		if err != nil {
			return f.usageError("%v", err)
		}
		specs, err := rules.FieldsOf(policies)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitUsage
		}
		if iss, err = jira.DecodeIssue(data, specs, os.Getenv("SLABOT_JIRA_ORGANIZATIONS_FIELD")); err != nil {
			fmt.Fprintf(stderr, "slabot explain: %s: %v\n", *issueFile, err)
			return exitProblem
		}
		project, _, _ := strings.Cut(iss.Key, "-")
		if policy = policyFor(policies, project); policy == nil && len(policies) == 1 {
			policy = policies[0]
		}
		if policy == nil {
			fmt.Fprintf(stderr, "slabot explain: no policy in %s governs project %s\n", *policyPath, project)
			return exitProblem
		}
		bot = botAccountID(iss, *botAccount)
		lg.Why = "offline: the issue was read from " + *issueFile + " and no database is read; run slabot explain KEY where slabot's database is"
	case len(keys) == 1:
		var code int
		if iss, policy, bot, code = liveIssue(keys[0], *policyPath, stderr); code != 0 {
			return code
		}
		lg = readLedger(iss.Key)
	default:
		return f.usageError("give an issue KEY (live) or --issue FILE.json (offline)")
	}
	ev := rules.Evaluate(policy, []rules.Issue{iss}, now, rules.Options{BotAccountID: bot})
	o := &ev.Outcomes[0]
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(explainJSON(o, &policy.Ladder, now, lg)); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	fmt.Fprint(stdout, o.ExplainLedger(policy, now, lg))
	return 0
}

// readLedger reads the issue's ledger from the configured database
// (SLABOT_DB), or says why it cannot: explain never guesses what was sent.
func readLedger(key string) rules.Ledger {
	cfg, err := loadConfig(false, false)
	if err != nil {
		return rules.Ledger{Why: err.Error()}
	}
	if !databaseExists(cfg.Database) {
		return rules.Ledger{Why: "no database at " + cfg.Database + " (SLABOT_DB)"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, cfg.Database, store.Options{SkipIntegrityCheck: true, PasswordFile: cfg.DatabasePasswordFile})
	if err != nil {
		return rules.Ledger{Why: err.Error()}
	}
	defer db.Close()
	channels, _ := parsePairs("SLABOT_SLACK_CHANNELS", cfg.SlackChannels) // names only: a bad list is run's and check's to report
	entries, err := outbox.ReadLedger(ctx, db, key, channels)
	if err != nil {
		return rules.Ledger{Why: err.Error()}
	}
	return rules.Ledger{Available: true, Entries: entries}
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
	// Steps are every ladder step: its due instant (the computation)
	// beside what the ledger says happened to it (when it is available).
	Steps []rules.StepRecord `json:"steps"`
	// Other are the goal cycle's clicks and entries of no current step.
	Other []rules.LedgerEntry `json:"clicks_and_other,omitempty"`
}

type stepJSON struct {
	Level   int    `json:"level"`
	Rung    string `json:"rung"`
	Channel string `json:"channel"` // "" when the rung only pages
	// Page is the environment variable of the PagerDuty routing key the
	// step pages with, when its rung pages (with a channel: besides
	// posting; without: instead).
	Page string    `json:"page,omitempty"`
	At   time.Time `json:"at"`
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
	// Ledger says whether the ledger was read (why not, offline) and
	// holds all of the issue's entries, every goal cycle.
	Ledger rules.Ledger `json:"ledger"`
}

func explainJSON(o *rules.Outcome, l *rules.Ladder, now time.Time, lg rules.Ledger) outcomeJSON {
	out := outcomeJSON{Key: o.Issue.Key, At: now, Labels: o.Labels, Fields: map[string]string{}, SetPriority: o.SetPriority, Flags: o.Flags,
		Ledger: lg}
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
		gj.Steps, gj.Other = g.StepRecords(l, lg.Entries)
		if gj.Steps == nil {
			gj.Steps = []rules.StepRecord{}
		}
		for _, s := range g.Steps {
			sj := &stepJSON{Level: s.Step.Level, Rung: string(s.Step.Rung), Channel: s.Step.Channel, Page: l.Pages[s.Step.Rung], At: s.At}
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

// botAccountID turns --bot-account into the account id the engine compares
// authors with: an id as given, an e-mail through the authors of the
// issue's comments and changes (an e-mail nobody on the issue has means
// the bot never acted on it).
func botAccountID(iss rules.Issue, v string) string {
	if !strings.Contains(v, "@") {
		return v
	}
	users := []rules.User{iss.Reporter}
	if iss.Assignee != nil {
		users = append(users, *iss.Assignee)
	}
	for _, c := range iss.Comments {
		users = append(users, c.Author)
	}
	for _, w := range iss.Worklogs {
		users = append(users, w.Author)
	}
	for _, u := range users {
		if u.Email != "" && strings.EqualFold(u.Email, v) {
			return u.AccountID
		}
	}
	return ""
}
