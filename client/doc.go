// Package client is tandem's Go client: a WebSocket Client that keeps one
// room's document in sync (ot.js's client state machine from package ot,
// reconnection with verbatim resubmission and REST catch-up), a REST client
// for rooms, history and autocomplete, the recording file format
// (RecordingWriter, RecordingReader; see docs/recording.md) and a load
// generator (RunLoad) used by `tandem loadgen` and the benchmarks.
//
// It imports ot and api/protocol (the wire contract's types, see
// docs/protocol.md) and no other package of the module, so outside tools
// can use it.
//
// # Shape
//
// A Client is a shell around parts that each do one job, the same split
// as the web app's session (client/web/src/session):
//
//   - transport (transport.go, conn.go): dials the room's WebSocket and
//     reads its init, serves one connection at a time (a reader, and a
//     writer goroutine with a bounded outbox), answers the server's pings,
//     drops a silent connection, and redials with jittered, doubling
//     backoff until closed or refused for good (not_found, forbidden,
//     unauthorized).
//   - syncCore (sync_core.go): the document, the ot.Client, the operation
//     sent and not yet acknowledged, the history window for Submit. It does
//     no I/O and reads no clock: it takes events (a local edit, a server
//     message, a connection attached or lost, a page of history, a
//     snapshot, the end of a retry's backoff) with their time, and returns
//     effects (messages to send, events to emit, a retry to schedule, a
//     catch-up or resync to do over REST). Its doc comment lists the
//     caller's duties.
//   - revisionQueue (revision_queue.go): releases server events (broadcasts,
//     acks, fetched history) in revision order, each once, and holds those
//     past a gap; the twin of the web app's RevisionQueue.
//   - presence (presence.go): the other clients and their selections in
//     local coordinates, moved lazily across local operations.
//
// The Client carries out the core's effects: it writes on the transport,
// delivers events, schedules retries, and fetches history and snapshots
// over REST.
//
// # Desync detection
//
// The client keeps, beside its document, the document as the server has it
// at its revision. When an ack or op carries the server's content hash
// (docs/protocol.md, "hash"), it compares; a mismatch is an EventDesync,
// counted by Desyncs, and a resync follows (at once, or at the ack of the
// operation in flight), which rebases the local edits not yet sent onto
// the server's content and sends them.
//
// # Concurrency
//
// A Client owns one goroutine (the transport's) that reads the connection,
// applies server messages, catches up and reconnects; one more goroutine per
// connection writes from a bounded outbox (a full outbox drops the
// connection; the client reconnects and resubmits). One lock guards the
// core; every method is safe for concurrent use. Events reach
// Options.OnEvent synchronously on the client's goroutine, in order, without
// the lock held: a callback must not block. The optional event channel
// (Options.EventBuffer) never blocks the client either: an event that does
// not fit is dropped and counted.
//
// # The caller's duties
//
//  1. Dial, then Edit (or Insert, Delete, EditFunc) with operations on the
//     document as Content returns it: an operation must apply to the
//     client's current document.
//  2. Apply EventRemoteOp operations to any copy of the document kept
//     elsewhere (an editor), in order; on EventResync reload it from Content.
//  3. Close the client.
package client
