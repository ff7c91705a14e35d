import { describe, expect, it } from 'vitest';
import { labelStack } from './remote-cursors';

describe('labelStack', () => {
  it('lifts labels of carets at one spot one above the other', () => {
    const got = labelStack([
      { id: 'a', line: 3, column: 5 },
      { id: 'b', line: 3, column: 5 },
      { id: 'c', line: 3, column: 6 },
    ]);
    expect([got.get('a'), got.get('b'), got.get('c')]).toEqual([0, 1, 2]);
  });
  it('leaves far-apart carets and other lines alone', () => {
    const got = labelStack([
      { id: 'a', line: 3, column: 5 },
      { id: 'b', line: 3, column: 40 },
      { id: 'c', line: 4, column: 5 },
    ]);
    expect([...got.values()]).toEqual([0, 0, 0]);
  });
});
