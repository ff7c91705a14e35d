// Who made a revision, for the history panel: the clientId of an operation
// is a connection, so a name is known for the people here now, those who left
// while this page was open and this browser's own connections; anyone else
// is "Someone" with the end of their id, in the colour that id hashes to.
// A restore (clientId "restore") and the room's initial content (revision 0,
// clientId "") are nobody's and have no colour.

import { colorIndexFor } from '../editor/colors';
import type { ParticipantsState } from '../store/participantsSlice';

export const RESTORE_CLIENT_ID = 'restore';

export interface Author {
  label: string;
  /** The presence colour (c0 … c9), null for no one's. */
  colorIndex: number | null;
  you: boolean;
}

export function authorOf(s: { participants: ParticipantsState; ui: { displayName: string } }, clientId: string): Author {
  const { self, byId, former } = s.participants;
  const you = s.ui.displayName || 'Anonymous';
  if (clientId === '') return { label: 'Initial content', colorIndex: null, you: false };
  if (clientId === RESTORE_CLIENT_ID) return { label: 'Restore', colorIndex: null, you: false };
  if (self?.clientId === clientId) return { label: `${you} (you)`, colorIndex: self.colorIndex, you: true };
  const here = byId[clientId];
  if (here) return { label: here.name, colorIndex: here.colorIndex, you: false };
  const gone = former[clientId];
  if (gone) return gone.self ? { label: `${you} (you)`, colorIndex: gone.colorIndex, you: true } : { label: gone.name, colorIndex: gone.colorIndex, you: false };
  return { label: `Someone · ${clientId.slice(-4)}`, colorIndex: colorIndexFor(clientId), you: false };
}

/**
 * What authorOf's answers depend on, as one string: it changes when a name or
 * a colour does (or someone leaves), not when a cursor moves, so labels are
 * redrawn only when they would read differently.
 */
export function authorsSignature(s: { participants: ParticipantsState; ui: { displayName: string } }): string {
  const { self, byId, former } = s.participants;
  const here = Object.values(byId).map((p) => `${p.clientId}:${p.colorIndex}:${p.name}`);
  return [s.ui.displayName, self?.clientId ?? '', self?.colorIndex ?? '', Object.keys(former).length, ...here].join('\n');
}
