package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slabot/slabot/connectors/slack/slacksim"
	"github.com/slabot/slabot/rules"
)

// The demo's team lead presses buttons on ladder messages at scripted
// instants: the clicks go over the demo's Socket Mode connection to the
// same listener and Clicks that `slabot run` uses.

const (
	demoLeadUser  = "U0LINA" // Lina Lead, in @support-leads
	demoLeadName  = "Lina Lead"
	demoLeadEmail = "lina@botronsoft.com" // Jira's botron-lead
)

// demoClick is one press the demo made, and what Slack answered.
type demoClick struct {
	at            time.Time
	issue, button string
	message       string // the pressed message's fallback text
	channel, ts   string // the pressed message
	reply         string
}

// clickRouter hands a click to the current process's Clicks (a restart
// replaces them).
type clickRouter struct{ d *demoEnv }

func (r clickRouter) Click(ctx context.Context, a rules.Click) (string, error) {
	return r.d.clicks.Click(ctx, a)
}

// press is a script event: the team lead presses button (an action id:
// slabot.ack, slabot.claim, slabot.snooze.30m, ...) on the latest ladder
// message of alias.
func press(alias, at, button string) scriptEvent {
	return scriptEvent{at: utc(at), what: fmt.Sprintf("%s presses %s on %s", demoLeadName, button, alias),
		press: func(ctx context.Context, d *demoEnv, at time.Time) error {
			return d.press(ctx, d.keys[alias], button, at)
		}}
}

// listen starts the Socket Mode listener (once per process) and waits
// until it is connected.
func (d *demoEnv) listen(ctx context.Context) error {
	if d.stopListen != nil {
		return nil
	}
	if !d.leadJoined {
		// Lina is in no ladder channel: she may act as a member of the
		// user group Botron's ladder names (@support-leads, demoUserGroups).
		d.ssim.AddUser(slacksim.User{ID: demoLeadUser, Name: "lina", Real: demoLeadName, Email: demoLeadEmail})
		d.leadJoined = true
	}
	lctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = d.slack.Listen(lctx, clickRouter{d}, d.log)
	}()
	d.stopListen = func() { cancel(); <-done }
	d.listens++
	wait, cancelWait := context.WithTimeout(ctx, 30*time.Second)
	defer cancelWait()
	return d.ssim.WaitConnected(wait, d.listens)
}

func (d *demoEnv) stopListening() {
	if d.stopListen != nil {
		d.stopListen()
		d.stopListen = nil
	}
}

// press presses button on issue's latest ladder message and waits for the
// answer Slack shows the presser.
func (d *demoEnv) press(ctx context.Context, issue, button string, at time.Time) error {
	if err := d.listen(ctx); err != nil {
		return err
	}
	var m slacksim.Message
	found := false
	for _, x := range d.ssim.AllMessages() {
		if x.IsReply() || x.Metadata == nil {
			continue
		}
		k, _ := x.Metadata.EventPayload["key"].(string)
		if is, _, _, _, err := rules.ParseNoticeKey(k); err != nil || is != issue {
			continue
		}
		if !found || tsAfter(x.TS, m.TS) {
			m, found = x, true
		}
	}
	if !found {
		return fmt.Errorf("no ladder message for %s to press %s on", issue, button)
	}
	before := len(d.ssim.Ephemerals())
	env, err := d.ssim.Press(slacksim.Click{User: demoLeadUser, Channel: m.Channel, TS: m.TS, ActionID: button})
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := d.ssim.Deliver(dctx, env); err != nil {
		return err
	}
	// The answer is posted after the acknowledgement: wait for it.
	c := demoClick{at: at, issue: issue, button: button, message: m.Text, channel: m.Channel, ts: m.TS}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if eph := d.ssim.Ephemerals(); len(eph) > before {
			c.reply = eph[len(eph)-1].Text
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer to %s on %s", button, issue)
		}
	}
	d.clicked = append(d.clicked, c)
	return nil
}

// tsAfter compares two Slack ts ("1700000000.000100").
func tsAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// printClicks writes the team lead's clicks, Slack's answers, and what
// they did in Jira: the assignee and slabot's internal comments.
func (d *demoEnv) printClicks(w io.Writer) {
	if len(d.clicked) == 0 {
		return
	}
	fmt.Fprintln(w, "\n== Clicks in Slack (as "+demoLeadName+", a member of #botron-leads)")
	issues := []string{}
	for _, c := range d.clicked {
		loc := time.UTC
		proj, _, _ := strings.Cut(c.issue, "-")
		if p := policyFor(d.policies, proj); p != nil {
			loc = p.DefaultCalendar.Location()
		}
		level, _, _ := strings.Cut(strings.TrimPrefix(c.message, "["), "]")
		writeWrapped(w, "  "+c.at.In(loc).Format("Mon 02 Jan 15:04")+" ",
			fmt.Sprintf("%s on %s's %s message -> %s", c.button, c.issue, level, c.reply))
		if len(issues) == 0 || issues[len(issues)-1] != c.issue {
			issues = append(issues, c.issue)
		}
	}
	// The pressed thread parents, as they read now.
	names := map[string]string{}
	for name, id := range demoChannels(d.policies) {
		names[id] = name
	}
	seen := map[string]bool{}
	for _, c := range d.clicked {
		if seen[c.channel+c.ts] {
			continue
		}
		seen[c.channel+c.ts] = true
		for _, m := range d.ssim.AllMessages() {
			if m.Channel != c.channel || m.TS != c.ts {
				continue
			}
			var says []string
			b := blocksUnescaped(m)
			for _, what := range []string{"Acknowledged by", "Claimed by"} {
				if strings.Contains(b, what+" <@"+demoLeadUser+">") {
					says = append(says, what+" "+demoLeadName)
				}
			}
			if len(says) > 0 {
				where := names[c.channel]
				if where == "" {
					where = "a direct message"
				}
				fmt.Fprintf(w, "  %s's thread parent in %s now says: %s (edited %d time(s))\n", c.issue, where, strings.Join(says, "; "), len(m.Edits))
			}
		}
	}
	for _, key := range issues {
		is, ok := d.jsim.Issue(key)
		if !ok {
			continue
		}
		fmt.Fprintf(w, "  %s in Jira now: assignee %s\n", key, is.Assignee)
		for _, c := range is.Comments {
			if strings.Contains(c.Body, "[slabot:ack-") {
				vis := "public"
				if c.Internal {
					vis = "internal"
				}
				writeWrapped(w, "    "+vis+" comment: ", c.Body)
			}
		}
	}
}

// blocksUnescaped is a message's blocks with JSON's escapes of <, > and &
// undone.
func blocksUnescaped(m slacksim.Message) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(m.Blocks))
}
