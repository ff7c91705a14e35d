import { describe, expect, it } from 'vitest';
import { TextOperation } from './text-operation';
import { UndoManager } from './undo-manager';

const op = (json: (number | string)[]) => TextOperation.fromJSON(json);

describe('UndoManager', () => {
  it('undoes own edits past interleaved remote edits, leaving remote text alone', () => {
    const um = new UndoManager();
    let doc = 'hello';
    // own: append " world"
    const own = op([5, ' world']);
    um.add(own.invert(doc));
    doc = own.apply(doc);
    // remote: insert "X" at the start
    const remote = op(['X', 11]);
    doc = remote.apply(doc);
    um.transform(remote);
    expect(doc).toBe('Xhello world');
    let undone = '';
    um.performUndo((u) => {
      um.add(u.invert(doc));
      doc = u.apply(doc);
      undone = doc;
    });
    expect(undone).toBe('Xhello');
    // and redo brings it back, still past the remote edit
    const remote2 = op([6, '!']);
    doc = remote2.apply(doc);
    um.transform(remote2);
    um.performRedo((r) => {
      um.add(r.invert(doc));
      doc = r.apply(doc);
    });
    expect(doc).toBe('Xhello world!');
  });

  it('groups composed edits into one undo step', () => {
    const um = new UndoManager();
    let doc = '';
    for (const [i, ch] of ['a', 'b', 'c'].entries()) {
      const o = new TextOperation().retain(i).insert(ch);
      const inv = o.invert(doc);
      um.add(inv, um.canCompose(inv));
      doc = o.apply(doc);
    }
    expect(um.undoStack).toHaveLength(1);
    um.performUndo((u) => {
      um.add(u.invert(doc));
      doc = u.apply(doc);
    });
    expect(doc).toBe('');
    expect(um.canRedo()).toBe(true);
  });

  it('a new own edit clears the redo stack; breakGroup splits groups', () => {
    const um = new UndoManager();
    let doc = 'ab';
    const e1 = op([2, 'c']);
    um.add(e1.invert(doc));
    doc = e1.apply(doc);
    um.performUndo((u) => {
      um.add(u.invert(doc));
      doc = u.apply(doc);
    });
    expect(um.canRedo()).toBe(true);
    um.breakGroup();
    const e2 = op([2, 'd']);
    const inv = e2.invert(doc);
    um.add(inv, um.canCompose(inv));
    doc = e2.apply(doc);
    expect(um.canRedo()).toBe(false);
    expect(um.undoStack).toHaveLength(1);
  });

  it('drops entries that a remote edit made empty', () => {
    const um = new UndoManager();
    let doc = 'abc';
    const own = op([1, -1, 1]); // delete b
    um.add(own.invert(doc));
    doc = own.apply(doc); // "ac"
    const remote = op([-2]); // remote deletes everything
    um.transform(remote);
    doc = remote.apply(doc);
    // undo re-inserts "b" (the inverse is an insert) -> still meaningful
    expect(um.undoStack).toHaveLength(1);
    um.performUndo((u) => {
      doc = u.apply(doc);
    });
    expect(doc).toBe('b');
  });
});
