package client

import (
	"sync"
	"time"

	"github.com/fasthttp/websocket"
)

// outboxSize bounds the messages waiting to be written on one connection;
// a full outbox drops the connection (the client then reconnects and
// resubmits what is unacknowledged).
const outboxSize = 1024

// writeTimeout bounds one WebSocket write.
const writeTimeout = 10 * time.Second

// conn is one WebSocket connection: the client's goroutine reads, one writer
// goroutine writes from a bounded outbox.
type conn struct {
	ws          *websocket.Conn
	out         chan []byte
	done        chan struct{}
	once        sync.Once
	readTimeout time.Duration
}

func newConn(ws *websocket.Conn, readTimeout time.Duration) *conn {
	k := &conn{ws: ws, out: make(chan []byte, outboxSize), done: make(chan struct{}), readTimeout: readTimeout}
	ws.SetPingHandler(func(data string) error {
		_ = ws.SetReadDeadline(time.Now().Add(readTimeout))
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeTimeout))
		if err == websocket.ErrCloseSent {
			return nil
		}
		return err
	})
	go k.writeLoop()
	return k
}

func (k *conn) read() (int, []byte, error) {
	_ = k.ws.SetReadDeadline(time.Now().Add(k.readTimeout))
	return k.ws.ReadMessage()
}

// send queues a message; a full outbox closes the connection.
func (k *conn) send(b []byte) {
	select {
	case <-k.done:
	case k.out <- b:
	default:
		k.close()
	}
}

func (k *conn) writeLoop() {
	for {
		select {
		case b := <-k.out:
			_ = k.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := k.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				k.close()
				return
			}
		case <-k.done:
			return
		}
	}
}

// close closes the socket (idempotent); the reader then fails.
func (k *conn) close() {
	k.once.Do(func() {
		close(k.done)
		_ = k.ws.Close()
	})
}
