package jirasim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slabot/slabot/connectors/jira/jirasim"
)

// BenchmarkSearchPaging pages through every issue of a project, 100 at a
// time, in slabot's order (updated, then key), asking for ids only: the
// simulator's own cost of a full sync's search. Search answers from an
// ordering kept between pages (order.go), so the cost per issue stays flat
// from 10,000 to 100,000 issues; sorting every issue for each page made it
// grow with the pages. main f6fffcf against v23lean in one run (1x):
// 20,948 -> 5,152 ns/issue at 10,000, 229,319 -> 6,936 at 100,000 (3x
// earlier: 21,962 -> 3,719 at 10,000).
func BenchmarkSearchPaging(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("issues=%d", n), func(b *testing.B) {
			seed := jirasim.DefaultSeed()
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range n {
				seed.Issues = append(seed.Issues, jirasim.Issue{Project: "SUP", Type: "Incident", Priority: "High", Status: "Open",
					Summary: "benchmark issue", Reporter: jirasim.CustomerID, Created: start.Add(time.Duration(i) * time.Minute)})
			}
			sim, err := jirasim.New(seed, jirasim.Options{})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(sim)
			defer srv.Close()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if got := pageAll(b, srv.URL, `project = "SUP" ORDER BY updated ASC, key ASC`); got != n {
					b.Fatalf("paged %d issues, want %d", got, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/issue")
		})
	}
}

// pageAll pages through a search and counts the issues.
func pageAll(b *testing.B, base, jql string) int {
	b.Helper()
	n, token := 0, ""
	for {
		body, _ := json.Marshal(map[string]any{"jql": jql, "maxResults": 100, "fields": []string{"id"}, "nextPageToken": token})
		req, _ := http.NewRequest(http.MethodPost, base+"/rest/api/2/search/jql", bytes.NewReader(body))
		req.SetBasicAuth(jirasim.BotEmail, jirasim.BotToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var page struct {
			Issues        []struct{} `json:"issues"`
			NextPageToken string     `json:"nextPageToken"`
			IsLast        bool       `json:"isLast"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("search: %d %v", resp.StatusCode, err)
		}
		n += len(page.Issues)
		if page.IsLast || page.NextPageToken == "" {
			return n
		}
		token = page.NextPageToken
	}
}
