package slacksim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// slack-go's UploadFileContext (files.getUploadURLExternal, the upload URL,
// files.completeUploadExternal) stores the file and shares it as a message
// that history lists with its file.
func TestUploadFileSharesMessage(t *testing.T) {
	srv, api := newClient(t)
	ctx := context.Background()
	sum, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: "report.html", Content: "<p>hi</p>", FileSize: 9, Title: "Report", Channel: "C1", InitialComment: "*Monthly report*",
	})
	if err != nil || sum.ID == "" || sum.Title != "Report" {
		t.Fatalf("upload = %+v, %v", sum, err)
	}
	files := srv.Files()
	if len(files) != 1 || string(files[0].Data) != "<p>hi</p>" || files[0].Channel != "C1" || files[0].TS == "" {
		t.Fatalf("files %+v", files)
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if err != nil || len(h.Messages) != 1 {
		t.Fatalf("history %+v, %v", h, err)
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
