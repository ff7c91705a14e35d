// The other people in the room and where their cursors are (by line, for the
// list; the exact selections live in the editor's decorations).
import { createSlice, current, type PayloadAction } from '@reduxjs/toolkit';
import { pickColor } from '../editor/colors';

export interface Participant {
  clientId: string;
  name: string;
  colorIndex: number;
  /** 1-based line of the participant's cursor, when known. */
  line: number | null;
  /** Joined through a read-only link (known from init only: join does not say). */
  readOnly: boolean;
}

export interface ParticipantsState {
  byId: Record<string, Participant>;
  order: string[];
  /** This connection's own id and colour (from init). */
  self: { clientId: string; colorIndex: number } | null;
  /**
   * People who were here and left (and this browser's own earlier
   * connections, marked self), so that history can name their edits; the
   * last MAX_FORMER of them, oldest first.
   */
  former: Record<string, FormerParticipant>;
}

export interface FormerParticipant {
  name: string;
  colorIndex: number;
  self: boolean;
}

export const MAX_FORMER = 200;

const initialState: ParticipantsState = { byId: {}, order: [], self: null, former: {} };

// remember adds someone to former (as its newest entry), dropping the oldest past MAX_FORMER.
function remember(former: Record<string, FormerParticipant>, clientId: string, who: FormerParticipant): void {
  delete former[clientId];
  former[clientId] = who;
  const ids = Object.keys(former);
  for (let i = 0; i < ids.length - MAX_FORMER; i++) delete former[ids[i]];
}

function taken(state: ParticipantsState): Set<number> {
  const t = new Set(Object.values(state.byId).map((p) => p.colorIndex));
  if (state.self) t.add(state.self.colorIndex);
  return t;
}

// add keeps a known person's colour; a newcomer gets a free one.
function add(state: ParticipantsState, clientId: string, name: string, line: number | null, readOnly: boolean, known?: Participant) {
  if (!state.byId[clientId]) state.order.push(clientId);
  const colorIndex = state.byId[clientId]?.colorIndex ?? known?.colorIndex ?? pickColor(clientId, taken(state));
  state.byId[clientId] = { clientId, name: name || 'Anonymous', colorIndex, line, readOnly };
}

export const participantsSlice = createSlice({
  name: 'participants',
  initialState,
  reducers: {
    /** A connection's init: who is here. People still here keep their colours. */
    initialized(
      state,
      action: PayloadAction<{ selfId: string; peers: { clientId: string; name: string; line?: number | null; readOnly?: boolean }[] }>,
    ) {
      const { selfId, peers } = action.payload;
      const before = current(state);
      const next: ParticipantsState = { byId: {}, order: [], self: null, former: { ...before.former } };
      const keptSelf = before.self?.clientId === selfId ? before.self : null;
      if (before.self && !keptSelf) remember(next.former, before.self.clientId, { name: '', colorIndex: before.self.colorIndex, self: true });
      const stillHere = new Set(peers.map((p) => p.clientId));
      for (const p of Object.values(before.byId))
        if (!stillHere.has(p.clientId)) remember(next.former, p.clientId, { name: p.name, colorIndex: p.colorIndex, self: false });
      // Colours already given first, then newcomers pick among the rest.
      if (keptSelf) next.self = keptSelf;
      for (const p of peers) if (state.byId[p.clientId]) add(next, p.clientId, p.name, p.line ?? null, !!p.readOnly, state.byId[p.clientId]);
      if (!next.self) next.self = { clientId: selfId, colorIndex: pickColor(selfId, taken(next)) };
      for (const p of peers) if (!next.byId[p.clientId]) add(next, p.clientId, p.name, p.line ?? null, !!p.readOnly);
      next.order = peers.map((p) => p.clientId);
      return next;
    },
    joined(state, action: PayloadAction<{ clientId: string; name: string; readOnly?: boolean }>) {
      const known = state.byId[action.payload.clientId];
      add(state, action.payload.clientId, action.payload.name, known?.line ?? null, action.payload.readOnly ?? known?.readOnly ?? false);
    },
    left(state, action: PayloadAction<string>) {
      const gone = state.byId[action.payload];
      if (gone) remember(state.former, gone.clientId, { name: gone.name, colorIndex: gone.colorIndex, self: false });
      delete state.byId[action.payload];
      state.order = state.order.filter((id) => id !== action.payload);
    },
    cursorMoved(state, action: PayloadAction<{ clientId: string; line: number | null }>) {
      const p = state.byId[action.payload.clientId];
      if (p) p.line = action.payload.line;
    },
    cleared() {
      return initialState;
    },
  },
});

export const participantsActions = participantsSlice.actions;
