import { describe, expect, it } from 'vitest';
import { TextOperation } from './text-operation';
import { UndoManager } from './undo-manager';

const op = (json: (number | string)[]) => TextOperation.fromJSON(json);

/**
 * A document and its UndoManager, edited the way the editor binding does it:
 * an own edit records its inverse (merged into the top entry when `group` is
 * set and canCompose allows), a remote edit transforms the stacks, and undo
 * or redo applies the popped entry as an own edit, so its inverse is recorded.
 */
function editedDoc(initial: string) {
  const um = new UndoManager();
  const ed = {
    um,
    doc: initial,
    own(o: TextOperation, group = false) {
      const inv = o.invert(ed.doc);
      um.add(inv, group && um.canCompose(inv));
      ed.doc = o.apply(ed.doc);
    },
    remote(o: TextOperation) {
      um.transform(o);
      ed.doc = o.apply(ed.doc);
    },
    undo() {
      um.performUndo((u) => ed.own(u));
    },
    redo() {
      um.performRedo((r) => ed.own(r));
    },
  };
  return ed;
}

describe('UndoManager', () => {
  it('undoes own edits past interleaved remote edits, leaving remote text alone', () => {
    const ed = editedDoc('hello');
    ed.own(op([5, ' world']));
    ed.remote(op(['X', 11]));
    expect(ed.doc).toBe('Xhello world');
    ed.undo();
    expect(ed.doc).toBe('Xhello');
    // and redo brings it back, still past the remote edit
    ed.remote(op([6, '!']));
    ed.redo();
    expect(ed.doc).toBe('Xhello world!');
  });

  it('groups composed edits into one undo step', () => {
    const ed = editedDoc('');
    for (const [i, ch] of ['a', 'b', 'c'].entries()) {
      ed.own(new TextOperation().retain(i).insert(ch), true);
    }
    expect(ed.um.undoStack).toHaveLength(1);
    ed.undo();
    expect(ed.doc).toBe('');
    expect(ed.um.canRedo()).toBe(true);
  });

  it('a new own edit clears the redo stack; breakGroup splits groups', () => {
    const ed = editedDoc('ab');
    ed.own(op([2, 'c']));
    ed.undo();
    expect(ed.um.canRedo()).toBe(true);
    ed.um.breakGroup();
    ed.own(op([2, 'd']), true);
    expect(ed.um.canRedo()).toBe(false);
    expect(ed.um.undoStack).toHaveLength(1);
  });

  it('drops entries that a remote edit made empty', () => {
    const ed = editedDoc('abc');
    ed.own(op([1, -1, 1])); // delete b: "ac"
    ed.remote(op([-2])); // remote deletes everything
    // undo re-inserts "b" (the inverse is an insert) -> still meaningful
    expect(ed.um.undoStack).toHaveLength(1);
    ed.undo();
    expect(ed.doc).toBe('b');
  });
});
