package api

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// ParseTrustedProxies parses the addresses of trusted proxies: CIDRs
// ("10.0.0.0/8", "fd00::/8") or single addresses ("192.0.2.7"). Spaces
// around an entry are ignored, empty entries are not allowed.
// It returns an error naming the first entry that is neither.
func ParseTrustedProxies(entries []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(entries))
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if p, err := netip.ParsePrefix(e); err == nil {
			out = append(out, unmapPrefix(p).Masked())
			continue
		}
		if a, err := netip.ParseAddr(e); err == nil && a.Zone() == "" {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		return nil, fmt.Errorf("trusted proxy %q is neither a CIDR (like 10.0.0.0/8) nor an IP address", e)
	}
	return out, nil
}

// unmapPrefix turns ::ffff:a.b.c.d/n (n >= 96) into a.b.c.d/(n-96), so
// IPv4 proxies match however they were written.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// trustedProxies are the peers whose X-Forwarded-For is believed.
type trustedProxies []netip.Prefix

func (tp trustedProxies) contains(a netip.Addr) bool {
	for _, p := range tp {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address of the client behind peer. A peer that is not
// a trusted proxy is the client, whatever X-Forwarded-For says: anyone can
// send that header. A trusted proxy's X-Forwarded-For (forwarded: the
// header's values in the order received) is read from the right, where
// each proxy appended the address it got the request from, and the first
// address that is not a trusted proxy is the client; what lies left of it
// came from the client and may be forged. An entry that is not an address
// ends the walk at the last hop known. When every hop is trusted, the
// farthest is the client.
func (tp trustedProxies) clientAddr(peer netip.Addr, forwarded []string) netip.Addr {
	addr := peer.Unmap()
	if len(tp) == 0 || !tp.contains(addr) {
		return addr
	}
	for h := len(forwarded) - 1; h >= 0; h-- {
		hops := strings.Split(forwarded[h], ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, ok := parseForwardedAddr(hops[i])
			if !ok {
				return addr
			}
			addr = a
			if !tp.contains(a) {
				return a
			}
		}
	}
	return addr
}

// parseForwardedAddr parses one X-Forwarded-For entry: an address, maybe
// with a port ("192.0.2.1:4711", "[2001:db8::1]:4711") or in brackets.
func parseForwardedAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if inner, ok := strings.CutPrefix(s, "["); ok {
		if a, err := netip.ParseAddr(strings.TrimSuffix(inner, "]")); err == nil && strings.HasSuffix(inner, "]") {
			return a.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}

// clientAddr is the address of the request's client, the one every
// per-address limit and log line uses.
func (s *Server) clientAddr(c *fiber.Ctx) string {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	if len(s.proxies) == 0 {
		return peer.Unmap().String()
	}
	var forwarded []string
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		forwarded = append(forwarded, string(v))
	}
	return s.proxies.clientAddr(peer, forwarded).String()
}
