package slack

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/slabot/slabot/rules"
)

// Action ids of the buttons on ladder messages. The button's value is the
// step's outbox key (issue|goal|cycle|step), so a click names exactly the
// goal cycle it acts on, whichever message of the thread carried it.
const (
	actionAck      = "slabot.ack"
	actionClaim    = "slabot.claim"
	actionSnooze   = "slabot.snooze." // + a duration: 30m, 1h
	buttonsBlockID = "slabot.actions"
)

// snoozes are the snooze buttons offered.
var snoozes = []struct {
	d     time.Duration
	label string
}{{30 * time.Minute, "Snooze 30 min"}, {time.Hour, "Snooze 1 h"}}

// buttons is the actions block of a ladder message: none once the goal
// is met; Acknowledge and Claim only until someone did.
func buttons(e rules.Notice, st rules.ThreadStatus) slack.Block {
	if !st.Stop.IsZero() {
		return nil
	}
	step := e.Step
	if step == "" {
		step = "L" + strconv.Itoa(e.Level)
	}
	value := rules.NoticeKey(e.IssueKey, e.Goal, e.Cycle, step)
	btn := func(id, label string) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(id, value, slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
	}
	var els []slack.BlockElement
	if st.AckBy == "" {
		b := btn(actionAck, "Acknowledge")
		b.Style = slack.StylePrimary
		els = append(els, b)
	}
	if st.ClaimBy == "" {
		els = append(els, btn(actionClaim, "Claim"))
	}
	for _, s := range snoozes {
		els = append(els, btn(actionSnooze+shortDuration(s.d), s.label))
	}
	return slack.NewActionBlock(buttonsBlockID, els...)
}

func shortDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m"
}

var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// mention names a Slack user: a mention for a well-formed id, the escaped
// text otherwise.
func mention(user string) string {
	if slackUserID.MatchString(user) {
		return "<@" + user + ">"
	}
	return esc(user)
}

// actionLine says who acknowledged and who claimed the issue.
func actionLine(st rules.ThreadStatus) string {
	var parts []string
	if st.AckBy != "" {
		parts = append(parts, ":eyes: Acknowledged by "+mention(st.AckBy)+" "+dateToken(st.AckAt))
	}
	if st.ClaimBy != "" {
		parts = append(parts, ":raising_hand: Claimed by "+mention(st.ClaimBy)+" "+dateToken(st.ClaimAt))
	}
	return strings.Join(parts, " · ")
}

// parseAction reads a button press: what it does, the step key it names
// and, for a snooze, for how long.
func parseAction(actionID string) (kind rules.ClickKind, snooze time.Duration, ok bool) {
	switch {
	case actionID == actionAck:
		return rules.ClickAcknowledge, 0, true
	case actionID == actionClaim:
		return rules.ClickClaim, 0, true
	case strings.HasPrefix(actionID, actionSnooze):
		d, err := time.ParseDuration(strings.TrimPrefix(actionID, actionSnooze))
		if err != nil || d <= 0 {
			return "", 0, false
		}
		for _, s := range snoozes {
			if s.d == d {
				return rules.ClickSnooze, d, true
			}
		}
	}
	return "", 0, false
}
