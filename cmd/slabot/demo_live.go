package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/slabot/slabot/connectors/jira"
	"github.com/slabot/slabot/connectors/jira/jirasim"
	"github.com/slabot/slabot/connectors/slack/slacksim"
)

// liveDemoPassword is the API token of every person on the demo site when
// it is served live, so anyone can act as a customer or an agent with curl.
const liveDemoPassword = "demo"

// liveDemoTokens gives every demo account an API token.
func liveDemoTokens(seed *jirasim.Seed) {
	for i := range seed.Users {
		if seed.Users[i].APIToken == "" {
			seed.Users[i].APIToken = liveDemoPassword
		}
	}
}

// Served live, the demo's Jira sends its admin webhook, signed with
// liveWebhookSecret, to the address the printed `slabot run` listens on,
// as a site configured per README "Jira webhooks" would: changes reach
// the SLA fields within a second, and the 20 s poll is the safety net.
// Until `slabot run` is up the deliveries fail and are retried with
// backoff, as Jira retries them.
const (
	liveWebhookSecret = "demo-webhook-secret"
	liveListen        = "127.0.0.1:9090"
	liveURL           = "http://" + liveListen
)

// serveLiveWebhook gives the live demo's site the admin webhook `slabot
// setup` would create, with the secret an administrator would have typed
// on the WebHooks page (the one step setup leaves to a person): so the
// printed `slabot setup` finds it as it should be, and `check` passes.
func serveLiveWebhook(d *demoEnv) error {
	spec, _ := webhookSpec(config{PublicURL: liveURL}, d.policies)
	return d.jsim.AddWebhook(jirasim.Webhook{Name: jira.WebhookName, URL: spec.URL, Secret: liveWebhookSecret,
		JQL: spec.JQL(), Events: jira.WebhookEvents})
}

// printLiveDemo prints how to point `slabot run` at the live simulators and
// how to play a ticket through with curl.
func printLiveDemo(w io.Writer, d *demoEnv) {
	var pairs []string
	for name, id := range demoChannels(d.policies) {
		pairs = append(pairs, name+"="+id)
	}
	sort.Strings(pairs)
	jira := d.jsrv.URL
	fmt.Fprintf(w, `
The simulators now run on the wall clock (the fortnight's issues stay as they are).
What they hold: %s/ (projects, issues, fields) and %s/ (channels, messages).
The Jira site is the fortnight's: its search lags %s behind changes (SLABOT_JIRA_INDEX_LAG's
default, 1m, covers it), it answers 429 with Retry-After past %d requests at once per endpoint,
and slabot's account is in %s (JQL date literals are read in that zone). It sends its admin
webhook, signed, to %s/jira/webhook: with the secret below slabot updates an issue within a
second of a change, and its 20 s poll is the safety net.
In another terminal, point slabot at them, with the demo's database:

  export SLABOT_JIRA_URL=%s SLABOT_JIRA_EMAIL=%s SLABOT_JIRA_TOKEN=%s
  export SLABOT_SLACK_TOKEN=xoxb-demo SLABOT_SLACK_APP_TOKEN=%s SLABOT_SLACK_API_URL=%s
  export SLABOT_SLACK_CHANNELS='%s'
  export SLABOT_POLICIES=deploy/policies SLABOT_DB=%s SLABOT_SCHEDULE='@every 20s' SLABOT_LISTEN=%s
  export SLABOT_JIRA_WEBHOOK_SECRET=%s SLABOT_PUBLIC_URL=%s
  slabot setup   # finds the site's fields and its admin webhook as the policies need them
  slabot run

Then work a ticket as Hydra's customer (olga@telecom.example) and agent (ivan@latera.ru); every
account's API token is %q:

  curl -su olga@telecom.example:demo -H 'Content-Type: application/json' %s/rest/api/2/issue \
    -d '{"fields":{"project":{"key":"HYD"},"issuetype":{"name":"Incident"},"priority":{"name":"High"},"summary":"Live: billing stuck"}}'
  curl -su ivan@latera.ru:demo '%s/rest/api/2/issue/HYD-4?fields=*all'
  curl -su ivan@latera.ru:demo -H 'Content-Type: application/json' %s/rest/api/2/issue/HYD-4/comment -d '{"body":"Looking at it."}'
  curl -su ivan@latera.ru:demo %s/rest/api/2/issue/HYD-4/transitions
  curl -su ivan@latera.ru:demo -H 'Content-Type: application/json' %s/rest/api/2/issue/HYD-4/transitions -d '{"transition":{"id":"ID"}}'
  curl -s -H 'Authorization: Bearer xoxb-demo' '%sconversations.history?channel=CHANNEL-ID'

Press a ladder message's buttons as a person would (Lina Lead, %s, is in every ladder's user
group): the simulator's own route takes the user, the channel, the button (slabot.ack,
slabot.claim, slabot.snooze.30m, slabot.snooze.1h) and optionally the message's ts (default: the
newest message of the channel with that button), and answers with slabot's reply:

  curl -s -X POST %s%s -d user=%s -d channel=CHANNEL-ID -d action_id=slabot.ack

Ctrl-C stops the simulators.
`, jira, d.ssim.URL, demoIndexLag, demoLimits().Burst, demoBotZone, "http://"+liveListen, jira, jirasim.BotEmail, jirasim.BotToken, demoAppToken, d.ssim.APIURL(), strings.Join(pairs, ","), d.dbPath, liveListen, liveWebhookSecret, liveURL, liveDemoPassword,
		jira, jira, jira, jira, jira, d.ssim.APIURL(), demoLeadUser, d.ssim.URL, slacksim.PressPath, demoLeadUser)
}
