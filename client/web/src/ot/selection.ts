// Selection: a set of ranges (anchor, head) in UTF-16 offsets, as on the wire:
// {"ranges":[{"anchor":a,"head":h}]}. Transforming a selection by an
// operation moves each offset as ot.js does: an insert at an offset pushes
// the offset after the inserted text; a delete pulls offsets inside it to its
// start.

import { TextOperation } from './text-operation';

export interface Range {
  anchor: number;
  head: number;
}

export interface SelectionJSON {
  ranges: Range[];
}

export function transformIndex(index: number, op: TextOperation): number {
  let newIndex = index;
  let remaining = index;
  for (const c of op.ops) {
    if (TextOperation.isRetain(c)) {
      remaining -= c;
    } else if (TextOperation.isInsert(c)) {
      newIndex += c.length;
    } else {
      newIndex -= Math.min(remaining, -c);
      remaining += c;
    }
    if (remaining < 0) break;
  }
  return newIndex;
}

export function transformSelection(sel: SelectionJSON, op: TextOperation): SelectionJSON {
  return {
    ranges: sel.ranges.map((r) => {
      const anchor = transformIndex(r.anchor, op);
      return r.anchor === r.head ? { anchor, head: anchor } : { anchor, head: transformIndex(r.head, op) };
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
