// An in-memory tandem server speaking the wire protocol, for session tests:
// transforms submissions past history, dedupes by id, acks the sender,
// broadcasts to the others, serves GET /ops. Messages are queued per
// connection and delivered when the test says so, so tests control timing.

import { TextOperation } from '../ot/text-operation';
import type { OpRecord } from '../net/protocol';
import type { SocketHandlers, SocketLike } from '../session/room-session';

interface Conn {
  clientId: string;
  name: string;
  handlers: SocketHandlers;
  inbox: string[];
  closed: boolean;
}

export class FakeServer {
  doc: string;
  history: { op: TextOperation; clientId: string; id?: string }[] = [];
  conns: Conn[] = [];
  received: { clientId: string; msg: any }[] = [];
  private nextId = 1;
  /** When false, the server drops every new connection attempt (down/offline). */
  accepting = true;
  /** When false, a new connection gets no init (a hung server). */
  sendInit = true;
  /** Error codes to answer the next submissions with (nothing is committed). */
  rejectNext: string[] = [];

  constructor(doc = '') {
    this.doc = doc;
  }

  get revision(): number {
    return this.history.length;
  }

  open = (_roomId: string, name: string, handlers: SocketHandlers): SocketLike => {
    const conn: Conn = { clientId: `c${this.nextId++}`, name, handlers, inbox: [], closed: false };
    if (!this.accepting) {
      queueMicrotask(() => handlers.onClose(1006));
      return { send() {}, close() {} };
    }
    this.conns.push(conn);
    conn.handlers.onOpen();
    if (this.sendInit) this.push(conn, {
      type: 'init',
      clientId: conn.clientId,
      revision: this.revision,
      content: this.doc,
      language: 'plaintext',
      name: 'room',
      clients: this.conns.filter((c) => c !== conn && !c.closed).map((c) => ({ clientId: c.clientId, name: c.name, selection: null })),
    });
    for (const c of this.conns) if (c !== conn) this.push(c, { type: 'join', clientId: conn.clientId, name });
    return {
      send: (data: string) => {
        if (!conn.closed) this.receive(conn, JSON.parse(data));
      },
      close: () => this.drop(conn),
    };
  };

  /** The connection goes away without a word (network failure). */
  drop(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.inbox = [];
    queueMicrotask(() => conn.handlers.onClose(1006));
  }

  private push(conn: Conn, msg: unknown): void {
    if (!conn.closed) conn.inbox.push(JSON.stringify(msg));
  }

  /** Delivers queued messages to every connection until all inboxes are empty. */
  flush(): void {
    for (let guard = 0; guard < 10000; guard++) {
      const conn = this.conns.find((c) => !c.closed && c.inbox.length);
      if (!conn) return;
      conn.handlers.onMessage(conn.inbox.shift()!);
    }
  }

  private receive(conn: Conn, msg: any): void {
    this.received.push({ clientId: conn.clientId, msg });
    if (msg.type === 'selection') {
      for (const c of this.conns) if (c !== conn) this.push(c, { type: 'selection', clientId: conn.clientId, selection: msg.selection });
      return;
    }
    if (msg.type !== 'op') return;
    const reject = this.rejectNext.shift();
    if (reject) {
      this.push(conn, { type: 'error', code: reject, message: 'test', id: msg.id });
      return;
    }
    const dup = msg.id ? this.history.findIndex((h) => h.id === msg.id) : -1;
    if (dup >= 0) {
      this.push(conn, { type: 'ack', revision: dup + 1, id: msg.id });
      return;
    }
    let op = TextOperation.fromJSON(msg.op);
    for (const h of this.history.slice(msg.revision)) op = TextOperation.transform(op, h.op)[0];
    this.doc = op.apply(this.doc);
    this.history.push({ op, clientId: conn.clientId, id: msg.id });
    this.push(conn, { type: 'ack', revision: this.revision, id: msg.id });
    for (const c of this.conns) {
      if (c !== conn) this.push(c, { type: 'op', revision: this.revision, op: op.toJSON(), clientId: conn.clientId, selection: msg.selection });
    }
  }

  fetchOps = async (_roomId: string, from: number): Promise<OpRecord[]> =>
    this.history.slice(from).map((h, i) => ({ revision: from + i + 1, op: h.op.toJSON(), clientId: h.clientId }));
}
