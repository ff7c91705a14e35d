import { describe, expect, it } from 'vitest';
import { caretAfter, changesToOperation, diffOperation, operationToEdits, type OffsetEdit } from './convert';
import { TextOperation } from '../ot/text-operation';
import { randomOperation, randomString, seededRng } from '../test/random';

/** What Monaco does with edits located in the original document. */
function applyEdits(doc: string, edits: OffsetEdit[]): string {
  let out = doc;
  for (const e of edits.slice().sort((a, b) => b.offset - a.offset)) {
    out = out.slice(0, e.offset) + e.text + out.slice(e.offset + e.length);
  }
  return out;
}

describe('changesToOperation', () => {
  it('converts a single insert, delete and replace', () => {
    expect(changesToOperation([{ rangeOffset: 2, rangeLength: 0, text: 'x' }], 5).toJSON()).toEqual([2, 'x', 3]);
    expect(changesToOperation([{ rangeOffset: 0, rangeLength: 2, text: '' }], 5).toJSON()).toEqual([-2, 3]);
    expect(changesToOperation([{ rangeOffset: 1, rangeLength: 3, text: 'ab' }], 5).toJSON()).toEqual([1, 'ab', -3, 1]);
  });

  it('handles surrogate pairs in UTF-16 units', () => {
    const doc = 'a😀b';
    // Delete the emoji (Monaco deletes the whole pair: 2 units).
    const del = changesToOperation([{ rangeOffset: 1, rangeLength: 2, text: '' }], doc.length);
    expect(del.apply(doc)).toBe('ab');
    // Insert an emoji after it.
    const ins = changesToOperation([{ rangeOffset: 3, rangeLength: 0, text: '🎉' }], doc.length);
    expect(ins.apply(doc)).toBe('a😀🎉b');
    expect(ins.toJSON()).toEqual([3, '🎉', 1]);
  });

  it('builds one operation from several changes in one event (multi-cursor), in any order', () => {
    const doc = 'foo\nfoo\nfoo';
    // Monaco lists multi-cursor changes with offsets relative to the ORIGINAL model.
    const changes = [
      { rangeOffset: 8, rangeLength: 3, text: 'barbaz' },
      { rangeOffset: 4, rangeLength: 3, text: 'barbaz' },
      { rangeOffset: 0, rangeLength: 3, text: 'barbaz' },
    ];
    const want = 'barbaz\nbarbaz\nbarbaz';
    expect(changesToOperation(changes, doc.length).apply(doc)).toBe(want);
    expect(changesToOperation(changes.slice().reverse(), doc.length).apply(doc)).toBe(want);
    // Same as applying them one by one in descending offset order.
    let seq = doc;
    for (const c of changes) seq = seq.slice(0, c.rangeOffset) + c.text + seq.slice(c.rangeOffset + c.rangeLength);
    expect(seq).toBe(want);
  });

  it('rejects overlapping or out-of-range changes', () => {
    expect(() =>
      changesToOperation(
        [
          { rangeOffset: 0, rangeLength: 3, text: '' },
          { rangeOffset: 2, rangeLength: 1, text: '' },
        ],
        5,
      ),
    ).toThrow();
    expect(() => changesToOperation([{ rangeOffset: 4, rangeLength: 3, text: '' }], 5)).toThrow();
  });

  it('random multi-change events round-trip (seeded)', () => {
    const rng = seededRng('changes');
    for (let i = 0; i < 300; i++) {
      const doc = randomString(rng, 40);
      // Non-overlapping random changes.
      const changes = [];
      let pos = 0;
      while (pos < doc.length && changes.length < 5) {
        const start = pos + rng.int(doc.length - pos + 1);
        const len = rng.int(Math.min(4, doc.length - start) + 1);
        changes.push({ rangeOffset: start, rangeLength: len, text: randomString(rng, 3) });
        pos = start + len + 1;
      }
      const want = applyEdits(
        doc,
        changes.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, text: c.text })),
      );
      // Shuffle: Monaco's order must not matter.
      changes.sort(() => rng() - 0.5);
      expect(changesToOperation(changes, doc.length).apply(doc)).toBe(want);
    }
  });
});

describe('operationToEdits', () => {
  it('merges an insert and an adjacent delete into one replacement', () => {
    expect(operationToEdits(TextOperation.fromJSON([1, 'ab', -3, 1]))).toEqual([{ offset: 1, length: 3, text: 'ab' }]);
    expect(operationToEdits(TextOperation.fromJSON(['x', 2, -1]))).toEqual([
      { offset: 0, length: 0, text: 'x' },
      { offset: 2, length: 1, text: '' },
    ]);
  });

  it('edits located in the original document reproduce apply (seeded)', () => {
    const rng = seededRng('edits');
    for (let i = 0; i < 500; i++) {
      const doc = randomString(rng, 50);
      const op = randomOperation(rng, doc);
      expect(applyEdits(doc, operationToEdits(op))).toBe(op.apply(doc));
    }
  });
});

describe('diffOperation', () => {
  it('finds the changed middle and keeps surrogate pairs whole', () => {
    expect(diffOperation('hello world', 'hello there world').toJSON()).toEqual([6, 'there ', 5]);
    const op = diffOperation('a😀b', 'a😁b');
    expect(op.apply('a😀b')).toBe('a😁b');
    expect(op.toJSON()).toEqual([1, '😁', -2, 1]);
  });

  it('turns any text into any other (seeded)', () => {
    const rng = seededRng('diff');
    for (let i = 0; i < 300; i++) {
      const a = randomString(rng, 30);
      const b = randomString(rng, 30);
      expect(diffOperation(a, b).apply(a)).toBe(b);
    }
  });
});

describe('caretAfter', () => {
  it('points after the last insert or at the last delete', () => {
    expect(caretAfter(TextOperation.fromJSON([2, 'abc', 4]))).toBe(5);
    expect(caretAfter(TextOperation.fromJSON([2, -3, 4]))).toBe(2);
    expect(caretAfter(TextOperation.fromJSON(['x', 2, -1, 1]))).toBe(3);
  });
});
