// Which local edits form one undo step. A typing group is the span of the
// document the current run of typing has touched; an edit within or touching
// it, soon enough after the last one, joins it. That covers what Monaco does
// on its own while you type: an auto-closed pair "()" or '""' (one insert of
// two characters, the caret between them), typing inside it, and typing over
// the closing character.

import { TextOperation } from '../ot/text-operation';

/** A span of the document, in UTF-16 units, [start, end). */
export interface Span {
  start: number;
  end: number;
}

/**
 * The one change an operation makes, if it makes one: at start (in the
 * document before it) it deletes deleted units and inserts inserted ones.
 */
export function singleChange(op: TextOperation): { start: number; deleted: number; inserted: number } | null {
  let pos = 0;
  let change: { start: number; deleted: number; inserted: number } | null = null;
  let inChange = false;
  for (const c of op.ops) {
    if (TextOperation.isRetain(c)) {
      if (inChange) inChange = false;
      pos += c;
      continue;
    }
    if (change && !inChange) return null; // a second change
    change ??= { start: pos, deleted: 0, inserted: 0 };
    inChange = true;
    if (TextOperation.isInsert(c)) change.inserted += c.length;
    else {
      change.deleted += -c;
      pos += -c;
    }
  }
  return change;
}

/**
 * The typing group after op: the grown group if op continues it (a single
 * change touching it), else null, and then op starts a new group.
 */
export function continueGroup(group: Span | null, op: TextOperation): Span | null {
  const c = singleChange(op);
  if (!c || !group) return null;
  const end = c.start + c.deleted;
  if (end < group.start || c.start > group.end) return null;
  return { start: Math.min(group.start, c.start), end: Math.max(group.end, end) - c.deleted + c.inserted };
}

/** The group an operation starts: the span it wrote (null for a multi-change edit). */
export function startGroup(op: TextOperation): Span | null {
  const c = singleChange(op);
  return c ? { start: c.start, end: c.start + c.inserted } : null;
}
