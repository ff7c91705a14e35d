import { describe, expect, it } from 'vitest';
import { clampSelection, parseSelection, transformIndex, transformSelection } from './selection';
import { TextOperation } from './text-operation';

const op = (json: (number | string)[]) => TextOperation.fromJSON(json);

describe('selection transforms', () => {
  it('moves offsets past inserts and into deletes (ot.js)', () => {
    expect(transformIndex(3, op([1, 'ab', 4]))).toBe(5);
    expect(transformIndex(1, op([1, 'ab', 4]))).toBe(3); // insert at the offset pushes it
    expect(transformIndex(0, op([1, 'ab', 4]))).toBe(0);
    expect(transformIndex(4, op([2, -3]))).toBe(2);
    expect(transformIndex(5, op([2, -3]))).toBe(2);
  });

  it('with stay, a caret stays left of text inserted right at it', () => {
    expect(transformIndex(1, op([1, 'ab', 4]), true)).toBe(1);
    expect(transformIndex(2, op([1, 'ab', 4]), true)).toBe(4);
    expect(transformIndex(4, op(['x', 2, -1, 2]), true)).toBe(4);
    expect(transformSelection({ ranges: [{ anchor: 0, head: 5 }] }, op([2, 'zz', 3]), true)).toEqual({ ranges: [{ anchor: 0, head: 7 }] });
  });

  it('parses wire selections strictly and clamps', () => {
    expect(parseSelection({ ranges: [{ anchor: 1, head: 2 }] })).toEqual({ ranges: [{ anchor: 1, head: 2 }] });
    expect(parseSelection(null)).toBeNull();
    expect(parseSelection({ ranges: [{ anchor: 'x', head: 2 }] })).toBeNull();
    expect(clampSelection({ ranges: [{ anchor: -1, head: 9 }] }, 4)).toEqual({ ranges: [{ anchor: 0, head: 4 }] });
  });
});
