// The history panel: whether it is open, the live head, the revision on the
// timeline and the one whose content is on screen, the blame toggle and the
// named versions. The texts themselves stay out of the store (in the history
// view, as the live document stays in the editor).
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { Version } from '../net/protocol';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface HistoryState {
  open: boolean;
  /** The live document's revision, as last known. */
  head: number;
  /** The revision the timeline points at (0 … head). */
  viewed: number;
  /** The revision whose content is on screen, null before the first arrives. */
  shown: number | null;
  /** Why the viewed revision could not be shown. */
  error: string | null;
  blame: boolean;
  blameError: string | null;
  versions: Version[];
  versionsStatus: LoadStatus;
  versionsError: string | null;
  /** Said once history mode is left after a restore. */
  notice: string | null;
}

const initialState: HistoryState = {
  open: false,
  head: 0,
  viewed: 0,
  shown: null,
  error: null,
  blame: false,
  blameError: null,
  versions: [],
  versionsStatus: 'idle',
  versionsError: null,
  notice: null,
};

const clamp = (rev: number, head: number) => Math.max(0, Math.min(head, Math.round(Number.isFinite(rev) ? rev : 0)));

// Newest first, as GET …/versions lists them.
const newestFirst = (a: Version, b: Version) => b.createdAt.localeCompare(a.createdAt) || b.revision - a.revision;

export const historySlice = createSlice({
  name: 'history',
  initialState,
  reducers: {
    /** History mode starts at the head. */
    opened(state, action: PayloadAction<{ head: number }>) {
      const head = Math.max(0, action.payload.head);
      return { ...state, open: true, head, viewed: head, shown: null, error: null, blameError: null, notice: null };
    },
    /** A restore was committed: back to the live document, which receives it as an op. */
    restored(state, action: PayloadAction<{ from: number; to: number }>) {
      state.open = false;
      state.shown = null;
      state.error = null;
      state.notice = `Restored revision ${action.payload.from} as revision ${action.payload.to}.`;
    },
    noticeCleared(state) {
      state.notice = null;
    },
    closed(state) {
      state.open = false;
      state.shown = null;
      state.error = null;
    },
    headChanged(state, action: PayloadAction<number>) {
      state.head = Math.max(0, action.payload);
      state.viewed = clamp(state.viewed, state.head);
    },
    scrubbed(state, action: PayloadAction<number>) {
      state.viewed = clamp(action.payload, state.head);
      state.error = null;
    },
    revisionShown(state, action: PayloadAction<number>) {
      state.shown = action.payload;
      state.error = null;
    },
    revisionFailed(state, action: PayloadAction<{ revision: number; message: string }>) {
      if (action.payload.revision === state.viewed) state.error = action.payload.message;
    },
    blameToggled(state) {
      state.blame = !state.blame;
      state.blameError = null;
    },
    blameFailed(state, action: PayloadAction<string | null>) {
      state.blameError = action.payload;
    },
    versionsLoading(state) {
      state.versionsStatus = 'loading';
      state.versionsError = null;
    },
    versionsLoaded(state, action: PayloadAction<Version[]>) {
      state.versions = [...action.payload].sort(newestFirst);
      state.versionsStatus = 'ready';
    },
    versionsFailed(state, action: PayloadAction<string>) {
      state.versionsStatus = 'error';
      state.versionsError = action.payload;
    },
    /** A version created or renamed here. */
    versionSaved(state, action: PayloadAction<Version>) {
      const v = action.payload;
      state.versions = [v, ...state.versions.filter((x) => x.id !== v.id)].sort(newestFirst);
    },
  },
});

export const historyActions = historySlice.actions;

/** The revision on the timeline is on screen (its fetch has answered). */
export const historyLoading = (h: HistoryState) => h.open && h.shown !== h.viewed && !h.error;
