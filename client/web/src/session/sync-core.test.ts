import { describe, expect, it } from 'vitest';
import { SyncCore, contentHash, replacement, type SyncEffect } from './sync-core';
import { TextOperation } from '../ot/text-operation';
import { seededRng } from '../test/random';

const op = (json: (number | string)[]) => TextOperation.fromJSON(json);
const types = (effects: SyncEffect[]) => effects.map((e) => e.type);

/** A core past its first init, holding `content` at `revision`. */
function started(content = 'abc', revision = 0) {
  const core = new SyncCore('sess');
  const effects = core.init({ clientId: 'c1', revision, content });
  expect(effects).toEqual([{ type: 'reset', content }]);
  return core;
}

/** Applies the core's apply effects to a document. */
function applyAll(doc: string, effects: SyncEffect[]): string {
  for (const e of effects) if (e.type === 'apply') doc = e.op.apply(doc);
  return doc;
}

describe('SyncCore', () => {
  it('sends a local edit, buffers the next, and sends the buffer on the ack', () => {
    const core = started();
    const first = core.local(op(['x', 3]));
    expect(types(first)).toEqual(['send', 'pending']);
    expect(first[0]).toMatchObject({ submission: { revision: 0, id: 'sess-1' } });
    expect(core.local(op([4, 'y']))).toEqual([]);
    expect(core.buffering).toBe(true);
    const acked = core.ack(1);
    expect(types(acked)).toEqual(['send']);
    expect(acked[0]).toMatchObject({ submission: { revision: 1, id: 'sess-2' } });
    expect(types(core.ack(2))).toEqual(['pending']);
    expect(core.revision).toBe(2);
    expect(core.synchronized).toBe(true);
  });

  it('applies broadcasts in order, once, with their author, and asks to catch up past a gap', () => {
    const core = started('abc', 0);
    expect(core.remote(1, [3, '1'], 'c2')).toEqual([{ type: 'apply', op: op([3, '1']), author: 'c2' }]);
    expect(core.remote(1, [3, '1'], 'c2')).toEqual([]);
    expect(types(core.remote(3, [5, '3'], 'c2'))).toEqual(['catchUp']);
    expect(core.needsCatchUp).toBe(true);
    expect(core.catchUpStarted()).toBe(true);
    expect(core.catchUpStarted()).toBe(false);
    const page = core.fetched([
      { revision: 2, op: [4, '2'], clientId: 'c3' },
      { revision: 3, op: [5, '3'], clientId: 'c2' },
    ]);
    expect(applyAll('abc1', page)).toBe('abc123');
    expect(core.revision).toBe(3);
    expect(core.needsCatchUp).toBe(false);
    core.catchUpEnded(true);
    expect(core.synchronized).toBe(true);
  });

  it('transforms a broadcast past the pending edit and maps selections to local coordinates', () => {
    const core = started('abc');
    core.local(op([3, 'L']));
    const effects = core.remote(1, [3, 'R'], 'c2', { ranges: [{ anchor: 3, head: 4 }] });
    expect(effects[0]).toEqual({ type: 'apply', op: op([4, 'R']), author: 'c2' });
    expect(effects[1]).toEqual({ type: 'selection', clientId: 'c2', selection: { ranges: [{ anchor: 4, head: 5 }] } });
    expect(core.remoteSelection('c1', null)).toEqual([]); // our own id: not a peer
  });

  it('after a reconnect resends the same submission and catches up; a fetched own op is the ack', () => {
    const core = started('abc');
    const [sent] = core.local(op(['A', 3]));
    const again = core.init({ clientId: 'c9', revision: 2, content: 'ignored' });
    expect(again[0]).toEqual(sent); // the same Submission object: the frame is reused
    expect(types(again)).toEqual(['send', 'catchUp']);
    core.catchUpStarted();
    const page = core.fetched([
      { revision: 1, op: ['A', 3], clientId: 'c1' },
      { revision: 2, op: [1, 'B', 3], clientId: 'c5' },
    ]);
    expect(applyAll('Aabc', page)).toBe('ABabc');
    expect(types(page)).toEqual(['apply', 'pending']);
    expect(core.ack(1)).toEqual([]); // the resubmission's ack: already counted
  });

  it('reloads after a resync on the next init', () => {
    const core = started('abc');
    core.local(op(['x', 3]));
    expect(types(core.error('invalid_op', 'nope', 'sess-1'))).toEqual(['resync']);
    expect(types(core.init({ clientId: 'c2', revision: 0, content: 'abc' }))).toEqual(['reset', 'pending']);
  });

  it.each([
    ['rate_limited', 'sess-1', ['resendLater']],
    ['unavailable', 'sess-1', ['resendLater']],
    ['invalid_op', 'sess-1', ['resync']],
    ['forbidden', 'sess-1', ['readOnly', 'resync']],
    ['invalid_op', undefined, ['resync']],
    ['bad_message', undefined, []],
    ['invalid_op', 'someone-else', []],
    ['forbidden', 'someone-else', ['readOnly']],
    ['not_found', undefined, ['notFound']],
  ])('error %s about %s: %j', (code, id, want) => {
    const core = started('');
    core.local(op(['x']));
    expect(types(core.error(code, undefined, id))).toEqual(want);
  });

  it('resends on a retry only while the submission is still unacknowledged', () => {
    const core = started('');
    core.local(op(['x']));
    const [later] = core.error('rate_limited', undefined, 'sess-1');
    expect(later).toEqual({ type: 'resendLater', id: 'sess-1', delayMs: 1000 });
    expect(types(core.resend('sess-1'))).toEqual(['send']);
    core.ack(1);
    expect(core.resend('sess-1')).toEqual([]);
  });

  it('does not count an ack with nothing pending: it resyncs', () => {
    const core = started('abc', 4);
    expect(types(core.ack(5))).toEqual(['resync']);
  });

  it('an operation that does not fit the pending edit resyncs instead of throwing', () => {
    const core = started('abc');
    core.local(op(['x', 3]));
    const effects = core.remote(1, [10, 'y'], 'c2');
    expect(types(effects)).toEqual(['resync']);
    expect(effects[0]).toMatchObject({ error: expect.any(Error) });
  });

  it('converges whatever the order and overlap of broadcasts and fetched pages (seeded)', () => {
    const rng = seededRng('sync-core');
    for (let round = 0; round < 100; round++) {
      // A history of n inserts by others on 'ab'.
      let server = 'ab';
      const history: { revision: number; op: (number | string)[]; clientId: string }[] = [];
      const n = 1 + rng.int(12);
      for (let r = 1; r <= n; r++) {
        const pos = rng.int(server.length + 1);
        const json: (number | string)[] = [pos, String.fromCharCode(97 + rng.int(26)), server.length - pos].filter((c) => c !== 0);
        server = op(json).apply(server);
        history.push({ revision: r, op: json, clientId: `c${2 + rng.int(3)}` });
      }
      const core = started('ab');
      let doc = 'ab';
      const deliveries: (() => SyncEffect[])[] = [];
      for (const h of history) for (let k = 0; k <= rng.int(2); k++) deliveries.push(() => core.remote(h.revision, h.op, h.clientId));
      for (let k = 0; k <= rng.int(3); k++) {
        const from = rng.int(n);
        deliveries.push(() => core.fetched(history.slice(from, from + 1 + rng.int(n))));
      }
      deliveries.push(() => core.fetched(history)); // the catch-up that ends it
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
      }
      for (const d of deliveries) {
        const effects = d();
        expect(types(effects)).not.toContain('resync');
        doc = applyAll(doc, effects);
      }
      expect({ round, doc, revision: core.revision }).toEqual({ round, doc: server, revision: n });
    }
  });
});

