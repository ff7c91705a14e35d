// This browser's connection to the room: socket state, identity, pending edits.
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface ConnectionState {
  status: ConnectionStatus;
  clientId: string | null;
  /** Local edits the server has not acknowledged yet. */
  pendingEdits: boolean;
  /** A message for the user (an edit was rejected, the room went read-only …). */
  notice: string | null;
  /** The socket has delivered init at least once in this room. */
  everConnected: boolean;
  /** How many times this tab's document differed from the server's (its content hash); each was reloaded. */
  desyncs: number;
}

const initialState: ConnectionState = {
  status: 'idle',
  clientId: null,
  pendingEdits: false,
  notice: null,
  everConnected: false,
  desyncs: 0,
};

export const connectionSlice = createSlice({
  name: 'connection',
  initialState,
  reducers: {
    statusChanged(state, action: PayloadAction<ConnectionStatus>) {
      state.status = action.payload;
    },
    initReceived(state, action: PayloadAction<{ clientId: string }>) {
      state.status = 'connected';
      state.clientId = action.payload.clientId;
      state.everConnected = true;
    },
    pendingChanged(state, action: PayloadAction<boolean>) {
      state.pendingEdits = action.payload;
    },
    noticeShown(state, action: PayloadAction<string>) {
      state.notice = action.payload;
    },
    desyncDetected(state) {
      state.desyncs++;
    },
    noticeDismissed(state) {
      state.notice = null;
    },
    reset() {
      return initialState;
    },
  },
});

export const connectionActions = connectionSlice.actions;
