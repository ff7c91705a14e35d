import { describe, expect, it } from 'vitest';
import { isMemberAccess, refineSuggestions } from './suggestions';

const s = (label: string, kind: string) => ({ label, kind, insertText: label });

describe('refineSuggestions', () => {
  it('keeps one suggestion per label, the snippet over the keyword', () => {
    const got = refineSuggestions([s('if', 'keyword'), s('if', 'snippet'), s('def', 'snippet'), s('def', 'keyword'), s('iffy', 'identifier')], false);
    expect(got.map((x) => [x.label, x.kind])).toEqual([
      ['if', 'snippet'],
      ['def', 'snippet'],
      ['iffy', 'identifier'],
    ]);
  });
  it('offers only identifiers after a member access', () => {
    const got = refineSuggestions([s('pass', 'keyword'), s('path', 'identifier'), s('for', 'snippet')], true);
    expect(got.map((x) => x.label)).toEqual(['path']);
  });
});

describe('isMemberAccess', () => {
  const cases: [string, number, boolean][] = [
    ['os.pa', 4, true],
    ['srv.St', 5, true],
    ['x = pa', 5, false],
    ['pa', 1, false],
    ['[...ar', 5, false],
    ['obj. fo', 6, true],
  ];
  for (const [line, col, want] of cases) it(`${line} @${col}`, () => expect(isMemberAccess(line, col)).toBe(want));
});
