package integration

import (
	"net/url"
	"testing"
)

// replaceHost points a URL at another host:port.
func replaceHost(t *testing.T, raw, hostport string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = hostport
	return u.String()
}
