// RoomSession: the edge between the socket, the OT client, the editor
// binding and the Redux store. One per open room.
//
// Duties, in order:
//  1. Open the socket; on the first init load the document into the binding.
//  2. Feed local operations to the OT client, which submits them.
//  3. Feed server events (acks, broadcasts, and after a reconnect the ops
//     fetched with GET /ops?from=R) through a RevisionQueue, so each
//     revision is applied once, in order, whatever the source.
//  4. On a dropped connection: reconnect with backoff; on the new init,
//     resubmit the unacknowledged submission verbatim (same revision, op and
//     id), then catch up from the last applied revision.
//  5. Report connection state, participants and presence to the store.

import { Client, type Submission } from '../ot/client';
import { RevisionQueue } from '../ot/revision-queue';
import { TextOperation } from '../ot/text-operation';
import { clampSelection, parseSelection, type SelectionJSON } from '../ot/selection';
import type { EditorBinding } from '../editor/binding';
import { parseServerMessage, recoveryFor, type ClientMessage, type OpRecord, type ServerMessage } from '../net/protocol';
import { connectionActions } from '../store/connectionSlice';
import { participantsActions } from '../store/participantsSlice';
import { roomActions } from '../store/roomSlice';
import type { UnknownAction } from '@reduxjs/toolkit';

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

/** What the session draws remote cursors with. */
export interface PresenceView {
  set(clientId: string, name: string, selection: SelectionJSON | null): void;
  remove(clientId: string): void;
  /** Moves every caret past op; the author's caret (if any) is pushed by its own inserts. */
  transformAll(op: TextOperation, author?: string): void;
  clear(): void;
  /** 1-based line of an offset, for the participant list. */
  lineOf(offset: number): number;
}

export interface SessionDeps {
  roomId: string;
  name: string;
  binding: EditorBinding;
  presence?: PresenceView;
  openSocket: OpenSocket;
  fetchOps(roomId: string, from: number): Promise<OpRecord[]>;
  dispatch(action: UnknownAction): void;
  /** Milliseconds before reconnect attempt n (0-based). */
  backoff?(attempt: number): number;
  /** Called after every init, once the document is loaded. */
  onInit?(info: { readOnly: boolean }): void;
  /** Reports whether the room still exists after repeated socket failures. */
  roomExists?(roomId: string): Promise<boolean>;
}

type ServerEvent =
  | { kind: 'ack' }
  | { kind: 'own'; op: TextOperation }
  | { kind: 'op'; op: TextOperation; clientId: string; selection?: SelectionJSON | null };

const PING_MS = 20_000;
const SILENCE_MS = 50_000;
const SELECTION_THROTTLE_MS = 40;
const INIT_TIMEOUT_MS = 10_000;

const defaultBackoff = (n: number) => Math.min(8000, 250 * 2 ** n) * (0.8 + Math.random() * 0.4);

export class RoomSession {
  client: Client | null = null;
  private queue: RevisionQueue<ServerEvent> | null = null;
  private socket: SocketLike | null = null;
  private socketOpen = false;
  private generation = 0;
  private attempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private initTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastHeard = 0;
  private resendTimer: ReturnType<typeof setTimeout> | null = null;
  private selectionTimer: ReturnType<typeof setTimeout> | null = null;
  private lastSentSelection = '';
  private catchingUp = false;
  private catchUpTarget = 0;
  private needsResync = false;
  private stopped = false;
  private pending = false;
  private readOnly = false;
  /** Every clientId this session has had: fetched ops by them are our own. */
  readonly ownClientIds = new Set<string>();
  clientId: string | null = null;
  private names = new Map<string, string>();
  /** Author of the server operation being applied. */
  private author: string | undefined;
  /** The exact frame sent for each submission, for a verbatim resend. */
  private frames = new WeakMap<Submission, string>();

