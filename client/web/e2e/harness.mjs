// What the end-to-end scripts share: bounded waiting, and the real tandem
// server binary started on a free loopback port with a fresh data dir.

import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// waitFor polls fn until it returns something truthy, for at most timeout ms.
export async function waitFor(what, fn, timeout = 15_000, interval = 100) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(interval);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

export function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`${what} took longer than ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(t),
  );
}

// tandemServer prepares `bin serve` on a free port with a new data dir
// (named after prefix); start, stop and restart it, then dispose of it.
export async function tandemServer(bin, prefix) {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  const base = `http://127.0.0.1:${port}`;
  const log = [];
  let proc = null;
  let exited = true;
  const server = {
    base,
    log,
    get exited() {
      return exited;
    },
    start() {
      const p = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout.on('data', (d) => log.push(String(d)));
      p.stderr.on('data', (d) => log.push(String(d)));
      exited = false;
      p.on('exit', () => {
        if (p === proc) exited = true;
      });
      proc = p;
    },
    async stop(signal = 'SIGTERM') {
      if (!proc || exited) return;
      const p = proc;
      const done = new Promise((r) => p.once('exit', r));
      p.kill(signal);
      await Promise.race([done, sleep(5000)]);
      if (!exited) {
        p.kill('SIGKILL');
        await Promise.race([done, sleep(2000)]);
      }
    },
    async waitHealthy(interval = 100) {
      await waitFor(
        'server /healthz',
        async () => {
          if (exited) throw new Error(`server exited: ${log.join('')}`);
          const r = await fetch(`${base}/healthz`).catch(() => null);
          return r?.status === 200;
        },
        20_000,
        interval,
      );
    },
    async dispose() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    // api calls the REST API and returns the decoded answer, throwing on an error status.
    async api(method, p, body) {
      const res = await fetch(base + p, { method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    logTail(lines = 40) {
      return log.join('').split('\n').slice(-lines).join('\n');
    },
  };
  return server;
}

// finish prints the closing line ("N passed, N failed"; the server's log
// tail and hint first when something failed) and exits accordingly.
export function finish(results, server, hint) {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  if (failed) {
    console.log('--- server log (tail) ---');
    console.log(server.logTail());
    if (hint) console.log(hint);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// launchChromium starts Debian's Chromium headless with a fresh profile
// (playwright-core makes one per launch) and nothing running in the background.
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
}

// luminance is the WCAG relative luminance of a CSS rgb()/rgba() colour.
export function luminance(rgb) {
  const [r, g, b] = rgb
    .match(/[\d.]+/g)
    .slice(0, 3)
    .map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

// contrast is the WCAG contrast ratio of two CSS colours (AA text needs 4.5).
export function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

// scenarioKit is what the app scenarios share (app.mjs, history.mjs): people
// as browser contexts, opening a room, convergence with the server, and test()
// that runs one scenario within a bound, records it and closes its contexts.
// E2E_ONLY (a pattern) picks scenarios by name.
export function scenarioKit(server) {
  const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY, 'i') : null;
  const results = [];
  const contexts = [];
  let browser = null;
  const kit = {
    results,
    async launch() {
      browser = await launchChromium();
    },
    async close() {
      try {
        await browser?.close();
      } catch {}
    },
    assert(cond, msg) {
      if (!cond) throw new Error(`assertion failed: ${msg}`);
    },
    // person opens a browser context for someone with a name (and options).
    async person(name, opts = {}) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 760 }, colorScheme: 'light', ...opts });
      contexts.push(ctx);
      await ctx.addInitScript((n) => localStorage.setItem('tandem.name', n), name);
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.log(`  [page ${name}] error: ${e.message}`));
      return page;
    },
    text: (page) => page.evaluate(() => window.__tandem?.getModelText() ?? null),
    synced: (page) => page.evaluate(() => !!window.__tandem?.isSynchronized()),
    async openRoom(page, id) {
      await page.goto(`${server.base}/rooms/${id}`, { timeout: 20_000 });
      await waitFor(`room to connect`, () => kit.synced(page), 20_000);
    },
    // converged waits until every page is synchronized and shows the server's content, and returns it.
    async converged(pages, roomId, timeout = 20_000) {
      return waitFor(
        'editors and server to converge',
        async () => {
          const texts = await Promise.all(pages.map(kit.text));
          if (!(await Promise.all(pages.map(kit.synced))).every(Boolean)) return false;
          const room = await server.api('GET', `/api/rooms/${roomId}`);
          return texts.every((t) => t === room.content) ? room.content : false;
        },
        timeout,
      );
    },
    async test(name, fn) {
      if (only && !only.test(name)) return;
      const started = Date.now();
      try {
        await withTimeout(fn(), 90_000, name);
        results.push({ name, ok: true });
        console.log(`  ok   ${name} (${Date.now() - started} ms)`);
      } catch (e) {
        results.push({ name, ok: false, error: e });
        console.log(`  FAIL ${name}: ${e?.stack ?? e}`);
      } finally {
        while (contexts.length) await contexts.pop().close().catch(() => {});
      }
    },
    box: (page, selector) => page.locator(selector).first().boundingBox(),
  };
  return kit;
}

// scenarioServer starts the server binary (TANDEM_BIN, relative to client/web)
// for a scenario script, with its kit; without Chromium the script is skipped.
export async function scenarioServer(prefix) {
  if (!existsSync(CHROMIUM)) {
    console.log(`SKIP e2e: ${CHROMIUM} not installed`);
    process.exit(process.env.REQUIRE_SERVICES === '1' ? 1 : 0);
  }
  const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const server = await tandemServer(path.resolve(webDir, process.env.TANDEM_BIN ?? '../../bin/tandem'), prefix);
  server.start();
  return { server, kit: scenarioKit(server) };
}

// runScenarios waits for the server, launches Chromium, runs the scenarios,
// stops both and exits with the closing line (finish).
export async function runScenarios(server, kit, scenarios) {
  try {
    await server.waitHealthy();
    await kit.launch();
    await scenarios();
  } catch (e) {
    kit.results.push({ name: 'setup', ok: false, error: e });
    console.log(`  FAIL setup: ${e?.stack ?? e}`);
  } finally {
    await kit.close();
    await server.dispose();
  }
  finish(kit.results, server);
}
