import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RevisionFetcher } from './revision-fetcher';

// A fetch whose answers the test releases, one revision at a time.
function fakeFetch() {
  const calls: { revision: number; signal: AbortSignal; resolve(v: string): void; reject(e: unknown): void }[] = [];
  const fetch = (revision: number, signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => calls.push({ revision, signal, resolve, reject }));
  return { calls, fetch };
}

describe('RevisionFetcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fetches only the revision the slider stops on', async () => {
    const { calls, fetch } = fakeFetch();
    const results: [number, string][] = [];
    const f = new RevisionFetcher({ fetch, onResult: (r, v) => results.push([r, v]), onError: () => {}, delayMs: 200 });
    for (let r = 0; r <= 50; r++) {
      f.request(r);
      vi.advanceTimersByTime(20);
    }
    expect(calls).toHaveLength(0);
    vi.advanceTimersByTime(200);
    expect(calls.map((c) => c.revision)).toEqual([50]);
    calls[0].resolve('text@50');
    await vi.runAllTimersAsync();
    expect(results).toEqual([[50, 'text@50']]);
  });

  it('asking again for the revision on its way does not fetch it twice', async () => {
    const { calls, fetch } = fakeFetch();
    const results: number[] = [];
    const f = new RevisionFetcher({ fetch, onResult: (r) => results.push(r), onError: () => {}, delayMs: 10 });
    f.request(4);
    f.request(4); // waiting
    vi.advanceTimersByTime(10);
    f.request(4); // in flight
    expect(calls).toHaveLength(1);
    expect(calls[0].signal.aborted).toBe(false);
    calls[0].resolve('four');
    await vi.runAllTimersAsync();
    f.request(4); // from the cache
    expect(results).toEqual([4, 4]);
  });

  it('a newer request aborts the one in flight, and its late answer is dropped', async () => {
    const { calls, fetch } = fakeFetch();
    const results: number[] = [];
    const errors: number[] = [];
    const f = new RevisionFetcher({ fetch, onResult: (r) => results.push(r), onError: (r) => errors.push(r), delayMs: 10 });
    f.request(3);
    vi.advanceTimersByTime(10);
    f.request(7);
    expect(calls[0].signal.aborted).toBe(true);
    calls[0].resolve('late');
    vi.advanceTimersByTime(10);
    calls[1].resolve('seven');
    await vi.runAllTimersAsync();
    expect(results).toEqual([7]);
    expect(errors).toEqual([]);
  });

  it('answers from the cache at once, and the cache is bounded by entries and weight', async () => {
    const { calls, fetch } = fakeFetch();
    const results: [number, string][] = [];
    const f = new RevisionFetcher({
      fetch,
      onResult: (r, v) => results.push([r, v]),
      onError: () => {},
      delayMs: 0,
      maxEntries: 2,
      maxWeight: 10,
      weigh: (v) => v.length,
    });
    const load = async (r: number, v: string) => {
      f.request(r);
      vi.advanceTimersByTime(0);
      calls[calls.length - 1].resolve(v);
      await vi.runAllTimersAsync();
    };
    await load(1, 'aaaa');
    await load(2, 'bbbb');
    f.request(1); // from the cache, so 1 is now the newer of the two
    expect(results[results.length - 1]).toEqual([1, 'aaaa']);
    expect(calls).toHaveLength(2);
    await load(3, 'cc'); // three entries: the least recently used (2) goes
    const before = calls.length;
    f.request(1);
    f.request(3);
    expect(calls).toHaveLength(before);
    f.request(2);
    vi.advanceTimersByTime(0);
    expect(calls).toHaveLength(before + 1); // fetched again
    calls[calls.length - 1].resolve('bbbb');
    await vi.runAllTimersAsync();
    await load(4, 'dddddddddddd'); // heavier than the whole cache: not kept
    const heavy = calls.length;
    f.request(4);
    vi.advanceTimersByTime(0);
    expect(calls).toHaveLength(heavy + 1);
    expect(calls.at(-1)!.revision).toBe(4);
  });

  it('reports a failure of the last request only; cancel drops what is pending', async () => {
    const { calls, fetch } = fakeFetch();
    const errors: [number, unknown][] = [];
    const results: number[] = [];
    const f = new RevisionFetcher({ fetch, onResult: (r) => results.push(r), onError: (r, e) => errors.push([r, e]), delayMs: 0 });
    f.request(5);
    vi.advanceTimersByTime(0);
    calls[0].reject(new Error('boom'));
    await vi.runAllTimersAsync();
    expect(errors).toEqual([[5, new Error('boom')]]);
    f.request(6);
    vi.advanceTimersByTime(0);
    f.cancel();
    expect(calls[1].signal.aborted).toBe(true);
    calls[1].resolve('x');
    f.request(8);
    f.dispose();
    await vi.runAllTimersAsync();
    expect(results).toEqual([]);
    expect(calls).toHaveLength(2);
  });
});
