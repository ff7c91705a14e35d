import { describe, expect, it } from 'vitest';
import { EditorBinding } from './binding';
import { continueGroup, singleChange, startGroup } from './typing-group';
import { TextOperation } from '../ot/text-operation';
import { FakeModel } from '../test/fake-model';

const op = (json: (number | string)[]) => TextOperation.fromJSON(json);

describe('singleChange', () => {
  const cases: { name: string; json: (number | string)[]; want: ReturnType<typeof singleChange> }[] = [
    { name: 'insert', json: [3, 'ab', 2], want: { start: 3, deleted: 0, inserted: 2 } },
    { name: 'delete', json: [3, -2], want: { start: 3, deleted: 2, inserted: 0 } },
    { name: 'replace', json: [1, -1, 'x', 4], want: { start: 1, deleted: 1, inserted: 1 } },
    { name: 'two changes', json: ['a', 2, 'b'], want: null },
    { name: 'no change', json: [5], want: null },
  ];
  for (const c of cases) it(c.name, () => expect(singleChange(op(c.json))).toEqual(c.want));
});

describe('continueGroup', () => {
  it('grows with an insert inside the group (typing inside an auto-closed pair)', () => {
    const g = startGroup(op([6, '()']))!; // print( -> print()
    expect(g).toEqual({ start: 6, end: 8 });
    expect(continueGroup(g, op([7, '""', 1]))).toEqual({ start: 6, end: 10 });
  });
  it('ends at an edit away from the group', () => {
    expect(continueGroup({ start: 6, end: 8 }, op([2, 'x', 6]))).toBeNull();
  });
  it('takes a backspace just before the group', () => {
    expect(continueGroup({ start: 6, end: 8 }, op([5, -1, 2]))).toEqual({ start: 5, end: 7 });
  });
});

// Typing print("hello") the way Monaco reports it with auto-closing pairs.
function typePrintHello(model: FakeModel, tick: () => void) {
  const at = (offset: number, text: string, rangeLength = 0) => {
    tick();
    model.userEdit([{ rangeOffset: offset, rangeLength, text }]);
  };
  'print'.split('').forEach((ch, i) => at(i, ch));
  at(5, '()'); // auto-closed
  at(6, '""'); // auto-closed inside
  'hello'.split('').forEach((ch, i) => at(7 + i, ch));
  at(12, '"', 1); // typed over the closing quote: replaced with itself
  at(13, ')', 1); // typed over the closing parenthesis
}

describe('undo of typing with auto-closed pairs', () => {
  it('every undo press changes the text, and one undoes the whole run', () => {
    const model = new FakeModel('');
    const sent: TextOperation[] = [];
    let clock = 0;
    const binding = new EditorBinding(model, { onLocalOperation: (o) => sent.push(o) }, () => clock);
    typePrintHello(model, () => (clock += 50));
    expect(model.getValue()).toBe('print("hello")');
    expect(sent).toHaveLength(12); // the two characters typed over are not sent
    expect(binding.undoManager.undoStack).toHaveLength(1);
    expect(binding.undo()).toBe(true);
    expect(model.getValue()).toBe('');
    expect(binding.undo()).toBe(false);
  });

  it('sends no operation for a character typed over itself', () => {
    const model = new FakeModel('()');
    const sent: TextOperation[] = [];
    const binding = new EditorBinding(model, { onLocalOperation: (o) => sent.push(o) }, () => 0);
    model.userEdit([{ rangeOffset: 1, rangeLength: 1, text: ')' }]);
    expect(sent).toEqual([]);
    expect(binding.undoManager.canUndo()).toBe(false);
  });

  it('drops an undo step that remote edits have emptied', () => {
    const model = new FakeModel('abc');
    let clock = 0;
    const binding = new EditorBinding(model, { onLocalOperation: () => {} }, () => clock);
    model.userEdit([{ rangeOffset: 3, rangeLength: 0, text: 'X' }]); // abcX
    clock += 5000;
    model.userEdit([{ rangeOffset: 0, rangeLength: 0, text: 'Y' }]); // YabcX
    binding.applyRemote(op([-1, 4])); // someone deletes the Y
    expect(model.getValue()).toBe('abcX');
    expect(binding.undo()).toBe(true);
    expect(model.getValue()).toBe('abc'); // the first press acts
  });
});