  constructor(private readonly deps: SessionDeps) {}

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.dropSocket();
    this.deps.presence?.clear();
  }

  /** Revision of the document shown (the last server revision applied). */
  get revision(): number {
    return this.queue?.delivered ?? -1;
  }

  get synchronized(): boolean {
    return !!this.client && !this.client.hasPending && !this.catchingUp && !this.queue?.hasGap && this.socketOpen;
  }

  /** Closes the socket as a network failure would (test hook). */
  dropConnection(): void {
    if (!this.socket) return;
    this.dropSocket();
    this.onDisconnected();
  }

  /** Closes the current socket; its close callback is ignored. */
  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.socketOpen = false;
    this.generation++;
    socket?.close();
  }

  /** A local edit from the binding. */
  localOperation(op: TextOperation): void {
    if (!this.client) return;
    this.client.applyClient(op);
    this.deps.presence?.transformAll(op);
    this.updatePending();
  }

  /** The local selection moved. */
  selectionChanged(): void {
    if (this.selectionTimer) return;
    this.selectionTimer = setTimeout(() => {
      this.selectionTimer = null;
      this.sendSelection();
    }, SELECTION_THROTTLE_MS);
  }

  /** Reconnects under a new display name (pending edits are resubmitted as after any drop). */
  rename(name: string): void {
    if (name === this.deps.name) return;
    this.deps.name = name;
    this.dropSocket();
    this.reconnectNow();
  }

  changeLanguage(language: string): void {
    this.send({ type: 'language', language });
  }

  // --- connection lifecycle ---

  private connect(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.socketOpen = false;
    if (this.initTimer) clearTimeout(this.initTimer);
    this.initTimer = setTimeout(() => {
      // Opened (or hanging) without an init: treat as a failed attempt.
      if (gen !== this.generation || this.socketOpen) return;
      this.dropSocket();
      this.onDisconnected();
    }, INIT_TIMEOUT_MS);
    this.deps.dispatch(connectionActions.statusChanged(this.client ? 'reconnecting' : 'connecting'));
    this.socket = this.deps.openSocket(this.deps.roomId, this.deps.name, {
      onOpen: () => {
        if (gen !== this.generation) return;
        this.lastHeard = Date.now();
      },
      onMessage: (data) => {
        if (gen !== this.generation) return;
        this.lastHeard = Date.now();
        const msg = parseServerMessage(data);
        if (msg) this.guarded(() => this.handle(msg));
      },
      onClose: () => {
        if (gen !== this.generation) return;
        this.onDisconnected();
      },
    });
  }

  private onDisconnected(): void {
    this.socketOpen = false;
    this.socket = null;
    this.generation++;
    this.clearTimers();
    this.catchingUp = false;
    if (this.stopped) return;
    const attempt = this.attempts++;
    const offline = attempt >= 3 || (typeof navigator !== 'undefined' && navigator.onLine === false);
    this.deps.dispatch(connectionActions.statusChanged(offline ? 'offline' : 'reconnecting'));
    if (attempt === 2 && !this.client && this.deps.roomExists) {
      void this.deps.roomExists(this.deps.roomId).then((exists) => {
        if (!exists) {
          this.stop();
          this.deps.dispatch(roomActions.failed({ notFound: true, message: 'This room does not exist.' }));
        }
      });
    }
    const delay = (this.deps.backoff ?? defaultBackoff)(attempt);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  /** Reconnect now (the browser came back online, or the user asked). */
  reconnectNow(): void {
    if (this.stopped || this.socketOpen) return;
    this.clearTimers();
    this.attempts = 0;
    this.dropSocket();
    this.connect();
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.resendTimer) clearTimeout(this.resendTimer);
    if (this.selectionTimer) clearTimeout(this.selectionTimer);
    if (this.initTimer) clearTimeout(this.initTimer);
    this.reconnectTimer = this.pingTimer = this.resendTimer = this.selectionTimer = this.initTimer = null;
  }

  private send(msg: ClientMessage): boolean {
    if (!this.socket || !this.socketOpen) return false;
    this.socket.send(JSON.stringify(msg));
    return true;
  }

  // --- messages ---

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'init':
        return this.onInit(msg);
      case 'ack':
        return this.offer(msg.revision, { kind: 'ack' }, true);
      case 'op': {
        let op: TextOperation;
        try {
          op = TextOperation.fromJSON(msg.op);
        } catch {
          return this.resync('The server sent an edit this editor cannot read.');
        }
        return this.offer(msg.revision, { kind: 'op', op, clientId: msg.clientId, selection: msg.selection });
      }
      case 'selection':
        return this.onRemoteSelection(msg.clientId, parseSelection(msg.selection));
      case 'join':
        this.names.set(msg.clientId, msg.name);
        this.deps.dispatch(participantsActions.joined({ clientId: msg.clientId, name: msg.name }));
        return;
      case 'leave':
        this.names.delete(msg.clientId);
        this.deps.presence?.remove(msg.clientId);
        this.deps.dispatch(participantsActions.left(msg.clientId));
        return;
      case 'language':
        this.deps.dispatch(roomActions.languageChanged({ language: msg.language, clientId: msg.clientId }));
        return;
      case 'pong':
        return;
      case 'error':
        return this.onError(msg.code, msg.message, msg.id);
    }
  }

  private onInit(msg: Extract<ServerMessage, { type: 'init' }>): void {
    if (this.initTimer) clearTimeout(this.initTimer);
    this.initTimer = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.socketOpen = true;
    this.attempts = 0;
    this.clientId = msg.clientId;
    this.ownClientIds.add(msg.clientId);
    this.readOnly = !!msg.readOnly;
    const binding = this.deps.binding;
    if (!this.client || this.needsResync) {
      binding.reset(msg.content);
      this.client = new Client(msg.revision, {
        sendOperation: (s) => this.sendSubmission(s),
        applyOperation: (op) => this.applyRemote(op),
      });
      this.queue = new RevisionQueue<ServerEvent>(msg.revision);
      this.needsResync = false;
      this.catchUpTarget = msg.revision;
    } else {
      // Reconnected: the unacknowledged submission goes again, verbatim.
      this.client.resend();
      this.catchUpTarget = Math.max(this.catchUpTarget, msg.revision);
      if (msg.revision > this.queue!.delivered) void this.catchUp();
    }
    this.deps.dispatch(connectionActions.initReceived({ clientId: msg.clientId }));
    this.deps.dispatch(roomActions.initReceived({ name: msg.name, language: msg.language, readOnly: msg.readOnly }));
    const others = (msg.clients ?? []).filter((c) => c.clientId !== msg.clientId);
    this.names = new Map(others.map((c) => [c.clientId, c.name]));
    this.deps.presence?.clear();
    const participants = others.map((c) => {
      const sel = parseSelection(c.selection);
      const local = sel && this.client ? this.client.transformSelection(sel) : null;
      this.deps.presence?.set(c.clientId, c.name, local);
      return { clientId: c.clientId, name: c.name, line: this.lineOf(local) };
    });
    this.deps.dispatch(participantsActions.initialized(participants));
    this.lastSentSelection = '';
    this.sendSelection();
    this.updatePending();
    this.deps.onInit?.({ readOnly: this.readOnly });
    this.lastHeard = Date.now();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > SILENCE_MS) {
        this.dropSocket(); // a silent connection is a dead one
        this.onDisconnected();
        return;
      }
      this.send({ type: 'ping' });
    }, PING_MS);
  }

  /**
   * Runs fn; if it throws (an operation that does not fit the document: a bug
   * here or on the server), the document is reloaded rather than left out of
   * step with everyone else's.
   */
  private guarded(fn: () => void, onError?: () => void): void {
    try {
      fn();
    } catch (err) {
      console.error('tandem: out of step with the server', err);
      onError?.();
      this.resync('The editor got out of step with the server and reloaded the document.');
    }
  }

  private offer(revision: number, event: ServerEvent, replace = false): void {
    const queue = this.queue;
    if (!queue || !this.client) return;
    for (const e of queue.offer(revision, event, replace)) this.deliver(e);
    if (queue.hasGap && !this.catchingUp) {
      this.catchUpTarget = Math.max(this.catchUpTarget, queue.highest);
      void this.catchUp();
    }
    this.updatePending();
  }

  private deliver(e: ServerEvent): void {
    const client = this.client!;
    if (e.kind === 'ack' || e.kind === 'own') {
      if (client.hasPending) {
        client.serverAck();
        if (this.resendTimer) clearTimeout(this.resendTimer);
        this.resendTimer = null;
      } else if (e.kind === 'own') {
        client.applyServer(e.op);
      } else {
        client.revision++; // an ack we were not waiting for: keep counting
      }
    } else {
      this.author = e.clientId;
      try {
        client.applyServer(e.op);
      } finally {
        this.author = undefined;
      }
      if (e.selection !== undefined) this.onRemoteSelection(e.clientId, parseSelection(e.selection));
    }
  }

  private applyRemote(op: TextOperation): void {
    this.deps.binding.applyRemote(op);
    this.deps.presence?.transformAll(op, this.author);
  }

  private onRemoteSelection(clientId: string, sel: SelectionJSON | null): void {
    if (this.ownClientIds.has(clientId) || !this.client) return;
    const local = sel ? this.client.transformSelection(sel) : null;
    this.deps.presence?.set(clientId, this.names.get(clientId) ?? '', local);
    this.deps.dispatch(participantsActions.cursorMoved({ clientId, line: this.lineOf(local) }));
  }

  private lineOf(sel: SelectionJSON | null): number | null {
    if (!sel || sel.ranges.length === 0 || !this.deps.presence) return null;
    return this.deps.presence.lineOf(sel.ranges[0].head);
  }

  private onError(code: string, message: string | undefined, id: string | undefined): void {
    const client = this.client;
    const aboutPending = !!client && client.hasPending && (id === undefined ? isOpError(code) : id === client.pendingId);
    if (!aboutPending) {
      if (code === 'forbidden') this.enterReadOnly();
      else if (code === 'not_found') {
        this.stop();
        this.deps.dispatch(roomActions.failed({ notFound: true, message: 'This room does not exist.' }));
      }
      return;
    }
    if (recoveryFor(code) === 'retry') {
      // Not committed: send the same submission again a little later.
      if (!this.resendTimer) {
        this.resendTimer = setTimeout(() => {
          this.resendTimer = null;
          this.client?.resend();
        }, code === 'rate_limited' ? 1000 : 2000);
      }
      return;
    }
    switch (code) {
      case 'forbidden':
        this.enterReadOnly();
        return this.resync('This link is read-only: your edits were not saved.');
      default:
        return this.resync(`Your latest edit was rejected by the server (${code}${message ? `: ${message}` : ''}); the document was reloaded.`);
    }
  }

  get isReadOnly(): boolean {
    return this.readOnly;
  }

  private enterReadOnly(): void {
    this.readOnly = true;
    this.deps.dispatch(roomActions.becameReadOnly());
  }

  /** Drops local pending edits and reloads the document from a fresh connection. */
  private resync(notice: string): void {
    this.deps.dispatch(connectionActions.noticeShown(notice));
    this.needsResync = true;
    this.dropSocket();
    this.onDisconnected();
  }

  /** Fetches the operations missed while away, until the queue reaches the target. */
  private async catchUp(): Promise<void> {
    if (this.catchingUp || !this.queue) return;
    this.catchingUp = true;
    const gen = this.generation;
    let failures = 0;
    try {
      while (gen === this.generation && this.queue.delivered < this.catchUpTarget) {
        const from = this.queue.delivered;
        let ops: OpRecord[];
        try {
          ops = await this.deps.fetchOps(this.deps.roomId, from);
        } catch {
          if (gen !== this.generation) return;
          if (++failures > 5) {
            // History is unreachable: start over from a fresh snapshot.
            this.resync('The editor lost track of the document and reloaded it; unsaved edits may be lost.');
            return;
          }
          await sleep(500 * failures);
          continue;
        }
        if (gen !== this.generation) return;
        if (ops.length === 0) break;
        for (const rec of ops) {
          let op: TextOperation;
          try {
            op = TextOperation.fromJSON(rec.op);
          } catch {
            this.resync('The server sent an edit this editor cannot read.');
            return;
          }
          const event: ServerEvent = this.ownClientIds.has(rec.clientId) ? { kind: 'own', op } : { kind: 'op', op, clientId: rec.clientId };
          let ok = true;
          this.guarded(() => {
            for (const e of this.queue!.offer(rec.revision, event)) this.deliver(e);
          }, () => (ok = false));
          if (!ok) return;
        }
        if (this.queue.delivered === from) break; // no progress: give up this round
      }
    } finally {
      if (gen === this.generation) this.catchingUp = false;
      this.updatePending();
    }
  }

  private sendSubmission(s: Submission): void {
    if (this.readOnly) return;
    let frame = this.frames.get(s);
    if (!frame) {
      // The selection rides along as it is now, fitted to the document the
      // operation produces (what the server checks it against), and is kept
      // with the frame: a resubmission repeats it byte for byte.
      const sel = this.deps.binding.getSelection();
      const msg: ClientMessage = { type: 'op', revision: s.revision, op: s.op.toJSON(), id: s.id };
      if (sel) msg.selection = clampSelection(sel, s.op.targetLength);
      frame = JSON.stringify(msg);
      this.frames.set(s, frame);
    }
    if (this.socket && this.socketOpen) this.socket.send(frame);
  }

  private sendSelection(): void {
    const client = this.client;
    if (!client || client.state.name === 'AwaitingWithBuffer') return;
    const sel = this.deps.binding.getSelection();
    const key = JSON.stringify(sel);
    if (key === this.lastSentSelection) return;
    if (this.send({ type: 'selection', selection: sel })) this.lastSentSelection = key;
  }

  private updatePending(): void {
    const pending = !!this.client?.hasPending;
    if (pending !== this.pending) {
      this.pending = pending;
      this.deps.dispatch(connectionActions.pendingChanged(pending));
      if (!pending) this.sendSelection();
    }
  }
}

function isOpError(code: string): boolean {
  return ['invalid_op', 'revision_out_of_range', 'too_large', 'rate_limited', 'unavailable', 'forbidden'].includes(code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
