package view

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
)

// Guard serves h to requests from loopback as they are, and to any other
// address only with token, as `Authorization: Bearer TOKEN` or as the
// password of basic auth (any user name): a browser asks for basic auth by
// itself. Without credentials the answer is 401, with wrong ones (or when
// no token is configured, so none can be right) 403. The token is compared
// in constant time and never written anywhere.
//
// A request proxied to the listener from loopback (kubectl port-forward, a
// reverse proxy on the same host) is loopback: whoever reaches the host's
// loopback is trusted as the host is.
func Guard(token string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if fromLoopback(r) {
			h.ServeHTTP(rw, r)
			return
		}
		given, ok := credentials(r)
		switch {
		case !ok:
			rw.Header().Set("WWW-Authenticate", `Basic realm="slabot", charset="UTF-8"`)
			http.Error(rw, "slabot's page needs a token from here: send the SLABOT_WEB_TOKEN as Authorization: Bearer, or as the basic auth password", http.StatusUnauthorized)
		case token == "" || subtle.ConstantTimeCompare([]byte(given), []byte(token)) != 1:
			http.Error(rw, "slabot's page: the token is not the one configured (SLABOT_WEB_TOKEN); from other hosts than loopback it needs that token", http.StatusForbidden)
		default:
			h.ServeHTTP(rw, r)
		}
	})
}

// credentials is the token a request carries: a bearer token, or a basic
// auth password.
func credentials(r *http.Request) (string, bool) {
	if _, pass, ok := r.BasicAuth(); ok {
		return pass, true
	}
	auth := r.Header.Get("Authorization")
	if scheme, tok, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") && tok != "" {
		return strings.TrimSpace(tok), true
	}
	return "", false
}

// fromLoopback reports whether the request's peer is a loopback address.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
