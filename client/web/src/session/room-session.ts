// RoomSession: the shell that wires one open room's parts together and does
// their I/O. One per open room.
//
//   RoomTransport  the socket: open, init timeout, ping, reconnect with backoff
//   SyncCore       the document's synchronisation, pure: events in, effects out
//   RoomPresence   peers' names, carets and the participant list
//
// The session feeds the transport's messages, the editor's edits and the
// history fetched with GET /ops?from=R to the core, and carries out the
// effects it returns (see SyncCore for the list): applying operations to
// the editor binding, sending frames, fetching history, timers, and the
// store. Read-only is the store's (room.readOnly); the session asks it
// through deps.isReadOnly and only reports news to it.
//
// Reconnecting: the transport reopens the socket; on the new init the core
// resubmits the unacknowledged submission verbatim (same revision, op and id
// — the session keeps the exact frame, selection included) and asks for a
// catch-up from the last applied revision.

import type { Submission } from '../ot/client';
import { clampSelection, parseSelection } from '../ot/selection';
import type { TextOperation } from '../ot/text-operation';
import type { EditorBinding } from '../editor/binding';
import type { ClientMessage, OpRecord, ServerMessage } from '../net/protocol';
import { connectionActions } from '../store/connectionSlice';
import { roomActions } from '../store/roomSlice';
import type { UnknownAction } from '@reduxjs/toolkit';
import { OUT_OF_STEP, SyncCore, type PendingSnapshot, type SyncEffect } from './sync-core';
import type { PendingStore } from './pending-store';
import { RoomTransport, type OpenSocket } from './transport';
import { RoomPresence, type PresenceView } from './presence';

export type { OpenSocket, SocketHandlers, SocketLike } from './transport';
export type { PresenceView } from './presence';

export interface SessionDeps {
  roomId: string;
  name: string;
  binding: EditorBinding;
  presence?: PresenceView;
  openSocket: OpenSocket;
  fetchOps(roomId: string, from: number): Promise<OpRecord[]>;
  dispatch(action: UnknownAction): void;
  /** The store's room.readOnly: while true no edit is sent. */
  isReadOnly(): boolean;
  /** Milliseconds before reconnect attempt n (0-based). */
  backoff?(attempt: number): number;
  /** Called after every init, once the document is loaded. */
  onInit?(): void;
  /** Reports whether the room still exists after repeated socket failures. */
  roomExists?(roomId: string): Promise<boolean>;
  /** Where pending edits are kept across reloads (none: not kept). */
  pendingStore?: PendingStore;
}

const SELECTION_THROTTLE_MS = 40;

export class RoomSession {
  private readonly core = new SyncCore();
  private savedPending = false;
  private readonly transport: RoomTransport;
  private readonly presence: RoomPresence;
  private resendTimer: ReturnType<typeof setTimeout> | null = null;
  private resendId = '';
  private selectionTimer: ReturnType<typeof setTimeout> | null = null;
  private lastSentSelection = '';
  private stopped = false;
  clientId: string | null = null;
  /** The exact frame sent for each submission, for a verbatim resend. */
  private frames = new WeakMap<Submission, string>();

  constructor(private readonly deps: SessionDeps) {
    this.presence = new RoomPresence(deps);
    this.transport = new RoomTransport(
      { roomId: deps.roomId, name: deps.name, openSocket: deps.openSocket, backoff: deps.backoff },
      {
        connecting: () => this.deps.dispatch(connectionActions.statusChanged(this.core.started ? 'reconnecting' : 'connecting')),
        message: (msg) => this.handle(msg),
        closed: () => {
          this.clearTimers();
          this.core.disconnected();
        },
        retrying: (attempt, offline) => this.retrying(attempt, offline),
      },
    );
  }

  start(): void {
    this.transport.start();
  }

  /** Local edits await an acknowledgement. */
  get hasPending(): boolean {
    return this.core.snapshot('') !== null;
  }

