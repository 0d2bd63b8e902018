package jirasim

import (
	"bytes"
	"testing"
)

// Mirrors of the hand-encoded types, without their methods: what
// reflection writes from the same struct tags.
type (
	taggedUser struct {
		Self         string   `json:"self"`
		AccountID    string   `json:"accountId"`
		AccountType  string   `json:"accountType"`
		Active       bool     `json:"active"`
		AvatarURLs   jAvatars `json:"avatarUrls"`
		DisplayName  string   `json:"displayName"`
		EmailAddress string   `json:"emailAddress,omitempty"`
		TimeZone     string   `json:"timeZone,omitempty"`
	}
	taggedHistory struct {
		ID      string      `json:"id"`
		Author  *taggedUser `json:"author,omitempty"`
		Created string      `json:"created"`
		Items   []jItem     `json:"items"`
	}
)

// TestHandEncodedAsTagged: changelog entries and users write the bytes
// their struct tags would (encode.go writes them by hand).
func TestHandEncodedAsTagged(t *testing.T) {
	s := func(v string) *string { return &v }
	users := []*jUser{nil,
		{Self: "http://x/rest/api/2/user?accountId=a<b>&c", AccountID: "a", AccountType: "atlassian", Active: true,
			AvatarURLs: jAvatars{Large: "http://x/avatar/a"}, DisplayName: "Zoë \"Z\" Ünal", EmailAddress: "z@x", TimeZone: "Europe/Sofia"},
		{AccountID: "b", AccountType: "customer", DisplayName: "b"},
	}
	itemSets := [][]jItem{nil, {},
		{{Field: "status", FieldType: "jira", FieldID: "status", From: s("1"), FromString: s("Open"), To: s("3"), ToString: s("In Progress")},
			{Field: "Key", FieldType: "jira", FromString: s("A-1"), ToString: s("B-2 & <c>")}}}
	for _, u := range users {
		for _, items := range itemSets {
			h := jHistory{ID: "20001", Author: u, Created: "2026-11-10T10:00:00.123+0200", Items: items}
			m := taggedHistory{ID: h.ID, Created: h.Created, Items: items}
			if u != nil {
				tu := taggedUser(*u)
				m.Author = &tu
			}
			var got, want bytes.Buffer
			if err := encodeJSON(&got, []jHistory{h}); err != nil {
				t.Fatal(err)
			}
			if err := encodeJSON(&want, []taggedHistory{m}); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("hand-encoded:\n%s\ntagged:\n%s", got.String(), want.String())
			}
		}
	}
}
