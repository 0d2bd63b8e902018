package main

import (
	"context"
	"strings"
	"time"

	"github.com/slabot/slabot/bot"
	"github.com/slabot/slabot/connectors/slack"
	"github.com/slabot/slabot/rules"
)

// slackPort adapts the Slack dispatcher and its outbox to the worker's
// Escalator.
type slackPort struct {
	d       *slack.Dispatcher
	jiraURL string // for links to issues
	// channels maps the policies' channel names (#support) to Slack channel
	// ids (SLABOT_SLACK_CHANNELS): threads are matched by id.
	channels map[string]string
	// metrics counts what each dispatch pass did (nil: not counted).
	metrics *slackMetrics
}

func (s slackPort) channel(name string) string {
	id, _ := channelID(s.channels, name)
	return id
}

// channelID resolves a channel as a policy names it: "#name" through
// SLABOT_SLACK_CHANNELS, an id (C0123...) as it is. ok is false for a
// "#name" without an id: the dispatcher refuses names (threads and the
// outbox's look-ups work on ids), and name is returned unchanged.
func channelID(channels map[string]string, name string) (id string, ok bool) {
	if id, ok := channels[name]; ok {
		return id, true
	}
	return name, !strings.HasPrefix(name, "#")
}

func (s slackPort) Escalate(ctx context.Context, now time.Time, e bot.Escalation) error {
	se := slack.Escalation{
		IssueKey: e.IssueKey, IssueURL: strings.TrimSuffix(s.jiraURL, "/") + "/browse/" + e.IssueKey,
		Goal: e.Goal, Cycle: e.Cycle, Level: e.Level, Rung: rungName(e.Rung),
		Summary: e.Summary, Customer: e.Customer, Plan: e.Plan, Priority: e.Priority,
		Deadline: e.Deadline, Remaining: e.Remaining, AsOf: now, Status: "at risk",
	}
	if e.Remaining <= 0 {
		se.Status = "breached"
	}
	if e.Rung == rules.RungAgent {
		se.Target.FallbackChannel = s.channel(e.Channel)
		if a := e.Assignee; a != nil {
			se.Target.AssigneeAccountID, se.Target.AssigneeEmail, se.Target.AssigneeName = a.AccountID, a.Email, a.DisplayName
		}
	} else {
		se.Target.Channel = s.channel(e.Channel)
	}
	_, err := s.d.Enqueue(ctx, now, se)
	return err
}

func (s slackPort) GoalMet(ctx context.Context, now time.Time, issueKey, goal string, cycle int) error {
	_, err := s.d.GoalMet(ctx, now, issueKey, goal, cycle)
	return err
}

func (s slackPort) Dispatch(ctx context.Context, now time.Time) error {
	rep, err := s.d.RunOnce(ctx)
	s.metrics.observe(rep)
	return err
}

// DeliverReport stores a scheduled report in the outbox (once per project
// and period) for the dispatcher to upload to the rung's channel.
func (s slackPort) DeliverReport(ctx context.Context, now time.Time, r bot.ReportDelivery) error {
	_, err := s.d.EnqueueReport(ctx, now, slack.ReportFile{
		Product: r.Product, Project: r.Project, Period: r.Period, Title: r.Title, Summary: r.Summary,
		FileName: r.FileName, Content: r.Content, Channel: s.channel(r.Channel),
	})
	return err
}

func rungName(r rules.Rung) string {
	switch r {
	case rules.RungTeamLead:
		return "team lead"
	case rules.RungManagement:
		return "management"
	}
	return "agent"
}
