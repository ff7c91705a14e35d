// Package protocol is tandem's wire contract in Go: the WebSocket messages
// each way, the REST bodies, the error codes and what a client does about
// each code. The server (package api) encodes with these types and the Go
// client (package client) decodes with them; the browser app mirrors them
// in client/web/src/net/protocol.ts. docs/protocol.md states the contract
// in full; this is its summary.
//
// It imports only the standard library and ot, so that client/ and outside
// tools can use it. It holds no behaviour beyond the contract's rules
// (RecoveryFor, ValidOpID): no I/O, no validation of documents.
//
// # The contract in short
//
//   - Operations are ot.js arrays over UTF-16 code units (ot.Operation):
//     n > 0 retains, a non-empty string inserts, -n deletes.
//   - A room's revision is the number of operations in its history. A
//     client submits an operation with the revision it is based on
//     (ClientOp); the server transforms it against everything committed
//     since, commits it as head+1, answers the sender with ServerAck once
//     it is durable and sends every other member a ServerOp, in revision
//     order without gaps.
//   - Every connection starts with ServerInit. Presence travels as
//     ClientSelection/ServerSelection, ServerJoin and ServerLeave; liveness
//     as ClientPing/ServerPong.
//   - An operation with an id (ValidOpID) submitted again, after a
//     reconnect or a restart, is answered with its original ack and never
//     applied twice; an id reused for another operation is refused with
//     CodeConflict.
//   - An error (ServerError, or ErrorResponse over REST) answers one
//     message. An operation answered by an error was not committed, whatever
//     the code; RecoveryFor says whether to resubmit it verbatim, resync or
//     give up.
//
// Tandem's extensions (additions only): read-only links (Room.ReadOnlyID,
// the readOnly fields, CodeForbidden), the creation token
// (CodeUnauthorized), CodeConflict, CodeNotFound, CodeInternal, language
// changes (ClientLanguage, ServerLanguage, UpdateRoomRequest) and the close
// codes below.
//
// # Keeping the three copies honest
//
// testdata/frames holds one canonical frame per message type each way, one
// error frame per code and one per REST body, and index.json, which lists
// the types, codes and recoveries. The package's tests decode every frame
// strictly and encode it again byte for byte, require a frame for every
// type, code and struct the package declares, and fail when index.json is
// stale (go test ./api/protocol -run TestIndexIsCurrent -update rewrites
// it). client/web/src/net/protocol.test.ts reads the same files and fails
// when protocol.ts disagrees with them. In package api, the server's own
// encoding is held to them too: every server frame is rebuilt and encoded
// byte for byte (TestEncodeEventMatchesGoldenFrames), and every REST answer
// must have its golden body's shape (TestRESTAnswersHaveTheGoldenShape).
//
// To add a message: declare its struct and Type here, add the type to
// ClientTypes or ServerTypes, add its frame under testdata/frames, rewrite
// index.json, then mirror it in protocol.ts until the Vitest test passes.
package protocol
