// RevisionFetcher: what the history panel knows about one revision at a time
// (its content, its blame, the operations around it), fetched from the server
// as the timeline moves. Dragging the slider asks for many revisions in a
// row; only the last one the user stops on is fetched (after delayMs of
// quiet), a newer request aborts an older one in flight, and answers are kept
// in a small cache (a revision's content never changes) bounded by entries and
// by weight (characters), so a 100,000-revision room costs what is looked at.

export interface RevisionFetcherOptions<T> {
  fetch(revision: number, signal: AbortSignal): Promise<T>;
  /** The answer for the revision last requested (never for an older request). */
  onResult(revision: number, value: T): void;
  /** The fetch for the revision last requested failed. */
  onError(revision: number, error: unknown): void;
  delayMs?: number;
  maxEntries?: number;
  /** The cache keeps at most this much, by weigh (1 an entry without one). */
  maxWeight?: number;
  weigh?(value: T): number;
}

export class RevisionFetcher<T> {
  private readonly cache = new Map<number, T>(); // in use order, oldest first
  private weight = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: AbortController | null = null;
  private wanted: number | null = null;
  private disposed = false;

  constructor(private readonly opts: RevisionFetcherOptions<T>) {}

  /** Asks for a revision: at once from the cache, else after the quiet delay. */
  request(revision: number): void {
    if (this.disposed) return;
    if (this.wanted === revision && (this.timer || this.inFlight)) return; // already on its way
    this.wanted = revision;
    this.stopPending();
    const hit = this.cache.get(revision);
    if (hit !== undefined) {
      this.touch(revision, hit);
      this.opts.onResult(revision, hit);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.load(revision);
    }, this.opts.delayMs ?? 200);
  }

  /** Forgets the request in progress (its answer, if it comes, is dropped). */
  cancel(): void {
    this.wanted = null;
    this.stopPending();
  }

  dispose(): void {
    this.cancel();
    this.disposed = true;
    this.cache.clear();
  }

  private stopPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight?.abort();
    this.inFlight = null;
  }

  private async load(revision: number): Promise<void> {
    const ctl = new AbortController();
    this.inFlight = ctl;
    try {
      const value = await this.opts.fetch(revision, ctl.signal);
      if (ctl.signal.aborted || this.wanted !== revision) return;
      this.inFlight = null;
      this.remember(revision, value);
      this.opts.onResult(revision, value);
    } catch (e) {
      if (ctl.signal.aborted || this.wanted !== revision) return;
      this.inFlight = null;
      this.opts.onError(revision, e);
    }
  }

  private touch(revision: number, value: T): void {
    this.cache.delete(revision);
    this.cache.set(revision, value);
  }

  private remember(revision: number, value: T): void {
    const w = this.opts.weigh?.(value) ?? 1;
    const maxWeight = this.opts.maxWeight ?? Infinity;
    if (w > maxWeight) return;
    if (this.cache.has(revision)) return this.touch(revision, value);
    this.cache.set(revision, value);
    this.weight += w;
    const maxEntries = this.opts.maxEntries ?? 16;
    for (const [rev, v] of this.cache) {
      if (this.cache.size <= maxEntries && this.weight <= maxWeight) break;
      this.cache.delete(rev);
      this.weight -= this.opts.weigh?.(v) ?? 1;
    }
  }
}
