package services

import "github.com/tandem-editor/tandem/ot"

// MergePatches is RoomPatch.merge, for the external tests.
func MergePatches(p, q RoomPatch) RoomPatch { return p.merge(q) }

// BlameEditor is blameEditor, for the external tests.
type BlameEditor struct{ e *blameEditor }

// Edit is Blame.edit.
func (b Blame) Edit() BlameEditor { return BlameEditor{b.edit()} }

// Apply is blameEditor.apply.
func (e BlameEditor) Apply(op ot.Operation, rev int, clientID string) error {
	return e.e.apply(op, rev, clientID)
}

// Blame is blameEditor.blame.
func (e BlameEditor) Blame() Blame { return e.e.blame() }

// Chunks is how many chunks the blame has.
func (b Blame) Chunks() int { return len(b.chunks) }

// BlameChunkSpans is blameChunkSpans.
const BlameChunkSpans = blameChunkSpans
