// Package api adapts HTTP and WebSocket (Fiber) to the room service: thin
// handlers that decode and validate a request, call services, and encode the
// answer. It implements the wire contract of docs/protocol.md, whose
// messages and codes are package api/protocol.
//
// The domain's error codes map to protocol codes, HTTP statuses and
// WebSocket close codes in one table (errors.go). Each WebSocket connection has a reader
// (the handler goroutine) and at most one writer goroutine, which runs only
// while its bounded outbox (outbox.go) holds something to write; the room
// drops a connection whose outbox is full. A connection's
// per-address slot and room handle are taken before the upgrade as one
// lease, given back exactly once however the connection ends (lease.go).
// Access rules (read-only ids, creation token, allowed origins),
// per-address and per-connection limits, the client's address behind
// trusted proxies (clientaddr.go), and the Prometheus metrics live here too.
// A panic in a REST handler is answered 500 internal and logged.
//
// It must not hold domain logic: what an operation means is services'.
package api
