// EditorBinding: ties one Monaco model (and optionally its editor view) to
// the OT world. It is the only place that reads or writes the model.
//
// - Local content changes become operations (onLocalOperation), recorded in
//   the undo manager with their inverses.
// - Remote operations are applied with applyEdits while a flag makes the
//   change listener ignore them (no echo); they never enter Monaco's undo
//   stack; local selections are transformed past them and the viewport keeps
//   its first visible line in place.
// - undo()/redo() use the OT undo manager, so they revert the user's own
//   edits transformed past remote ones, never a remote edit.
//
// The binding keeps a shadow copy of the document: Monaco's change events do
// not carry deleted text, which inverses need, and the copy lets the binding
// notice when Monaco's text and the OT text disagree (line-ending
// normalisation) and repair that with a diff.

import { TextOperation } from '../ot/text-operation';
import { UndoManager } from '../ot/undo-manager';
import { continueGroup, startGroup, type Span } from './typing-group';
import { transformIndex, type SelectionJSON } from '../ot/selection';
import { caretAfter, changesToOperation, diffOperation, operationToEdits, type ContentChange, type Position } from './convert';

export interface RangeLike {
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
}

export interface ContentChangedEvent {
  changes: readonly ContentChange[];
  isFlush: boolean;
}

export interface Disposable {
  dispose(): void;
}

/** The part of a Monaco ITextModel the binding uses. */
export interface ModelLike {
  getValue(): string;
  getValueLength(): number;
  getPositionAt(offset: number): Position;
  getOffsetAt(position: Position): number;
  applyEdits(edits: { range: RangeLike; text: string; forceMoveMarkers?: boolean }[]): void;
  setValue(text: string): void;
  onDidChangeContent(listener: (e: ContentChangedEvent) => void): Disposable;
}

/** An editor selection: anchor (selectionStart) and head (position). */
export interface ViewSelection {
  anchor: Position;
  head: Position;
}

/** The part of a Monaco editor the binding uses (absent in headless tests). */
export interface ViewLike {
  getSelections(): ViewSelection[];
  setSelections(sels: ViewSelection[]): void;
  /** Line at the top of the viewport and its pixel offset above the fold. */
  getScrollAnchor(): { lineNumber: number; delta: number } | null;
  setScrollAnchor(anchor: { lineNumber: number; delta: number }): void;
  revealOffset(position: Position): void;
}

export interface BindingEvents {
  onLocalOperation(op: TextOperation): void;
  /** Remote edits moved the local selection, or it moved for any reason. */
  onSelectionChanged?(): void;
}

/** Consecutive edits further apart than this start a new undo step. */
const UNDO_GROUP_MS = 1000;

export class EditorBinding {
  readonly undoManager = new UndoManager();
  private doc: string;
  private applyingRemote = false;
  private lastEditAt = 0;
  /** The span the current typing group has touched (see typing-group.ts). */
  private group: Span | null = null;
  private readonly subscription: Disposable;
  view: ViewLike | null = null;

  constructor(
    readonly model: ModelLike,
    private readonly events: BindingEvents,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.doc = model.getValue();
    this.subscription = model.onDidChangeContent((e) => this.onContentChanged(e));
  }

  dispose(): void {
    this.subscription.dispose();
  }

  /** The document as the OT client knows it. */
  get text(): string {
    return this.doc;
  }

  /** Replaces the whole document (first load, or a resync): clears undo history. */
  reset(text: string): void {
    this.applyingRemote = true;
    try {
      if (this.model.getValue() !== text) this.model.setValue(text);
    } finally {
      this.applyingRemote = false;
    }
    this.doc = text;
    this.undoManager.undoStack = [];
    this.undoManager.redoStack = [];
    this.repairIfDiverged();
  }

  private onContentChanged(e: ContentChangedEvent): void {
    if (this.applyingRemote) return;
    const before = this.doc;
    let op: TextOperation;
    try {
      op = e.isFlush ? diffOperation(before, this.model.getValue()) : changesToOperation(e.changes, before.length);
    } catch {
      op = diffOperation(before, this.model.getValue());
    }
    let after = op.apply(before);
    if (after.length !== this.model.getValueLength()) {
      // Monaco normalised something (line endings): trust the model.
      op = diffOperation(before, this.model.getValue());
      after = op.apply(before);
    }
    // An edit that leaves the text as it was (typing over an auto-closed
    // character replaces it with itself) is nothing to send or to undo.
    if (op.isNoop() || after === before) return;
    this.doc = after;
    const inverse = op.invert(before);
    const t = this.now();
    const soon = t - this.lastEditAt < UNDO_GROUP_MS;
    const grown = soon ? continueGroup(this.group, op) : null;
    const compose = soon && (grown !== null || this.undoManager.canCompose(inverse));
    this.group = grown ?? startGroup(op);
    this.lastEditAt = t;
    this.undoManager.add(inverse, compose);
    this.events.onLocalOperation(op);
  }

