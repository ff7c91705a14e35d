import { describe, expect, it } from 'vitest';
import { makeStore } from './store';
import { roomActions } from './roomSlice';
import { participantsActions } from './participantsSlice';
import { connectionActions } from './connectionSlice';

describe('slices', () => {
  it('room: REST load, init and language changes', () => {
    const s = makeStore();
    s.dispatch(roomActions.opened('r1'));
    expect(s.getState().room.status).toBe('loading');
    s.dispatch(
      roomActions.loaded({ id: 'r1', name: 'Demo', language: 'go', revision: 0, content: '', createdAt: '', updatedAt: '', readOnlyId: 'ro1', readOnly: false }),
    );
    expect(s.getState().room).toMatchObject({ name: 'Demo', language: 'go', readOnlyId: 'ro1', status: 'ready' });
    s.dispatch(roomActions.languageChanged({ language: 'python', clientId: 'c2' }));
    expect(s.getState().room.language).toBe('python');
    s.dispatch(roomActions.failed({ notFound: true, message: 'gone' }));
    expect(s.getState().room.status).toBe('not_found');
  });

  it('participants: init, join, cursor, leave', () => {
    const s = makeStore();
    s.dispatch(participantsActions.initialized([{ clientId: 'a', name: 'Ann' }]));
    s.dispatch(participantsActions.joined({ clientId: 'b', name: '' }));
    s.dispatch(participantsActions.cursorMoved({ clientId: 'b', line: 7 }));
    expect(s.getState().participants.order).toEqual(['a', 'b']);
    expect(s.getState().participants.byId.b).toMatchObject({ name: 'Anonymous', line: 7 });
    s.dispatch(participantsActions.left('a'));
    expect(s.getState().participants.order).toEqual(['b']);
  });

  it('connection: status and pending edits', () => {
    const s = makeStore();
    s.dispatch(connectionActions.initReceived({ clientId: 'c1' }));
    s.dispatch(connectionActions.pendingChanged(true));
    s.dispatch(connectionActions.statusChanged('offline'));
    expect(s.getState().connection).toMatchObject({ status: 'offline', pendingEdits: true, clientId: 'c1', everConnected: true });
  });
});
