import { describe, expect, it } from 'vitest';
import { RevisionQueue } from './revision-queue';

describe('RevisionQueue', () => {
  it('delivers in order, holds past a gap, drops duplicates', () => {
    const q = new RevisionQueue<string>(3);
    expect(q.offer(5, 'e5')).toEqual([]);
    expect(q.hasGap).toBe(true);
    expect(q.offer(3, 'old')).toEqual([]);
    expect(q.offer(4, 'e4')).toEqual(['e4', 'e5']);
    expect(q.delivered).toBe(5);
    expect(q.offer(5, 'dup')).toEqual([]);
    expect(q.hasGap).toBe(false);
  });

  it('keeps the first copy of a held revision unless told to replace', () => {
    const q = new RevisionQueue<string>(0);
    q.offer(2, 'fetched');
    q.offer(2, 'broadcast');
    q.offer(3, 'x');
    q.offer(3, 'ack', true);
    expect(q.offer(1, 'one')).toEqual(['one', 'fetched', 'ack']);
  });
});
