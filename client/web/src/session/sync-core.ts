// SyncCore: one room's document synchronisation without I/O. It owns the
// OT client state machine, the RevisionQueue in front of it, and what a
// reconnect needs (the ids this tab has had, how far to catch up, whether
// the next init must reload the document). Each method takes one event — an
// init, a local edit, a server message, a page of fetched history, the end
// of a resend delay — and returns the effects the caller must carry out, in
// order. It never touches the socket, the editor, the store or a timer, so
// every rule is testable without them (the same shape as the Go client's
// syncCore).
//
// The caller's duties, for each effect in order:
//   reset      load `content` into the editor (a fresh or reloaded document)
//   apply      apply the (transformed) server operation to the editor; the
//              author's caret, if any, is pushed by its own inserts
//   send       send the submission, or resend it verbatim
//   selection  show a peer's selection (local coordinates; null clears it)
//   catchUp    unless already catching up: catchUpStarted(), then fetch
//              GET /ops?from=revision and feed each page to fetched()
//              while needsCatchUp, then catchUpEnded()
//   resendLater  after delayMs, call resend(id)
//   readOnly   the room is read-only for this tab: tell the store
//   notFound   the room is gone: stop
//   resync     show `notice`, drop the connection and reconnect (the next
//              init reloads the document)
//   desync     report it (log, counter): the server's content hash after
//              `revision` differs from this tab's copy; a resync follows
//              (at once, or at the ack of the operation in flight), which
//              keeps the edits not yet sent
//   pending    tell the store whether local edits await an ack
// After `resync` no further effect of the same call is to be carried out.
//
// Server events reach the state machine only through the queue, in revision
// order and each once, so the machine's revision moves one step per event
// and nothing else moves it.

import { AwaitingConfirm, AwaitingWithBuffer, Client, type Submission } from '../ot/client';
import { RevisionQueue } from '../ot/revision-queue';
import { TextOperation } from '../ot/text-operation';
import { parseSelection, type SelectionJSON } from '../ot/selection';
import type { Component } from '../ot/text-operation';
import { recoveryFor, type OpRecord } from '../net/protocol';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export type SyncEffect =
  | { type: 'reset'; content: string }
  | { type: 'apply'; op: TextOperation; author?: string }
  | { type: 'send'; submission: Submission }
  | { type: 'selection'; clientId: string; selection: SelectionJSON | null }
  | { type: 'catchUp' }
  | { type: 'resendLater'; id: string; delayMs: number }
  | { type: 'readOnly' }
  | { type: 'notFound' }
  | { type: 'resync'; notice: string; error?: unknown }
  | { type: 'desync'; revision: number; expected: string; actual: string }
  | { type: 'pending'; pending: boolean };

type ServerEvent =
  | { kind: 'ack'; hash?: string }
  | { kind: 'own'; op: TextOperation }
  | { kind: 'op'; op: TextOperation; clientId: string; selection?: SelectionJSON | null; hash?: string };

const UNREADABLE = 'The server sent an edit this editor cannot read.';
/** The notice of a resync because an operation did not fit (here or in the editor). */
export const OUT_OF_STEP = 'The editor got out of step with the server and reloaded the document.';
/** The notice of a resync after a content hash that differed. */
export const DESYNCED = "This tab's copy of the document differed from the server's; it was reloaded, and your unsent edits were kept.";

/**
 * The content hash of docs/protocol.md ("hash"): the first 16 hex digits of
 * the SHA-256 of the text's UTF-8 bytes.
 */
export function contentHash(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text))).slice(0, 16);
}

/**
 * The operation that turns from into to by replacing what lies between
 * their common prefix and suffix (never inside a surrogate pair).
 */
