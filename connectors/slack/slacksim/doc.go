// Package slacksim is an in-memory Slack Web API over net/http, for tests,
// `slabot demo` and benchmarks. Point github.com/slack-go/slack at it with
// slack.OptionAPIURL(srv.URL + "/api/").
//
// It implements the methods slabot uses (auth.test, chat.postMessage,
// chat.update, users.lookupByEmail, conversations.open,
// conversations.history and conversations.replies, message metadata
// included; files.getUploadURLExternal, the upload URL and
// files.completeUploadExternal, which shares the file as a message whose
// history entry lists the file, asynchronously as Slack does: files.go)
// with Slack's answer shapes and error codes, gives every message a
// unique, increasing ts, and records every call so tests can assert on
// what reached "Slack".
//
// It is as strict as Slack where slabot could go wrong: only the tokens
// it was given are accepted (WithToken, WithScopes, WithAppToken; any
// other answers invalid_auth), and every bot token has scopes
// (DefaultScopes); blocks are held to Block Kit's documented limits and
// to the observed total beyond which Slack answers msg_blocks_too_long
// (blocks.go); history, replies and conversations.list refuse a cursor
// they did not issue (invalid_cursor) and an oldest or latest that is not
// a timestamp (invalid_ts_oldest, invalid_ts_latest).
//
// Socket Mode (socket.go): apps.connections.open answers an app-level
// token (xapp-) with a one-use websocket URL; the connection gets "hello"
// and pings, and Press + Deliver send a button press on a posted message
// as a block_actions envelope and wait for its acknowledgement (Acks
// records how long it took against Slack's 3 seconds). chat.postEphemeral,
// conversations.members and users.info serve the permission check and the
// refusal. A bot token may not open a socket and an app-level token may
// call nothing else (not_allowed_token_type). usergroups.list and
// usergroups.users.list (usergroups.go) serve user groups whose members
// may act (WithUserGroup, AddUserGroup; disabled groups only with
// include_disabled); both need usergroups:read (scopes.go).
//
// Channels are public or private (AddPrivateChannel), with or without the
// bot, possibly archived, and tokens carry scopes (WithScopes, SetScopes),
// with Slack's answers (scopes.go): conversations.list shows private
// channels only to a member and only for types=private_channel with
// groups:read; a private channel the bot is not in answers
// channel_not_found everywhere; a public one not_in_channel on a post
// unless the token has chat:write.public; an archived one is_archived; a
// method without its scope missing_scope with needed and provided.
//
// Faults are injectable per method and channel, scripted (Inject) or at
// random with a seed (SetChaos): a 429 with Retry-After, a 500, and
// "accept the message, then drop the connection" (the message is stored
// but the client gets no answer), which is the case that makes blind
// retries post twice.
//
// slack-go's own slacktest records nothing and lacks chat.update,
// conversations.open and history, hence this package.
package slacksim
