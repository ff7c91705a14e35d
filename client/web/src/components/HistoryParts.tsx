// What the history components share: an error's message, when a revision
// was made, and an author's colour swatch.

import { ApiError } from '../net/api';
import type { Author } from '../history/authors';

export const errorMessage = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e));

export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function Swatch({ author }: { author: Author }) {
  return <span className={`swatch ${author.colorIndex === null ? 'cn' : `c${author.colorIndex}`}`} aria-hidden />;
}
