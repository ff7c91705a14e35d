// Compatibility test: the real Go server (TANDEM_BIN) against the real ot.js
// library (npm package `ot`), talking the wire contract of
// /work/shared/protocol.md exactly as a third-party ot.js editor binding does:
// ot.TextOperation for operations, an ot.Client subclass for the state machine
// (Synchronized / AwaitingConfirm / AwaitingWithBuffer), ot.Selection for
// cursors. No browser is needed.
//
//   npm run otjs       (TANDEM_BIN defaults to ../../bin/tandem; OTJS_SEED=n
//                       replays a run, the seed is printed)
//
// Every wait is bounded; the server is killed at the end, even on failure.
// The last line is "N passed, N failed"; the exit status is non-zero on failure.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { finish, sleep, tandemServer, waitFor as harnessWaitFor, withTimeout } from './harness.mjs';

const require = createRequire(import.meta.url);
const ot = require('ot'); // CommonJS
const { TextOperation, Selection } = ot;

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const TANDEM_BIN = path.resolve(webDir, process.env.TANDEM_BIN ?? '../../bin/tandem');
const TEST_TIMEOUT = 60_000;
const SEED = Number(process.env.OTJS_SEED ?? Math.floor(Math.random() * 2 ** 31));

console.log(`ot.js ${ot.version} compatibility (seed ${SEED})`);
if (!existsSync(TANDEM_BIN)) {
  console.log(`otjs: server binary ${TANDEM_BIN} not found (build it with: make build)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// --- small helpers ---
let seed = SEED >>> 0;
function rnd(n) {
  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) % n;
}
const pick = (xs) => xs[rnd(xs.length)];
// Polling here is quicker than the browser test's: no page to render.
const waitFor = (what, fn, timeout = 15_000, interval = 20) => harnessWaitFor(what, fn, timeout, interval);

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${typeof msg === 'function' ? msg() : msg}`);
}
const J = (x) => JSON.stringify(x);

// --- server ---
const server = await tandemServer(TANDEM_BIN, 'tandem-otjs-');
const base = server.base;
const api = server.api;

const clients = [];
async function cleanup() {
  for (const c of clients) c.close();
  await server.dispose();
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}

// The whole history of a room, paged.
async function history(roomId) {
  const ops = [];
  for (;;) {
    const page = await api('GET', `/api/rooms/${roomId}/ops?from=${ops.length}&limit=500`);
    if (!page.ops.length) return ops;
    for (const o of page.ops) {
      assert(o.revision === ops.length + 1, () => `history is contiguous: expected revision ${ops.length + 1}, got ${o.revision}`);
      ops.push(o);
    }
  }
}

// --- an ot.js client, the way an editor binding subclasses ot.Client ---

// Positions that do not split a surrogate pair (code point boundaries).
function boundaries(doc) {
  const out = [0];
  let i = 0;
  for (const ch of doc) {
    i += ch.length;
    out.push(i);
  }
  return out;
}
const PIECES = ['a', 'b', 'xy', ' ', '\n', 'é', 'ü', 'ñ', 'Å', 'ß', '漢', '😀', '😀', '🎉', 'e\u0301'];
const randomText = () => Array.from({ length: 1 + rnd(4) }, () => pick(PIECES)).join('');

// A random ot.js TextOperation on doc: an insert, a delete, or both at once.
function randomOperation(doc) {
  const b = boundaries(doc);
  const kind = doc.length === 0 ? 0 : rnd(10);
  const op = new TextOperation();
  if (kind < 5) {
    const p = pick(b);
    return op.retain(p).insert(randomText()).retain(doc.length - p);
  }
  if (kind < 9) {
    const i = rnd(b.length - 1);
    const j = Math.min(b.length - 1, i + 1 + rnd(3));
    return op.retain(b[i])['delete'](b[j] - b[i]).retain(doc.length - b[j]);
  }
  // An insert and a delete further on, in one operation.
  const i = rnd(b.length - 1);
  const j = Math.min(b.length - 1, i + 1 + rnd(3));
  const k = rnd(i + 1);
  return op.retain(b[k]).insert(randomText()).retain(b[i] - b[k])['delete'](b[j] - b[i]).retain(doc.length - b[j]);
}

let sessions = 0;
class OtjsClient extends ot.Client {
  constructor(label) {
    super(0);
    this.label = label;
    this.prefix = `otjs${++sessions}-${Math.random().toString(36).slice(2, 10)}`;
    this.counter = 0;
    this.doc = null;
    this.clientId = null;
    this.inflight = null; // {id, revision, op} sent, not yet acknowledged
    this.submissions = []; // acknowledged: {id, revision (base), op, created}
    this.received = []; // broadcasts: {revision, op, clientId}
    this.errors = [];
    this.problems = []; // protocol violations seen
    this.buffered = 0; // edits made while AwaitingConfirm (-> AwaitingWithBuffer)
    this.remoteSelections = 0;
    this.closed = false;
    clients.push(this);
  }