describe('SyncCore across a reload', () => {
  it('a snapshot of pending edits is resubmitted verbatim by the next page, and its commit counts once', () => {
    const before = started('abc', 0);
    before.local(op(['x', 3])); // sent as sess-1, never acknowledged
    before.local(op([4, 'y'])); // buffered
    const snap = before.snapshot('xabcy')!;
    expect(snap).toMatchObject({ revision: 0, text: 'xabcy', submission: { revision: 0, id: 'sess-1' }, buffer: [4, 'y'], clientIds: ['c1'] });
    // Structured clone, as IndexedDB stores it.
    const after = new SyncCore('next');
    expect(after.restore(structuredClone(snap))).toEqual([{ type: 'reset', content: 'xabcy' }, { type: 'pending', pending: true }]);
    const init = after.init({ clientId: 'c2', revision: 2, content: 'xabcZ' });
    const sent = init.filter((e) => e.type === 'send');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ submission: { revision: 0, id: 'sess-1' } });
    expect(types(init)).toContain('catchUp');
    // The history: our sess-1 was committed before the reload (revision 1,
    // by the old client id), then someone appended Z (revision 2).
    const fetched = after.fetched([
      { revision: 1, op: ['x', 3], clientId: 'c1' },
      { revision: 2, op: [4, 'Z'], clientId: 'other' },
    ]);
    const doc = applyAll('xabcy', fetched);
    expect(doc === 'xabcyZ' || doc === 'xabcZy').toBe(true); // Z applied once, x not again
    expect(fetched.filter((e) => e.type === 'send')).toHaveLength(1); // the buffer, as a new submission
    expect(fetched.find((e) => e.type === 'send')).toMatchObject({ submission: { revision: 1, id: 'next-1' } });
  });

  describe('content hashes', () => {
    it('hashes as the server does: SHA-256 of the UTF-8 text, 16 hex digits', () => {
      expect(contentHash('hello')).toBe('2cf24dba5fb0a30e');
      expect(contentHash('')).toBe('e3b0c44298fc1c14');
      // Not UTF-16: "é" is the two bytes c3 a9.
      expect(contentHash('é')).not.toBe(contentHash('\u00e9'.normalize('NFD')));
    });

    it('a right hash on an ack or an op changes nothing', () => {
      const core = started('abc');
      core.local(op(['x', 3]));
      expect(types(core.ack(1, contentHash('xabc')))).toEqual(['pending']);
      expect(types(core.remote(2, [4, 'y'], 'c2', undefined, contentHash('xabcy')))).toEqual(['apply']);
      expect(core.desyncs).toBe(0);
    });

    it('a wrong hash while synchronized reloads at once', () => {
      const core = started('abc');
      const effects = core.remote(1, [3, 'y'], 'c2', undefined, contentHash('something else'));
      expect(types(effects)).toEqual(['apply', 'desync', 'resync']);
      expect(effects[1]).toMatchObject({ revision: 1, expected: contentHash('something else'), actual: contentHash('abcy') });
      expect(core.desyncs).toBe(1);
      expect(core.init({ clientId: 'c3', revision: 1, content: 'ABCy' })).toEqual([{ type: 'reset', content: 'ABCy' }]);
      expect(core.synchronized).toBe(true);
    });

    it('a wrong hash with an edit in flight waits for its ack, then reloads keeping what was not sent', () => {
      // The server's document is "abc!" where this tab believes "abc".
      const core = started('abc');
      let doc = 'abc';
      const first = core.local(op([3, 'X']));
      doc = op([3, 'X']).apply(doc); // abcX
      expect(types(first)).toEqual(['send', 'pending']);
      // A peer's op with the server's hash of a document we do not have.
      const effects = core.remote(1, ['p', 3], 'c2', undefined, contentHash('pabc!'));
      expect(types(effects)).toEqual(['apply', 'desync']);
      doc = applyAll(doc, effects); // pabcX
      expect(core.local(op([5, 'Y']))).toEqual([]); // buffered behind the op in flight
      doc = op([5, 'Y']).apply(doc); // pabcXY
      // The ack of the op in flight: the buffer is not sent, the tab reloads.
      const acked = core.ack(2, contentHash('pabc!X'));
      expect(types(acked)).toEqual(['resync']);
      // Typed while reconnecting: kept too.
      expect(core.local(op(['Z', 6]))).toEqual([]);
      doc = op(['Z', 6]).apply(doc); // ZpabcXY
      const init = core.init({ clientId: 'c4', revision: 2, content: 'pabc!X' });
      expect(types(init)).toEqual(['reset', 'apply', 'send']); // still pending: no change to report
      const reloaded = applyAll('pabc!X', init);
      expect(reloaded).toBe('Zpabc!XY'); // the server's text, with both kept edits
      const sent = init.find((e) => e.type === 'send');
      expect(sent).toMatchObject({ submission: { revision: 2 } });
      expect(core.desyncs).toBe(1);
      expect(doc).toBe('ZpabcXY');
    });

    it('replacement turns one text into the other without splitting a surrogate pair', () => {
      for (const [a, b] of [['abc', 'abc'], ['abc', 'abXc'], ['', 'x'], ['x😀y', 'x😁y'], ['hello', ''], ['😀', '😀😀']]) {
        const r = replacement(a, b);
        expect(r.apply(a)).toBe(b);
        for (const c of r.ops) if (typeof c === 'string') expect(c).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      }
    });
  });
});
