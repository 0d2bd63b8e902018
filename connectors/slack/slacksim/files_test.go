package slacksim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// slack-go's UploadFileContext (files.getUploadURLExternal, the upload URL,
// files.completeUploadExternal) stores the file and shares it as a message
// that history lists with its file; the share lands asynchronously, as
// Slack's does ("files.completeUploadExternal API endpoint asynchronously
// completes the sharing of uploaded files", slackapi/bolt-js #2115): a
// history read right after the completion does not see it yet.
func TestUploadFileSharesMessage(t *testing.T) {
	srv, api := newClient(t)
	ctx := context.Background()
	sum, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: "report.html", Content: "<p>hi</p>", FileSize: 9, Title: "Report", Channel: "C1", InitialComment: "*Monthly report*",
	})
	if err != nil || sum.ID == "" || sum.Title != "Report" {
		t.Fatalf("upload = %+v, %v", sum, err)
	}
	if f := srv.Files(); len(f) != 1 || f[0].Channel != "" || f[0].TS != "" {
		t.Fatalf("shared in the same call: %+v", f)
	}
	if h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"}); err != nil || len(h.Messages) != 0 {
		t.Fatalf("history right after the completion: %+v, %v (want the share not there yet)", h, err)
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if err != nil || len(h.Messages) != 1 {
		t.Fatalf("history later %+v, %v", h, err)
	}
	files := srv.Files()
	if len(files) != 1 || string(files[0].Data) != "<p>hi</p>" || files[0].Channel != "C1" || files[0].TS == "" {
		t.Fatalf("files %+v", files)
	}
	m := h.Messages[0]
	if m.Text != "*Monthly report*" || len(m.Files) != 1 || m.Files[0].Name != "report.html" || m.Timestamp != files[0].TS {
		t.Fatalf("message %+v", m)
	}
	// Completing the same file again, or an unknown one, is refused.
	_, err = api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{Files: []slack.FileSummary{{ID: sum.ID}}, Channel: "C1"})
	if err == nil || !strings.Contains(err.Error(), "file_not_found") {
		t.Fatalf("second complete: %v", err)
	}
	if n := len(srv.Calls("upload")); n != 1 {
		t.Fatalf("%d upload calls recorded", n)
	}
}