  connect(roomId) {
    return withTimeout(
      new Promise((resolve, reject) => {
        const ws = (this.ws = new WebSocket(`${base.replace('http', 'ws')}/api/rooms/${roomId}/ws?name=${encodeURIComponent(this.label)}`));
        ws.on('error', (e) => {
          this.problems.push(`socket error: ${e.message}`);
          reject(e);
        });
        ws.on('close', (code, reason) => {
          if (!this.closed) this.problems.push(`socket closed by server: ${code} ${reason}`);
          this.closed = true;
        });
        ws.on('message', (data, isBinary) => {
          if (isBinary) return this.problems.push('binary frame');
          let msg;
          try {
            msg = JSON.parse(String(data));
          } catch {
            return this.problems.push(`not JSON: ${String(data).slice(0, 200)}`);
          }
          if (msg.type === 'init') {
            if (this.doc !== null) return this.problems.push('second init');
            this.revision = msg.revision;
            this.doc = msg.content;
            this.clientId = msg.clientId;
            return resolve(msg);
          }
          if (this.doc === null) return this.problems.push(`${msg.type} before init`);
          try {
            this.onMessage(msg);
          } catch (e) {
            this.problems.push(`handling ${J(msg).slice(0, 300)}: ${e.stack ?? e}`);
          }
        });
      }),
      10_000,
      `${this.label} connecting`,
    );
  }

  onMessage(msg) {
    switch (msg.type) {
      case 'ack': {
        const sent = this.inflight;
        if (!sent) return this.problems.push(`ack with nothing in flight: ${J(msg)}`);
        if (msg.id !== undefined && msg.id !== sent.id) this.problems.push(`ack for ${msg.id}, expected ${sent.id}`);
        this.inflight = null;
        this.serverAck(); // may send the buffer (sendOperation)
        // ot.js's revision counts acks and broadcasts: it must match the server's.
        if (msg.revision !== this.revision) this.problems.push(`ack revision ${msg.revision}, ot.js Client expects ${this.revision}`);
        this.submissions.push({ ...sent, created: msg.revision });
        return;
      }
      case 'op': {
        const op = TextOperation.fromJSON(msg.op);
        this.applyServer(op);
        if (msg.revision !== this.revision) this.problems.push(`op revision ${msg.revision}, ot.js Client expects ${this.revision}`);
        this.received.push({ revision: msg.revision, op: msg.op, clientId: msg.clientId });
        if (msg.selection) this.checkSelection(msg.selection);
        return;
      }
      case 'selection':
        if (msg.selection) this.checkSelection(msg.selection);
        return;
      case 'error':
        this.errors.push(msg);
        return;
      case 'join':
      case 'leave':
      case 'pong':
        return;
      default:
        this.problems.push(`unknown message type: ${J(msg).slice(0, 200)}`);
    }
  }

  // A remote selection is about the server document; ot.js maps it into ours.
  checkSelection(json) {
    const sel = this.transformSelection(Selection.fromJSON(json));
    this.remoteSelections++;
    for (const r of sel.ranges) {
      if (!(r.anchor >= 0 && r.head >= 0 && r.anchor <= this.doc.length && r.head <= this.doc.length))
        this.problems.push(`remote selection ${J(json)} maps outside the document (${this.doc.length}): ${J(sel)}`);
    }
  }

  // ot.Client hooks.
  sendOperation(revision, operation) {
    if (this.inflight) this.problems.push('ot.js sent while an operation was in flight');
    const id = `${this.prefix}-${++this.counter}`;
    this.inflight = { id, revision, op: operation.toJSON() };
    const msg = { type: 'op', revision, op: operation.toJSON(), id };
    if (this.cursor !== undefined) msg.selection = { ranges: [{ anchor: this.cursor, head: this.cursor }] };
    this.send(msg);
  }
  applyOperation(operation) {
    this.doc = operation.apply(this.doc); // throws on a base-length mismatch
    if (this.cursor !== undefined) this.cursor = Selection.createCursor(this.cursor).transform(operation).ranges[0].head;
  }

  send(msg) {
    if (this.ws.readyState !== WebSocket.OPEN) throw new Error(`${this.label}: socket not open (${this.ws.readyState})`);
    this.ws.send(JSON.stringify(msg));
  }

