// Package api adapts HTTP and WebSocket (Fiber) to the room service: thin
// handlers that decode and validate a request, call services, and encode the
// answer. It implements ../shared/protocol.md and the extensions listed in
// the README.
//
// Errors map to HTTP statuses, protocol error codes and WebSocket close
// codes in one table (errors.go). Each WebSocket connection has a reader
// (the handler goroutine) and one writer goroutine that drains a bounded
// outbox; the room drops a connection whose outbox is full. Access rules
// (read-only ids, creation token, allowed origins), per-address and
// per-connection limits, and the Prometheus metrics live here too.
//
// It must not hold domain logic: what an operation means is services'.
package api
