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
// # Concurrency
//
// A Client owns one goroutine that reads the connection, applies server
// messages, catches up and reconnects; one more goroutine per connection
// writes from a bounded outbox (a full outbox drops the connection; the
// client reconnects and resubmits). Every method is safe for concurrent use.
// Events reach Options.OnEvent synchronously on the client's goroutine, in
// order, without the lock held: a callback must not block. The optional
// event channel (Options.EventBuffer) never blocks the client either: an
// event that does not fit is dropped and counted.
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
