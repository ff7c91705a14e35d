import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '../net/api';
import { newRestoreId, restoreRevision } from './restore';
import type { RestoreRequest } from '../net/protocol';

const ok = { revision: 9, op: [3] };
const noSleep = () => Promise.resolve();

describe('restoreRevision', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('resends the same id after a network failure, and stops at the first answer', async () => {
    const sent: RestoreRequest[] = [];
    const send = async (req: RestoreRequest) => {
      sent.push(req);
      if (sent.length < 3) throw new ApiError(0, 'network', 'The server cannot be reached.');
      return ok;
    };
    await expect(restoreRevision(send, 4, { sleep: noSleep })).resolves.toEqual(ok);
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((r) => r.id)).size).toBe(1);
    expect(sent[0]).toEqual({ revision: 4, id: sent[0].id });
  });

  it('gives up on a refusal at once, and after the last attempt on network failures', async () => {
    let calls = 0;
    const refuse = async () => {
      calls++;
      throw new ApiError(400, 'revision_out_of_range', 'no such revision');
    };
    await expect(restoreRevision(refuse, 99, { sleep: noSleep })).rejects.toMatchObject({ code: 'revision_out_of_range' });
    expect(calls).toBe(1);
    calls = 0;
    const down = async () => {
      calls++;
      throw new ApiError(0, 'network', 'down');
    };
    const waits: number[] = [];
    await expect(restoreRevision(down, 1, { attempts: 4, delayMs: 100, sleep: async (ms) => void waits.push(ms) })).rejects.toMatchObject({ code: 'network' });
    expect(calls).toBe(4);
    expect(waits).toEqual([100, 200, 400]);
  });

  it('retries a code whose recovery is retry (unavailable), not forbidden', async () => {
    const codes = ['unavailable', 'forbidden'];
    let calls = 0;
    const send = async () => {
      throw new ApiError(503, codes[Math.min(calls++, 1)], 'x');
    };
    await expect(restoreRevision(send, 1, { sleep: noSleep })).rejects.toMatchObject({ code: 'forbidden' });
    expect(calls).toBe(2);
  });

  it('ids are fresh and valid op ids (printable ASCII, at most 64)', () => {
    const a = newRestoreId();
    expect(a).not.toBe(newRestoreId());
    expect(a).toMatch(/^[\x21-\x7e]{1,64}$/);
  });

  it('through api.restore: the body and path the server expects, and a lost connection retried with the same id', async () => {
    const bodies: unknown[] = [];
    const urls: string[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      urls.push(url);
      bodies.push(JSON.parse(String(init.body)));
      if (bodies.length === 1) throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify(ok), { status: 200 });
    });
    await expect(restoreRevision((req) => api.restore('room/1', req), 7, { sleep: noSleep })).resolves.toEqual(ok);
    expect(urls).toEqual(['/api/rooms/room%2F1/restore', '/api/rooms/room%2F1/restore']);
    expect(bodies[0]).toEqual(bodies[1]);
    expect(bodies[0]).toMatchObject({ revision: 7 });
  });
});
