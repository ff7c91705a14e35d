package api

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClientAddr(t *testing.T) {
	proxies, err := ParseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.7", "fd00::/8"})
	require.NoError(t, err)
	tp := trustedProxies(proxies)
	cases := []struct {
		name      string
		peer      string
		forwarded []string
		want      string
	}{
		{"untrusted peer, no header", "203.0.113.5", nil, "203.0.113.5"},
		{"untrusted peer's header is ignored", "203.0.113.5", []string{"198.51.100.1"}, "203.0.113.5"},
		{"trusted peer without a header is the client", "10.1.1.1", nil, "10.1.1.1"},
		{"trusted peer names the client", "10.1.1.1", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a forged leftmost entry is not believed", "10.1.1.1", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"a chain of trusted proxies is walked", "10.1.1.1", []string{"6.6.6.6, 198.51.100.1, 192.0.2.7, 10.9.9.9"}, "198.51.100.1"},
		{"several headers are one list", "10.1.1.1", []string{"6.6.6.6, 198.51.100.1", "10.9.9.9"}, "198.51.100.1"},
		{"an untrusted hop ends the walk", "10.1.1.1", []string{"198.51.100.1, 203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"every hop trusted: the farthest", "10.1.1.1", []string{"10.2.2.2, 192.0.2.7"}, "10.2.2.2"},
		{"garbage ends the walk at the last hop known", "10.1.1.1", []string{"198.51.100.1, unknown, 10.9.9.9"}, "10.9.9.9"},
		{"an empty entry is garbage", "10.1.1.1", []string{"198.51.100.1,,"}, "10.1.1.1"},
		{"ports and brackets", "10.1.1.1", []string{"[2001:db8::1]:4711, 10.9.9.9:80"}, "2001:db8::1"},
		{"brackets without a port", "10.1.1.1", []string{"[2001:db8::2]"}, "2001:db8::2"},
		{"IPv6 proxy", "fd00::1", []string{"2001:db8::3"}, "2001:db8::3"},
		{"IPv4-mapped addresses are IPv4", "::ffff:10.1.1.1", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"an untrusted IPv4-mapped peer", "::ffff:203.0.113.5", []string{"198.51.100.1"}, "203.0.113.5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tp.clientAddr(netip.MustParseAddr(tc.peer), tc.forwarded)
			require.Equal(t, tc.want, got.String())
		})
	}
	// Without trusted proxies nobody's header counts.
	require.Equal(t, "10.1.1.1", trustedProxies(nil).clientAddr(netip.MustParseAddr("10.1.1.1"), []string{"198.51.100.1"}).String())
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies([]string{" 10.1.2.3/8 ", "192.0.2.7", "::ffff:172.16.0.0/108", "2001:db8::/32"})
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("2001:db8::/32"),
	}, got)
	for _, bad := range []string{"10.0.0.0/33", "bogus", "", "10.0.0", "fe80::1%eth0", "10.0.0.0/8/8"} {
		_, err := ParseTrustedProxies([]string{"10.0.0.0/8", bad})
		require.Error(t, err, "%q", bad)
		require.Contains(t, err.Error(), `"`+bad+`"`)
	}
}
