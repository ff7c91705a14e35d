import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RoomSession } from './room-session';
import { EditorBinding } from '../editor/binding';
import { FakeModel, FakeView } from '../test/fake-model';
import { FakeServer } from '../test/fake-server';
import { makeStore } from '../store/store';

function participant(server: FakeServer, name: string) {
  const model = new FakeModel();
  const store = makeStore();
  let session: RoomSession;
  const binding = new EditorBinding(model, { onLocalOperation: (op) => session.localOperation(op) });
  session = new RoomSession({
    roomId: 'r',
    name,
    binding,
    openSocket: server.open,
    fetchOps: server.fetchOps,
    dispatch: store.dispatch,
    isReadOnly: () => store.getState().room.readOnly,
    backoff: () => 10,
  });
  const type = (offset: number, text: string, del = 0) => model.userEdit([{ rangeOffset: offset, rangeLength: del, text }]);
  return { model, store, session, binding, type };
}

/** Ann and Bob in a room on a server holding `doc`, both started and past init. */
function annAndBobConnected(doc: string) {
  const server = new FakeServer(doc);
  const a = participant(server, 'Ann');
  const b = participant(server, 'Bob');
  a.session.start();
  b.session.start();
  server.flush();
  return { server, a, b };
}

/** Ann alone in a room on a server holding `doc`, started and past init. */
function annConnectedAlone(doc: string) {
  const server = new FakeServer(doc);
  const a = participant(server, 'Ann');
  a.session.start();
  server.flush();
  return { server, a };
}

async function settle(server: FakeServer) {
  for (let i = 0; i < 20; i++) {
    server.flush();
    await vi.advanceTimersByTimeAsync(50);
  }
  server.flush();
}

