// Selection: a set of ranges (anchor, head) in UTF-16 offsets, as on the wire:
// {"ranges":[{"anchor":a,"head":h}]}. Transforming a selection by an
// operation moves each offset as ot.js does: an insert before an offset
// pushes it right, a delete pulls offsets inside it to its start. An insert
// exactly AT the offset pushes it too (ot.js) unless `stay` is set: a caret
// stays left of text that someone else inserts right at it, so two people
// typing at the same spot each keep writing their own run of text instead of
// interleaving letters.

import { TextOperation } from './text-operation';

export interface Range {
  anchor: number;
  head: number;
}

export interface SelectionJSON {
  ranges: Range[];
}

export function transformIndex(index: number, op: TextOperation, stay = false): number {
  let newIndex = index;
  let remaining = index;
  for (const c of op.ops) {
    if (TextOperation.isRetain(c)) {
      remaining -= c;
    } else if (TextOperation.isInsert(c)) {
      if (stay && remaining === 0) break;
      newIndex += c.length;
    } else {
      newIndex -= Math.min(remaining, -c);
      remaining += c;
    }
    if (remaining < 0) break;
  }
  return newIndex;
}

export function transformSelection(sel: SelectionJSON, op: TextOperation, stay = false): SelectionJSON {
  return {
    ranges: sel.ranges.map((r) => {
      const anchor = transformIndex(r.anchor, op, stay);
      return r.anchor === r.head ? { anchor, head: anchor } : { anchor, head: transformIndex(r.head, op, stay) };
    }),
  };
}

/** Parses a selection received from the wire; returns null for anything malformed. */
export function parseSelection(value: unknown): SelectionJSON | null {
  if (!value || typeof value !== 'object') return null;
  const ranges = (value as { ranges?: unknown }).ranges;
  if (!Array.isArray(ranges)) return null;
  const out: Range[] = [];
  for (const r of ranges) {
    if (!r || typeof r !== 'object') return null;
    const { anchor, head } = r as Record<string, unknown>;
    if (!Number.isInteger(anchor) || !Number.isInteger(head)) return null;
    out.push({ anchor: anchor as number, head: head as number });
  }
  return { ranges: out };
}

export function selectionsEqual(a: SelectionJSON | null, b: SelectionJSON | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.ranges.length !== b.ranges.length) return false;
  return a.ranges.every((r, i) => r.anchor === b.ranges[i].anchor && r.head === b.ranges[i].head);
}

/** The selection with every offset clamped into a document of length len. */
export function clampSelection(sel: SelectionJSON, len: number): SelectionJSON {
  const c = (n: number) => Math.max(0, Math.min(n, len));
  return { ranges: sel.ranges.map((r) => ({ anchor: c(r.anchor), head: c(r.head) })) };
}
