// RoomPresence: the other people in the room, at the edge: their names, the
// carets drawn by the PresenceView, and the participant list in the store.
// Selections reach it in local coordinates already (SyncCore maps them).

import type { TextOperation } from '../ot/text-operation';
import type { SelectionJSON } from '../ot/selection';
import { participantsActions } from '../store/participantsSlice';
import type { UnknownAction } from '@reduxjs/toolkit';

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

export interface Peer {
  clientId: string;
  name: string;
  /** In local coordinates. */
  selection: SelectionJSON | null;
  readOnly?: boolean;
}

export class RoomPresence {
  private names = new Map<string, string>();

  /** The view is looked up on every use: it may be attached after the session is made. */
  constructor(private readonly deps: { presence?: PresenceView; dispatch(action: UnknownAction): void }) {}

  /** A connection's init: the peers replace whoever was known. */
  reset(peers: Peer[], selfId: string): void {
    this.names = new Map(peers.map((p) => [p.clientId, p.name]));
    this.deps.presence?.clear();
    // The store first: it gives the colours the carets are drawn in.
    const list = peers.map((p) => ({ clientId: p.clientId, name: p.name, line: this.lineOf(p.selection), readOnly: p.readOnly }));
    this.deps.dispatch(participantsActions.initialized({ selfId, peers: list }));
    for (const p of peers) this.deps.presence?.set(p.clientId, p.name, p.selection);
  }

  joined(clientId: string, name: string, readOnly = false): void {
    this.names.set(clientId, name);
    this.deps.dispatch(participantsActions.joined({ clientId, name, readOnly }));
  }

  left(clientId: string): void {
    this.names.delete(clientId);
    this.deps.presence?.remove(clientId);
    this.deps.dispatch(participantsActions.left(clientId));
  }

  /** A peer's selection, in local coordinates (null: none). */
  moved(clientId: string, selection: SelectionJSON | null): void {
    this.deps.presence?.set(clientId, this.names.get(clientId) ?? '', selection);
    this.deps.dispatch(participantsActions.cursorMoved({ clientId, line: this.lineOf(selection) }));
  }

  /** An operation was applied to the local document (author: whose, if remote). */
  transformAll(op: TextOperation, author?: string): void {
    this.deps.presence?.transformAll(op, author);
  }

  clear(): void {
    this.deps.presence?.clear();
  }

  private lineOf(sel: SelectionJSON | null): number | null {
    if (!sel || sel.ranges.length === 0 || !this.deps.presence) return null;
    return this.deps.presence.lineOf(sel.ranges[0].head);
  }
}