describe('RoomSession against an in-memory server', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('loads the document from init and converges on concurrent typing at the same spot', async () => {
    const { server, a, b } = annAndBobConnected('hello');
    expect(a.model.getValue()).toBe('hello');
    expect(a.store.getState().connection.status).toBe('connected');
    expect(a.store.getState().participants.order).toEqual(['c2']); // joined after A
    expect(b.store.getState().participants.order).toEqual(['c1']);
    for (const ch of 'xyz') {
      a.type(5, ch);
      b.type(5, ch.toUpperCase());
    }
    a.type(0, '>');
    await settle(server);
    expect(a.model.getValue()).toBe(server.doc);
    expect(b.model.getValue()).toBe(server.doc);
    expect(server.doc.startsWith('>hello')).toBe(true);
    expect(a.session.synchronized && b.session.synchronized).toBe(true);
    expect(a.session.revision).toBe(server.revision);
  });

  it('after a drop, resubmits the unacknowledged op verbatim, catches up, and applies nothing twice', async () => {
    const { server, a, b } = annAndBobConnected('abc');
    const view = new FakeView();
    a.binding.view = view;
    view.sels = [{ anchor: { lineNumber: 1, column: 5 }, head: { lineNumber: 1, column: 5 } }];
    a.type(3, '1');
    view.sels = [{ anchor: { lineNumber: 1, column: 2 }, head: { lineNumber: 1, column: 2 } }];
    expect(server.received.at(-1)?.msg.type).toBe('op');
    const first = server.received.filter((r) => r.msg.type === 'op').at(-1)!.msg;
    // The server committed it, but the ack is lost with the connection.
    server.drop(server.conns[0]);
    a.type(4, '2'); // typed while offline: buffered
    b.type(0, 'B'); // others keep editing
    server.flush();
    await settle(server);
    const resent = server.received.filter((r) => r.msg.type === 'op' && r.msg.id === first.id);
    expect(resent).toHaveLength(2);
    expect(resent[1].msg).toEqual(first); // same revision, op, id and selection
    expect(first.selection).toEqual({ ranges: [{ anchor: 4, head: 4 }] }); // as when first sent
    expect(server.doc).toBe('Babc12');
    expect(a.model.getValue()).toBe('Babc12');
    expect(b.model.getValue()).toBe('Babc12');
    expect(server.history.filter((h) => h.id === first.id)).toHaveLength(1);
    expect(a.store.getState().connection).toMatchObject({ status: 'connected', pendingEdits: false });
  });

  it('a drop before the server received the op: the op is committed on resubmission', async () => {
    const { server, a, b } = annAndBobConnected('');
    server.drop(server.conns[0]);
    await Promise.resolve();
    server.accepting = false;
    a.type(0, 'offline edit');
    await vi.advanceTimersByTimeAsync(100);
    expect(a.store.getState().connection.pendingEdits).toBe(true);
    expect(['reconnecting', 'offline']).toContain(a.store.getState().connection.status);
    b.type(0, 'remote ');
    server.flush();
    server.accepting = true;
    await settle(server);
    // Same position, same base revision: the incoming op's insert goes first (ot.js tie-break).
    expect(server.doc).toBe('offline editremote ');
    expect(a.model.getValue()).toBe(server.doc);
    expect(b.model.getValue()).toBe(server.doc);
  });

  it('dedupes a broadcast that the catch-up fetch already delivered', async () => {
    const { server, a, b } = annAndBobConnected('');
    a.session.dropConnection();
    await Promise.resolve();
    b.type(0, 'one ');
    server.flush();
    // Reconnect; before init is processed, more edits happen; the fetch and the broadcasts overlap.
    await vi.advanceTimersByTimeAsync(20);
    b.type(4, 'two');
    await settle(server);
    expect(a.model.getValue()).toBe('one two');
    expect(a.session.revision).toBe(2);
  });

  it('resyncs when the server rejects the pending op', async () => {
    const { server, a } = annConnectedAlone('abc');
    // Make the server reject the next op.
    const open = server.conns[0];
    a.type(0, 'x');
    server.history.pop();
    server.doc = 'abc';
    open.inbox = [JSON.stringify({ type: 'error', code: 'invalid_op', message: 'nope', id: server.received.at(-1)!.msg.id })];
    await settle(server);
    expect(a.model.getValue()).toBe('abc');
    expect(a.store.getState().connection.notice).toMatch(/rejected/);
    a.type(3, 'd');
    await settle(server);
    expect(server.doc).toBe('abcd');
  });

  it('undo after a remote edit sends an operation that reverts only own text', async () => {
    const { server, a, b } = annAndBobConnected('');
    a.type(0, 'mine');
    await settle(server);
    b.type(0, 'theirs ');
    await settle(server);
    expect(a.binding.undo()).toBe(true);
    await settle(server);
    expect(server.doc).toBe('theirs ');
    expect(b.model.getValue()).toBe('theirs ');
  });

  it.each([[['rate_limited', 'unavailable']], [['internal']]])('%j: the same submission is sent again later, and lands once', async (codes) => {
    const { server, a } = annConnectedAlone('');
    server.rejectNext = [...codes];
    a.type(0, 'hi');
    await settle(server);
    await vi.advanceTimersByTimeAsync(5000);
    await settle(server);
    const ops = server.received.filter((r) => r.msg.type === 'op').map((r) => r.msg);
    expect(ops).toHaveLength(codes.length + 1);
    expect(new Set(ops.map((o) => JSON.stringify(o))).size).toBe(1);
    expect(server.doc).toBe('hi');
    expect(a.model.getValue()).toBe('hi');
    expect(a.store.getState().connection.pendingEdits).toBe(false);
    expect(a.store.getState().connection.notice).toBeNull();
  });

  it('forbidden: the room becomes read-only and the local edit is dropped', async () => {
    const { server, a } = annConnectedAlone('abc');
    server.rejectNext = ['forbidden'];
    a.type(0, 'x');
    await settle(server);
    expect(a.store.getState().room.readOnly).toBe(true);
    expect(a.model.getValue()).toBe('abc');
    expect(server.doc).toBe('abc');
  });

  it('a socket that opens but never sends init is retried', async () => {
    const server = new FakeServer('doc');
    server.sendInit = false;
    const a = participant(server, 'Ann');
    a.session.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(a.store.getState().connection.status).toBe('connecting');
    server.sendInit = true;
    await vi.advanceTimersByTimeAsync(11_000);
    await settle(server);
    expect(a.model.getValue()).toBe('doc');
    expect(a.store.getState().connection.status).toBe('connected');
  });

  it('presence: remote selections are shown, transformed, and cleared on leave', async () => {
    const { server, a, b } = annAndBobConnected('hello world');
    const shown = new Map<string, unknown>();
    // Give A a presence view that records carets.
    (a.session as unknown as { deps: { presence: unknown } }).deps.presence = {
      set: (id: string, _n: string, sel: unknown) => shown.set(id, sel),
      remove: (id: string) => shown.delete(id),
      transformAll: () => {},
      clear: () => shown.clear(),
      lineOf: () => 1,
    };
    const bView = new FakeView();
    b.binding.view = bView;
    bView.sels = [{ anchor: { lineNumber: 1, column: 7 }, head: { lineNumber: 1, column: 12 } }];
    b.session.selectionChanged();
    await settle(server);
    expect(shown.get('c2')).toEqual({ ranges: [{ anchor: 6, head: 11 }] });
    expect(a.store.getState().participants.byId.c2).toMatchObject({ name: 'Bob', line: 1 });
    server.drop(server.conns[1]);
    server.conns[0].inbox.push(JSON.stringify({ type: 'leave', clientId: 'c2' }));
    await settle(server);
    expect(shown.has('c2')).toBe(false);
    expect(a.store.getState().participants.order).not.toContain('c2');
  });

  it('an operation that does not fit the document triggers a reload, not a crash', async () => {
    const { server, a } = annConnectedAlone('abc');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    server.conns[0].inbox.push(JSON.stringify({ type: 'op', revision: 1, op: [10, 'x'], clientId: 'zz' }));
    await settle(server);
    expect(errors).toHaveBeenCalled();
    errors.mockRestore();
    expect(a.store.getState().connection.notice).toMatch(/out of step/);
    expect(a.model.getValue()).toBe('abc');
    expect(a.store.getState().connection.status).toBe('connected');
  });
});
