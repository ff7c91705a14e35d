// The room being viewed: metadata from REST and from the socket's init.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { Room } from '../net/protocol';

export type RoomStatus = 'idle' | 'loading' | 'ready' | 'not_found' | 'error';

export interface RoomState {
  id: string | null;
  name: string;
  language: string;
  readOnly: boolean;
  readOnlyId: string | null;
  status: RoomStatus;
  error: string | null;
  /** Who last changed the language (clientId), for a short notice. */
  languageChangedBy: string | null;
}

const initialState: RoomState = {
  id: null,
  name: '',
  language: 'plaintext',
  readOnly: false,
  readOnlyId: null,
  status: 'idle',
  error: null,
  languageChangedBy: null,
};

export const roomSlice = createSlice({
  name: 'room',
  initialState,
  reducers: {
    opened(_state, action: PayloadAction<string>) {
      return { ...initialState, id: action.payload, status: 'loading' };
    },
    loaded(state, action: PayloadAction<Room>) {
      const r = action.payload;
      state.name = r.name;
      state.language = r.language || 'plaintext';
      state.readOnly = r.readOnly;
      state.readOnlyId = r.readOnlyId ?? null;
      state.status = 'ready';
      state.error = null;
    },
    failed(state, action: PayloadAction<{ notFound: boolean; message: string }>) {
      state.status = action.payload.notFound ? 'not_found' : 'error';
      state.error = action.payload.message;
    },
    initReceived(state, action: PayloadAction<{ name: string; language: string; readOnly?: boolean }>) {
      const { name, language, readOnly } = action.payload;
      if (name) state.name = name;
      state.language = language || state.language;
      if (readOnly !== undefined) state.readOnly = readOnly;
      if (state.status !== 'ready') state.status = 'ready';
    },
    languageChanged(state, action: PayloadAction<{ language: string; clientId?: string }>) {
      state.language = action.payload.language;
      state.languageChangedBy = action.payload.clientId ?? null;
    },
    renamed(state, action: PayloadAction<string>) {
      state.name = action.payload;
    },
    becameReadOnly(state) {
      state.readOnly = true;
    },
    closed() {
      return initialState;
    },
  },
});

export const roomActions = roomSlice.actions;
