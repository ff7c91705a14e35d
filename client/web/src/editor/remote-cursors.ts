// RemoteCursors: draws the other participants' cursors and selections as
// Monaco decorations: a coloured caret, a tinted selection, and a name label
// above the caret (below it on the first line) that fades out when the
// person stops moving and shows again on hover.
//
// Selections are kept in document offsets and transformed by every operation
// (local or remote), as ot.js does, then re-rendered in one batch.

import type * as Monaco from 'monaco-esm/editor/editor.api';
import type { PresenceView } from '../session/room-session';
import { transformSelection, type SelectionJSON } from '../ot/selection';
import type { TextOperation } from '../ot/text-operation';
import { PALETTE } from './colors';

const IDLE_MS = 3000;

interface Entry {
  name: string;
  colorIndex: number;
  labelClass: string;
  selection: SelectionJSON | null;
  movedAt: number;
  idleTimer: ReturnType<typeof setTimeout> | null;
}

export class RemoteCursors implements PresenceView {
  private entries = new Map<string, Entry>();
  private collection: Monaco.editor.IEditorDecorationsCollection;
  private style: HTMLStyleElement;
  private scheduled = false;
  private labels = 0;

  constructor(
    private readonly monaco: typeof Monaco,
    editor: Monaco.editor.IStandaloneCodeEditor,
    private readonly model: Monaco.editor.ITextModel,
    /** The person's colour (the participants store assigns it). */
    private readonly colorOf: (clientId: string) => number,
  ) {
    this.collection = editor.createDecorationsCollection();
    this.style = document.createElement('style');
    this.style.dataset.tandem = 'cursor-labels';
    document.head.appendChild(this.style);
  }

  dispose(): void {
    this.clear();
    this.collection.clear();
    this.style.remove();
  }

  set(clientId: string, name: string, selection: SelectionJSON | null): void {
    let e = this.entries.get(clientId);
    if (!e) {
      e = { name: '', colorIndex: 0, labelClass: `tandem-label-${++this.labels}`, selection: null, movedAt: 0, idleTimer: null };
      this.entries.set(clientId, e);
    }
    const colorIndex = this.colorOf(clientId);
    if ((name && name !== e.name) || colorIndex !== e.colorIndex) {
      if (name) e.name = name;
      e.colorIndex = colorIndex;
      this.writeLabels();
    }
    e.selection = selection ? this.clamp(selection) : null;
    e.movedAt = Date.now();
    if (e.idleTimer) clearTimeout(e.idleTimer);
    e.idleTimer = setTimeout(() => this.schedule(), IDLE_MS + 50);
    this.schedule();
    this.onMoved?.(clientId);
  }

  /** Called after a person's caret moved (follow mode). */
  onMoved: ((clientId: string) => void) | null = null;

  /** Where a person's caret is, as a document offset (null: not known). */
  caretOf(clientId: string): number | null {
    const r = this.entries.get(clientId)?.selection?.ranges[0];
    return r ? r.head : null;
  }

  remove(clientId: string): void {
    const e = this.entries.get(clientId);
    if (e?.idleTimer) clearTimeout(e.idleTimer);
    this.entries.delete(clientId);
    this.writeLabels();
    this.schedule();
  }

  clear(): void {
    for (const e of this.entries.values()) if (e.idleTimer) clearTimeout(e.idleTimer);
    this.entries.clear();
    this.writeLabels();
    this.schedule();
  }

  transformAll(op: TextOperation, author?: string): void {
    for (const [id, e] of this.entries) if (e.selection) e.selection = transformSelection(e.selection, op, id !== author);
    this.schedule();
  }

  lineOf(offset: number): number {
    return this.model.getPositionAt(offset).lineNumber;
  }

  /** Number of carets drawn (for tests). */
  get count(): number {
    return [...this.entries.values()].filter((e) => e.selection).length;
  }

