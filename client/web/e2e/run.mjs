// End-to-end test: the real Go server (TANDEM_BIN) and Debian's Chromium,
// driven by playwright-core. Two browser contexts edit the same room.
//
//   npm run e2e        (TANDEM_BIN defaults to ../../bin/tandem)
//
// Every wait is bounded; the server is killed at the end, even on failure.
// Screenshots go to e2e/screenshots/<timestamp>/ (printed). The last line
// is "N passed, N failed".

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, finish, sleep, tandemServer, waitFor, withTimeout, launchChromium } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const TANDEM_BIN = path.resolve(webDir, process.env.TANDEM_BIN ?? '../../bin/tandem');
const TEST_TIMEOUT = 60_000;

if (!existsSync(CHROMIUM)) {
  console.log(`SKIP e2e: ${CHROMIUM} not installed`);
  process.exit(process.env.REQUIRE_SERVICES === '1' ? 1 : 0);
}
if (!existsSync(TANDEM_BIN)) {
  console.log(`e2e: server binary ${TANDEM_BIN} not found (build it with: make build)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const shotsDir = path.join(here, 'screenshots', stamp);
mkdirSync(shotsDir, { recursive: true });
console.log(`screenshots: ${shotsDir}`);

// --- server ---
const server = await tandemServer(TANDEM_BIN, 'tandem-e2e-');
const base = server.base;
const api = server.api;
server.start();

let browser;
async function cleanup() {
  try {
    await browser?.close();
  } catch {}
  await server.dispose();
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}

const results = [];
async function test(name, fn) {
  const started = Date.now();
  try {
    await withTimeout(fn(), TEST_TIMEOUT, name);
    results.push({ name, ok: true });
    console.log(`  ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    console.log(`  FAIL ${name}: ${e?.stack ?? e}`);
    for (const [label, page] of Object.entries(pages)) {
      if (page && !page.isClosed()) await page.screenshot({ path: path.join(shotsDir, `FAIL-${slug(name)}-${label}.png`) }).catch(() => {});
    }
  }
}
const slug = (s) => s.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 50);
const pages = {};

// --- helpers on pages ---
const text = (page) => page.evaluate(() => window.__tandem?.getModelText() ?? null);
const synced = (page) => page.evaluate(() => !!window.__tandem?.isSynchronized());

async function openRoom(page, id) {
  await page.goto(`${base}/rooms/${id}`, { timeout: 20_000 });
  await waitFor(`room ${id} to connect`, () => synced(page), 20_000);
}

async function focusEditorEnd(page) {
  await page.click('.monaco-editor .view-lines', { timeout: 10_000 });
  await page.keyboard.press('Control+End');
}

async function converged(pageList, roomId, timeout = 20_000) {
  return waitFor(
    'editors and server to converge',
    async () => {
      const texts = await Promise.all(pageList.map(text));
      const ok = await Promise.all(pageList.map(synced));
      if (!ok.every(Boolean)) return false;
      const room = await api('GET', `/api/rooms/${roomId}`);
      return texts.every((t) => t === room.content) ? room.content : false;
    },
    timeout,
  );
}

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

