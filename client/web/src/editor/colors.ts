// Participant colours: a stable index per display name, so a person has the
// same colour on every screen and keeps it across reconnects (which change
// the clientId). CSS classes c0 … c9 and tandem-*-c0 … (styles.css) use them.

export const PALETTE = ['#e5484d', '#3e63dd', '#30a46c', '#f76b15', '#8e4ec6', '#0090ff', '#d6409f', '#ad7f58', '#12a594', '#e2a336'];

export function colorIndexFor(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % PALETTE.length;
}