  private clamp(sel: SelectionJSON): SelectionJSON {
    const max = this.model.getValueLength();
    const c = (n: number) => Math.max(0, Math.min(n, max));
    return { ranges: sel.ranges.map((r) => ({ anchor: c(r.anchor), head: c(r.head) })) };
  }

  private writeLabels(): void {
    const rules: string[] = [];
    for (const e of this.entries.values()) {
      rules.push(`.${e.labelClass}::after{content:${cssString(e.name || 'Anonymous')};}`);
    }
    this.style.textContent = rules.join('\n');
  }

  // Rendering is batched in a microtask: it runs after the edit that moved
  // the cursors and before the browser paints, so nothing flickers.
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.render();
    });
  }

  private render(): void {
    if (this.model.isDisposed()) return;
    const m = this.monaco;
    const now = Date.now();
    const decorations: Monaco.editor.IModelDeltaDecoration[] = [];
    const stack = labelStack(
      [...this.entries.entries()].flatMap(([id, e]) => {
        const r = e.selection?.ranges[0];
        if (!r || now - e.movedAt > IDLE_MS) return [];
        const p = this.model.getPositionAt(r.head);
        return [{ id, line: p.lineNumber, column: p.column }];
      }),
    );
    for (const [id, e] of this.entries.entries()) {
      if (!e.selection) continue;
      const idle = now - e.movedAt > IDLE_MS;
      e.selection.ranges.forEach((r, i) => {
        const head = this.model.getPositionAt(r.head);
        if (r.anchor !== r.head) {
          const a = this.model.getPositionAt(Math.min(r.anchor, r.head));
          const b = this.model.getPositionAt(Math.max(r.anchor, r.head));
          decorations.push({
            range: new m.Range(a.lineNumber, a.column, b.lineNumber, b.column),
            options: {
              className: `tandem-sel tandem-sel-c${e.colorIndex}`,
              stickiness: m.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
            },
          });
        }
        const classes = ['tandem-caret', `tandem-caret-c${e.colorIndex}`];
        if (i === 0) {
          classes.push('tandem-labeled', e.labelClass);
          if (head.lineNumber === 1) classes.push('tandem-caret-top');
          if (idle) classes.push('tandem-idle');
          const level = stack.get(id) ?? 0;
          if (level > 0) classes.push(`tandem-stack-${Math.min(level, MAX_STACK)}`);
        }
        decorations.push({
          range: new m.Range(head.lineNumber, head.column, head.lineNumber, head.column),
          options: {
            beforeContentClassName: classes.join(' '),
            stickiness: m.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
            overviewRuler: i === 0 ? { color: PALETTE[e.colorIndex], position: m.editor.OverviewRulerLane.Center } : undefined,
            hoverMessage: i === 0 ? { value: e.name || 'Anonymous' } : undefined,
          },
        });
      });
    }
    this.collection.set(decorations);
  }
}

/** Labels closer than this many columns on one line are stacked, not overlapped. */
const LABEL_COLUMNS = 12;
const MAX_STACK = 3;

/**
 * How high each active caret's label is lifted so that labels near each other
 * on one line do not cover each other: 0 for the first, 1 for a label within
 * LABEL_COLUMNS of a level-0 one, and so on.
 */
export function labelStack(carets: { id: string; line: number; column: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  const sorted = [...carets].sort((a, b) => a.line - b.line || a.column - b.column || (a.id < b.id ? -1 : 1));
  let lineStart = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i].line !== sorted[i - 1].line) lineStart = i;
    const used = new Set<number>();
    for (let j = lineStart; j < i; j++) if (sorted[i].column - sorted[j].column < LABEL_COLUMNS) used.add(out.get(sorted[j].id)!);
    let level = 0;
    while (used.has(level)) level++;
    out.set(sorted[i].id, level);
  }
  return out;
}

function cssString(s: string): string {
  return '"' + s.replace(/[\\"]/g, '\\$&').replace(/[\n\r\f]/g, ' ').replace(/</g, '\\3c ') + '"';
}
