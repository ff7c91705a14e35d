package client

import (
	"slices"
	"strings"

	"github.com/tandem-editor/tandem/ot"
)

// presence is who else is in the room and where their selections are, in
// local document coordinates. It does no I/O; the sync core owns one and
// tells it about every operation applied to the local document.
//
// Moving selections is lazy: an operation is applied for every edit, and a
// busy room has many peers whose selections are replaced (they arrive with
// each of their operations) more often than anyone looks at them. The
// operation is kept, and a selection is moved across what it missed when it
// is read (settle), or when the kept operations reach movesKept.
//
// Not safe for concurrent use.
type presence struct {
	peers map[string]*Peer
	// moves are the latest operations applied to the local document, which
	// peers' selections have not all been moved across yet; moved counts
	// every such operation since the presence was made.
	moves []ot.Operation
	moved int
}

// movesKept bounds the operations kept for moving selections lazily.
const movesKept = 256

func newPresence() presence { return presence{peers: map[string]*Peer{}} }

// reset replaces the peers with a connection's init list; the selections
// are in local coordinates already.
func (p *presence) reset(peers []Peer) {
	p.peers = make(map[string]*Peer, len(peers))
	for _, peer := range peers {
		peer.moved = p.moved
		p.peers[peer.ClientID] = &peer
	}
}

// join adds a peer with no known selection.
func (p *presence) join(clientID, name string) {
	p.peers[clientID] = &Peer{ClientID: clientID, Name: name, moved: p.moved}
}

// leave removes a peer and returns its name ("" if unknown).
func (p *presence) leave(clientID string) string {
	name := ""
	if peer := p.peers[clientID]; peer != nil {
		name = peer.Name
	}
	delete(p.peers, clientID)
	return name
}

// setSelection replaces a known peer's selection with s (local coordinates now)
// and returns a copy of it and the peer's name; ok is false for an unknown
// peer.
func (p *presence) setSelection(clientID string, s *ot.Selection) (sel *ot.Selection, name string, ok bool) {
	peer := p.peers[clientID]
	if peer == nil {
		return nil, "", false
	}
	peer.Selection, peer.moved = s, p.moved
	return copySelection(peer.Selection), peer.Name, true
}

// selection returns a copy of a known peer's current selection (nil if
// unknown or none).
func (p *presence) selection(clientID string) *ot.Selection {
	peer := p.peers[clientID]
	if peer == nil {
		return nil
	}
	p.settle(peer)
	return copySelection(peer.Selection)
}

// move records an operation applied to the local document: every
// selection is moved across it (lazily).
func (p *presence) move(op ot.Operation) {
	p.moves = append(p.moves, op)
	p.moved++
	if len(p.moves) >= movesKept {
		for _, peer := range p.peers {
			p.settle(peer)
		}
		p.moves = p.moves[:0]
	}
}

// forgetSelections drops every selection (the document was replaced).
func (p *presence) forgetSelections() {
	for _, peer := range p.peers {
		peer.Selection = nil
	}
}

// list returns copies of the peers, ordered by id.
func (p *presence) list() []Peer {
	out := make([]Peer, 0, len(p.peers))
	for _, peer := range p.peers {
		p.settle(peer)
		cp := *peer
		cp.Selection = copySelection(peer.Selection)
		out = append(out, cp)
	}
	slices.SortFunc(out, func(a, b Peer) int { return strings.Compare(a.ClientID, b.ClientID) })
	return out
}

// settle moves a peer's selection across the operations it has missed.
func (p *presence) settle(peer *Peer) {
	if peer.Selection != nil && peer.moved < p.moved {
		first := len(p.moves) - (p.moved - peer.moved)
		for _, op := range p.moves[max(first, 0):] {
			for i, r := range peer.Selection.Ranges {
				peer.Selection.Ranges[i] = r.Transform(op)
			}
		}
	}
	peer.moved = p.moved
}

// copySelection returns a copy that later moves of the original leave alone.
func copySelection(s *ot.Selection) *ot.Selection {
	if s == nil {
		return nil
	}
	return &ot.Selection{Ranges: slices.Clone(s.Ranges)}
}
