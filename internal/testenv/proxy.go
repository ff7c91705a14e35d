package testenv

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy is a TCP proxy on loopback in front of a service, so a test can cut
// the service off (as an outage or a partition would) and bring it back
// without touching the service other tests share, or send new connections
// to another instance, as a load balancer would, or lose what the service
// sends while the connections stay up. Safe for concurrent use.
type Proxy struct {
	ln        net.Listener
	mu        sync.Mutex
	target    string
	cut       bool
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup
	blackhole atomic.Bool
}

// NewProxy listens on 127.0.0.1 and forwards to target ("host:port"). It
// stops in t.Cleanup.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Addr is the proxy's "host:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut drops every connection and refuses new ones (they are closed at once)
// until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		_ = c.Close()
	}
}

// Route sends new connections to target ("host:port"); those open stay
// where they are.
func (p *Proxy) Route(target string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = target
}

// Blackhole, while on, swallows what the target sends on every connection,
// which stay open, as when replies are lost in the network; what clients
// send still reaches the target.
func (p *Proxy) Blackhole(on bool) { p.blackhole.Store(on) }

// Restore lets connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		cut, target := p.cut, p.target
		p.mu.Unlock()
		if cut {
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(swallower{c, &p.blackhole}, c, up)
		go p.pipe(up, up, c)
	}
}

// pipe copies src to w, which writes to dst, until either closes.
func (p *Proxy) pipe(w io.Writer, dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(w, src)
	_ = dst.Close()
	_ = src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// swallower writes to its connection unless on is set, when it drops what
// it is given.
type swallower struct {
	net.Conn
	on *atomic.Bool
}

func (s swallower) Write(b []byte) (int, error) {
	if s.on.Load() {
		return len(b), nil
	}
	return s.Conn.Write(b)
}

func (p *Proxy) close() {
	_ = p.ln.Close()
	p.Cut()
	p.wg.Wait()
}
