// RevisionQueue: delivers server events in revision order, each once.
//
// Events reach the client from several sources that overlap: broadcasts and
// acks on the socket, and the catch-up fetch of GET /ops?from=R after a
// reconnect. Each event names the revision it created. The queue drops any
// revision already delivered or already queued, holds events that arrive
// ahead of a gap, and releases the run that continues the delivered prefix.

export class RevisionQueue<E> {
  private held = new Map<number, E>();

  /** @param delivered the last revision already applied. */
  constructor(public delivered: number) {}

  /**
   * Offers the event that created `revision`. Returns the events now ready,
   * in order; the caller must apply all of them.
   * With `replace`, an event already held for that revision is overwritten
   * (an ack outranks a fetched copy of the same operation).
   */
  offer(revision: number, event: E, replace = false): E[] {
    if (revision <= this.delivered) return [];
    if (replace || !this.held.has(revision)) this.held.set(revision, event);
    return this.drain();
  }

  private drain(): E[] {
    const ready: E[] = [];
    for (;;) {
      const next = this.held.get(this.delivered + 1);
      if (next === undefined) break;
      this.held.delete(this.delivered + 1);
      this.delivered++;
      ready.push(next);
    }
    return ready;
  }

  /** True when events past a missing revision are waiting. */
  get hasGap(): boolean {
    return this.held.size > 0;
  }

  /** The highest revision seen (delivered or held). */
  get highest(): number {
    let h = this.delivered;
    for (const r of this.held.keys()) if (r > h) h = r;
    return h;
  }

  /** Forgets held events and restarts from a revision (after a full resync). */
  reset(delivered: number): void {
    this.delivered = delivered;
    this.held.clear();
  }
}