  /** Before start(): carries on with the edits an earlier page left pending. */
  restore(snapshot: PendingSnapshot): void {
    this.run(this.core.restore(snapshot));
    this.savedPending = true;
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.transport.stop();
    this.presence.clear();
  }

  /** Revision of the document shown (the last server revision applied). */
  get revision(): number {
    return this.core.revision;
  }

  get synchronized(): boolean {
    return this.core.synchronized && this.transport.open;
  }

  /** Closes the socket as a network failure would (test hook). */
  dropConnection(): void {
    if (this.transport.hasSocket) this.transport.fail();
  }

  /** A local edit from the binding. */
  localOperation(op: TextOperation): void {
    if (!this.core.started) return;
    const effects = this.core.local(op);
    this.presence.transformAll(op);
    this.run(effects);
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
    if (name === this.transport.name) return;
    if (!this.stopped) this.clearTimers();
    this.transport.rename(name);
  }

  changeLanguage(language: string): void {
    this.send({ type: 'language', language });
  }

  /** Reconnect now (the browser came back online, or the user asked). */
  reconnectNow(): void {
    if (this.stopped || this.transport.open) return;
    this.clearTimers();
    this.transport.reconnectNow();
  }

  private retrying(attempt: number, offline: boolean): void {
    this.deps.dispatch(connectionActions.statusChanged(offline ? 'offline' : 'reconnecting'));
    if (attempt === 2 && !this.core.started && this.deps.roomExists) {
      void this.deps.roomExists(this.deps.roomId).then((exists) => {
        if (!exists) this.roomGone();
      });
    }
  }

  private roomGone(): void {
    this.stop();
    this.deps.dispatch(roomActions.failed({ notFound: true, message: 'This room does not exist.' }));
  }

  private clearTimers(): void {
    if (this.resendTimer) clearTimeout(this.resendTimer);
    if (this.selectionTimer) clearTimeout(this.selectionTimer);
    this.resendTimer = this.selectionTimer = null;
  }

  private send(msg: ClientMessage): boolean {
    return this.transport.send(JSON.stringify(msg));
  }

