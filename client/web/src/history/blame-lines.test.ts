import { describe, expect, it } from 'vitest';
import { blameLines, blameRuns } from './blame-lines';
import type { BlameSpan } from '../net/protocol';
import { seededRng } from '../test/random';

const span = (start: number, end: number, revision: number, clientId = `c${revision}`): BlameSpan => ({ start, end, revision, clientId });

describe('blameLines', () => {
  it('gives each line the latest revision among its characters; an empty line is its break', () => {
    // "ab\ncd\n\nef": rev 1 wrote "ab\nc", rev 3 "d", rev 2 the breaks and "ef".
    const text = 'ab\ncd\n\nef';
    const spans = [span(0, 4, 1), span(4, 5, 3), span(5, 9, 2)];
    expect(blameLines(text, spans)).toEqual([
      { revision: 1, clientId: 'c1' },
      { revision: 3, clientId: 'c3' },
      { revision: 2, clientId: 'c2' },
      { revision: 2, clientId: 'c2' },
    ]);
  });

  it('Enter at the end of a line does not make the line the Enter\'s', () => {
    // "def f():\n    pass\n" where rev 4 pressed Enter after the colon and typed the body.
    const text = 'def f():\n    pass\n';
    const spans = [span(0, 8, 0, ''), span(8, 17, 4), span(17, 18, 0, '')];
    expect(blameLines(text, spans).map((b) => b?.revision ?? null)).toEqual([0, 4, null]);
  });

  it('a final line break leaves an empty last line with no blame; an empty document has one such line', () => {
    expect(blameLines('x\n', [span(0, 2, 4)])).toEqual([{ revision: 4, clientId: 'c4' }, null]);
    expect(blameLines('', [])).toEqual([null]);
  });

  it('refuses spans that do not cover the document exactly', () => {
    expect(() => blameLines('abc', [span(0, 2, 1)])).toThrow(/cover 2 of 3/);
    expect(() => blameLines('abc', [span(0, 1, 1), span(2, 3, 1)])).toThrow(/do not cover/);
    expect(() => blameLines('abc', [span(0, 3, 1), span(3, 3, 2)])).toThrow(/do not cover/);
  });

  it('matches a character-by-character reading on random documents', () => {
    const rng = seededRng('blameLines');
    for (let round = 0; round < 200; round++) {
      const n = rng.int(60);
      const text = Array.from({ length: n }, () => (rng() < 0.2 ? '\n' : 'x')).join('');
      const spans: BlameSpan[] = [];
      for (let at = 0; at < n; ) {
        const end = Math.min(n, at + 1 + rng.int(8));
        spans.push(span(at, end, rng.int(10)));
        at = end;
      }
      const revAt = (i: number) => spans.find((s) => s.start <= i && i < s.end)!.revision;
      const want: (number | null)[] = [];
      let lineStart = 0;
      for (let i = 0; i <= n; i++) {
        if (i === n || text[i] === '\n') {
          const last = i === n || i > lineStart ? i : i + 1;
          let best: number | null = null;
          for (let j = lineStart; j < last; j++) best = Math.max(best ?? -1, revAt(j));
          want.push(best);
          lineStart = i + 1;
        }
      }
      expect(blameLines(text, spans).map((b) => b?.revision ?? null)).toEqual(want);
    }
  });
});

describe('blameRuns', () => {
  it('groups consecutive lines of one revision, and a line without blame breaks a run', () => {
    const a = { revision: 1, clientId: 'a' };
    const b = { revision: 2, clientId: 'b' };
    expect(blameRuns([a, a, b, null, b, a])).toEqual([
      { ...a, startLine: 1, endLine: 2 },
      { ...b, startLine: 3, endLine: 3 },
      { ...b, startLine: 5, endLine: 5 },
      { ...a, startLine: 6, endLine: 6 },
    ]);
  });
});
