// End-to-end scenarios of the history panel (issue 17): scrubbing the
// timeline, named versions, restore while someone types, blame, and the panel
// on a phone in the dark theme. Each starts from its own room, so any one
// runs alone:
//
//   node e2e/history.mjs                     all of them
//   E2E_ONLY=restore node e2e/history.mjs    those whose name matches /restore/i
//   E2E_SHOTS=../../docs node e2e/history.mjs   also the screenshots for docs/
//
// The real server (TANDEM_BIN) and Debian's Chromium, as e2e/app.mjs.
// Every wait is bounded; the last line is "N passed, N failed".

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { contrast, luminance, runScenarios, scenarioServer, sleep, waitFor } from './harness.mjs';

const SHOTS = process.env.E2E_SHOTS;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

// The long-history scenario writes 5,000 revisions over REST as fast as the
// server commits them, all from 127.0.0.1: the server (which inherits the
// environment) sets no per-address request limit for this suite.
process.env.TANDEM_REQUESTS_PER_MINUTE = '0';
const { server, kit } = await scenarioServer('tandem-e2e-history-');
const { api } = server;
const { assert, person, text, openRoom, converged, test, box } = kit;

// A room with a history made over REST: each edit appends a line; returns the room and its contents by revision.
async function roomWithHistory(name, lines) {
  const room = await api('POST', '/api/rooms', { name, language: 'plaintext', content: 'first line\n' });
  const contents = [room.content];
  for (let i = 0; i < lines.length; i++) {
    const before = contents[i];
    await api('POST', `/api/rooms/${room.id}/ops`, { revision: i, op: [before.length, `${lines[i]}\n`], id: `e2e-${room.id.slice(0, 6)}-${i}` });
    contents.push(before + `${lines[i]}\n`);
  }
  return { room, contents };
}

// typeAtEnd types at the end of the live document, as a person would.
async function typeAtEnd(page, text, delay = 10) {
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text, { delay });
}

const historyText = (page) => page.evaluate(() => window.__tandem?.historyText() ?? null);
const valueText = (page) => page.getAttribute('[data-testid=timeline]', 'aria-valuetext');

async function openHistory(page) {
  await page.click('[data-testid=history-toggle]');
  await page.waitForSelector('[data-testid=history-panel]', { timeout: 5000 });
  await waitFor('the history view to show a revision', async () => (await historyText(page)) !== null && (await historyText(page)) !== '', 10_000);
}

async function showRevision(page, revision, want) {
  await waitFor(`revision ${revision} on screen`, async () => (await historyText(page)) === want && (await valueText(page))?.startsWith(`Revision ${revision} of`), 10_000);
}

