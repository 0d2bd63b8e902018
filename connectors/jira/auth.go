package jira

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// authTransport adds basic auth to requests for the configured site only.
// go-jira's BasicAuthTransport adds it to every request the client sends,
// redirects included, so a redirect to another host (or to plain http)
// would carry the API token there. Here credentials go only to the site's
// own scheme and host; sameSiteRedirects refuses the rest outright, so
// the failure is visible rather than a silent 401 elsewhere.
type authTransport struct {
	email, token string
	site         *url.URL
	base         http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if sameOrigin(t.site, req.URL) {
		req = req.Clone(req.Context())
		req.SetBasicAuth(t.email, t.token)
	}
	return t.base.RoundTrip(req)
}

func sameOrigin(site, u *url.URL) bool {
	return strings.EqualFold(u.Scheme, site.Scheme) && strings.EqualFold(u.Host, site.Host)
}

// sameSiteRedirects follows redirects within the site and refuses any to
// another host or scheme, then applies next (the caller's policy), or the
// default limit of 10 hops.
func sameSiteRedirects(site *url.URL, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !sameOrigin(site, req.URL) {
			return &RedirectError{From: via[0].URL.Scheme + "://" + via[0].URL.Host, To: req.URL.Scheme + "://" + req.URL.Host}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return fmt.Errorf("jira: stopped after 10 redirects")
		}
		return nil
	}
}

// RedirectError is a redirect off the site, refused (never retried): the
// credentials would have followed it.
type RedirectError struct {
	From, To string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("jira: refusing a redirect from %s to %s: credentials are only sent to the configured site; "+
		"if the site moved, set the Jira base URL to its new address", e.From, e.To)
}
