package view

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The page is open on loopback and needs SLABOT_WEB_TOKEN from anywhere
// else: 401 without credentials (with a basic auth challenge, so a browser
// asks), 403 with wrong ones or when no token is configured.
func TestGuard(t *testing.T) {
	const token = "web-token-ü-4711"
	ok := http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { _, _ = rw.Write([]byte("the page")) })
	for _, c := range []struct {
		name, token, remote, auth string
		basic                     []string // user, password
		want                      int
	}{
		{"loopback v4, no token configured", "", "127.0.0.1:5555", "", nil, 200},
		{"loopback v6", token, "[::1]:5555", "", nil, 200},
		{"outside, nothing", token, "10.1.2.3:5555", "", nil, 401},
		{"outside, no token configured", "", "10.1.2.3:5555", "Bearer " + token, nil, 403},
		{"outside, no token configured, nothing sent", "", "10.1.2.3:5555", "", nil, 401},
		{"outside, wrong bearer", token, "10.1.2.3:5555", "Bearer nope", nil, 403},
		{"outside, right bearer", token, "10.1.2.3:5555", "Bearer " + token, nil, 200},
		{"outside, bearer scheme in lower case", token, "192.168.0.9:1", "bearer " + token, nil, 200},
		{"outside, basic with the token as password", token, "[2001:db8::1]:443", "", []string{"lead", token}, 200},
		{"outside, basic with a wrong password", token, "[2001:db8::1]:443", "", []string{"lead", "guess"}, 403},
		{"outside, token as basic user name only", token, "10.1.2.3:5555", "", []string{token, ""}, 403},
		{"outside, another scheme", token, "10.1.2.3:5555", "Token " + token, nil, 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			if c.auth != "" {
				r.Header.Set("Authorization", c.auth)
			}
			if c.basic != nil {
				r.SetBasicAuth(c.basic[0], c.basic[1])
			}
			rw := httptest.NewRecorder()
			Guard(c.token, ok).ServeHTTP(rw, r)
			if rw.Code != c.want {
				t.Fatalf("status %d, want %d: %s", rw.Code, c.want, rw.Body)
			}
			body := rw.Body.String()
			if c.want == 200 && body != "the page" || c.want != 200 && strings.Contains(body, "the page") {
				t.Errorf("body %q", body)
			}
			if strings.Contains(body, token) {
				t.Errorf("the answer shows the token: %q", body)
			}
			if c.want == 401 && !strings.HasPrefix(rw.Header().Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("401 without a basic auth challenge: %v", rw.Header())
			}
		})
	}
}