  // A local edit, as an editor binding reports it.
  edit(op = randomOperation(this.doc)) {
    if (this.state instanceof ot.Client.AwaitingConfirm) this.buffered++;
    this.doc = op.apply(this.doc);
    this.cursor = cursorAfter(op);
    this.applyClient(op);
    if (rnd(8) === 0 && this.state === synchronizedState) {
      // Now and then a cursor move on its own.
      this.send({ type: 'selection', selection: { ranges: [{ anchor: this.cursor, head: this.cursor }] } });
    }
    return op;
  }

  get synchronized() {
    return this.state instanceof ot.Client.Synchronized;
  }

  close() {
    this.closed = true;
    try {
      this.ws?.terminate();
    } catch {}
  }
}
const synchronizedState = new ot.Client(0).state;

// Where the caret is after a local operation: after its last insert or at its last delete.
function cursorAfter(op) {
  let pos = 0;
  let caret = 0;
  for (const c of op.ops) {
    if (TextOperation.isRetain(c)) pos += c;
    else if (TextOperation.isInsert(c)) caret = pos += c.length;
    else caret = pos;
  }
  return caret;
}

// Wait until every client is Synchronized, at the room's revision, with the
// room's content: nothing is in flight either way. A client that is at the
// room's revision with other content has diverged: that fails at once.
async function quiesce(cs, roomId, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let room = null;
  const detail = () =>
    `\n    server: rev=${room?.revision} len=${room?.content?.length}\n    ` +
    cs.map((c) => `${c.label}: state=${c.state.constructor.name} rev=${c.revision} len=${c.doc?.length} inflight=${J(c.inflight)} errors=${J(c.errors)}`).join('\n    ');
  while (Date.now() < deadline) {
    for (const c of cs) if (c.problems.length) throw new Error(`${c.label}: ${c.problems.slice(0, 5).join('; ')}`);
    if (cs.every((c) => c.synchronized)) {
      room = await api('GET', `/api/rooms/${roomId}`);
      if (cs.every((c) => c.revision === room.revision)) {
        const bad = cs.filter((c) => c.doc !== room.content);
        if (!bad.length) return room;
        const c = bad[0];
        let i = 0;
        while (i < c.doc.length && c.doc[i] === room.content[i]) i++;
        throw new Error(
          `${bad.map((b) => b.label).join(', ')} diverged from the server at revision ${room.revision}: first difference at UTF-16 offset ${i}: ` +
            `${c.label} has ${J(c.doc.slice(Math.max(0, i - 20), i + 20))}, server ${J(room.content.slice(Math.max(0, i - 20), i + 20))}${detail()}`,
        );
      }
    }
    await sleep(50);
  }
  throw new Error(`timed out after ${timeout} ms waiting for the ot.js clients and the server to converge${detail()}`);
}

function noProblems(cs) {
  for (const c of cs) {
    assert(!c.problems.length, () => `${c.label} saw protocol problems: ${c.problems.slice(0, 10).join('; ')}`);
    const unexpected = c.errors.filter((e) => !c.expectedErrors?.has(e));
    assert(!unexpected.length, () => `${c.label} got errors: ${J(unexpected)}`);
  }
}

function waitError(c, from, timeout = 5000) {
  return waitFor(`${c.label} to get an error`, () => c.errors[from] ?? (c.problems.length ? Promise.reject(new Error(c.problems.join('; '))) : false), timeout);
}