try {
  await server.waitHealthy();

  browser = await launchChromium();
  const ctxA = await browser.newContext({ viewport: { width: 1280, height: 760 }, colorScheme: 'light' });
  const ctxB = await browser.newContext({ viewport: { width: 1280, height: 760 }, colorScheme: 'dark' });
  await ctxA.addInitScript(() => localStorage.setItem('tandem.name', 'Alice'));
  await ctxB.addInitScript(() => localStorage.setItem('tandem.name', 'Bob'));
  const a = (pages.a = await ctxA.newPage());
  const b = (pages.b = await ctxB.newPage());
  for (const [label, p] of Object.entries({ a, b })) {
    p.on('pageerror', (e) => console.log(`  [page ${label}] error: ${e.message}`));
  }

  const initial = 'function greet(name) {\n  return "hi " + name;\n}\n';
  let room;

  await test('home page renders (light and dark)', async () => {
    await a.goto(base + '/', { timeout: 20_000 });
    await a.waitForSelector('text=Create a room', { timeout: 10_000 });
    await a.screenshot({ path: path.join(shotsDir, 'home-light.png') });
    await b.goto(base + '/', { timeout: 20_000 });
    await b.waitForSelector('text=Create a room', { timeout: 10_000 });
    await b.screenshot({ path: path.join(shotsDir, 'home-dark.png') });
  });

  await test('create a room via REST; both editors load it', async () => {
    room = await api('POST', '/api/rooms', { name: 'E2E pairing', language: 'javascript', content: initial });
    assert(room.id && room.readOnlyId, 'room has id and readOnlyId');
    await Promise.all([openRoom(a, room.id), openRoom(b, room.id)]);
    assert((await text(a)) === initial, 'A shows the initial content');
    assert((await text(b)) === initial, 'B shows the initial content');
  });

  await test('concurrent typing, including at the same spot, converges with the server', async () => {
    await focusEditorEnd(a);
    await focusEditorEnd(b);
    await Promise.all([a.keyboard.type('alpha one two three ', { delay: 15 }), b.keyboard.type('bravo four five six ', { delay: 15 })]);
    // Now both type at the very start at the same time.
    await a.keyboard.press('Control+Home');
    await b.keyboard.press('Control+Home');
    await Promise.all([a.keyboard.type('AAA', { delay: 10 }), b.keyboard.type('BBB', { delay: 10 })]);
    const final = await converged([a, b], room.id);
    for (const w of ['alpha one two three', 'bravo four five six', 'AAA', 'BBB', 'function greet']) assert(final.includes(w), `final text has "${w}": ${JSON.stringify(final)}`);
  });

  await test('a remote cursor with a name label is drawn in the other editor', async () => {
    await a.keyboard.press('Control+End');
    await a.keyboard.type('x');
    await waitFor('remote caret in B', () => b.evaluate(() => document.querySelectorAll('.monaco-editor .tandem-caret').length > 0), 10_000);
    await waitFor('remote caret in A', () => a.evaluate(() => document.querySelectorAll('.monaco-editor .tandem-caret').length > 0), 10_000);
    const label = await b.evaluate(() => {
      const el = document.querySelector('.monaco-editor .tandem-labeled');
      return el ? getComputedStyle(el, '::after').content : null;
    });
    assert(label === '"Alice"', `label in B names Alice, got ${label}`);
    await waitFor('participants listed', () => b.evaluate(() => document.querySelector('[data-testid=participants]')?.textContent?.includes('Alice')), 5000);
    await converged([a, b], room.id);
    await a.screenshot({ path: path.join(shotsDir, 'room-light-A.png') });
    await b.screenshot({ path: path.join(shotsDir, 'room-dark-B.png') });
  });

  await test('undo reverts only the own edit, not the remote one', async () => {
    await converged([a, b], room.id);
    await a.keyboard.press('Control+End');
    await a.keyboard.type(' mine');
    await converged([a, b], room.id);
    await sleep(1100); // a new undo group for B's edit on A's screen is irrelevant; B's edit is remote for A
    await b.keyboard.press('Control+Home');
    await b.keyboard.type('theirs ');
    await converged([a, b], room.id);
    await a.keyboard.press('Control+z');
    const final = await converged([a, b], room.id);
    assert(!final.includes(' mine'), `A's edit undone: ${JSON.stringify(final)}`);
    assert(final.startsWith('theirs '), `B's edit kept: ${JSON.stringify(final)}`);
    await a.keyboard.press('Control+Shift+z');
    const redone = await converged([a, b], room.id);
    assert(redone.includes(' mine'), `redo restores A's edit: ${JSON.stringify(redone)}`);
    // Monaco's own 'undo' command (menus, commands) is routed to the same OT undo.
    await a.evaluate(() => window.__tandem.monacoUndo());
    const viaMonaco = await converged([a, b], room.id);
    assert(!viaMonaco.includes(' mine') && viaMonaco.startsWith('theirs '), `Monaco's undo command reverts only A's edit: ${JSON.stringify(viaMonaco)}`);
    await a.keyboard.press('Control+y');
    const again = await converged([a, b], room.id);
    assert(again.includes(' mine'), 'Ctrl+Y redoes');
  });

  await test('a multi-cursor edit (several changes in one event) converges and undoes as one step', async () => {
    await converged([a, b], room.id);
    await b.click('.monaco-editor .view-lines');
    await b.keyboard.press('Control+Home');
    await b.keyboard.press('Shift+Alt+ArrowDown');
    await b.keyboard.press('Shift+Alt+ArrowDown');
    await b.keyboard.type('#');
    const final = await converged([a, b], room.id);
    const firstLines = final.split('\n').slice(0, 3);
    assert(firstLines.every((l) => l.startsWith('#')), `three lines start with #: ${JSON.stringify(firstLines)}`);
    await b.keyboard.press('Control+z');
    const undone = await converged([a, b], room.id);
    assert(undone.split('\n').slice(0, 3).every((l) => !l.startsWith('#')), `one undo removes all three: ${JSON.stringify(undone)}`);
    await b.keyboard.press('Escape');
  });

  await test('changing the language reaches the other participant', async () => {
    await a.selectOption('[data-testid=language-picker]', 'python');
    await waitFor('B sees python', () => b.evaluate(() => document.querySelector('[data-testid=language-picker]')?.value === 'python'), 10_000);
    const room2 = await api('GET', `/api/rooms/${room.id}`);
    assert(room2.language === 'python', `server language is python, got ${room2.language}`);
  });

  await test('autocomplete offers suggestions from the server', async () => {
    await a.keyboard.press('Control+End');
    await a.keyboard.press('Enter');
    await a.keyboard.type('whi');
    await a.keyboard.press('Control+Space');
    await waitFor('suggest widget', () => a.evaluate(() => !!document.querySelector('.suggest-widget.visible .monaco-list-row')), 10_000);
    const labels = await a.evaluate(() => [...document.querySelectorAll('.suggest-widget .monaco-list-row')].map((r) => r.getAttribute('aria-label')));
    assert(labels.some((l) => l && l.includes('while')), `suggestions include "while": ${JSON.stringify(labels)}`);
    await a.screenshot({ path: path.join(shotsDir, 'autocomplete-A.png') });
    await a.keyboard.press('Escape');
    await converged([a, b], room.id);
  });

  await test('a reload shows the same text', async () => {
    const before = await converged([a, b], room.id);
    await a.reload({ timeout: 20_000 });
    await waitFor('A reconnects', () => synced(a), 20_000);
    assert((await text(a)) === before, 'same text after reload');
  });

  await test('a dropped connection recovers with no lost edit', async () => {
    await converged([a, b], room.id);
    await focusEditorEnd(a);
    await ctxA.setOffline(true);
    await a.evaluate(() => window.__tandem.dropConnection());
    await a.keyboard.type(' offline-edit-1');
    await waitFor('indicator shows pending edits while away', () => a.evaluate(() => document.querySelector('[data-testid=connection]')?.dataset.pending === 'true' && document.querySelector('[data-testid=connection]')?.dataset.status !== 'connected'), 10_000);
    await b.keyboard.press('Control+Home');
    await b.keyboard.type('while-away ');
    await sleep(1500);
    await a.keyboard.type(' offline-edit-2');
    await a.screenshot({ path: path.join(shotsDir, 'offline-A.png') });
    await ctxA.setOffline(false);
    const final = await converged([a, b], room.id, 30_000);
    for (const w of ['offline-edit-1', 'offline-edit-2', 'while-away ']) assert(final.includes(w), `final text has "${w}": ${JSON.stringify(final)}`);
    // And the socket can also be dropped from the page without going offline.
    await a.evaluate(() => window.__tandem.dropConnection());
    await a.keyboard.type(' after-drop');
    const final2 = await converged([a, b], room.id, 20_000);
    assert(final2.includes('after-drop'), 'edit typed during a reconnect is kept');
  });

  await test('a server restart: editors reconnect, keep edits typed meanwhile, and agree', async () => {
    await converged([a, b], room.id);
    await server.stop('SIGTERM');
    await a.keyboard.press('Control+End');
    await a.keyboard.type(' during-restart');
    await waitFor('A notices', () => a.evaluate(() => document.querySelector('[data-testid=connection]')?.dataset.status !== 'connected'), 10_000);
    server.start();
    await server.waitHealthy();
    await a.evaluate(() => window.dispatchEvent(new Event('online'))); // skip the backoff wait
    await b.evaluate(() => window.dispatchEvent(new Event('online')));
    const final = await converged([a, b], room.id, 30_000);
    assert(final.includes('during-restart'), `edit typed while the server was down survives: ${JSON.stringify(final)}`);
  });

  await test('with 60 ms of socket latency each way, typing stays local-first and bursts on several lines converge', async () => {
    const ctxA2 = await browser.newContext({ viewport: { width: 1100, height: 700 }, colorScheme: 'light' });
    const ctxB2 = await browser.newContext({ viewport: { width: 1100, height: 700 }, colorScheme: 'dark' });
    for (const [ctx, who] of [[ctxA2, 'Carol'], [ctxB2, 'Dave']]) {
      await ctx.addInitScript((name) => localStorage.setItem('tandem.name', name), who);
      // Test-side latency: every frame sent or received waits 60 ms (order kept).
      await ctx.addInitScript(() => {
        const L = 60;
        const Native = window.WebSocket;
        class SlowSocket extends Native {
          send(data) {
            setTimeout(() => {
              if (this.readyState === 1) super.send(data);
            }, L);
          }
          set onmessage(fn) {
            super.onmessage = fn && ((ev) => setTimeout(() => fn.call(this, ev), L));
          }
          get onmessage() {
            return super.onmessage;
          }
        }
        window.WebSocket = SlowSocket;
      });
    }
    const lines = Array.from({ length: 8 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const r = await api('POST', '/api/rooms', { name: 'Latency', language: 'plaintext', content: lines });
    const p1 = (pages.p1 = await ctxA2.newPage());
    const p2 = (pages.p2 = await ctxB2.newPage());
    await Promise.all([openRoom(p1, r.id), openRoom(p2, r.id)]);
    await p1.click('.monaco-editor .view-lines');
    await p2.click('.monaco-editor .view-lines');
    // Local-first: a keystroke is in the model at once, long before any ack.
    await p1.keyboard.press('Control+Home');
    const t0 = Date.now();
    await p1.keyboard.type('!');
    const local = await p1.evaluate(() => ({ text: window.__tandem.getModelText(), synced: window.__tandem.isSynchronized() }));
    assert(local.text.startsWith('!'), 'keystroke applied locally');
    assert(!local.synced || Date.now() - t0 >= 120, 'not acknowledged before a round trip could happen');
    let seed = 12345; // fixed: the same keystrokes every run
    const rnd = (n) => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const burst = async (page, tag) => {
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press('Control+Home');
        const down = rnd(8);
        for (let d = 0; d < down; d++) await page.keyboard.press('ArrowDown');
        await page.keyboard.press(rnd(2) ? 'End' : 'Home');
        await page.keyboard.type(`${tag}${i} `, { delay: 8 });
      }
    };
    await Promise.all([burst(p1, 'c'), burst(p2, 'd')]);
    const final = await converged([p1, p2], r.id, 30_000);
    // Nothing lost, nothing doubled: the final text holds exactly the typed
    // characters plus the original ones. (Two people typing at the very same
    // spot in the same instant may interleave; that is allowed.)
    const typed = lines + '!' + Array.from({ length: 6 }, (_, i) => `c${i} d${i} `).join('');
    const sorted = (t) => [...t].sort().join('');
    assert(sorted(final) === sorted(typed), `every keystroke arrived exactly once: ${JSON.stringify(final)}`);
    const contiguous = Array.from({ length: 6 }, (_, i) => [`c${i} `, `d${i} `]).flat().filter((w) => final.includes(w)).length;
    console.log(`       (${contiguous}/12 bursts stayed contiguous)`);
    await p2.screenshot({ path: path.join(shotsDir, 'latency-dark.png') });
    await ctxA2.close();
    await ctxB2.close();
  });

  await test('remote edits above the viewport leave the view and the caret where they were', async () => {
    const longDoc = Array.from({ length: 200 }, (_, i) => `row ${i}`).join('\n') + '\n';
    const r = await api('POST', '/api/rooms', { name: 'Scroll', language: 'plaintext', content: longDoc });
    const w = (pages.w = await ctxA.newPage());
    const c = (pages.c = await ctxB.newPage());
    await Promise.all([openRoom(w, r.id), openRoom(c, r.id)]);
    await c.evaluate(() => window.__tandem.scrollToLine(120));
    await sleep(200);
    const before = await c.evaluate(() => window.__tandem.viewState());
    assert(before.topLine === 'row 119' && before.caretLine === 'row 119', `scrolled to row 119: ${JSON.stringify(before)}`);
    await w.click('.monaco-editor .view-lines');
    await w.keyboard.press('Control+Home');
    for (let i = 0; i < 5; i++) await w.keyboard.type(`new line ${i}\n`);
    await converged([w, c], r.id);
    await sleep(200);
    const after = await c.evaluate(() => window.__tandem.viewState());
    assert(after.topLine === before.topLine, `first visible line unchanged: ${JSON.stringify(after)}`);
    assert(after.caretLine === before.caretLine && after.caretColumn === before.caretColumn, `caret on the same text: ${JSON.stringify(after)}`);
    await c.close();
    await w.close();
  });

  await test('the read-only link shows a read-only editor', async () => {
    const c = (pages.c = await ctxB.newPage());
    await c.goto(`${base}/rooms/${room.readOnlyId}`, { timeout: 20_000 });
    await waitFor('read-only room connects', () => synced(c), 20_000);
    await c.waitForSelector('[data-testid=readonly-badge]', { timeout: 10_000 });
    const before = await text(c);
    await c.click('.monaco-editor .view-lines');
    await c.keyboard.type('should not appear');
    await sleep(500);
    assert((await text(c)) === before, 'typing changes nothing');
    const room2 = await api('GET', `/api/rooms/${room.id}`);
    assert(!room2.content.includes('should not appear'), 'server unchanged');
    // It still follows the live document.
    await a.keyboard.type(' seen-by-reader');
    await waitFor('reader sees new edits', async () => (await text(c))?.includes('seen-by-reader'), 10_000);
    assert(!(await c.$('[data-testid=copy-edit-link]')), 'no edit link offered on a read-only page');
    await c.screenshot({ path: path.join(shotsDir, 'readonly-dark.png') });
  });
  await test('home: create a room with the form, then find it under recent rooms; the theme toggle works', async () => {
    await a.goto(base + '/', { timeout: 20_000 });
    await a.fill('[data-testid=create-form] input', 'Made from the form');
    await a.selectOption('[data-testid=create-form] select', 'go');
    await a.fill('[data-testid=create-form] textarea', 'package main\n');
    await a.click('[data-testid=create-form] button[type=submit]');
    await waitFor('navigation to the new room', () => /\/rooms\/[^/]+$/.test(new URL(a.url()).pathname), 10_000);
    await waitFor('new room connects', () => synced(a), 20_000);
    assert((await text(a)) === 'package main\n', 'starting content loaded');
    assert((await a.inputValue('[data-testid=language-picker]')) === 'go', 'language is go');
    await a.goto(base + '/', { timeout: 20_000 });
    await a.waitForSelector('.recent-link >> text=Made from the form', { timeout: 10_000 });
    await a.waitForSelector('.recent-link >> text=E2E pairing', { timeout: 10_000 });
    await a.screenshot({ path: path.join(shotsDir, 'home-recent-light.png') });
    const before = await a.evaluate(() => document.documentElement.dataset.theme);
    await a.click('[data-testid=theme-toggle]'); // system -> light
    await a.click('[data-testid=theme-toggle]'); // light -> dark
    const after = await a.evaluate(() => document.documentElement.dataset.theme);
    assert(before === 'light' && after === 'dark', `theme toggled from ${before} to ${after}`);
    await sleep(300); // let colour transitions finish
    await a.screenshot({ path: path.join(shotsDir, 'home-recent-dark.png') });
    await a.click('[data-testid=theme-toggle]'); // back to system
  });

  await test('an unknown room shows a not-found page', async () => {
    await a.goto(`${base}/rooms/doesnotexist123`, { timeout: 20_000 });
    await a.waitForSelector('text=Room not found', { timeout: 15_000 });
  });
} catch (e) {
  results.push({ name: 'setup', ok: false, error: e });
  console.log(`  FAIL setup: ${e?.stack ?? e}`);
} finally {
  await cleanup();
}

finish(results, server);
