// The other people in the room and where their cursors are (by line, for the
// list; the exact selections live in the editor's decorations).
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { colorIndexFor } from '../editor/colors';

export interface Participant {
  clientId: string;
  name: string;
  colorIndex: number;
  /** 1-based line of the participant's cursor, when known. */
  line: number | null;
}

export interface ParticipantsState {
  byId: Record<string, Participant>;
  order: string[];
}

const initialState: ParticipantsState = { byId: {}, order: [] };

function add(state: ParticipantsState, clientId: string, name: string, line: number | null = null) {
  if (!state.byId[clientId]) state.order.push(clientId);
  name = name || 'Anonymous';
  state.byId[clientId] = { clientId, name, colorIndex: colorIndexFor(name), line };
}

export const participantsSlice = createSlice({
  name: 'participants',
  initialState,
  reducers: {
    initialized(_state, action: PayloadAction<{ clientId: string; name: string; line?: number | null }[]>) {
      const next: ParticipantsState = { byId: {}, order: [] };
      for (const p of action.payload) add(next, p.clientId, p.name, p.line ?? null);
      return next;
    },
    joined(state, action: PayloadAction<{ clientId: string; name: string }>) {
      add(state, action.payload.clientId, action.payload.name);
    },
    left(state, action: PayloadAction<string>) {
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
