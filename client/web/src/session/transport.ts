// RoomTransport: the socket to one room, and only that. It opens the
// socket, treats a socket without an init within INIT_TIMEOUT_MS as a failed
// attempt, pings while open and drops a connection silent for SILENCE_MS,
// and after any failure reconnects with backoff until stopped. It parses
// frames but knows nothing of documents: what a message means is the
// listener's business.
//
// A socket counts as open from its init on; send() sends nothing before.
// Callbacks of a socket that was dropped are ignored (each socket has a
// generation).

import { parseServerMessage, type ServerMessage } from '../net/protocol';

export interface SocketHandlers {
  onOpen(): void;
  onMessage(data: string): void;
  onClose(code: number): void;
}

export interface SocketLike {
  send(data: string): void;
  close(): void;
}

export type OpenSocket = (roomId: string, name: string, handlers: SocketHandlers) => SocketLike;

export interface TransportListener {
  /** A socket is being opened. */
  connecting(): void;
  /** A server message on the current socket (init first; the socket is open by then). */
  message(msg: ServerMessage): void;
  /** The current socket is gone (also when stopping). */
  closed(): void;
  /** A reconnect is scheduled: `attempt` failures in a row so far (0-based), `offline` when it looks lasting. */
  retrying(attempt: number, offline: boolean): void;
}

export interface TransportOptions {
  roomId: string;
  name: string;
  openSocket: OpenSocket;
  /** Milliseconds before reconnect attempt n (0-based). */
  backoff?(attempt: number): number;
}

const PING_MS = 20_000;
const SILENCE_MS = 50_000;
const INIT_TIMEOUT_MS = 10_000;

const defaultBackoff = (n: number) => Math.min(8000, 250 * 2 ** n) * (0.8 + Math.random() * 0.4);

export class RoomTransport {
  private socket: SocketLike | null = null;
  private socketOpen = false;
  private gen = 0;
  private attempts = 0;
  private stopped = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private initTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastHeard = 0;

  constructor(
    private readonly opts: TransportOptions,
    private readonly listener: TransportListener,
  ) {}

  /** Changes with every socket opened or dropped. */
  get generation(): number {
    return this.gen;
  }

  /** The current socket has delivered its init. */
  get open(): boolean {
    return this.socketOpen;
  }

  get hasSocket(): boolean {
    return this.socket !== null;
  }

  get name(): string {
    return this.opts.name;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.drop();
  }

  /** Sends a frame if the socket is open; reports whether it did. */
  send(frame: string): boolean {
    if (!this.socket || !this.socketOpen) return false;
    this.socket.send(frame);
    return true;
  }

  /** Closes the current socket as a network failure would: reconnects after the backoff. */
  fail(): void {
    this.drop();
    this.onDisconnected();
  }

  /** Reconnects now (the browser came back online, or the user asked); false if open or stopped. */
  reconnectNow(): boolean {
    if (this.stopped || this.socketOpen) return false;
    this.clearTimers();
    this.attempts = 0;
    this.drop();
    this.connect();
    return true;
  }

  /** Reconnects under a new display name. */
  rename(name: string): void {
    this.opts.name = name;
    this.drop();
    this.reconnectNow();
  }

  /** Closes the current socket; its close callback is ignored. */
  private drop(): void {
    const socket = this.socket;
    this.socket = null;
    this.socketOpen = false;
    this.gen++;
    socket?.close();
  }

  private connect(): void {
    if (this.stopped) return;
    const gen = ++this.gen;
    this.socketOpen = false;
    if (this.initTimer) clearTimeout(this.initTimer);
    this.initTimer = setTimeout(() => {
      // Opened (or hanging) without an init: treat as a failed attempt.
      if (gen !== this.gen || this.socketOpen) return;
      this.fail();
    }, INIT_TIMEOUT_MS);
    this.listener.connecting();
    this.socket = this.opts.openSocket(this.opts.roomId, this.opts.name, {
      onOpen: () => {
        if (gen !== this.gen) return;
        this.lastHeard = Date.now();
      },
      onMessage: (data) => {
        if (gen !== this.gen) return;
        this.lastHeard = Date.now();
        const msg = parseServerMessage(data);
        if (!msg) return;
        if (msg.type === 'init') this.opened();
        this.listener.message(msg);
      },
      onClose: () => {
        if (gen !== this.gen) return;
        this.onDisconnected();
      },
    });
  }

  private opened(): void {
    if (this.initTimer) clearTimeout(this.initTimer);
    this.initTimer = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.socketOpen = true;
    this.attempts = 0;
    this.lastHeard = Date.now();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > SILENCE_MS) {
        this.fail(); // a silent connection is a dead one
        return;
      }
      this.send(JSON.stringify({ type: 'ping' }));
    }, PING_MS);
  }

  private onDisconnected(): void {
    this.socketOpen = false;
    this.socket = null;
    this.gen++;
    this.clearTimers();
    this.listener.closed();
    if (this.stopped) return;
    const attempt = this.attempts++;
    const offline = attempt >= 3 || (typeof navigator !== 'undefined' && navigator.onLine === false);
    this.listener.retrying(attempt, offline);
    const delay = (this.opts.backoff ?? defaultBackoff)(attempt);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.initTimer) clearTimeout(this.initTimer);
    this.reconnectTimer = this.pingTimer = this.initTimer = null;
  }
}
