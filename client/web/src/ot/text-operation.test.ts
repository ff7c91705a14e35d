import { describe, expect, it } from 'vitest';
import { TextOperation } from './text-operation';
import { type Rng, randomOperation, randomString, seededRng } from '../test/random';

const N = 500;

describe('TextOperation builders', () => {
  it('keeps a canonical form', () => {
    const o = new TextOperation().retain(2).retain(3).insert('a').insert('b').delete(2).delete(1);
    expect(o.toJSON()).toEqual([5, 'ab', -3]);
    const d = new TextOperation().retain(1).delete(2).insert('x');
    expect(d.toJSON()).toEqual([1, 'x', -2]);
    const e = new TextOperation().insert('a').delete(1).insert('b');
    expect(e.toJSON()).toEqual(['ab', -1]);
    expect(o.baseLength).toBe(8);
    expect(o.targetLength).toBe(7);
  });

  it('round-trips JSON and rejects malformed components', () => {
    const o = TextOperation.fromJSON([3, 'xy', -2, 5]);
    expect(o.toJSON()).toEqual([3, 'xy', -2, 5]);
    expect(o.baseLength).toBe(10);
    expect(() => TextOperation.fromJSON([0])).toThrow();
    expect(() => TextOperation.fromJSON([1.5])).toThrow();
    expect(() => TextOperation.fromJSON('x')).toThrow();
    expect(() => TextOperation.fromJSON([{}])).toThrow();
  });

  it('counts UTF-16 code units', () => {
    const o = new TextOperation().retain(1).insert('😀').retain(1);
    expect(o.apply('ab')).toBe('a😀b');
    expect('a😀b'.length).toBe(4);
    expect(TextOperation.fromJSON([1, -2, 1]).apply('a😀b')).toBe('ab');
  });

  it('rejects a document of the wrong length', () => {
    expect(() => TextOperation.fromJSON([3]).apply('ab')).toThrow();
  });

  it('gives ot.js tie-break: a\'s insert first', () => {
    const a = TextOperation.fromJSON([1, 'A', 1]);
    const b = TextOperation.fromJSON([1, 'B', 1]);
    const [a2, b2] = TextOperation.transform(a, b);
    expect(b2.apply(a.apply('xy'))).toBe('xABy');
    expect(a2.apply(b.apply('xy'))).toBe('xABy');
  });
});

/**
 * Checks a law on N random cases drawn from the seed labelled label: each a
 * document s and an operation a on it; check may draw more from rng.
 */
function forRandomCases(label: string, check: (rng: Rng, s: string, a: TextOperation) => void): void {
  const rng = seededRng(label);
  for (let i = 0; i < N; i++) {
    const s = randomString(rng, 50);
    check(rng, s, randomOperation(rng, s));
  }
}

describe('TextOperation laws (random, seeded)', () => {
  it('apply(apply(S, A), invert(A, S)) = S', () => {
    forRandomCases('invert', (_rng, s, a) => {
      const inv = a.invert(s);
      expect(inv.baseLength).toBe(a.targetLength);
      expect(inv.apply(a.apply(s))).toBe(s);
    });
  });

  it('apply(apply(S, A), B) = apply(S, compose(A, B))', () => {
    forRandomCases('compose', (rng, s, a) => {
      const afterA = a.apply(s);
      const b = randomOperation(rng, afterA);
      const ab = a.compose(b);
      expect(ab.apply(s)).toBe(b.apply(afterA));
      expect(ab.baseLength).toBe(a.baseLength);
      expect(ab.targetLength).toBe(b.targetLength);
    });
  });

  it('transform converges: apply(apply(S, A), B\') = apply(apply(S, B), A\')', () => {
    forRandomCases('transform', (rng, s, a) => {
      const b = randomOperation(rng, s);
      const [a2, b2] = TextOperation.transform(a, b);
      expect(b2.apply(a.apply(s))).toBe(a2.apply(b.apply(s)));
      expect(a.compose(b2).equals(b.compose(a2))).toBe(true);
    });
  });

  it('JSON round-trips', () => {
    forRandomCases('json', (_rng, _s, a) => {
      expect(TextOperation.fromJSON(JSON.parse(JSON.stringify(a))).equals(a)).toBe(true);
    });
  });
});

describe('TextOperation undo grouping', () => {
  it('composes consecutive typing and backspacing, not jumps', () => {
    const typeA = new TextOperation().retain(3).insert('a').retain(2);
    const typeB = new TextOperation().retain(4).insert('b').retain(2);
    const elsewhere = new TextOperation().retain(1).insert('c').retain(6);
    expect(typeA.shouldBeComposedWith(typeB)).toBe(true);
    expect(typeA.shouldBeComposedWith(elsewhere)).toBe(false);
    const back1 = new TextOperation().retain(3).delete(1).retain(2);
    const back2 = new TextOperation().retain(2).delete(1).retain(2);
    expect(back1.shouldBeComposedWith(back2)).toBe(true);
    expect(typeA.shouldBeComposedWith(back1)).toBe(false);
  });
});