// The server's history against what ot.js computes: replaying it with
// TextOperation.apply from the initial content gives the server's content, every
// acknowledged operation is stored as ot.js's transform of what was sent against
// what was committed meanwhile, and every broadcast equals the stored operation.
async function checkAgainstOtjs(roomId, cs) {
  const room = await api('GET', `/api/rooms/${roomId}`);
  const initial = (await api('GET', `/api/rooms/${roomId}?revision=0`)).content;
  const h = await history(roomId);
  assert(h.length === room.revision, `history has ${h.length} operations, room revision ${room.revision}`);
  let doc = initial;
  const docs = [doc];
  for (const entry of h) {
    const op = TextOperation.fromJSON(entry.op);
    try {
      doc = op.apply(doc);
    } catch (e) {
      throw new Error(`ot.js cannot apply stored revision ${entry.revision} ${J(entry.op)} to a document of length ${doc.length}: ${e.message}`);
    }
    docs.push(doc);
  }
  assert(doc === room.content, () => `replaying ${h.length} operations with ot.js gives ${J(doc).slice(0, 300)}, server has ${J(room.content).slice(0, 300)}`);
  // A few past revisions, as the server reports them.
  for (let k = 0; k < 5 && h.length; k++) {
    const r = rnd(h.length + 1);
    const past = await api('GET', `/api/rooms/${roomId}?revision=${r}`);
    assert(past.content === docs[r], `content at revision ${r} matches the ot.js replay`);
  }
  let checked = 0;
  let concurrent = 0;
  for (const c of cs) {
    for (const s of c.submissions) {
      let a = TextOperation.fromJSON(s.op);
      for (let r = s.revision + 1; r < s.created; r++) a = TextOperation.transform(a, TextOperation.fromJSON(h[r - 1].op))[0];
      const stored = h[s.created - 1];
      if (!a.equals(TextOperation.fromJSON(stored.op))) {
        throw new Error(
          `server transform disagrees with ot.js for ${c.label}'s operation ${s.id}: sent ${J(s.op)} at revision ${s.revision}, ` +
            `committed as revision ${s.created}; against ${J(h.slice(s.revision, s.created - 1).map((e) => e.op))} ot.js gives ${J(a.toJSON())}, server stored ${J(stored.op)} ` +
            `(document before: ${J(docs[s.created - 1]).slice(0, 300)})`,
        );
      }
      assert(stored.clientId === c.clientId, `revision ${s.created} is stored under ${c.label}'s clientId`);
      checked++;
      if (s.created > s.revision + 1) concurrent++;
    }
    for (const m of c.received) {
      assert(J(m.op) === J(h[m.revision - 1].op), () => `${c.label}'s broadcast for revision ${m.revision} ${J(m.op)} equals the stored ${J(h[m.revision - 1].op)}`);
    }
  }
  return { revisions: h.length, checked, concurrent };
}

