// A Monaco-like text model for headless tests: line/column positions,
// applyEdits with ranges located in the original text, and change events
// shaped like Monaco's (offsets relative to the model before the event).

import type { ContentChangedEvent, ModelLike, RangeLike, ViewLike, ViewSelection } from '../editor/binding';
import type { ContentChange, Position } from '../editor/convert';

export class FakeModel implements ModelLike {
  private listeners: ((e: ContentChangedEvent) => void)[] = [];
  /** When set, "\r\n" and "\r" in inserted text become "\n", as Monaco's LF model does. */
  normalizeEol = false;

  constructor(public value = '') {}

  getValue(): string {
    return this.value;
  }
  getValueLength(): number {
    return this.value.length;
  }
  getPositionAt(offset: number): Position {
    offset = Math.max(0, Math.min(offset, this.value.length));
    const before = this.value.slice(0, offset);
    const lines = before.split('\n');
    return { lineNumber: lines.length, column: lines[lines.length - 1].length + 1 };
  }
  getOffsetAt(p: Position): number {
    const lines = this.value.split('\n');
    let off = 0;
    for (let i = 0; i < p.lineNumber - 1 && i < lines.length; i++) off += lines[i].length + 1;
    return off + Math.min(p.column - 1, (lines[p.lineNumber - 1] ?? '').length);
  }
  applyEdits(edits: { range: RangeLike; text: string }[]): void {
    const changes: ContentChange[] = edits.map((e) => {
      const start = this.getOffsetAt({ lineNumber: e.range.startLineNumber, column: e.range.startColumn });
      const end = this.getOffsetAt({ lineNumber: e.range.endLineNumber, column: e.range.endColumn });
      return { rangeOffset: start, rangeLength: end - start, text: this.normalizeEol ? e.text.replace(/\r\n?/g, '\n') : e.text };
    });
    this.fire(changes);
  }
  setValue(text: string): void {
    this.value = text;
    for (const l of this.listeners) l({ changes: [{ rangeOffset: 0, rangeLength: 0, text }], isFlush: true });
  }
  onDidChangeContent(listener: (e: ContentChangedEvent) => void) {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }

  /** A user edit: changes located in the current text, applied at once, one event. */
  userEdit(changes: ContentChange[]): void {
    this.fire(changes);
  }

  private fire(changes: ContentChange[]): void {
    let v = this.value;
    for (const c of changes.slice().sort((a, b) => b.rangeOffset - a.rangeOffset)) {
      v = v.slice(0, c.rangeOffset) + c.text + v.slice(c.rangeOffset + c.rangeLength);
    }
    this.value = v;
    // Monaco lists changes in descending offset order.
    const listed = changes.slice().sort((a, b) => b.rangeOffset - a.rangeOffset);
    for (const l of this.listeners) l({ changes: listed, isFlush: false });
  }
}

export class FakeView implements ViewLike {
  sels: ViewSelection[] = [{ anchor: { lineNumber: 1, column: 1 }, head: { lineNumber: 1, column: 1 } }];
  scroll: { lineNumber: number; delta: number } | null = null;
  getSelections() {
    return this.sels;
  }
  setSelections(s: ViewSelection[]) {
    this.sels = s;
  }
  getScrollAnchor() {
    return this.scroll;
  }
  setScrollAnchor(a: { lineNumber: number; delta: number }) {
    this.scroll = a;
  }
  revealOffset() {}
}