  /** Applies a remote operation without echoing it and without disturbing the local view. */
  applyRemote(op: TextOperation): void {
    if (op.baseLength !== this.doc.length) {
      throw new Error(`remote operation base length ${op.baseLength} != document length ${this.doc.length}`);
    }
    if (op.isNoop()) return;
    const view = this.view;
    const sels = view ? this.selectionOffsets(view) : null;
    const scroll = view?.getScrollAnchor() ?? null;
    const scrollOffset = scroll ? this.model.getOffsetAt({ lineNumber: scroll.lineNumber, column: 1 }) : 0;
    this.writeModel(op);
    this.undoManager.transform(op);
    this.lastEditAt = 0; // a remote edit ends the current undo group
    if (view && sels) {
      view.setSelections(
        sels.map((s) => ({
          // The caret stays left of text inserted right at it by someone else.
          anchor: this.model.getPositionAt(transformIndex(s.anchor, op, true)),
          head: this.model.getPositionAt(transformIndex(s.head, op, true)),
        })),
      );
    }
    if (view && scroll) {
      const line = this.model.getPositionAt(transformIndex(scrollOffset, op)).lineNumber;
      if (line !== scroll.lineNumber) view.setScrollAnchor({ lineNumber: line, delta: scroll.delta });
    }
    this.events.onSelectionChanged?.();
    this.repairIfDiverged();
  }

  /** Writes op into the model as a non-local change (no echo, no Monaco undo entry). */
  private writeModel(op: TextOperation): void {
    const edits = operationToEdits(op).map((e) => {
      const start = this.model.getPositionAt(e.offset);
      const end = e.length ? this.model.getPositionAt(e.offset + e.length) : start;
      return {
        range: { startLineNumber: start.lineNumber, startColumn: start.column, endLineNumber: end.lineNumber, endColumn: end.column },
        text: e.text,
      };
    });
    this.applyingRemote = true;
    try {
      this.model.applyEdits(edits);
    } finally {
      this.applyingRemote = false;
    }
    this.doc = op.apply(this.doc);
  }

  /**
   * If Monaco stored something other than what the operation said (it
   * normalises line endings), the model wins: the difference is submitted as
   * a local edit so every client converges on the model's text.
   */
  private repairIfDiverged(): void {
    if (this.model.getValueLength() === this.doc.length) return;
    const before = this.doc;
    const fix = diffOperation(before, this.model.getValue());
    this.doc = fix.apply(before);
    this.events.onLocalOperation(fix);
  }

  undo(): boolean {
    return this.perform('undo');
  }

  redo(): boolean {
    return this.perform('redo');
  }

  private perform(kind: 'undo' | 'redo'): boolean {
    const um = this.undoManager;
    if (kind === 'undo' ? !um.canUndo() : !um.canRedo()) return false;
    const apply = (op: TextOperation) => {
      um.add(op.invert(this.doc));
      this.writeModel(op);
      this.lastEditAt = 0;
      if (this.view) {
        const caret = this.model.getPositionAt(caretAfter(op));
        this.view.setSelections([{ anchor: caret, head: caret }]);
        this.view.revealOffset(caret);
      }
      this.events.onLocalOperation(op);
      this.repairIfDiverged();
    };
    if (kind === 'undo') um.performUndo(apply);
    else um.performRedo(apply);
    return true;
  }

  /** The local selection in document offsets, as sent on the wire. */
  getSelection(): SelectionJSON | null {
    if (!this.view) return null;
    return { ranges: this.selectionOffsets(this.view) };
  }

  private selectionOffsets(view: ViewLike): { anchor: number; head: number }[] {
    return view.getSelections().map((s) => ({ anchor: this.model.getOffsetAt(s.anchor), head: this.model.getOffsetAt(s.head) }));
  }
}
