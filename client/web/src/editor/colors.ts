// Participant colours: a stable index per display name, so a person has the
// same colour on every screen and keeps it across reconnects (which change
// the clientId). CSS classes c0 … c9 and tandem-*-c0 … (styles.css) use them.

export const PALETTE = ['#ce2c31', '#3a5bc7', '#18794e', '#bd4b00', '#8145b5', '#0b68cb', '#c2298a', '#8a5a3a', '#067a6f', '#9e6c00'];

export function colorIndexFor(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % PALETTE.length;
}
