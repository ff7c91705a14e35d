// UndoManager: ot.js's undo manager. It keeps the inverses of the user's own
// operations; every remote operation transforms both stacks, so an undo
// reverts the user's last own edit as it stands now, never a remote edit.

import { TextOperation } from './text-operation';

type Mode = 'normal' | 'undoing' | 'redoing';

export class UndoManager {
  undoStack: TextOperation[] = [];
  redoStack: TextOperation[] = [];
  private mode: Mode = 'normal';
  private dontCompose = false;

  constructor(readonly maxItems = 200) {}

  /**
   * Records the inverse of an operation the user made (or of an undo/redo
   * while performing one). With compose, it merges into the top entry.
   */
  add(inverse: TextOperation, compose = false): void {
    if (inverse.isNoop()) return; // an undo step must change something
    if (this.mode === 'undoing') {
      this.redoStack.push(inverse);
      this.dontCompose = true;
      return;
    }
    if (this.mode === 'redoing') {
      this.undoStack.push(inverse);
      this.dontCompose = true;
      return;
    }
    this.redoStack = [];
    const stack = this.undoStack;
    if (compose && !this.dontCompose && stack.length > 0) {
      stack.push(inverse.compose(stack.pop()!));
    } else {
      stack.push(inverse);
      if (stack.length > this.maxItems) stack.shift();
    }
    this.dontCompose = false;
  }

  /** Transforms both stacks past a remote operation applied to the document. */
  transform(op: TextOperation): void {
    this.undoStack = transformStack(this.undoStack, op);
    this.redoStack = transformStack(this.redoStack, op);
  }

  /** The next add() starts a new undo entry. */
  breakGroup(): void {
    this.dontCompose = true;
  }

  /** Whether the top undo entry may absorb the inverse of a new edit. */
  canCompose(inverse: TextOperation): boolean {
    const top = this.undoStack[this.undoStack.length - 1];
    return !this.dontCompose && top !== undefined && inverse.shouldBeComposedWithInverted(top);
  }

  canUndo(): boolean {
    return this.undoStack.length > 0;
  }
  canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** Pops the top undo entry and hands it to apply, which must add() its inverse. */
  performUndo(apply: (op: TextOperation) => void): void {
    this.perform(this.undoStack, 'undoing', apply);
  }

  /** Pops the top redo entry and hands it to apply, which must add() its inverse. */
  performRedo(apply: (op: TextOperation) => void): void {
    this.perform(this.redoStack, 'redoing', apply);
  }

  // While apply runs, mode sends the add() of its inverse to the other stack.
  private perform(stack: TextOperation[], mode: Mode, apply: (op: TextOperation) => void): void {
    let op = stack.pop();
    while (op && op.isNoop()) op = stack.pop(); // nothing left of it after remote edits
    if (!op) return;
    this.mode = mode;
    try {
      apply(op);
    } finally {
      this.mode = 'normal';
    }
  }
}

// The top of the stack applies to the current document; the remote op also
// applies to it. Walk down the stack, carrying the remote op backwards.
function transformStack(stack: TextOperation[], op: TextOperation): TextOperation[] {
  const out: TextOperation[] = new Array(stack.length);
  for (let i = stack.length - 1; i >= 0; i--) {
    const [entry, rest] = TextOperation.transform(stack[i], op);
    out[i] = entry;
    op = rest;
  }
  return out.filter((e) => !e.isNoop());
}
