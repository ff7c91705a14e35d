import { describe, expect, it } from 'vitest';
import { makeStore } from '../store/store';
import { historyActions, historyLoading } from '../store/historySlice';
import { MAX_FORMER, participantsActions } from '../store/participantsSlice';
import { uiActions } from '../store/uiSlice';
import { authorOf, authorsSignature } from './authors';
import { colorIndexFor } from '../editor/colors';
import type { Version } from '../net/protocol';

const version = (id: string, revision: number, createdAt: string, name = id): Version => ({ id, name, revision, createdAt });

describe('history slice', () => {
  it('opens at the head, scrubs within 0 … head, and follows the head without leaving the range', () => {
    const s = makeStore();
    const h = () => s.getState().history;
    s.dispatch(historyActions.opened({ head: 40 }));
    expect(h()).toMatchObject({ open: true, head: 40, viewed: 40, shown: null });
    expect(historyLoading(h())).toBe(true);
    s.dispatch(historyActions.scrubbed(12.4));
    expect(h().viewed).toBe(12);
    s.dispatch(historyActions.scrubbed(-5));
    expect(h().viewed).toBe(0);
    s.dispatch(historyActions.scrubbed(1e9));
    expect(h().viewed).toBe(40);
    s.dispatch(historyActions.scrubbed(Number.NaN));
    expect(h().viewed).toBe(0);
    s.dispatch(historyActions.scrubbed(30));
    s.dispatch(historyActions.headChanged(55)); // live edits go on
    expect(h()).toMatchObject({ head: 55, viewed: 30 });
    s.dispatch(historyActions.revisionShown(30));
    expect(historyLoading(h())).toBe(false);
    s.dispatch(historyActions.headChanged(20)); // a resync to a shorter history
    expect(h().viewed).toBe(20);
    s.dispatch(historyActions.closed());
    expect(h()).toMatchObject({ open: false, shown: null });
    expect(historyLoading(h())).toBe(false);
  });

  it('a failure is shown only for the revision still viewed, and moving on clears it', () => {
    const s = makeStore();
    s.dispatch(historyActions.opened({ head: 10 }));
    s.dispatch(historyActions.scrubbed(4));
    s.dispatch(historyActions.revisionFailed({ revision: 3, message: 'old news' }));
    expect(s.getState().history.error).toBeNull();
    s.dispatch(historyActions.revisionFailed({ revision: 4, message: 'before the retention horizon' }));
    expect(s.getState().history.error).toBe('before the retention horizon');
    expect(historyLoading(s.getState().history)).toBe(false);
    s.dispatch(historyActions.scrubbed(5));
    expect(s.getState().history.error).toBeNull();
  });

  it('versions: listed newest first; a new or renamed one takes its place', () => {
    const s = makeStore();
    s.dispatch(historyActions.versionsLoading());
    expect(s.getState().history.versionsStatus).toBe('loading');
    s.dispatch(historyActions.versionsLoaded([version('a', 1, '2026-01-01T00:00:00Z'), version('b', 5, '2026-02-01T00:00:00Z')]));
    expect(s.getState().history.versions.map((v) => v.id)).toEqual(['b', 'a']);
    s.dispatch(historyActions.versionSaved(version('c', 7, '2026-03-01T00:00:00Z')));
    s.dispatch(historyActions.versionSaved(version('a', 1, '2026-01-01T00:00:00Z', 'renamed')));
    expect(s.getState().history.versions.map((v) => `${v.id}:${v.name}`)).toEqual(['c:c', 'b:b', 'a:renamed']);
    s.dispatch(historyActions.versionsFailed('offline'));
    expect(s.getState().history).toMatchObject({ versionsStatus: 'error', versionsError: 'offline' });
    expect(s.getState().history.versions).toHaveLength(3);
  });

  it('a restore leaves history mode with a notice, and opening again clears it', () => {
    const s = makeStore();
    s.dispatch(historyActions.opened({ head: 10 }));
    s.dispatch(historyActions.scrubbed(3));
    s.dispatch(historyActions.restored({ from: 3, to: 11 }));
    expect(s.getState().history).toMatchObject({ open: false, notice: 'Restored revision 3 as revision 11.' });
    s.dispatch(historyActions.opened({ head: 11 }));
    expect(s.getState().history.notice).toBeNull();
    s.dispatch(historyActions.restored({ from: 0, to: 12 }));
    s.dispatch(historyActions.noticeCleared());
    expect(s.getState().history.notice).toBeNull();
  });

  it('blame toggles, and its error is cleared by toggling', () => {
    const s = makeStore();
    s.dispatch(historyActions.blameToggled());
    s.dispatch(historyActions.blameFailed('nope'));
    expect(s.getState().history).toMatchObject({ blame: true, blameError: 'nope' });
    s.dispatch(historyActions.blameToggled());
    expect(s.getState().history).toMatchObject({ blame: false, blameError: null });
  });
});

