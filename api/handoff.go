package api

import (
	"net"
	"reflect"
)

// A WebSocket connection is served on fasthttp's hijack goroutine, which
// also holds the upgrade request (the RequestCtx with its header buffers,
// and Fiber's copies of the headers and query) until it returns, on a
// stack grown deep by the upgrade. serveSocket hands the connection to a
// goroutine of its own instead, so that fasthttp reuses all of that for the
// next request. The server sets fasthttp's KeepHijackedConns, so the
// connection outlives the hijack handler and the connection's writer
// closes it.
//
// fasthttp may hijack a connection reading through the request's pooled
// read buffer, when the client sent bytes past the upgrade request before
// the 101 (pipelined; RFC 6455 forbids it, but anyone can). fasthttp takes
// that buffer back when the hijack handler returns, so such a connection
// stays on fasthttp's goroutine: handing it off would read from a buffer
// that another connection then fills.

// readsSocket reports whether nc, fasthttp's hijacked connection, reads
// straight from its socket, so that it may outlive the hijack handler.
// fasthttp does not export that: this reads its hijackConn's reader field,
// and anything it does not recognise reads "no" (the connection then
// stays where it is, which is always correct).
func readsSocket(nc net.Conn) bool {
	raw, ok := nc.(interface{ UnsafeConn() net.Conn })
	if !ok {
		return false
	}
	v := reflect.ValueOf(nc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	r := v.Elem().FieldByName("r")
	if !r.IsValid() || r.Kind() != reflect.Interface || r.IsNil() || r.Elem().Kind() != reflect.Pointer {
		return false
	}
	sock := reflect.ValueOf(raw.UnsafeConn())
	return sock.Kind() == reflect.Pointer && r.Elem().Pointer() == sock.Pointer()
}
