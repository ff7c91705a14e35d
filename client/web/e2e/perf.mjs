// Load performance on a throttled link: the real server (TANDEM_BIN) and
// Debian's Chromium, with the network emulated through CDP
// (Network.emulateNetworkConditions, on the page and on every worker it
// starts). For a Python and a JavaScript room it measures, on a first visit
// (empty cache) and on a reload:
//   - bytes transferred (CDP encodedDataLength: headers and body as sent, 0
//     for a cache hit), the page and its workers together,
//   - time to text: navigation until the document's text is on screen,
//   - time to editable: navigation until the editor accepts typing and the
//     document is synchronized with the server.
//
//   npm run perf       (PERF_KBPS=4000 PERF_LATENCY_MS=150 by default)
//
// It prints one table row per room and visit. With PERF_ASSERT=1 it fails
// unless reloads are served from the cache and assets are compressed (the
// e2e suite's check); it never asserts a time.

import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, finish, tandemServer, waitFor, withTimeout, launchChromium } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const TANDEM_BIN = path.resolve(webDir, process.env.TANDEM_BIN ?? '../../bin/tandem');
const KBPS = Number(process.env.PERF_KBPS ?? 4000);
const LATENCY = Number(process.env.PERF_LATENCY_MS ?? 150);
const ASSERT = process.env.PERF_ASSERT === '1';

if (!existsSync(CHROMIUM)) {
  console.log(`SKIP perf: ${CHROMIUM} not installed`);
  process.exit(process.env.REQUIRE_SERVICES === '1' ? 1 : 0);
}

const server = await tandemServer(TANDEM_BIN, 'tandem-perf-');
server.start();
const results = [];
let browser;
let proxy;

const conditions = { offline: false, latency: LATENCY, downloadThroughput: (KBPS * 1000) / 8, uploadThroughput: (KBPS * 1000) / 8 };

// The browser talks to the server through a loopback proxy that counts the
// bytes the server sends (HTTP headers and bodies, WebSocket frames): the
// CDP's own counts miss the scripts of dedicated workers, which the browser
// fetches for the worker's target, and Network.emulateNetworkConditions is not
// supported on worker targets (their fetches are throttled by the page's).
let received = 0;
let lastByteAt = Date.now();
async function countingProxy(port) {
  const proxy = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    upstream.on('data', (d) => {
      received += d.length;
      lastByteAt = Date.now();
    });
    client.pipe(upstream).pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  return proxy;
}

// throttled opens a page whose network runs under the emulated conditions.
async function throttled(ctx) {
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', conditions);
  return page;
}

async function visit(page, url, marker) {
  received = 0;
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
  const textAt = await waitFor('the document text on screen', async () => ((await page.evaluate((m) => document.body.innerText.includes(m), marker)) ? Date.now() : false), 120_000, 20);
  const editableAt = await waitFor(
    'an editable, synchronized editor',
    async () =>
      (await page.evaluate(() => {
        const h = window.__tandem;
        if (!h?.isSynchronized()) return false;
        return h.isEditable ? h.isEditable() : true; // before isEditable existed, sync made it editable
      }))
        ? Date.now()
        : false,
    120_000,
    20,
  );
  // Let the rest (workers, fonts) arrive before counting: 3 s without a byte.
  await waitFor('the network to go quiet', () => Date.now() - lastByteAt > 3000, 120_000, 100);
  return { text: textAt - t0, editable: editableAt - t0, bytes: received };
}

const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
const rows = [];

try {
  await server.waitHealthy();
  proxy = await countingProxy(Number(new URL(server.base).port));
  browser = await launchChromium();
  for (const language of ['python', 'javascript']) {
    const name = `perf ${language}`;
    const started = Date.now();
    try {
      await withTimeout(
        (async () => {
          const marker = `perf_marker_${language}`;
          const content = language === 'python' ? `def ${marker}():\n    return 1\n` : `function ${marker}() {\n  return 1;\n}\n`;
          const room = await server.api('POST', '/api/rooms', { name, language, content });
          const ctx = await browser.newContext({ viewport: { width: 1280, height: 760 } });
          const page = await throttled(ctx);
          const url = `http://127.0.0.1:${proxy.address().port}/rooms/${room.id}`;
          const first = await visit(page, url, marker);
          const again = await visit(page, url, marker);
          for (const [visitName, m] of [
            ['first visit', first],
            ['reload', again],
          ]) {
            rows.push(`| ${language} | ${visitName} | ${kb(m.bytes)} | ${(m.text / 1000).toFixed(1)} s | ${(m.editable / 1000).toFixed(1)} s |`);
          }
          if (ASSERT) {
            // The server's own answers, as the browser asks for them.
            const html = await fetch(`${server.base}/rooms/${room.id}`, { headers: { 'Accept-Encoding': 'br, gzip' } }).then((r) => r.text());
            const scripts = [...html.matchAll(/\/assets\/[^"]+\.js/g)].map((m) => m[0]);
            for (const src of scripts) {
              const r = await fetch(server.base + src, { headers: { 'Accept-Encoding': 'br' } });
              if (r.headers.get('content-encoding') !== 'br') throw new Error(`${src} is not served with brotli`);
            }
            if (!(again.bytes < first.bytes / 20)) throw new Error(`reload transferred ${kb(again.bytes)} of the first visit's ${kb(first.bytes)}: assets not cached`);
          }
          await ctx.close();
        })(),
        300_000,
        name,
      );
      results.push({ name, ok: true });
      console.log(`  ok   ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      results.push({ name, ok: false, error: e });
      console.log(`  FAIL ${name}: ${e?.stack ?? e}`);
    }
  }
  console.log(`\nthrottled to ${KBPS} kbit/s each way, ${LATENCY} ms latency`);
  console.log('| room | visit | transferred | text on screen | editable |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
} catch (e) {
  results.push({ name: 'setup', ok: false, error: e });
  console.log(`  FAIL setup: ${e?.stack ?? e}`);
} finally {
  try {
    await browser?.close();
  } catch {}
  proxy?.close();
  await server.dispose();
}
finish(results, server);
