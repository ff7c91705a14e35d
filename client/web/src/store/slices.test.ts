import { readFileSync } from 'node:fs';
import { displayNames } from '../editor/colors';
import { describe, expect, it } from 'vitest';
import type { Room } from '../net/protocol';
import { makeStore } from './store';
import { roomActions } from './roomSlice';
import { participantsActions } from './participantsSlice';
import { connectionActions } from './connectionSlice';

// A room as the server sends it (the golden frame), so that a field added
// to Room needs no change here.
const goldenRoom: Room = JSON.parse(
  readFileSync(new URL('../../../../api/protocol/testdata/frames/rest-room.json', import.meta.url), 'utf8'),
);

describe('slices', () => {
  it('room: REST load, init and language changes', () => {
    const s = makeStore();
    s.dispatch(roomActions.opened('r1'));
    expect(s.getState().room.status).toBe('loading');
    s.dispatch(
      roomActions.loaded({ ...goldenRoom, id: 'r1', name: 'Demo', language: 'go', revision: 0, content: '', readOnlyId: 'ro1', readOnly: false }),
    );
    expect(s.getState().room).toMatchObject({ name: 'Demo', language: 'go', readOnlyId: 'ro1', status: 'ready' });
    s.dispatch(roomActions.languageChanged({ language: 'python', clientId: 'c2' }));
    expect(s.getState().room.language).toBe('python');
    s.dispatch(roomActions.failed({ notFound: true, message: 'gone' }));
    expect(s.getState().room.status).toBe('not_found');
  });

  it('participants: init, join, cursor, leave', () => {
    const s = makeStore();
    s.dispatch(participantsActions.initialized({ selfId: 'me', peers: [{ clientId: 'a', name: 'Ann' }] }));
    s.dispatch(participantsActions.joined({ clientId: 'b', name: '' }));
    s.dispatch(participantsActions.cursorMoved({ clientId: 'b', line: 7 }));
    expect(s.getState().participants.order).toEqual(['a', 'b']);
    expect(s.getState().participants.byId.b).toMatchObject({ name: 'Anonymous', line: 7 });
    s.dispatch(participantsActions.left('a'));
    expect(s.getState().participants.order).toEqual(['b']);
  });

  it('participants: one who joins through the read-only link is a viewer', () => {
    const s = makeStore();
    s.dispatch(participantsActions.initialized({ selfId: 'me', peers: [] }));
    s.dispatch(participantsActions.joined({ clientId: 'v', name: 'Viv', readOnly: true }));
    s.dispatch(participantsActions.joined({ clientId: 'e', name: 'Ed' }));
    expect(s.getState().participants.byId.v.readOnly).toBe(true);
    expect(s.getState().participants.byId.e.readOnly).toBe(false);
  });

  it('participants: colours are distinct, kept across renames and a new init, and viewers are marked', () => {
    const s = makeStore();
    const peers = Array.from({ length: 9 }, (_, i) => ({ clientId: `client-${i}`, name: 'Sam', readOnly: i === 3 }));
    s.dispatch(participantsActions.initialized({ selfId: 'me', peers }));
    const st = () => s.getState().participants;
    const colours = [st().self!.colorIndex, ...peers.map((p) => st().byId[p.clientId].colorIndex)];
    expect(new Set(colours).size).toBe(10); // ten people, ten colours
    expect(st().byId['client-3'].readOnly).toBe(true);
    const before = st().byId['client-5'].colorIndex;
    s.dispatch(participantsActions.joined({ clientId: 'client-5', name: 'Samuel' })); // a rename arrives as a join
    expect(st().byId['client-5']).toMatchObject({ name: 'Samuel', colorIndex: before });
    s.dispatch(participantsActions.left('client-0'));
    const freed = colours[1];
    s.dispatch(participantsActions.joined({ clientId: 'newcomer', name: 'Nia' }));
    expect(st().byId.newcomer.colorIndex).toBe(freed); // the only free colour
    s.dispatch(participantsActions.initialized({ selfId: 'me', peers: [{ clientId: 'client-5', name: 'Samuel' }] }));
    expect(st().byId['client-5'].colorIndex).toBe(before);
    expect(st().self!.colorIndex).toBe(colours[0]);
  });

  it('display names tell people with one name apart', () => {
    const names = displayNames([
      { clientId: 'aaaa1111', name: 'Sam' },
      { clientId: 'bbbb2222', name: 'Sam' },
      { clientId: 'cccc3333', name: 'Ann' },
    ]);
    expect([...names.values()]).toEqual(['Sam · 1111', 'Sam · 2222', 'Ann']);
  });

  it('connection: status and pending edits', () => {
    const s = makeStore();
    s.dispatch(connectionActions.initReceived({ clientId: 'c1' }));
    s.dispatch(connectionActions.pendingChanged(true));
    s.dispatch(connectionActions.statusChanged('offline'));
    expect(s.getState().connection).toMatchObject({ status: 'offline', pendingEdits: true, clientId: 'c1', everConnected: true });
  });
});