  // --- messages ---

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'init':
        return this.onInit(msg);
      case 'ack':
        return void this.run(this.core.ack(msg.revision, msg.hash));
      case 'op':
        return void this.run(this.core.remote(msg.revision, msg.op, msg.clientId, msg.selection, msg.hash));
      case 'selection':
        return void this.run(this.core.remoteSelection(msg.clientId, parseSelection(msg.selection)));
      case 'join':
        return this.presence.joined(msg.clientId, msg.name, !!msg.readOnly);
      case 'leave':
        return this.presence.left(msg.clientId);
      case 'language':
        this.deps.dispatch(roomActions.languageChanged({ language: msg.language, clientId: msg.clientId }));
        return;
      case 'pong':
        return;
      case 'error':
        return void this.run(this.core.error(msg.code, msg.message, msg.id));
    }
  }

  private onInit(msg: Extract<ServerMessage, { type: 'init' }>): void {
    this.clientId = msg.clientId;
    this.deps.dispatch(connectionActions.initReceived({ clientId: msg.clientId }));
    this.deps.dispatch(roomActions.initReceived({ name: msg.name, language: msg.language, readOnly: msg.readOnly }));
    this.lastSentSelection = '';
    if (!this.run(this.core.init(msg))) return;
    const others = (msg.clients ?? []).filter((c) => c.clientId !== msg.clientId);
    this.presence.reset(
      others.map((c) => ({ clientId: c.clientId, name: c.name, readOnly: c.readOnly, selection: this.core.localSelection(parseSelection(c.selection)) })),
      msg.clientId,
    );
    this.sendSelection();
    this.deps.onInit?.();
  }

  /** Carries out the core's effects in order; false if they ended in a resync (or the room is gone). */
  private run(effects: SyncEffect[]): boolean {
    const ok = this.runEffects(effects);
    this.keepPending();
    return ok;
  }

  // keepPending stores what is pending (deps.pendingStore) after every change,
  // and deletes the record once nothing is.
  private keepPending(): void {
    const store = this.deps.pendingStore;
    if (!store || this.deps.isReadOnly()) return;
    const snapshot = this.core.snapshot(this.deps.binding.text);
    if (!snapshot && !this.savedPending) return;
    store.save(this.deps.roomId, snapshot);
    this.savedPending = snapshot !== null;
  }

  private runEffects(effects: SyncEffect[]): boolean {
    for (const e of effects) {
      switch (e.type) {
        case 'reset':
          this.deps.binding.reset(e.content);
          break;
        case 'apply':
          try {
            this.deps.binding.applyRemote(e.op);
          } catch (err) {
            this.resync(OUT_OF_STEP, err);
            return false;
          }
          this.presence.transformAll(e.op, e.author);
          break;
        case 'send':
          this.sendSubmission(e.submission);
          break;
        case 'selection':
          this.presence.moved(e.clientId, e.selection);
          break;
        case 'catchUp':
          void this.catchUp();
          break;
        case 'resendLater':
          this.resendLater(e.id, e.delayMs);
          break;
        case 'readOnly':
          this.deps.dispatch(roomActions.becameReadOnly());
          break;
        case 'notFound':
          this.roomGone();
          return false;
        case 'resync':
          this.resync(e.notice, e.error);
          return false;
        case 'desync':
          console.warn(`tandem: document out of sync with the server after revision ${e.revision} (server hash ${e.expected}, ours ${e.actual}); reloading it`);
          this.deps.dispatch(connectionActions.desyncDetected());
          break;
        case 'pending':
          this.deps.dispatch(connectionActions.pendingChanged(e.pending));
          if (!e.pending) this.sendSelection();
          break;
      }
    }
    return true;
  }

  private resendLater(id: string, delayMs: number): void {
    if (this.resendTimer && this.resendId === id) return;
    if (this.resendTimer) clearTimeout(this.resendTimer);
    this.resendId = id;
    this.resendTimer = setTimeout(() => {
      this.resendTimer = null;
      this.run(this.core.resend(id));
    }, delayMs);
  }

  /** Drops local pending edits and reloads the document from a fresh connection. */
  private resync(notice: string, error?: unknown): void {
    if (error !== undefined) console.error('tandem: out of step with the server', error);
    this.deps.dispatch(connectionActions.noticeShown(notice));
    this.core.lostTrack();
    this.transport.fail();
  }

  /** Fetches the operations missed while away, until the core has reached its target. */
  private async catchUp(): Promise<void> {
    if (!this.core.catchUpStarted()) return;
    const gen = this.transport.generation;
    let failures = 0;
    try {
      while (gen === this.transport.generation && this.core.needsCatchUp) {
        const from = this.core.revision;
        let ops: OpRecord[];
        try {
          ops = await this.deps.fetchOps(this.deps.roomId, from);
        } catch {
          if (gen !== this.transport.generation) return;
          if (++failures > 5) {
            // History is unreachable: start over from a fresh snapshot.
            this.resync('The editor lost track of the document and reloaded it; unsaved edits may be lost.');
            return;
          }
          await sleep(500 * failures);
          continue;
        }
        if (gen !== this.transport.generation) return;
        if (ops.length === 0) break;
        if (!this.run(this.core.fetched(ops))) return;
        if (this.core.revision === from) break; // no progress: give up this round
      }
    } finally {
      this.run(this.core.catchUpEnded(gen === this.transport.generation));
    }
  }

  private sendSubmission(s: Submission): void {
    if (this.deps.isReadOnly()) return;
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
    this.transport.send(frame);
  }

  private sendSelection(): void {
    if (!this.core.started || this.core.buffering) return;
    const sel = this.deps.binding.getSelection();
    const key = JSON.stringify(sel);
    if (key === this.lastSentSelection) return;
    if (this.send({ type: 'selection', selection: sel })) this.lastSentSelection = key;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
