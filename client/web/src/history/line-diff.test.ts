import { describe, expect, it } from 'vitest';
import { lineDiff, summarize, type Hunk } from './line-diff';
import { seededRng } from '../test/random';

// apply rebuilds the new lines from the old ones and the hunks.
function apply(oldLines: string[], newLines: string[], hunks: Hunk[]): string[] {
  const out: string[] = [];
  let i = 0;
  for (const h of hunks) {
    out.push(...oldLines.slice(i, h.oldStart));
    out.push(...newLines.slice(h.newStart, h.newEnd));
    i = h.oldEnd;
  }
  return [...out, ...oldLines.slice(i)];
}

const changed = (hunks: Hunk[]) => hunks.reduce((n, h) => n + (h.oldEnd - h.oldStart) + (h.newEnd - h.newStart), 0);

describe('lineDiff', () => {
  it('finds the lines that changed, and none that did not', () => {
    expect(lineDiff(['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual([]);
    expect(lineDiff(['a', 'b', 'c'], ['a', 'X', 'c'])).toEqual([{ oldStart: 1, oldEnd: 2, newStart: 1, newEnd: 2 }]);
    expect(lineDiff(['a', 'c'], ['a', 'b', 'c'])).toEqual([{ oldStart: 1, oldEnd: 1, newStart: 1, newEnd: 2 }]);
    expect(lineDiff(['a', 'b', 'c', 'd', 'e'], ['X', 'b', 'c', 'd', 'Y'])).toEqual([
      { oldStart: 0, oldEnd: 1, newStart: 0, newEnd: 1 },
      { oldStart: 4, oldEnd: 5, newStart: 4, newEnd: 5 },
    ]);
  });

  it('rebuilds the new text with a shortest edit on random line lists', () => {
    const rng = seededRng('lineDiff');
    for (let round = 0; round < 300; round++) {
      const words = ['a', 'b', 'c', 'd', ''];
      const oldLines = Array.from({ length: rng.int(30) }, () => words[rng.int(words.length)]);
      const newLines = oldLines.slice();
      for (let e = rng.int(6); e > 0; e--) {
        const at = rng.int(newLines.length + 1);
        if (rng() < 0.5 && newLines.length) newLines.splice(Math.min(at, newLines.length - 1), 1);
        else newLines.splice(at, 0, words[rng.int(words.length)]);
      }
      const hunks = lineDiff(oldLines, newLines);
      expect(apply(oldLines, newLines, hunks)).toEqual(newLines);
      // No longer than the brute-force LCS says it must be.
      expect(changed(hunks)).toBe(oldLines.length + newLines.length - 2 * lcs(oldLines, newLines));
    }
  });

  it('summarize counts a replaced line as changed, not added', () => {
    expect(summarize(lineDiff(['a', 'b', 'c'], ['a', 'B', 'c', 'd', 'e']))).toEqual({ changed: 1, added: 2, removed: 0 });
    expect(summarize(lineDiff(['a', 'b', 'c', 'd'], ['a', 'X']))).toEqual({ changed: 1, added: 0, removed: 2 });
    expect(summarize([])).toEqual({ changed: 0, added: 0, removed: 0 });
  });

  it('past maxEdits reports the middle as one hunk that still covers every change', () => {
    const oldLines = Array.from({ length: 50 }, (_, i) => `old ${i}`);
    const newLines = ['same', ...Array.from({ length: 50 }, (_, i) => `new ${i}`), 'tail'];
    const hunks = lineDiff(['same', ...oldLines, 'tail'], newLines, 10);
    expect(hunks).toEqual([{ oldStart: 1, oldEnd: 51, newStart: 1, newEnd: 51 }]);
    expect(apply(['same', ...oldLines, 'tail'], newLines, hunks)).toEqual(newLines);
  });
});

function lcs(a: string[], b: string[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
  return t[0][0];
}
