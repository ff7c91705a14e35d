// Pure conversions between Monaco content changes and text operations.
//
// Monaco reports one event per user action; with several cursors it holds
// several changes, each with rangeOffset/rangeLength relative to the model
// as it was BEFORE the event (offsets in UTF-16 code units, like ours).
// Walking those changes in ascending offset order builds the same operation
// as applying them one by one in descending offset order.

import { TextOperation } from '../ot/text-operation';

export interface ContentChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

export interface Position {
  lineNumber: number;
  column: number;
}

export interface OffsetEdit {
  /** Start offset in the document before the operation. */
  offset: number;
  /** Units removed from offset. */
  length: number;
  /** Text inserted at offset. */
  text: string;
}

/**
 * The operation for one Monaco change event on a document of docLength
 * units. Throws if the changes overlap or run past the end.
 */
export function changesToOperation(changes: readonly ContentChange[], docLength: number): TextOperation {
  const sorted = changes.slice().sort((a, b) => a.rangeOffset - b.rangeOffset);
  const op = new TextOperation();
  let pos = 0;
  for (const c of sorted) {
    if (c.rangeOffset < pos) throw new Error(`overlapping changes at offset ${c.rangeOffset}`);
    op.retain(c.rangeOffset - pos);
    op.insert(c.text);
    op.delete(c.rangeLength);
    pos = c.rangeOffset + c.rangeLength;
  }
  if (pos > docLength) throw new Error(`change ends at ${pos}, past the document end ${docLength}`);
  op.retain(docLength - pos);
  return op;
}

/**
 * The edits that carry out op, each located in the document before op (as
 * Monaco's applyEdits and pushEditOperations expect), in ascending order.
 * An insert next to a delete becomes one replacement.
 */
export function operationToEdits(op: TextOperation): OffsetEdit[] {
  const edits: OffsetEdit[] = [];
  let index = 0;
  let current: OffsetEdit | null = null;
  for (const c of op.ops) {
    if (TextOperation.isRetain(c)) {
      if (current) edits.push(current);
      current = null;
      index += c;
    } else if (TextOperation.isInsert(c)) {
      current ??= { offset: index, length: 0, text: '' };
      current.text += c;
    } else {
      current ??= { offset: index, length: 0, text: '' };
      current.length += -c;
      index += -c;
    }
  }
  if (current) edits.push(current);
  return edits;
}

/** The smallest operation turning `from` into `to`: common prefix and suffix kept. */
export function diffOperation(from: string, to: string): TextOperation {
  let start = 0;
  const max = Math.min(from.length, to.length);
  while (start < max && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && from.charCodeAt(from.length - 1 - end) === to.charCodeAt(to.length - 1 - end)) end++;
  // Do not cut a surrogate pair in two.
  if (start > 0 && isHighSurrogate(from.charCodeAt(start - 1))) start--;
  if (end > 0 && isLowSurrogate(from.charCodeAt(from.length - end))) end--;
  return new TextOperation()
    .retain(start)
    .insert(to.slice(start, to.length - end))
    .delete(from.length - start - end)
    .retain(end);
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The offset where the user's attention goes after an undo: the end of its last edit. */
export function caretAfter(op: TextOperation): number {
  let index = 0;
  let caret = 0;
  for (const c of op.ops) {
    if (TextOperation.isRetain(c)) index += c;
    else if (TextOperation.isInsert(c)) {
      index += c.length;
      caret = index;
    } else caret = index;
  }
  return caret;
}