// --- tests ---
const results = [];
async function test(name, fn) {
  const started = Date.now();
  try {
    const note = await withTimeout(fn(), TEST_TIMEOUT, name);
    results.push({ name, ok: true });
    console.log(`  ok   ${name} (${Date.now() - started} ms)${note ? ` — ${note}` : ''}`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    console.log(`  FAIL ${name}: ${e?.stack ?? e}`);
  }
}

async function openClients(roomId, labels) {
  const cs = labels.map((l) => new OtjsClient(l));
  for (const c of cs) await c.connect(roomId);
  return cs;
}

try {
  server.start();
  await server.waitHealthy();

  let fuzzRoom;
  let fuzzClients = [];

  await test('three ot.js clients, 200 random edits each (emoji, accents, buffered edits), converge with the server', async () => {
    fuzzRoom = await api('POST', '/api/rooms', { name: 'ot.js fuzz', language: 'plaintext', content: 'Grüße 😀 from ot.js\n' });
    const cs = (fuzzClients = await openClients(fuzzRoom.id, ['otjs-A', 'otjs-B', 'otjs-C']));
    assert(cs.every((c) => c.doc === fuzzRoom.content && c.revision === 0), 'init carries the content at revision 0');
    await Promise.all(
      cs.map(async (c) => {
        for (let i = 0; i < 200; i++) {
          c.edit();
          if (rnd(4) === 0) c.edit(); // back to back: AwaitingWithBuffer
          if (c.problems.length) throw new Error(`${c.label}: ${c.problems.slice(0, 5).join('; ')}`);
          await sleep(rnd(6));
        }
      }),
    );
    const room = await quiesce(cs, fuzzRoom.id, 30_000);
    noProblems(cs);
    const buffered = cs.reduce((n, c) => n + c.buffered, 0);
    assert(buffered > 0, 'some edits were buffered (AwaitingWithBuffer exercised)');
    const sels = cs.reduce((n, c) => n + c.remoteSelections, 0);
    return `revision ${room.revision}, ${room.content.length} UTF-16 units, ${buffered} buffered edits, ${sels} remote selections mapped`;
  });

  await test('same-position concurrent inserts (tie-break) converge as ot.js predicts', async () => {
    const room = await api('POST', '/api/rooms', { name: 'ot.js tie-break', content: 'hello 😀 world' });
    const [a, b] = await openClients(room.id, ['tie-A', 'tie-B']);
    let outcomes = new Set();
    for (let round = 0; round < 20; round++) {
      await quiesce([a, b], room.id);
      const before = a.doc;
      const rev = a.revision;
      const p = pick(boundaries(before));
      const opA = new TextOperation().retain(p).insert(`<A${round}>`).retain(before.length - p);
      const opB = new TextOperation().retain(p).insert(`[B${round}😀]`).retain(before.length - p);
      // Both sent before either is acknowledged.
      a.edit(opA);
      b.edit(opB);
      const after = await quiesce([a, b], room.id);
      const aFirst = a.submissions.at(-1).created === rev + 1;
      const [first, second] = aFirst ? [opA, opB] : [opB, opA];
      // The server transforms the later operation as `a` against the committed one as `b`.
      const expected = TextOperation.transform(second, first)[0].apply(first.apply(before));
      assert(after.content === expected, () => `round ${round} at ${p}: server ${J(after.content)}, ot.js expects ${J(expected)}`);
      outcomes.add(aFirst ? 'A first' : 'B first');
    }
    noProblems([a, b]);
    const { checked } = await checkAgainstOtjs(room.id, [a, b]);
    a.close();
    b.close();
    return `20 rounds (${[...outcomes].join(', ')} committed first), ${checked} transforms checked`;
  });

  await test("the server's history replays with ot.js and every transform matches ot.js's", async () => {
    assert(fuzzRoom, 'the fuzz room exists');
    // Only wait for the acks and broadcasts (not for equal documents), so that a
    // divergence is reported here as the exact operation ot.js disagrees with.
    await waitFor('every ot.js client at the room revision', async () => {
      const room = await api('GET', `/api/rooms/${fuzzRoom.id}`);
      return fuzzClients.every((c) => c.synchronized && c.revision === room.revision);
    }, 15_000, 100);
    const { revisions, checked, concurrent } = await checkAgainstOtjs(fuzzRoom.id, fuzzClients);
    assert(concurrent > 0, 'some operations were transformed by the server');
    assert(checked === revisions, `every revision came from a checked submission (${checked} of ${revisions})`);
    for (const c of fuzzClients) c.close();
    return `${revisions} revisions replayed, ${checked} stored ops equal ot.js's transform (${concurrent} of them rebased over concurrent ops)`;
  });

  await test('an op with a wrong base length is answered invalid_op; the ot.js client goes on', async () => {
    const room = await api('POST', '/api/rooms', { name: 'ot.js invalid', content: 'abc 😀 def' });
    const [c, d] = await openClients(room.id, ['bad-C', 'peer-D']);
    c.expectedErrors = new Set();
    await quiesce([c, d], room.id);
    const cases = [
      ['too long', new TextOperation().retain(c.doc.length + 3).insert('x')],
      ['too short', new TextOperation().retain(c.doc.length - 1).insert('x')],
      ['empty on a non-empty document', new TextOperation()],
    ];
    for (const [what, op] of cases) {
      const from = c.errors.length;
      const id = `${c.prefix}-bad-${from}`;
      assert(op.baseLength !== c.doc.length, `${what}: base length ${op.baseLength} differs from ${c.doc.length}`);
      c.send({ type: 'op', revision: c.revision, op: op.toJSON(), id }); // bypassing ot.Client: it would wait for an ack
      const err = await waitError(c, from);
      c.expectedErrors.add(err);
      assert(err.type === 'error' && err.code === 'invalid_op', () => `${what} ${J(op.toJSON())}: expected invalid_op, got ${J(err)}`);
      assert(err.id === undefined || err.id === id, () => `error id ${err.id} is the op's ${id}`);
    }
    // Half a surrogate pair (an insert in the middle of 😀) is rejected as well.
    {
      const from = c.errors.length;
      const mid = c.doc.indexOf('😀') + 1;
      const op = new TextOperation().retain(mid).insert('x').retain(c.doc.length - mid);
      c.send({ type: 'op', revision: c.revision, op: op.toJSON(), id: `${c.prefix}-half` });
      const err = await waitError(c, from);
      c.expectedErrors.add(err);
      assert(err.code === 'invalid_op', () => `insert splitting 😀 ${J(op.toJSON())}: expected invalid_op, got ${J(err)}`);
    }
    const r1 = await api('GET', `/api/rooms/${room.id}`);
    assert(r1.revision === 0 && r1.content === 'abc 😀 def', () => `nothing committed: ${J(r1)}`);
    // The same connection, and the peer, keep editing through ot.js.
    for (let i = 0; i < 30; i++) {
      c.edit();
      d.edit();
      await sleep(rnd(4));
    }
    const final = await quiesce([c, d], room.id);
    noProblems([c, d]);
    assert(!c.closed, 'the connection stayed open');
    await checkAgainstOtjs(room.id, [c, d]);
    c.close();
    d.close();
    return `4 invalid ops rejected, then revision ${final.revision} converged`;
  });
} catch (e) {
  results.push({ name: 'setup', ok: false, error: e });
  console.log(`  FAIL setup: ${e?.stack ?? e}`);
} finally {
  await cleanup();
}

finish(results, server, `(replay with OTJS_SEED=${SEED})`);