// dragTimeline drags the slider's thumb from where it is to a fraction (0 … 1) of the track.
async function dragTimeline(page, fraction) {
  const b = await box(page, '[data-testid=timeline]');
  const value = await page.$eval('[data-testid=timeline]', (el) => Number(el.value) / Math.max(1, Number(el.max)));
  const y = b.y + b.height / 2;
  const at = (f) => b.x + 8 + f * (b.width - 16); // the thumb's centre runs inside the track's ends
  await page.mouse.move(at(value), y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(at(value + ((fraction - value) * i) / 10), y);
  await page.mouse.up();
}

await runScenarios(server, kit, async () => {

  await test('scrub: dragging the timeline shows an old document, read-only, with the changes since marked; live edits go on', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 2}`);
    const { room, contents } = await roomWithHistory('Scrub', lines);
    const page = await person('Sol');
    await openRoom(page, room.id);
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await openHistory(page);
    await showRevision(page, 40, contents[40]);
    assert((await page.textContent('[data-testid=history-status]')).includes('the live document'), 'at the head the view is the live document');

    await dragTimeline(page, 0);
    await showRevision(page, 0, contents[0]);
    const status = await page.textContent('[data-testid=history-status]');
    assert(status.includes('40 lines added since'), `the status counts the changes since: ${status}`);
    await waitFor('the added lines marked', () => page.evaluate(() => document.querySelectorAll('[data-testid=history-view] .tandem-added-after').length > 0), 5000);

    // Keyboard scrubbing, fast: only where it stops is fetched.
    await page.focus('[data-testid=timeline]');
    const before = requests.length;
    for (let i = 0; i < 25; i++) await page.keyboard.press('ArrowRight', { delay: 5 });
    await showRevision(page, 25, contents[25]);
    await sleep(600);
    const scrubbed = requests.slice(before);
    const contentFetches = scrubbed.filter((u) => /\/api\/rooms\/[^/]+\?revision=/.test(u));
    assert(contentFetches.length >= 1 && contentFetches.length <= 4, `a debounced fetch, not one per step: ${JSON.stringify(contentFetches)}`);
    const opsFetches = requests.filter((u) => u.includes('/ops?'));
    assert(opsFetches.length > 0 && opsFetches.every((u) => /limit=(\d+)/.test(u) && Number(/limit=(\d+)/.exec(u)[1]) <= 9), `ops only in small pages: ${JSON.stringify(opsFetches)}`);
    await page.waitForSelector('[data-testid=nearby-ops] [aria-current=true]', { timeout: 5000 });
    assert((await page.textContent('[data-testid=nearby-ops] [aria-current=true]')).includes('r25'), 'the changes near here show revision 25');

    // Read-only: typing into the old document changes nothing.
    await page.click('[data-testid=history-view] .view-lines');
    await page.keyboard.type('typed into history');
    assert((await historyText(page)) === contents[25], 'the old document is read-only');
    assert((await text(page)) === contents[40], 'and the live one untouched');

    // Live edits keep flowing underneath, and the timeline grows.
    await api('POST', `/api/rooms/${room.id}/ops`, { revision: 40, op: [contents[40].length, 'live line\n'], id: `e2e-live-${room.id.slice(0, 6)}` });
    await waitFor('the live editor to get the edit', async () => (await text(page)) === contents[40] + 'live line\n', 10_000);
    await waitFor('the timeline to reach 41', async () => (await valueText(page)) === 'Revision 25 of 41', 5000);
    assert((await historyText(page)) === contents[25], 'the view stays on revision 25');

    await page.click('[data-testid=history-close]');
    await waitFor('history mode to end', async () => (await page.locator('[data-testid=history-view]').count()) === 0, 5000);
    assert(await page.evaluate(() => window.__tandem.isEditable()), 'the live editor is editable again');
    assert((await converged([page], room.id)) === contents[40] + 'live line\n', 'and shows the head');
  });

  await test('a long history: 5,000 revisions of a 300 KB document are browsed a revision at a time, never as a whole', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `${String(i + 1).padStart(5, '0')} ${'the quick brown fox jumps over the lazy dog '.slice(0, 50)}`);
    const room = await api('POST', '/api/rooms', { name: 'Long history', language: 'plaintext', content: lines.join('\n') + '\n' });
    // 5,000 one-character edits, each on another line (offsets in a document of fixed-width lines that grow by one).
    const width = lines[0].length + 1;
    const grown = new Array(lines.length).fill(0);
    let offsetOf = (line) => line * width + grown.slice(0, line).reduce((a, b) => a + b, 0);
    let length = lines.length * width;
    for (let rev = 0; rev < 5000; rev++) {
      const line = (rev * 7919) % lines.length;
      const at = offsetOf(line) + 6;
      await api('POST', `/api/rooms/${room.id}/ops`, { revision: rev, op: [at, '*', length - at], id: `long-${room.id.slice(0, 6)}-${rev}` });
      grown[line]++;
      length++;
    }
    const page = await person('Lou');
    await openRoom(page, room.id);
    const responses = [];
    page.on('response', async (r) => {
      if (!r.url().includes('/api/rooms/')) return;
      const body = await r.body().catch(() => Buffer.alloc(0));
      responses.push({ url: r.url(), bytes: body.length, ops: r.url().includes('/ops?') ? JSON.parse(body.toString() || '{"ops":[]}').ops?.length ?? 0 : 0 });
    });
    await openHistory(page);
    assert((await valueText(page)) === 'Revision 5000 of 5000', 'the timeline spans the whole history');
    await dragTimeline(page, 0.5);
    const middle = Number(await page.$eval('[data-testid=timeline]', (el) => el.value));
    assert(middle > 1000 && middle < 4000, `the drag lands in the middle: ${middle}`);
    const want = (await api('GET', `/api/rooms/${room.id}?revision=${middle}`)).content;
    await showRevision(page, middle, want);
    await page.click('[data-testid=blame-toggle]');
    await waitFor('blame of the middle revision', async () => (await page.evaluate(() => window.__tandem.historyBlame().length)) > 100, 20_000);
    await sleep(500);
    const ops = responses.filter((r) => r.url.includes('/ops?'));
    const contents = responses.filter((r) => /\/api\/rooms\/[^/]+\?revision=/.test(r.url));
    assert(ops.every((r) => r.ops <= 9), `pages of ops, never the log: ${JSON.stringify(ops.map((r) => r.ops))}`);
    assert(contents.length >= 1 && contents.length <= 4, `a few contents fetched for one drag: ${contents.length}`);
    const total = responses.reduce((n, r) => n + r.bytes, 0);
    assert(total < 8 * want.length, `what was fetched is a few documents, not the history: ${total} bytes for a ${want.length}-byte document`);
  });

  await test('versions: name a revision, see it listed, rename it, jump back to it', async () => {
    const { room, contents } = await roomWithHistory('Versions', ['two', 'three', 'four']);
    const page = await person('Vic');
    await openRoom(page, room.id);
    await openHistory(page);
    await page.fill('[data-testid=revision-input]', '1');
    await page.press('[data-testid=revision-input]', 'Enter');
    await showRevision(page, 1, contents[1]);
    await page.fill('[data-testid=version-name]', 'First draft');
    await page.click('[data-testid=save-version]');
    await page.waitForSelector('[data-testid=versions] >> text=First draft', { timeout: 5000 });
    assert((await page.textContent('[data-testid=versions]')).includes('r1'), 'listed with its revision');
    const listed = await api('GET', `/api/rooms/${room.id}/versions`);
    assert(listed.versions.length === 1 && listed.versions[0].name === 'First draft' && listed.versions[0].revision === 1, `on the server: ${JSON.stringify(listed)}`);

    await page.click('[aria-label="Rename First draft"]');
    await page.fill('[aria-label="New name for First draft"]', 'Draft one');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=versions] >> text=Draft one', { timeout: 5000 });
    assert((await api('GET', `/api/rooms/${room.id}/versions`)).versions[0].name === 'Draft one', 'renamed on the server');

    await page.focus('[data-testid=timeline]');
    await page.keyboard.press('End');
    await showRevision(page, 3, contents[3]);
    await page.click('[data-testid=versions] .version-jump >> text=Draft one');
    await showRevision(page, 1, contents[1]);
    assert((await page.getAttribute('[data-testid=versions] .version-jump', 'aria-current')) === 'true', 'the version viewed is marked');

    // Through the read-only link: history to look at, nothing to change.
    const reader = await person('Rae');
    await openRoom(reader, room.readOnlyId);
    await openHistory(reader);
    await reader.waitForSelector('[data-testid=versions] >> text=Draft one', { timeout: 5000 });
    for (const sel of ['[data-testid=version-name]', '[data-testid=save-version]', '[data-testid=restore]', '[aria-label="Rename Draft one"]'])
      assert((await reader.locator(sel).count()) === 0, `no ${sel} for a reader`);
    await reader.click('[data-testid=versions] .version-jump >> text=Draft one');
    await showRevision(reader, 1, contents[1]);
  });

  await test('restore while someone types: confirmed, retried with its id after a network failure, applied once; both editors converge', async () => {
    const { room, contents } = await roomWithHistory('Restore', ['LATER line']);
    const alice = await person('Alice');
    const bob = await person('Bob');
    await Promise.all([openRoom(alice, room.id), openRoom(bob, room.id)]);
    const bodies = [];
    await alice.route('**/api/rooms/*/restore', async (route) => {
      bodies.push(JSON.parse(route.request().postData()));
      if (bodies.length === 1) await route.abort('failed');
      else await route.continue();
    });
    const typing = typeAtEnd(bob, 'bob types on and on while the room is restored ', 35);

    await openHistory(alice);
    await alice.focus('[data-testid=timeline]');
    await alice.keyboard.press('Home');
    await showRevision(alice, 0, contents[0]);
    await alice.click('[data-testid=restore]');
    await alice.waitForSelector('[data-testid=restore-dialog][open]', { timeout: 5000 });
    assert((await alice.textContent('#restore-title')) === 'Restore revision 0?', 'the dialog names the revision');
    await alice.click('[data-testid=restore-confirm]');
    await alice.waitForSelector('[data-testid=history-notice] >> text=Restored revision 0', { timeout: 15_000 });
    assert((await alice.locator('[data-testid=history-view]').count()) === 0, 'back to the live editor');
    await typing;

    const final = await converged([alice, bob], room.id, 30_000);
    assert(!final.includes('LATER line') && final.startsWith('first line\n'), `the restored text, plus what Bob typed after: ${JSON.stringify(final)}`);
    const [a, b] = await Promise.all([alice.evaluate(() => window.__tandem.getModelText()), bob.evaluate(() => window.__tandem.getModelText())]);
    assert(a === b, 'the two Monaco models hold one text');
    assert(bodies.length === 2 && bodies[0].id === bodies[1].id && bodies[0].revision === 0, `one id, resent: ${JSON.stringify(bodies)}`);
    const ops = await api('GET', `/api/rooms/${room.id}/ops?from=0&limit=1000`);
    assert(ops.ops.filter((o) => o.clientId === 'restore').length === 1, 'applied once');
  });

  await test('blame: the toggle marks each line with who last changed it, in their colours', async () => {
    const room = await api('POST', '/api/rooms', { name: 'Blame', language: 'plaintext', content: 'from the start\n' });
    const alice = await person('Alice');
    const bob = await person('Bob');
    await Promise.all([openRoom(alice, room.id), openRoom(bob, room.id)]);
    await typeAtEnd(alice, 'alice wrote this\n');
    await converged([alice, bob], room.id);
    await typeAtEnd(bob, 'bob wrote that');
    await converged([alice, bob], room.id);

    await openHistory(alice);
    await alice.click('[data-testid=blame-toggle]');
    const labels = await waitFor('blame labels', async () => {
      const l = await alice.evaluate(() => window.__tandem.historyBlame());
      return l.length >= 3 ? l : false;
    }, 10_000);
    const byLine = Object.fromEntries(labels.map((l) => [l.line, l.text]));
    assert(byLine[1] === 'Initial content' && byLine[2] === 'Alice (you)' && byLine[3] === 'Bob', `who changed each line: ${JSON.stringify(labels)}`);
    await waitFor('labels drawn in the editor', () => alice.evaluate(() => [...document.querySelectorAll('[data-testid=history-view] .tandem-blame-label')].length >= 3), 5000);
    const authors = await alice.textContent('[data-testid=blame-authors]');
    assert(authors.includes('Bob') && authors.includes('Alice (you)'), `the authors listed: ${authors}`);
    const bars = await alice.evaluate(() => [...document.querySelectorAll('[data-testid=history-view] .tandem-blame-bar')].map((el) => getComputedStyle(el).backgroundColor));
    assert(new Set(bars).size === 3, `a bar per author, in their colours: ${JSON.stringify(bars)}`);
    await alice.click('[data-testid=blame-toggle]');
    await waitFor('blame off', async () => (await alice.evaluate(() => window.__tandem.historyBlame().length)) === 0, 5000);
  });

  if (SHOTS) {
    await test('screenshot: the history panel on a desktop, with blame', async () => {
      const code = 'def greet(name):\n    return "hello " + name\n\n\nfor who in ["Ada", "Grace"]:\n    print(greet(who))\n';
      const room = await api('POST', '/api/rooms', { name: 'Greeting service', language: 'python', content: code });
      const ada = await person('Ada Lovelace');
      const grace = await person('Grace Hopper');
      await Promise.all([openRoom(ada, room.id), openRoom(grace, room.id)]);
      await grace.click('.monaco-editor .view-lines');
      await grace.evaluate(() => window.__tandem.scrollToLine(1));
      await grace.keyboard.press('End');
      await grace.keyboard.press('Enter');
      await grace.keyboard.type('# Say hello.', { delay: 5 });
      await converged([ada, grace], room.id);
      await typeAtEnd(ada, 'print(greet("world"))', 5);
      await converged([ada, grace], room.id);
      await grace.evaluate(() => window.__tandem.scrollToLine(3));
      await grace.keyboard.press('End');
      await grace.keyboard.type('  # plain ASCII', { delay: 5 });
      await converged([ada, grace], room.id);
      await openHistory(ada);
      await ada.click('[data-testid=blame-toggle]');
      await ada.focus('[data-testid=timeline]');
      for (let i = 0; i < 8; i++) await ada.keyboard.press('ArrowLeft');
      await waitFor('blame of the viewed revision', async () => (await ada.evaluate(() => window.__tandem.historyBlame().length)) >= 3, 10_000);
      await ada.fill('[data-testid=version-name]', 'Before the comment');
      await ada.click('[data-testid=save-version]');
      await ada.waitForSelector('[data-testid=versions] >> text=Before the comment', { timeout: 5000 });
      await ada.focus('[data-testid=timeline]');
      await sleep(800);
      await ada.screenshot({ path: path.join(SHOTS, 'room-history.png') });
    });
  }

  await test('phone, dark: the panel sits under the document, every control is named and reached by keyboard, Escape goes back', async () => {
    const { room, contents } = await roomWithHistory('Phone history', ['second', 'third']);
    const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, colorScheme: 'dark' };
    const page = await person('Pia', phone);
    await openRoom(page, room.id);
    await openHistory(page);
    const panel = await box(page, '[data-testid=history-panel]');
    const view = await box(page, '[data-testid=history-view]');
    assert(panel && panel.x >= 0 && panel.x + panel.width <= 391 && panel.y + panel.height <= 845, `the panel is on screen: ${JSON.stringify(panel)}`);
    assert(view && view.height > 150 && view.y + view.height <= panel.y + 1, `the document is above the panel: ${JSON.stringify({ view, panel })}`);
    assert(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling');
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=history-panel] button, [data-testid=history-panel] input')]
        .filter((el) => {
          const label = el.getAttribute('aria-label') || el.textContent.trim() || [...(el.labels ?? [])].map((l) => l.textContent.trim()).join('');
          return !label;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    assert(unnamed.length === 0, `every control has a name: ${JSON.stringify(unnamed)}`);
    const [panelBg, statusFg] = await page.evaluate(() => [
      getComputedStyle(document.querySelector('[data-testid=history-panel]')).backgroundColor,
      getComputedStyle(document.querySelector('[data-testid=history-status]')).color,
    ]);
    const dark = { bg: luminance(panelBg), ratio: contrast(panelBg, statusFg) };
    assert(dark.bg < 0.05 && dark.ratio >= 4.5, `a dark panel with readable text: ${JSON.stringify(dark)}`);
    // Keyboard: Tab reaches the timeline, arrows scrub, Escape leaves history mode.
    await page.focus('[data-testid=history-close]');
    await page.keyboard.press('Tab');
    assert(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'timeline'), 'Tab goes to the timeline');
    await page.keyboard.press('ArrowLeft');
    await showRevision(page, 1, contents[1]);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'room-history-phone.png') });
    await page.keyboard.press('Escape');
    await waitFor('history mode to end', async () => (await page.locator('[data-testid=history-panel]').count()) === 0, 5000);
    assert((await text(page)) === contents[2], 'the live document is the head');
  });
});
