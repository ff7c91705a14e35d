// Participant colours: a stable index per clientId, so a person has the same
// colour on every screen. CSS classes tandem-c0 … tandem-c9 (styles.css) use them.

export const PALETTE = ['#e5484d', '#3e63dd', '#30a46c', '#f76b15', '#8e4ec6', '#0090ff', '#d6409f', '#ad7f58', '#12a594', '#e2a336'];

export function colorIndexFor(clientId: string): number {
  let h = 2166136261;
  for (let i = 0; i < clientId.length; i++) {
    h ^= clientId.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % PALETTE.length;
}
