package slack

import "strings"

// RequiredScopes are the bot token scopes slabot uses, and no more: the
// Slack app manifest in deploy/slack-app-manifest.yaml grants exactly
// these (a test holds the three together: these, the manifest, and the
// Web API methods the client calls).
//
//	chat:write                        chat.postMessage, chat.update
//	users:read, users:read.email      users.lookupByEmail (assignees by their Jira e-mail)
//	im:write                          conversations.open (DMs to assignees)
//	channels:read, groups:read        conversations.info, conversations.list (channels by name, membership;
//	                                  a private channel is listed only with groups:read, once the bot is in it)
//	channels:history, groups:history, im:history
//	                                  conversations.history, .replies (finding an uncertain send)
//	files:write                       files.getUploadURLExternal, files.completeUploadExternal (reports)
//	usergroups:read                   usergroups.list, usergroups.users.list (user groups whose members may act)
var RequiredScopes = []string{
	"channels:history", "channels:read", "chat:write", "files:write", "groups:history", "groups:read",
	"im:history", "im:write", "usergroups:read", "users:read", "users:read.email",
}

// optionalScopes are in the manifest but serve only a feature a policy may
// not use: usergroups:read reads the user groups of
// ladder.rungs.NAME.groups. Missing does not count them, so an app
// installed before user groups came keeps passing check and readiness for
// policies that name no group; for one that does, VerifyGroups names the
// scope with the fix.
var optionalScopes = []string{"usergroups:read"}

func scopeList() string { return strings.Join(RequiredScopes, ", ") }