export function replacement(from: string, to: string): TextOperation {
  let p = 0;
  while (p < from.length && p < to.length && from.charCodeAt(p) === to.charCodeAt(p)) p++;
  if (p > 0 && isLowSurrogate(from.charCodeAt(p))) p--;
  let q = 0;
  while (q < from.length - p && q < to.length - p && from.charCodeAt(from.length - 1 - q) === to.charCodeAt(to.length - 1 - q)) q++;
  if (q > 0 && isLowSurrogate(from.charCodeAt(from.length - q))) q--;
  return new TextOperation().retain(p).delete(from.length - p - q).insert(to.slice(p, to.length - q)).retain(q);
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Edits kept across a desync's reload: op (null: none) applies to server, this tab's copy of the server's document. */
interface KeptEdits {
  server: string;
  op: TextOperation | null;
}

/**
 * What is pending, enough to carry on after a reload: the document as shown
 * (at revision, with the pending edits applied), the submission awaiting its
 * ack verbatim, that operation as transformed since, the edits buffered
 * behind it, and the client ids the edits were sent under.
 */
export interface PendingSnapshot {
  revision: number;
  text: string;
  submission: { revision: number; op: Component[]; id: string };
  outstanding: Component[];
  buffer: Component[] | null;
  clientIds: string[];
}

export class SyncCore {
  private client: Client | null = null;
  private queue: RevisionQueue<ServerEvent> | null = null;
  /** Every clientId this tab has had in the room: fetched ops by them are our own. */
  readonly ownClientIds = new Set<string>();
  private catchUpTarget = 0;
  private catchingUp = false;
  private needsResync = false;
  private pending = false;
  /** Effects of the call in progress (the OT client's I/O lands here). */
  private out: SyncEffect[] = [];
  private author: string | undefined;
  /**
   * The document as the server has it at `revision` (without the pending
   * edits), to check its content hashes; null when unknown (after restore,
   * until the next reload).
   */
  private server: string | null = null;
  /** A hash differed while an operation was in flight: resync at its ack. */
  private desyncAtAck = false;
  /** Set from a desync to the reload: what the reload must keep. */
  private kept: KeptEdits | null = null;
  /** How many content hashes differed from this tab's copy. */
  desyncs = 0;

  /** @param sessionPrefix the random part of submission ids (default: a fresh one per document). */
  constructor(private readonly sessionPrefix?: string) {}

  /** Revision of the document shown (the last server revision applied); -1 before the first init. */
  get revision(): number {
    return this.queue?.delivered ?? -1;
  }

  /** A document has been loaded. */
  get started(): boolean {
    return this.client !== null;
  }

  /** Caught up as far as known, nothing unacknowledged (the connection is the caller's to add). */
  get synchronized(): boolean {
    return !!this.client && !this.client.hasPending && !this.catchingUp && !this.queue?.hasGap;
  }

  /** Local edits are buffered behind an unacknowledged one (a selection sent now would not fit what the server has). */
  get buffering(): boolean {
    return this.client?.state.name === 'AwaitingWithBuffer';
  }

  /** The history fetch has not reached the target yet. */
  get needsCatchUp(): boolean {
    return !!this.queue && this.queue.delivered < this.catchUpTarget;
  }

  /** A connection's init. */
  init(msg: { clientId: string; revision: number; content: string }): SyncEffect[] {
    return this.step(() => {
      this.ownClientIds.add(msg.clientId);
      if (!this.client || this.needsResync) {
        this.out.push({ type: 'reset', content: msg.content });
        this.client = new Client(msg.revision, {
          sendOperation: (submission) => this.out.push({ type: 'send', submission }),
          applyOperation: (op) => this.out.push({ type: 'apply', op, author: this.author }),
        }, this.sessionPrefix);
        this.queue = new RevisionQueue<ServerEvent>(msg.revision);
        this.needsResync = false;
        this.desyncAtAck = false;
        this.catchUpTarget = msg.revision;
        this.server = msg.content;
        const kept = this.kept;
        this.kept = null;
        if (kept?.op) {
          // The kept edits move onto the server's content as onto any
          // concurrent change: transformed against what turns our copy of
          // the server's document into it.
          const [op] = TextOperation.transform(kept.op, replacement(kept.server, msg.content));
          this.out.push({ type: 'apply', op });
          this.client.applyClient(op);
        }
      } else {
        // Reconnected: the unacknowledged submission goes again, verbatim.
        this.client.resend();
        this.catchUpTarget = Math.max(this.catchUpTarget, msg.revision);
        if (msg.revision > this.queue!.delivered) this.out.push({ type: 'catchUp' });
      }
    });
  }

  /** What is pending now (null: nothing), for PendingSnapshot's store. */
  snapshot(text: string): PendingSnapshot | null {
    const st = this.client?.state;
    if (!(st instanceof AwaitingConfirm || st instanceof AwaitingWithBuffer)) return null;
    const sub = st.submission;
    return {
      revision: this.client!.revision,
      text,
      submission: { revision: sub.revision, op: sub.op.toJSON(), id: sub.id },
      outstanding: st.outstanding.toJSON(),
      buffer: st instanceof AwaitingWithBuffer ? st.buffer.toJSON() : null,
      clientIds: [...this.ownClientIds],
    };
  }

  /**
   * Before the first init: carry on from a snapshot of an earlier page. The
   * document is the snapshot's; the init that follows is handled as a
   * reconnect (the submission resent verbatim, the history since its revision
   * fetched, operations by its client ids recognised as our own).
   */
  restore(s: PendingSnapshot): SyncEffect[] {
    return this.step(() => {
      if (this.client) return;
      for (const id of s.clientIds) this.ownClientIds.add(id);
      this.client = new Client(s.revision, {
        sendOperation: (submission) => this.out.push({ type: 'send', submission }),
        applyOperation: (op) => this.out.push({ type: 'apply', op, author: this.author }),
      }, this.sessionPrefix);
      const submission = { revision: s.submission.revision, op: TextOperation.fromJSON(s.submission.op), id: s.submission.id };
      const outstanding = TextOperation.fromJSON(s.outstanding);
      this.client.state = s.buffer
        ? new AwaitingWithBuffer(outstanding, submission, TextOperation.fromJSON(s.buffer))
        : new AwaitingConfirm(outstanding, submission);
      this.queue = new RevisionQueue<ServerEvent>(s.revision);
      this.catchUpTarget = s.revision;
      this.server = null;
      this.out.push({ type: 'reset', content: s.text });
    });
  }

  /** A local edit from the editor. */
  local(op: TextOperation): SyncEffect[] {
    return this.step(() => {
      // Between a desync and its reload, edits join the kept ones.
      if (this.kept) this.kept.op = this.kept.op ? this.kept.op.compose(op) : op;
      else this.client?.applyClient(op);
    });
  }

  /** The ack of the operation in flight; hash, the server's content hash after it, if sent. */
  ack(revision: number, hash?: string): SyncEffect[] {
    return this.step(() => this.offer(revision, { kind: 'ack', hash }, true));
  }

  /** A broadcast operation by another client; hash, the server's content hash after it, if sent. */
  remote(revision: number, json: Component[], clientId: string, selection?: SelectionJSON | null, hash?: string): SyncEffect[] {
    return this.step(() => {
      let op: TextOperation;
      try {
        op = TextOperation.fromJSON(json);
      } catch {
        return this.resync(UNREADABLE);
      }
      this.offer(revision, { kind: 'op', op, clientId, selection, hash });
    });
  }

  /** Another client's selection moved (on the server's document). */
  remoteSelection(clientId: string, selection: SelectionJSON | null): SyncEffect[] {
    return this.step(() => this.showSelection(clientId, selection));
  }

  /** A server error message. */
  error(code: string, message: string | undefined, id: string | undefined): SyncEffect[] {
    return this.step(() => {
      const client = this.client;
      const aboutPending = !!client && client.hasPending && (id === undefined ? isOpError(code) : id === client.pendingId);
      if (!aboutPending) {
        if (code === 'forbidden') this.out.push({ type: 'readOnly' });
        else if (code === 'not_found') this.out.push({ type: 'notFound' });
        return;
      }
      if (recoveryFor(code) === 'retry') {
        // Not committed: send the same submission again a little later.
        this.out.push({ type: 'resendLater', id: client!.pendingId!, delayMs: code === 'rate_limited' ? 1000 : 2000 });
        return;
      }
      switch (code) {
        case 'forbidden':
          this.out.push({ type: 'readOnly' });
          return this.resync('This link is read-only: your edits were not saved.');
        default:
          return this.resync(`Your latest edit was rejected by the server (${code}${message ? `: ${message}` : ''}); the document was reloaded.`);
      }
    });
  }

  /** The end of a resend delay: the submission goes again if it is still unacknowledged. */
  resend(id: string): SyncEffect[] {
    return this.step(() => {
      if (this.client?.pendingId === id) this.client.resend();
    });
  }

  /** A page of GET /ops?from=revision. */
  fetched(records: OpRecord[]): SyncEffect[] {
    return this.step(() => {
      for (const rec of records) {
        let op: TextOperation;
        try {
          op = TextOperation.fromJSON(rec.op);
        } catch {
          return this.resync(UNREADABLE);
        }
        const event: ServerEvent = this.ownClientIds.has(rec.clientId) ? { kind: 'own', op } : { kind: 'op', op, clientId: rec.clientId };
        for (const e of this.queue!.offer(rec.revision, event)) this.deliver(e);
      }
    });
  }

  /** Starts a catch-up; false if one is running already. */
  catchUpStarted(): boolean {
    if (this.catchingUp || !this.queue) return false;
    this.catchingUp = true;
    return true;
  }

  /**
   * A catch-up ended. current: the connection it started on is still the
   * current one (otherwise the disconnect ended it, and a newer one may be
   * running).
   */
  catchUpEnded(current: boolean): SyncEffect[] {
    return this.step(() => {
      if (current) this.catchingUp = false;
    });
  }

  /** The connection is gone: a running catch-up is abandoned. */
  disconnected(): void {
    this.catchingUp = false;
  }

  /** The caller lost track of the document (an edit did not fit the editor, history unreachable): the next init reloads it. */
  lostTrack(): void {
    this.needsResync = true;
  }

  /** Maps a selection on the server's document onto the local one. */
  localSelection(sel: SelectionJSON | null): SelectionJSON | null {
    return sel && this.client ? this.client.transformSelection(sel) : null;
  }

  /**
   * Runs one event. An operation that does not fit (a bug here or on the
   * server) ends it with a resync rather than leaving the document out of
   * step with everyone else's.
   */
  private step(fn: () => void): SyncEffect[] {
    this.out = [];
    try {
      fn();
    } catch (error) {
      this.resync(OUT_OF_STEP, error);
    }
    const pending = !!this.client?.hasPending;
    if (pending !== this.pending && !this.out.some((e) => e.type === 'resync')) {
      this.pending = pending;
      this.out.push({ type: 'pending', pending });
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  private resync(notice: string, error?: unknown): void {
    this.needsResync = true;
    this.out.push({ type: 'resync', notice, error });
  }

  private offer(revision: number, event: ServerEvent, replace = false): void {
    const queue = this.queue;
    if (!queue || !this.client) return;
    for (const e of queue.offer(revision, event, replace)) {
      if (this.kept) return; // reloading: the rest comes with the next init
      this.deliver(e);
    }
    if (queue.hasGap && !this.catchingUp) {
      this.catchUpTarget = Math.max(this.catchUpTarget, queue.highest);
      this.out.push({ type: 'catchUp' });
    }
  }

  private deliver(e: ServerEvent): void {
    const client = this.client!;
    if (e.kind === 'ack' || e.kind === 'own') {
      const st = client.state;
      if (st instanceof AwaitingConfirm || st instanceof AwaitingWithBuffer) {
        // The operation acknowledged is the outstanding one, transformed
        // as the server transformed it.
        this.serverApply(st.outstanding);
        const desync = (e.kind === 'ack' && this.hashDiffers(e.hash)) || this.desyncAtAck;
        if (desync) {
          // What is buffered was never sent: it is kept for the reload
          // instead of being sent onto a document the server does not have.
          this.desyncAtAck = false;
          return this.reloadKeeping(st instanceof AwaitingWithBuffer ? st.buffer : null);
        }
        client.serverAck();
      } else if (e.kind === 'own') {
        this.serverApply(e.op);
        client.applyServer(e.op);
      }
      // An ack with nothing pending: the document lacks that revision's
      // operation, so counting it would hide a divergence.
      else throw new Error(`ack of revision ${this.queue!.delivered} with no operation pending`);
      return;
    }
    this.serverApply(e.op);
    this.author = e.clientId;
    try {
      client.applyServer(e.op);
    } finally {
      this.author = undefined;
    }
    if (e.selection !== undefined) this.showSelection(e.clientId, parseSelection(e.selection));
    if (this.hashDiffers(e.hash)) {
      // With an operation in flight, wait for its ack: it is committed or
      // about to be, and the edits behind it survive the reload.
      if (client.hasPending) this.desyncAtAck = true;
      else this.reloadKeeping(null);
    }
  }

  private serverApply(op: TextOperation): void {
    if (this.server !== null) this.server = op.apply(this.server);
  }

  /** Whether hash (the server's, after the revision just delivered) differs from this tab's copy; reports it when it does. */
  private hashDiffers(hash: string | undefined): boolean {
    if (hash === undefined || this.server === null || this.desyncAtAck) return false;
    const actual = contentHash(this.server);
    if (actual === hash) return false;
    this.desyncs++;
    this.out.push({ type: 'desync', revision: this.queue!.delivered, expected: hash, actual });
    return true;
  }

  /** Reloads the document (a resync), keeping op, which applies to this tab's copy of the server's document. */
  private reloadKeeping(op: TextOperation | null): void {
    this.kept = { server: this.server!, op };
    this.resync(DESYNCED);
  }

  private showSelection(clientId: string, sel: SelectionJSON | null): void {
    if (this.ownClientIds.has(clientId) || !this.client) return;
    this.out.push({ type: 'selection', clientId, selection: this.localSelection(sel) });
  }
}

function isOpError(code: string): boolean {
  return ['invalid_op', 'revision_out_of_range', 'too_large', 'rate_limited', 'unavailable', 'forbidden'].includes(code);
}
