package api

import (
	"net"
	"sync"
	"sync/atomic"

	"github.com/valyala/fasthttp"

	"github.com/tandem-editor/tandem/services"
)

// A socketLease is what an upgrading WebSocket connection holds: a slot of
// its client address and a handle on its room. openSocket takes both before
// the upgrade, so that a full address or an unknown room is answered over
// HTTP. Exactly one party gives them back, whoever claims the lease first:
//
//  1. serveSocket, when fasthttp runs the hijacked connection (or
//     recoverSocket, should the handler panic before serveSocket claims);
//  2. openSocket, when the request ends without an upgrade;
//  3. the server's connection-state hook, when fasthttp closes the
//     connection without running the hijack handler. It does so when
//     writing the 101 fails (the client reset the connection while the
//     upgrade was being prepared), and there is no other notice of it.
type socketLease struct {
	s       *Server
	addr    string
	room    *services.Handle
	who     *identity // the access token's, nil without tokens
	conn    net.Conn  // fasthttp's connection: the key in leaseSet
	claimed atomic.Bool
}

// claim makes the caller the one who frees the lease; it reports false to
// everyone after the first.
func (l *socketLease) claim() bool { return l.claimed.CompareAndSwap(false, true) }

// free gives the slot and the room back; only the claimant calls it.
func (l *socketLease) free() {
	l.room.Release()
	l.s.perIP.release(l.addr)
}

// cancel frees the lease unless someone claimed it already.
func (l *socketLease) cancel() {
	if l.claim() {
		l.free()
	}
}

// leaseSet holds the leases of connections whose upgrade is not settled
// yet, by fasthttp connection.
type leaseSet struct {
	mu     sync.Mutex
	leases map[net.Conn]*socketLease
}

func newLeaseSet() *leaseSet { return &leaseSet{leases: map[net.Conn]*socketLease{}} }

func (ls *leaseSet) add(l *socketLease) {
	ls.mu.Lock()
	old := ls.leases[l.conn]
	ls.leases[l.conn] = l
	ls.mu.Unlock()
	if old != nil {
		// A connection upgrades once; an earlier request's lease was
		// settled, so this only guards against a leak.
		old.cancel()
	}
}

// remove forgets c's lease and returns it (nil if none).
func (ls *leaseSet) remove(c net.Conn) *socketLease {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l := ls.leases[c]
	delete(ls.leases, c)
	return l
}

// connState is fasthttp's connection-state hook: a connection that closes
// with its lease unclaimed was never handed to serveSocket. A hijacked
// connection's lease belongs to serveSocket, whatever the order in which
// it and this hook run.
func (ls *leaseSet) connState(c net.Conn, state fasthttp.ConnState) {
	switch state {
	case fasthttp.StateClosed:
		if l := ls.remove(c); l != nil {
			l.cancel()
		}
	case fasthttp.StateHijacked:
		ls.remove(c)
	}
}
