// End-to-end scenarios of the app as people use it (issue 18): each one
// starts from its own room, so any one runs alone:
//
//   npm run e2e:app                    all of them
//   E2E_ONLY=phone npm run e2e:app     those whose name matches /phone/i
//
// The real server (TANDEM_BIN) and Debian's Chromium, as e2e/run.mjs.
// Every wait is bounded; the last line is "N passed, N failed".

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { contrast, runScenarios, scenarioServer, sleep, waitFor } from './harness.mjs';

const SHOTS = process.env.E2E_SHOTS; // a directory: the screenshots for docs/ go there
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

const { server, kit } = await scenarioServer('tandem-e2e-app-');
const { base, api } = server;
const { assert, person, text, synced, openRoom, converged, test, box } = kit;

const overlaps = (a, b) => a && b && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

await runScenarios(server, kit, async () => {

  await test('load: the document is shown read-only while the editor is still loading', async () => {
    const room = await api('POST', '/api/rooms', { name: 'Slow link', language: 'python', content: 'def shown_before_monaco():\n    pass\n' });
    const page = await person('Ada');
    // Hold back the editor's chunk, as a slow link would.
    let release;
    const held = new Promise((r) => (release = r));
    await page.route('**/assets/mount-room-*.js', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${base}/rooms/${room.id}`, { timeout: 20_000 });
    await page.waitForSelector('[data-testid=document-preview] >> text=def shown_before_monaco', { timeout: 15_000 });
    assert(!(await page.evaluate(() => !!window.__tandem)), 'the editor is not mounted yet');
    await page.click('[data-testid=document-preview]');
    await page.keyboard.type('typed too early');
    assert(!(await page.locator('[data-testid=document-preview]').innerText()).includes('typed too early'), 'the preview is read-only');
    release();
    await waitFor('editable', () => page.evaluate(() => !!window.__tandem?.isEditable?.() && window.__tandem.isSynchronized()), 30_000);
    assert((await page.locator('[data-testid=document-preview]').count()) === 0, 'the preview gives way to the editor');
    assert((await text(page)) === room.content, 'the editor holds the document');
  });

  await test('phone: the ☰ toggle opens people and sharing as a sheet; badge and home labels fit at 390×844', async () => {
    const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
    const room = await api('POST', '/api/rooms', { name: 'A room with a rather long name for a phone', language: 'python', content: 'print(1)\n' });
    const page = await person('Pat', phone);
    await openRoom(page, room.id);
    const toggle = page.locator('[data-testid=panel-toggle]');
    assert(await toggle.isVisible(), 'the ☰ toggle is shown on a phone');
    assert(!(await page.locator('[data-testid=side-panel]').isVisible()), 'the panel starts closed on a phone');
    await toggle.click();
    const sheet = await box(page, '[data-testid=side-panel]');
    assert(sheet && sheet.x >= 0 && sheet.x + sheet.width <= 390 && sheet.y + sheet.height <= 844 + 1, `the sheet is on screen: ${JSON.stringify(sheet)}`);
    await page.waitForSelector('[data-testid=side-panel] [data-testid=participants]', { timeout: 5000 });
    assert((await page.inputValue('[data-testid=side-panel] input[aria-label="Your name"]')) === 'Pat', 'the people list is in the sheet');
    await page.waitForSelector('[data-testid=side-panel] [data-testid=copy-edit-link]', { timeout: 5000 });
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'room-phone.png') });
    await page.keyboard.press('Escape');
    await waitFor('the sheet closes with Escape', async () => !(await page.locator('[data-testid=side-panel]').isVisible()), 5000);

    const reader = await person('Rae', phone);
    await openRoom(reader, room.readOnlyId);
    const badge = await box(reader, '[data-testid=readonly-badge]');
    const fits = await reader.evaluate(() => {
      const b = document.querySelector('[data-testid=readonly-badge]');
      return b.scrollWidth <= b.clientWidth + 1 && document.documentElement.scrollWidth <= 390;
    });
    assert(badge && badge.x + badge.width <= 390 && fits, `the Read-only badge fits: ${JSON.stringify(badge)}`);
    assert(badge.height < 30, `the badge is one line: ${badge.height}px`);

    await reader.goto(base + '/', { timeout: 20_000 });
    await reader.waitForSelector('text=Create a room', { timeout: 10_000 });
    const overflowing = await reader.evaluate(() =>
      [...document.querySelectorAll('label, button, h1, h2, .recent-link, .muted')]
        .filter((el) => el.offsetParent !== null)
        .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > 391)
        .map((el) => el.textContent.trim().slice(0, 40)),
    );
    assert(overflowing.length === 0, `home labels fit: ${JSON.stringify(overflowing)}`);
    assert(await reader.evaluate(() => document.documentElement.scrollWidth <= 390), 'the home page does not scroll sideways');
  });

  await test('undo: after typing print("hello") with auto-closed pairs, one Ctrl+Z undoes it and every press acts', async () => {
    const room = await api('POST', '/api/rooms', { name: 'Undo', language: 'python', content: 'x = 1\n' });
    const page = await person('Uma');
    await openRoom(page, room.id);
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('print("hello")', { delay: 40 });
    const typed = await converged([page], room.id);
    assert(typed === 'x = 1\nprint("hello")', `typed with auto-closing: ${JSON.stringify(typed)}`);
    await page.keyboard.press('Control+z');
    const undone = await converged([page], room.id);
    assert(undone === 'x = 1\n', `one undo removes the typing: ${JSON.stringify(undone)}`);
    await page.keyboard.press('Control+Shift+z');
    assert((await converged([page], room.id)) === typed, 'redo brings it back');
  });

  await test('language notice: a later change of ours ends it, and it never covers the text', async () => {
    const room = await api('POST', '/api/rooms', { name: 'Languages', language: 'python', content: 'a = 1\n' });
    const alice = await person('Alice');
    const bob = await person('Bob');
    await Promise.all([openRoom(alice, room.id), openRoom(bob, room.id)]);
    await alice.selectOption('[data-testid=language-picker]', 'go');
    await bob.waitForSelector('.notice.info >> text=Alice switched the language to Go', { timeout: 10_000 });
    const notice = await box(bob, '.notice.info');
    const lines = await box(bob, '.monaco-editor .view-lines');
    await bob.selectOption('[data-testid=language-picker]', 'python');
    await waitFor('the notice to go', async () => (await bob.locator('.notice.info').count()) === 0, 2000);
    await sleep(4500);
    assert((await bob.locator('.notice.info').count()) === 0, 'no notice comes back');
    assert((await bob.inputValue('[data-testid=language-picker]')) === 'python', 'the room is Python');
    assert(!overlaps(notice, lines), `the notice was outside the text: ${JSON.stringify({ notice, lines })}`);
  });

  await test('title: an untitled room says "Untitled room", renames in place, and the tab title follows', async () => {
    const room = await api('POST', '/api/rooms', { language: 'python', content: '' });
    const page = await person('Tia');
    await openRoom(page, room.id);
    const input = page.locator('[data-testid=room-title]');
    assert((await input.getAttribute('placeholder')) === 'Untitled room' && (await input.inputValue()) === '', 'untitled by default');
    assert((await page.title()) === 'Untitled room · tandem', `tab title: ${await page.title()}`);
    await input.fill('Pairing on the parser');
    await input.press('Enter');
    await waitFor('the server has the name', async () => (await api('GET', `/api/rooms/${room.id}`)).name === 'Pairing on the parser', 5000);
    // The page applies the PATCH's answer after the server has stored it.
    await waitFor('the tab title to follow', async () => (await page.title()) === 'Pairing on the parser · tandem', 5000);
    await page.reload();
    await waitFor('the name after a reload', async () => (await page.locator('[data-testid=room-title]').inputValue()) === 'Pairing on the parser', 10_000);
  });
  await test('keyboard and contrast: named controls, a live status, Ctrl+M out of the editor, AA contrast', async () => {
    const room = await api('POST', '/api/rooms', { name: 'Keys', language: 'python', content: 'a = 1\n' });
    const kim = await person('Kim');
    const lee = await person('Lee', { colorScheme: 'dark' });
    await Promise.all([openRoom(kim, room.id), openRoom(lee, room.id)]);
    const names = await kim.evaluate(() => [...document.querySelectorAll('button')].filter((b) => b.offsetParent).map((b) => (b.getAttribute('aria-label') ?? b.textContent).trim()));
    assert(names.every(Boolean), `every button has a name: ${JSON.stringify(names)}`);
    const copies = names.filter((n) => /copy/i.test(n));
    assert(copies.length >= 2 && new Set(copies).size === copies.length, `copy buttons are told apart: ${JSON.stringify(copies)}`);
    assert(await kim.evaluate(() => document.body.innerText.includes('Ctrl M')), 'the way out of the editor is listed');
    // Out of the editor by keyboard: Ctrl+M, then Tab, and the text is unchanged.
    await kim.click('.monaco-editor .view-lines');
    await kim.keyboard.press('Control+m');
    await kim.keyboard.press('Tab');
    assert(await kim.evaluate(() => !document.activeElement.closest('.monaco-editor')), 'focus left the editor');
    assert((await converged([kim], room.id)) === 'a = 1\n', 'Tab did not indent');
    // The status is announced.
    const status = () => kim.locator('[data-testid=connection-status]').innerText();
    assert((await kim.locator('[data-testid=connection-status]').getAttribute('aria-live')) === 'polite' && (await status()) === 'Connected', 'live status says Connected');
    await kim.context().setOffline(true);
    await kim.evaluate(() => window.__tandem.dropConnection());
    await waitFor('status announces the drop', async () => (await status()) !== 'Connected', 10_000);
    await kim.context().setOffline(false);
    await kim.evaluate(() => window.dispatchEvent(new Event('online')));
    await waitFor('status back to Connected', async () => (await status()) === 'Connected', 20_000);
    // Contrast: white labels on every participant colour, and the dark primary button.
    const colours = await lee.evaluate(() => {
      const out = {};
      const pair = (el) => {
        document.body.appendChild(el);
        const cs = getComputedStyle(el);
        const colours = [cs.backgroundColor, cs.color];
        el.remove();
        return colours;
      };
      for (let i = 0; i < 10; i++) {
        const el = document.createElement('span');
        el.className = `avatar c${i}`;
        el.textContent = 'AB';
        out[`c${i}`] = pair(el);
      }
      const btn = document.createElement('button');
      btn.className = 'button primary';
      out.primaryDark = pair(btn);
      return out;
    });
    const ratios = Object.fromEntries(Object.entries(colours).map(([k, [bg, fg]]) => [k, contrast(bg, fg)]));
    const low = Object.entries(ratios).filter(([, r]) => r < 4.5);
    assert(low.length === 0, `AA contrast (4.5:1): ${JSON.stringify(ratios)}`);
  });

  await test('actions: download with the language extension, fork into a new room, copy the room id', async () => {
    const room = await api('POST', '/api/rooms', { name: 'Parser notes', language: 'python', content: 'def parse():\n    pass\n' });
    const page = await person('Fay');
    await openRoom(page, room.id);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('[data-testid=download]')]);
    assert(download.suggestedFilename() === 'Parser notes.py', `file name: ${download.suggestedFilename()}`);
    const file = await download.path();
    const { readFileSync } = await import('node:fs');
    assert(readFileSync(file, 'utf8') === room.content, 'the file holds the document');
    assert((await page.getAttribute('[data-testid=copy-room-id]', 'data-url')) === room.id, 'the room id is offered for copying');
    await page.click('[data-testid=fork]');
    await waitFor('a new room', () => new URL(page.url()).pathname !== `/rooms/${room.id}`, 10_000);
    await waitFor('the fork connects', async () => (await synced(page)) && (await page.evaluate(() => location.pathname)) === new URL(page.url()).pathname && (await text(page)) === room.content, 20_000);
    const forkId = new URL(page.url()).pathname.split('/').pop();
    const fork = await api('GET', `/api/rooms/${forkId}`);
    assert(fork.content === room.content && fork.language === 'python' && fork.name === 'Parser notes (fork)', `fork: ${JSON.stringify(fork)}`);
    assert((await text(page)) === room.content, 'the fork shows the document');
  });
  await test('autocomplete: one entry per label, none doubled in JavaScript, no keywords after a dot', async () => {
    const suggest = async (page, typed) => {
      await page.keyboard.type(typed, { delay: 20 });
      await page.keyboard.press('Control+Space');
      // Rows, or Monaco's "No suggestions." (the widget shows without rows).
      await waitFor('the suggest widget', () => page.evaluate(() => !!document.querySelector('.suggest-widget.visible')), 10_000);
      await sleep(700); // every provider answers
      const labels = await page.evaluate(() => [...document.querySelectorAll('.suggest-widget.visible .monaco-list-row .label-name')].map((e) => e.textContent.trim()));
      await page.keyboard.press('Escape');
      return labels;
    };
    const count = (labels, l) => labels.filter((x) => x === l).length;
    const py = await api('POST', '/api/rooms', { name: 'Complete', language: 'python', content: 'import os\n' });
    const page = await person('Cy');
    await openRoom(page, py.id);
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
    const ifs = await suggest(page, 'i');
    assert(ifs.includes('if') && count(ifs, 'if') === 1, `"if" once: ${JSON.stringify(ifs)}`);
    assert(ifs.includes('import') && count(ifs, 'import') === 1, `"import" once: ${JSON.stringify(ifs)}`);
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    const member = await suggest(page, 'os.pa');
    assert(!member.includes('pass'), `no keyword after a dot: ${JSON.stringify(member)}`);
    const js = await api('POST', '/api/rooms', { name: 'Complete JS', language: 'javascript', content: 'const srv = {};\n' });
    await openRoom(page, js.id);
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
    const fors = await suggest(page, 'fo');
    assert(count(fors, 'for') <= 2, `"for" from one provider (Monaco's keyword and snippet at most): ${JSON.stringify(fors)}`);
  });
  await test('identity: distinct colours, one name told apart, viewers marked', async () => {
    const room = await api('POST', '/api/rooms', { name: 'Who', language: 'python', content: 'x\n' });
    const viewer = await person('Vi');
    await openRoom(viewer, room.readOnlyId);
    const sam1 = await person('Sam');
    const sam2 = await person('Sam');
    const anon = await person('Anonymous');
    await Promise.all([openRoom(sam1, room.id), openRoom(sam2, room.id), openRoom(anon, room.id)]);
    const people = async () =>
      sam1.evaluate(() => {
        const own = document.querySelector('[data-testid=participants] li:first-child .swatch').className;
        return [
          { name: 'you', colour: own, viewer: false },
          ...[...document.querySelectorAll('[data-testid=participants] li[data-client-id]')].map((li) => ({
            name: li.querySelector('.name').textContent,
            colour: li.querySelector('.swatch').className,
            viewer: !!li.querySelector('.viewer'),
          })),
        ];
      });
    const list = await waitFor('four others listed', async () => ((await people()).length === 4 ? people() : false), 10_000);
    assert(new Set(list.map((p) => p.colour)).size === 4, `four colours: ${JSON.stringify(list)}`);
    const sams = list.filter((p) => p.name.startsWith('Sam'));
    assert(sams.length === 1 && /^Sam · .{4}$/.test(sams[0].name), `the other Sam is told apart from me: ${JSON.stringify(list)}`);
    assert(list.find((p) => p.name === 'Vi')?.viewer, `the viewer is marked: ${JSON.stringify(list)}`);
    assert(list.filter((p) => p.viewer).length === 1, 'editors are not marked');
    // Colours are kept for the session: someone leaving changes nobody else's.
    await anon.close();
    await waitFor('Anonymous gone', async () => (await people()).length === 3, 10_000);
    const after = await people();
    for (const p of after) assert(list.find((q) => q.name === p.name)?.colour === p.colour, `${p.name} kept their colour`);
  });

  await test('find a collaborator: click to reveal their cursor, follow them, labels at one spot do not pile up', async () => {
    const doc = Array.from({ length: 200 }, (_, i) => `row ${i + 1}`).join('\n') + '\n';
    const room = await api('POST', '/api/rooms', { name: 'Find', language: 'plaintext', content: doc });
    const finder = await person('Finn');
    const walker = await person('Wes');
    const third = await person('Tess');
    await Promise.all([openRoom(finder, room.id), openRoom(walker, room.id), openRoom(third, room.id)]);
    const visible = (page, line) => page.evaluate((l) => window.__tandem.visibleLines().includes(l), line);
    await walker.evaluate(() => window.__tandem.scrollToLine(150));
    await walker.keyboard.press('ArrowRight'); // a real caret move, sent as a selection
    await waitFor('Wes is on line 150 in the list', () => finder.evaluate(() => [...document.querySelectorAll('[data-testid=participants] li')].some((li) => li.textContent.includes('Wes') && li.textContent.includes('line 150'))), 10_000);
    assert(!(await visible(finder, 150)), 'line 150 starts out of view');
    await finder.click('[data-testid=reveal-person] >> text=Wes');
    await waitFor('line 150 in view', () => visible(finder, 150), 5000);
    // Follow: the view goes where Wes goes.
    await finder.click('[aria-label="Follow Wes"]');
    await walker.evaluate(() => window.__tandem.scrollToLine(40));
    await walker.keyboard.press('ArrowRight');
    await waitFor('following Wes to line 40', () => visible(finder, 40), 5000);
    assert((await finder.getAttribute('[aria-label="Follow Wes"]', 'aria-pressed')) === 'true', 'the follow button shows it is on');
    // Two carets at one spot: their labels are lifted apart in the third screen.
    await finder.evaluate(() => window.__tandem.scrollToLine(40));
    await finder.keyboard.press('ArrowRight');
    await third.evaluate(() => window.__tandem.scrollToLine(35));
    await waitFor('two labels on line 40', () => third.evaluate(() => document.querySelectorAll('.monaco-editor .tandem-labeled').length === 2), 10_000);
    await sleep(200);
    const boxes = await third.evaluate(() => [...document.querySelectorAll('.monaco-editor .tandem-labeled')].map((el) => getComputedStyle(el, '::after').transform));
    assert(new Set(boxes).size === 2, `labels stacked, not overlapped: ${JSON.stringify(boxes)}`);
  });
  await test('offline edits: leaving asks first, and the next page resubmits them exactly once', async () => {
    const room = await api('POST', '/api/rooms', { name: 'Offline', language: 'plaintext', content: 'start\n' });
    const page = await person('Oli');
    await openRoom(page, room.id);
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
    await page.context().setOffline(true);
    await page.evaluate(() => window.__tandem.dropConnection());
    await page.keyboard.type('kept-1 kept-2', { delay: 20 });
    await waitFor('edits pending', () => page.evaluate(() => document.querySelector('[data-testid=connection]')?.dataset.pending === 'true'), 10_000);
    await sleep(300); // the IndexedDB write
    const dialogs = [];
    page.on('dialog', (d) => {
      dialogs.push(d.type());
      void d.accept();
    });
    await page.close({ runBeforeUnload: true });
    await waitFor('the page closed', () => page.isClosed(), 10_000);
    assert(dialogs.includes('beforeunload'), `leaving asked first: ${JSON.stringify(dialogs)}`);
    assert((await api('GET', `/api/rooms/${room.id}`)).content === 'start\n', 'nothing reached the server');
    await page.context().setOffline(false);
    const again = await page.context().newPage();
    await openRoom(again, room.id);
    const final = await converged([again], room.id);
    assert(final === 'start\nkept-1 kept-2', `the pending edits arrived once: ${JSON.stringify(final)}`);
    await again.reload();
    await waitFor('synced after another reload', () => synced(again), 20_000);
    assert((await converged([again], room.id)) === 'start\nkept-1 kept-2', 'and not again');
  });
  if (SHOTS) {
    await test('screenshots: the room page on a desktop, light and dark', async () => {
      const code = 'def greet(name):\n    "Say hello."\n    return f"hello {name}"\n\n\nfor who in ["Ada", "Grace"]:\n    print(greet(who))\n';
      const room = await api('POST', '/api/rooms', { name: 'Greeting service', language: 'python', content: code });
      const ada = await person('Ada Lovelace');
      const grace = await person('Grace Hopper', { colorScheme: 'dark' });
      await Promise.all([openRoom(ada, room.id), openRoom(grace, room.id)]);
      await grace.click('.monaco-editor .view-lines');
      await grace.evaluate(() => window.__tandem.scrollToLine(3));
      await grace.keyboard.press('End');
      await ada.click('.monaco-editor .view-lines');
      await ada.evaluate(() => window.__tandem.scrollToLine(7));
      await ada.keyboard.press('End');
      await sleep(800);
      await ada.evaluate(() => window.__tandem.scrollToLine(1));
      await grace.evaluate(() => window.__tandem.scrollToLine(1));
      await sleep(500);
      await ada.screenshot({ path: path.join(SHOTS, 'room-desktop.png') });
      await grace.screenshot({ path: path.join(SHOTS, 'room-dark.png') });
    });
  }
});
