// Seeded randomness for property tests: every run prints its seed, and
// TANDEM_SEED=<n> replays a failing one.

export interface Rng {
  (): number;
  int(n: number): number;
  seed: number;
}

export function seededRng(label: string): Rng {
  const env = typeof process !== 'undefined' ? process.env.TANDEM_SEED : undefined;
  const seed = env ? Number(env) : (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0;
  console.log(`[${label}] seed=${seed} (replay with TANDEM_SEED=${seed})`);
  let a = seed >>> 0;
  const rng = (() => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as Rng;
  rng.int = (n: number) => Math.floor(rng() * n);
  rng.seed = seed;
  return rng;
}

const ALPHABET = ['a', 'b', 'c', 'x', ' ', '\n', 'é', '😀', '日'];

export function randomString(rng: Rng, maxUnits: number): string {
  let s = '';
  const n = rng.int(maxUnits + 1);
  while (s.length < n) s += ALPHABET[rng.int(ALPHABET.length)];
  return s;
}

import { TextOperation } from '../ot/text-operation';

/** A random operation on doc (may split surrogate pairs: the laws hold regardless). */
export function randomOperation(rng: Rng, doc: string): TextOperation {
  const op = new TextOperation();
  for (;;) {
    const left = doc.length - op.baseLength;
    if (left === 0) break;
    const r = rng();
    const l = 1 + rng.int(Math.min(left - 1, 20) + 1);
    if (r < 0.2) op.insert(randomString(rng, 1 + rng.int(5)) || 'z');
    else if (r < 0.4) op.delete(l);
    else op.retain(l);
  }
  if (rng() < 0.3) op.insert('1' + randomString(rng, 5));
  return op;
}
