// lineDiff: which lines of one text changed in another, as hunks, by Myers'
// O(ND) algorithm over lines. The history view marks with it what has changed
// in the live document since the revision on screen. The work is bounded:
// past maxEdits differing lines the middle (after the common head and tail)
// is reported as one hunk, a superset of the true changes, never less.

/** Lines [oldStart, oldEnd) of the old text became lines [newStart, newEnd) of the new one (0-based). */
export interface Hunk {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

/** How many lines hunks change (on both sides), add (only in the new text) and remove (only in the old). */
export interface DiffSummary {
  changed: number;
  added: number;
  removed: number;
}

export function summarize(hunks: readonly Hunk[]): DiffSummary {
  const s: DiffSummary = { changed: 0, added: 0, removed: 0 };
  for (const h of hunks) {
    const before = h.oldEnd - h.oldStart;
    const after = h.newEnd - h.newStart;
    s.changed += Math.min(before, after);
    s.added += Math.max(0, after - before);
    s.removed += Math.max(0, before - after);
  }
  return s;
}

export function splitLines(text: string): string[] {
  return text.split('\n');
}

export function lineDiff(oldLines: readonly string[], newLines: readonly string[], maxEdits = 1000): Hunk[] {
  let head = 0;
  while (head < oldLines.length && head < newLines.length && oldLines[head] === newLines[head]) head++;
  let tail = 0;
  while (
    tail < oldLines.length - head &&
    tail < newLines.length - head &&
    oldLines[oldLines.length - 1 - tail] === newLines[newLines.length - 1 - tail]
  )
    tail++;
  const a = oldLines.slice(head, oldLines.length - tail);
  const b = newLines.slice(head, newLines.length - tail);
  if (!a.length && !b.length) return [];
  const whole: Hunk = { oldStart: head, oldEnd: head + a.length, newStart: head, newEnd: head + b.length };
  if (!a.length || !b.length) return [whole];
  const path = myers(a, b, maxEdits);
  if (!path) return [whole];
  // path: the matched pairs (i, j) in order; the gaps between them are hunks.
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  for (const [x, y] of [...path, [a.length, b.length] as const]) {
    if (x > i || y > j) hunks.push({ oldStart: head + i, oldEnd: head + x, newStart: head + j, newEnd: head + y });
    i = x + 1;
    j = y + 1;
  }
  return hunks;
}

// myers returns the matched line pairs of a shortest edit script, or null
// when more than maxEdits insertions and deletions are needed.
function myers(a: readonly string[], b: readonly string[], maxEdits: number): [number, number][] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v);
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, next, d, k, offset, a, b);
    }
    v = next;
  }
  return null;
}

function backtrack(trace: Int32Array[], last: Int32Array, d: number, k: number, offset: number, a: readonly string[], b: readonly string[]): [number, number][] {
  const pairs: [number, number][] = [];
  let x = last[offset + k];
  let y = x - k;
  for (; d > 0; d--) {
    const v = trace[d];
    const down = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK];
    const prevY = prevX - prevK;
    const startX = down ? prevX : prevX + 1;
    const startY = startX - k;
    while (x > startX && y > startY) pairs.push([--x, --y]);
    x = prevX;
    y = prevY;
    k = prevK;
  }
  while (x > 0 && y > 0 && a[x - 1] === b[y - 1]) pairs.push([--x, --y]);
  return pairs.reverse();
}
