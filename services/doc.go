// Package services is tandem's domain: rooms, their sequencers, and the
// small interfaces they need from the outside (Store, HeadCache, FanOut,
// Recorder, Metrics, Member, Clock). It imports ot and nothing that does
// I/O; repository/ implements the storage interfaces, api/ the Member.
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
//     answered with the revision it created. A base older than the window
//     returns *NeedHistory: the owner reads that history a page at a time,
//     Rebase-s the submission over each page, and proposes it again.
//  2. Batch the first pending proposals and persist them (group commit).
//  3. Commit(n) once the first n are durable, then ack and broadcast them.
//     When persisting failed: Abort(), read what storage holds after the
//     head, and Resolve, which applies it and decides each aborted
//     proposal's fate (committed after all, proposed again after a lost
//     race, answered from the original holder of its id, or refused).
//
// # Rooms
//
// Room owns a Sequencer and the room's members; everything else posts
// closures to its mailbox, which runs them one at a time on a goroutine
// that exists only while the room has work (an idle room holds none). Its commit protocol is one phase:
// idle, committing (one batch in flight, the next gathering behind it) or
// resolving (submissions wait, since an answer before the resolution would
// be a guess). It answers nothing before the store has committed, and an
// error always means "not committed". It drops a member whose queue is full
// rather than wait for it, takes fan-out messages without waiting (one that
// finds the inbox full is dropped, and the room reads it from the store),
// parks a submission based on a revision this instance has not applied
// until a store read says it exists, bounds pages of history by bytes, and
// writes metadata changes one at a time, merging those that arrive
// meanwhile. Every history read goes through one pager, a page at a time.
//
// Rooms loads rooms on first use (cached head or newest snapshot, then the
// operations after it), unloads them when idle, and closes them gracefully.
// It owns what serves all rooms at once: one writer (committer) that commits
// the batches of every room in one transaction, and, with other instances,
// one head watcher that checks the heads of the watched rooms in one query
// per interval. Nothing runs per room per interval.
//
// # Several instances
//
// With a FanOut, committed operations reach the other instances serving a
// room, which apply them in revision order and fill gaps from the store.
// With a Cluster as well (WithCluster), one instance owns each room: only
// its sequencer proposes, and the others forward their clients'
// submissions to it (link, room_owner.go). A forwarder keeps a submission
// until the owner answers or the fan-out brings its commit, acks it once
// its own head reaches that revision, and sends an unanswered one again by
// id to whoever owns the room then; an instance that cannot reach the
// cluster drops the clients it cannot route. Leases are renewed in one call
// per instance for the rooms that work; the store's compare-and-set, not
// the lease, keeps a history single.
//
// Room ids are capabilities (whoever has the edit id may edit), so they
// travel as RoomID, which prints only a short prefix wherever it is
// formatted or logged; Reveal gives the whole id to the queries, keys, URLs
// and responses that need it, and nothing else calls it.
//
// Concurrency: Rooms, Room and Handle are safe for concurrent use; Sequencer
// is not (its owner serialises access). Errors returned to clients are
// *Error values with a Code; ErrorCode and PublicMessage map any error to
// what a client may see. Time comes from Config.Clock, so tests drive it.
package services
