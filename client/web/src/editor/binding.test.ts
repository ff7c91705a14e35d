import { describe, expect, it } from 'vitest';
import { EditorBinding } from './binding';
import { TextOperation } from '../ot/text-operation';
import { FakeModel, FakeView } from '../test/fake-model';

function setup(text: string) {
  const model = new FakeModel(text);
  const sent: TextOperation[] = [];
  let clock = 0;
  const binding = new EditorBinding(model, { onLocalOperation: (op) => sent.push(op) }, () => clock);
  const view = new FakeView();
  binding.view = view;
  return { model, sent, binding, view, tick: (ms: number) => (clock += ms) };
}

const op = (json: (number | string)[]) => TextOperation.fromJSON(json);

describe('EditorBinding', () => {
  it('turns a multi-cursor event into one operation', () => {
    const { model, sent } = setup('ab\nab\nab');
    model.userEdit([
      { rangeOffset: 0, rangeLength: 0, text: '// ' },
      { rangeOffset: 3, rangeLength: 0, text: '// ' },
      { rangeOffset: 6, rangeLength: 0, text: '// ' },
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0].toJSON()).toEqual(['// ', 3, '// ', 3, '// ', 2]);
    expect(sent[0].apply('ab\nab\nab')).toBe(model.getValue());
  });

  it('applies remote operations without echoing them', () => {
    const { model, sent, binding } = setup('hello');
    binding.applyRemote(op([5, ' world']));
    expect(model.getValue()).toBe('hello world');
    expect(binding.text).toBe('hello world');
    expect(sent).toEqual([]);
  });

  it('keeps the local cursor on its text when a remote edit lands before it', () => {
    const { model, binding, view } = setup('line1\nline2');
    view.sels = [{ anchor: { lineNumber: 2, column: 3 }, head: { lineNumber: 2, column: 3 } }];
    binding.applyRemote(op(['new\n', 11]));
    expect(model.getValue()).toBe('new\nline1\nline2');
    expect(view.sels[0].head).toEqual({ lineNumber: 3, column: 3 });
  });

  it('keeps the viewport anchored on its first visible line', () => {
    const { binding, view } = setup('a\nb\nc\nd');
    view.scroll = { lineNumber: 3, delta: 4 };
    binding.applyRemote(op(['x\ny\n', 7]));
    expect(view.scroll).toEqual({ lineNumber: 5, delta: 4 });
  });

  it('handles surrogate pairs both ways', () => {
    const { model, sent, binding } = setup('a😀b');
    model.userEdit([{ rangeOffset: 1, rangeLength: 2, text: '' }]);
    expect(sent[0].toJSON()).toEqual([1, -2, 1]);
    binding.applyRemote(op([1, '🎉', 1]));
    expect(model.getValue()).toBe('a🎉b');
  });

  it('undo reverts only own edits, transformed past interleaved remote edits', () => {
    const { model, sent, binding, tick } = setup('');
    for (const ch of 'abc') {
      model.userEdit([{ rangeOffset: model.getValueLength(), rangeLength: 0, text: ch }]);
      tick(100);
    }
    binding.applyRemote(op(['REMOTE ', 3]));
    tick(2000);
    model.userEdit([{ rangeOffset: 10, rangeLength: 0, text: '!' }]);
    binding.applyRemote(op([11, ' END']));
    expect(model.getValue()).toBe('REMOTE abc! END');
    sent.length = 0;
    expect(binding.undo()).toBe(true);
    expect(model.getValue()).toBe('REMOTE abc END');
    expect(binding.undo()).toBe(true); // "abc" was one group
    expect(model.getValue()).toBe('REMOTE  END');
    expect(binding.undo()).toBe(false); // the remote text is not ours to undo
    // Undo edits are sent like any local edit.
    expect(sent.map((o) => o.toJSON())).toEqual([[10, -1, 4], [7, -3, 4]]);
    expect(binding.redo()).toBe(true);
    expect(binding.redo()).toBe(true);
    expect(model.getValue()).toBe('REMOTE abc! END');
  });

  it('starts a new undo step after a pause', () => {
    const { model, binding, tick } = setup('');
    model.userEdit([{ rangeOffset: 0, rangeLength: 0, text: 'a' }]);
    tick(5000);
    model.userEdit([{ rangeOffset: 1, rangeLength: 0, text: 'b' }]);
    binding.undo();
    expect(model.getValue()).toBe('a');
  });

  it('repairs a remote insert that Monaco normalised (CRLF) by submitting the difference', () => {
    const { model, sent, binding } = setup('ab');
    model.normalizeEol = true;
    binding.applyRemote(op([1, 'x\r\ny', 1]));
    expect(model.getValue()).toBe('ax\nyb');
    expect(binding.text).toBe('ax\nyb');
    expect(sent).toHaveLength(1);
    expect(sent[0].apply('ax\r\nyb')).toBe('ax\nyb');
  });

  it('reset replaces the text silently and clears undo history', () => {
    const { model, sent, binding } = setup('x');
    model.userEdit([{ rangeOffset: 1, rangeLength: 0, text: 'y' }]);
    sent.length = 0;
    binding.reset('fresh');
    expect(model.getValue()).toBe('fresh');
    expect(sent).toEqual([]);
    expect(binding.undo()).toBe(false);
  });

  it('reports the local selection as offsets', () => {
    const { binding, view } = setup('ab\ncd');
    view.sels = [{ anchor: { lineNumber: 1, column: 2 }, head: { lineNumber: 2, column: 2 } }];
    expect(binding.getSelection()).toEqual({ ranges: [{ anchor: 1, head: 4 }] });
  });
});