describe('authorOf', () => {
  it('names the people here, those who left, my own earlier connections, restores and the initial content', () => {
    const s = makeStore();
    s.dispatch(uiActions.displayNameChanged('Ada'));
    s.dispatch(participantsActions.initialized({ selfId: 'me-1', peers: [{ clientId: 'bob', name: 'Bob' }] }));
    const of = (id: string) => authorOf(s.getState(), id);
    const bobColour = s.getState().participants.byId.bob.colorIndex;
    const myColour = s.getState().participants.self!.colorIndex;
    expect(of('bob')).toEqual({ label: 'Bob', colorIndex: bobColour, you: false });
    expect(of('me-1')).toEqual({ label: 'Ada (you)', colorIndex: myColour, you: true });
    s.dispatch(participantsActions.left('bob'));
    expect(of('bob')).toEqual({ label: 'Bob', colorIndex: bobColour, you: false });
    s.dispatch(participantsActions.joined({ clientId: 'cy', name: 'Cy' }));
    // A reconnect: a new id for me; Cy left in the meantime.
    s.dispatch(participantsActions.initialized({ selfId: 'me-2', peers: [] }));
    expect(of('me-1')).toMatchObject({ label: 'Ada (you)', you: true });
    expect(of('cy').label).toBe('Cy');
    expect(of('restore')).toEqual({ label: 'Restore', colorIndex: null, you: false });
    expect(of('')).toEqual({ label: 'Initial content', colorIndex: null, you: false });
    expect(of('stranger-9f3a')).toEqual({ label: 'Someone · 9f3a', colorIndex: colorIndexFor('stranger-9f3a'), you: false });
  });

  it('the signature changes with names, colours and departures, not with cursor moves', () => {
    const s = makeStore();
    s.dispatch(participantsActions.initialized({ selfId: 'me', peers: [{ clientId: 'bob', name: 'Bob' }] }));
    const sig = () => authorsSignature(s.getState());
    const before = sig();
    s.dispatch(participantsActions.cursorMoved({ clientId: 'bob', line: 12 }));
    expect(sig()).toBe(before);
    s.dispatch(participantsActions.joined({ clientId: 'bob', name: 'Robert' }));
    const renamed = sig();
    expect(renamed).not.toBe(before);
    s.dispatch(participantsActions.left('bob'));
    expect(sig()).not.toBe(renamed);
    const gone = sig();
    s.dispatch(uiActions.displayNameChanged('Ada'));
    expect(sig()).not.toBe(gone);
  });

  it('remembers at most MAX_FORMER people who left, forgetting the earliest', () => {
    const s = makeStore();
    s.dispatch(participantsActions.initialized({ selfId: 'me', peers: [] }));
    for (let i = 0; i <= MAX_FORMER; i++) {
      s.dispatch(participantsActions.joined({ clientId: `p${i}`, name: `P${i}` }));
      s.dispatch(participantsActions.left(`p${i}`));
    }
    expect(Object.keys(s.getState().participants.former)).toHaveLength(MAX_FORMER);
    expect(authorOf(s.getState(), 'p0').label).toBe('Someone · p0');
    expect(authorOf(s.getState(), `p${MAX_FORMER}`).label).toBe(`P${MAX_FORMER}`);
  });
});
