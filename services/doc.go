// Package services is tandem's domain: rooms, their sequencers, and the
// small interfaces they need from the outside (Store, HeadCache, FanOut,
// Recorder, Metrics, Member). It imports ot and nothing that does I/O;
// repository/ implements the storage interfaces, api/ the Member.
//
// # The sequencer
//
// Sequencer is one room's authoritative order, and it is pure: no I/O, no
// clock, no goroutines. Its owner drives it:
//
//  1. Propose a submission: it is transformed against every operation
//     committed or pending after its base revision (Transform(incoming,
//     committed), ot.js's tie-break), checked, and placed at the next
//     revision as a Proposal; a resubmitted operation id is recognised and
//     answered with the revision it created.
//  2. Persist proposals, several at once (group commit).
//  3. Commit(n) once the first n are durable, then ack and broadcast them;
//     or Abort() when persisting failed, and Advance() with what the store
//     holds after the head.
//
// # Rooms
//
// Room owns a Sequencer and the room's members; one goroutine runs it and
// everything else posts closures to it. It group-commits (one transaction in
// flight, the next batch gathering behind it), answers nothing before the
// store has committed, resolves a failed or doubtful commit by reading the
// store before answering, re-proposes after losing a race to another
// instance, and drops a member whose queue is full rather than wait for it.
// It takes fan-out messages without waiting (one that finds the inbox full
// is dropped, and the room loads it from the store), bounds pages of
// history by bytes, and writes metadata changes one at a time, merging
// those that arrive meanwhile.
// Rooms loads rooms on first use (cached head or newest snapshot, then the
// operations after it), unloads them when idle, and closes them gracefully.
//
// Room ids are capabilities (whoever has the edit id may edit), so they
// travel as RoomID, which prints only a short prefix wherever it is
// formatted or logged; Reveal gives the whole id to the queries, keys, URLs
// and responses that need it, and nothing else calls it.
//
// Concurrency: Rooms, Room and Handle are safe for concurrent use; Sequencer
// is not (its owner serialises access). Errors returned to clients are
// *Error values with a Code; ErrorCode and PublicMessage map any error to
// what a client may see.
package services
