// Participant colours, per room: each person's colour is picked when they
// are first seen and kept while they stay (a rename keeps it). It is the
// colour their clientId hashes to when that one is free, else the next free
// one, so two people never share a colour while there are colours left, and
// screens that saw the same arrivals agree. CSS classes c0 … c9 and
// tandem-*-c0 … (styles.css) use them; every one is AA (4.5:1) under white text.

export const PALETTE = ['#ce2c31', '#3a5bc7', '#18794e', '#bd4b00', '#8145b5', '#0b68cb', '#c2298a', '#8a5a3a', '#067a6f', '#9e6c00'];

export function colorIndexFor(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % PALETTE.length;
}

/** The colour for a newcomer: the one its id hashes to if free, else the next free one (cyclically). */
export function pickColor(clientId: string, taken: ReadonlySet<number>): number {
  const preferred = colorIndexFor(clientId);
  for (let i = 0; i < PALETTE.length; i++) {
    const c = (preferred + i) % PALETTE.length;
    if (!taken.has(c)) return c;
  }
  return preferred; // more people than colours
}

/**
 * What to call each person: their name, and where two share one, the name
 * with the end of their clientId ("Sam · 3f2a"), the same on every screen.
 */
export function displayNames(people: readonly { clientId: string; name: string }[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const p of people) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  return new Map(people.map((p) => [p.clientId, (count.get(p.name) ?? 0) > 1 ? `${p.name} · ${p.clientId.slice(-4)}` : p.name]));
}
