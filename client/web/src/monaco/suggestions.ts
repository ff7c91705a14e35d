// Which of the server's suggestions the editor shows (pure; the provider in
// autocomplete.ts applies it).

import type { Suggestion } from '../net/protocol';

// The preferred kind when one label comes as several: a snippet does what the
// keyword does and more, and both say more than a bare identifier.
const rank: Record<string, number> = { snippet: 0, keyword: 1, identifier: 2 };

/**
 * One suggestion per label (the best kind, in the server's order of first
 * appearance); after a member access (`os.pa`, `srv.St`) only identifiers,
 * since no keyword or snippet can follow a dot.
 */
export function refineSuggestions(suggestions: readonly Suggestion[], memberAccess: boolean): Suggestion[] {
  const byLabel = new Map<string, Suggestion>();
  for (const s of suggestions) {
    if (memberAccess && s.kind !== 'identifier') continue;
    const seen = byLabel.get(s.label);
    if (!seen || (rank[s.kind] ?? 3) < (rank[seen.kind] ?? 3)) byLabel.set(s.label, s);
  }
  return [...byLabel.values()];
}

/** Whether the word being completed, starting at column wordStart of line, follows a member access dot. */
export function isMemberAccess(line: string, wordStart: number): boolean {
  let i = wordStart - 2; // the character before the word (columns are 1-based)
  while (i >= 0 && (line[i] === ' ' || line[i] === '\t')) i--;
  return line[i] === '.' && line[i - 1] !== '.'; // not a spread or range (..., ..)
}
