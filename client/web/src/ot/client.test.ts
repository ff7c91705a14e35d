import { describe, expect, it } from 'vitest';
import { AwaitingConfirm, AwaitingWithBuffer, Client, type Submission } from './client';
import { TextOperation } from './text-operation';
import { randomOperation, seededRng } from '../test/random';

function harness(revision = 0) {
  const sent: Submission[] = [];
  const applied: TextOperation[] = [];
  const client = new Client(revision, { sendOperation: (s) => sent.push(s), applyOperation: (o) => applied.push(o) }, 'sess');
  return { client, sent, applied };
}

const op = (json: (number | string)[]) => TextOperation.fromJSON(json);

describe('Client state machine', () => {
  it('Synchronized: a server op is applied as is', () => {
    const { client, applied, sent } = harness(5);
    client.applyServer(op(['x', 3]));
    expect(client.revision).toBe(6);
    expect(client.state.name).toBe('Synchronized');
    expect(applied.map((o) => o.toJSON())).toEqual([['x', 3]]);
    expect(sent).toEqual([]);
  });

  it('Synchronized -> AwaitingConfirm on a local op, sent with revision and id', () => {
    const { client, sent } = harness(2);
    client.applyClient(op([1, 'a']));
    expect(client.state.name).toBe('AwaitingConfirm');
    expect(sent).toHaveLength(1);
    expect(sent[0].revision).toBe(2);
    expect(sent[0].id).toBe('sess-1');
    expect(sent[0].op.toJSON()).toEqual([1, 'a']);
    expect(client.pendingId).toBe('sess-1');
  });

  it('Synchronized: an ack is an error', () => {
    const { client } = harness();
    expect(() => client.serverAck()).toThrow();
  });

  it('AwaitingConfirm -> Synchronized on ack', () => {
    const { client } = harness(2);
    client.applyClient(op([1, 'a']));
    client.serverAck();
    expect(client.state.name).toBe('Synchronized');
    expect(client.revision).toBe(3);
    expect(client.hasPending).toBe(false);
  });

  it('AwaitingConfirm: a server op is transformed past the outstanding op', () => {
    const { client, applied } = harness(0);
    // doc "ab"; local inserts X at 1; server inserts Y at 1 (server op came first)
    client.applyClient(op([1, 'X', 1]));
    client.applyServer(op([1, 'Y', 1]));
    expect(client.revision).toBe(1);
    const st = client.state as AwaitingConfirm;
    expect(st.name).toBe('AwaitingConfirm');
    // our insert was first in transform(a=outstanding, b=server): X before Y
    expect(applied[0].apply('aXb')).toBe('aXYb');
    expect(st.outstanding.apply('aYb')).toBe('aXYb');
  });

  it('AwaitingConfirm -> AwaitingWithBuffer on a local op; buffer composes', () => {
    const { client, sent } = harness(0);
    client.applyClient(op(['a']));
    client.applyClient(op([1, 'b']));
    client.applyClient(op([2, 'c']));
    const st = client.state as AwaitingWithBuffer;
    expect(st.name).toBe('AwaitingWithBuffer');
    expect(st.buffer.toJSON()).toEqual([1, 'bc']);
    expect(sent).toHaveLength(1);
  });

  it('AwaitingWithBuffer: a server op transforms outstanding and buffer', () => {
    const { client, applied } = harness(0);
    client.applyClient(op([2, 'a'])); // "xy" -> "xya"
    client.applyClient(op([3, 'b'])); // -> "xyab"
    client.applyServer(op(['S', 2])); // server: "Sxy"
    expect(applied[0].apply('xyab')).toBe('Sxyab');
    const st = client.state as AwaitingWithBuffer;
    expect(st.outstanding.apply('Sxy')).toBe('Sxya');
    expect(st.buffer.apply('Sxya')).toBe('Sxyab');
  });

  it('AwaitingWithBuffer -> AwaitingConfirm on ack, sending the buffer at the new revision', () => {
    const { client, sent } = harness(7);
    client.applyClient(op(['a']));
    client.applyClient(op([1, 'b']));
    client.serverAck();
    expect(client.state.name).toBe('AwaitingConfirm');
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ revision: 8, id: 'sess-2' });
    expect(sent[1].op.toJSON()).toEqual([1, 'b']);
  });

  it('resend repeats the outstanding submission verbatim (same revision, op, id)', () => {
    const { client, sent } = harness(3);
    client.applyClient(op([2, 'a']));
    client.applyServer(op(['S', 2])); // transforms outstanding, not the submission
    client.applyClient(op([4, 'b']));
    client.resend();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe(sent[0]);
    expect(sent[1].revision).toBe(3);
    expect(sent[1].op.toJSON()).toEqual([2, 'a']);
  });

  it('resend in Synchronized sends nothing', () => {
    const { client, sent } = harness(3);
    client.resend();
    expect(sent).toEqual([]);
  });

  it('transforms remote selections past pending ops', () => {
    const { client } = harness(0);
    client.applyClient(op(['ab', 2]));
    expect(client.transformSelection({ ranges: [{ anchor: 1, head: 2 }] })).toEqual({ ranges: [{ anchor: 3, head: 4 }] });
    client.applyClient(op(['c', 4]));
    expect(client.transformSelection({ ranges: [{ anchor: 0, head: 0 }] })).toEqual({ ranges: [{ anchor: 3, head: 3 }] });
  });

  it('two clients and a server converge on random concurrent edits (seeded)', () => {
    const rng = seededRng('client-sim');
    for (let round = 0; round < 60; round++) {
      // A tiny in-memory ot.js server.
      let serverDoc = 'hello world';
      const history: TextOperation[] = [];
      type Msg = { kind: 'op'; op: TextOperation; rev: number } | { kind: 'ack' };
      const inbox: Msg[][] = [[], []];
      const outbox: Submission[][] = [[], []];
      const docs = [serverDoc, serverDoc];
      const clients = [0, 1].map(
        (i) =>
          new Client(0, {
            sendOperation: (s) => outbox[i].push(s),
            applyOperation: (o) => {
              docs[i] = o.apply(docs[i]);
            },
          }, `c${i}`),
      );
      const serverReceive = (i: number) => {
        const s = outbox[i].shift()!;
        let o = s.op;
        for (const h of history.slice(s.revision)) o = TextOperation.transform(o, h)[0];
        serverDoc = o.apply(serverDoc);
        history.push(o);
        inbox[i].push({ kind: 'ack' });
        inbox[1 - i].push({ kind: 'op', op: o, rev: history.length });
      };
      const clientReceive = (i: number) => {
        const m = inbox[i].shift()!;
        if (m.kind === 'ack') clients[i].serverAck();
        else clients[i].applyServer(m.op);
      };
      for (let step = 0; step < 40; step++) {
        const i = rng.int(2);
        const r = rng();
        if (r < 0.4) {
          const o = randomOperation(rng, docs[i]);
          docs[i] = o.apply(docs[i]);
          clients[i].applyClient(o);
        } else if (r < 0.7 && outbox[i].length) serverReceive(i);
        else if (inbox[i].length) clientReceive(i);
      }
      // Drain everything.
      for (let guard = 0; guard < 1000; guard++) {
        if (outbox[0].length) serverReceive(0);
        else if (outbox[1].length) serverReceive(1);
        else if (inbox[0].length) clientReceive(0);
        else if (inbox[1].length) clientReceive(1);
        else break;
      }
      expect(docs[0]).toBe(serverDoc);
      expect(docs[1]).toBe(serverDoc);
      expect(clients[0].state.name).toBe('Synchronized');
    }
  });
});
