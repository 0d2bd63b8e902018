package main

import (
	"fmt"
	"regexp"

	"github.com/slabot/slabot/rules"
)

// demoGroupIDs gives each user-group handle the policies' ladders name
// its id in the demo's Slack, S0001 on, in the order the policies name
// them: demoUserGroups creates them, the transcript renders them.
func demoGroupIDs(policies []*rules.Policy) (handles []string, ids map[string]string) {
	ids = map[string]string{}
	for _, p := range policies {
		for _, h := range p.Ladder.GroupHandles() {
			if _, ok := ids[h]; !ok {
				handles = append(handles, h)
				ids[h] = fmt.Sprintf("S%04d", len(handles))
			}
		}
	}
	return handles, ids
}

// subteamMention is Slack's user-group mention, <!subteam^ID> or
// <!subteam^ID|@handle> (Slack's "Formatting text for app surfaces":
// mentioning user groups).
var subteamMention = regexp.MustCompile(`<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>`)

// renderGroupMentions writes each user-group mention as Slack shows it to
// people, @handle (issue 25: the transcript showed raw <!subteam^S0001>).
// A mention of an id the demo did not create stays as written.
func renderGroupMentions(text string, handleOf map[string]string) string {
	return subteamMention.ReplaceAllStringFunc(text, func(m string) string {
		sub := subteamMention.FindStringSubmatch(m)
		if h, ok := handleOf[sub[1]]; ok {
			return "@" + h
		}
		if sub[2] != "" {
			return sub[2]
		}
		return m
	})
}
