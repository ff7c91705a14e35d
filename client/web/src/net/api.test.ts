import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from './api';

// Each call's method, path and body, and the answer decoded.
function stubFetch(answer: unknown, status = 200) {
  const calls: { url: string; method: string; body: unknown }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, method: init.method ?? 'GET', body: init.body === undefined ? undefined : JSON.parse(String(init.body)) });
    return new Response(JSON.stringify(answer), { status });
  });
  return calls;
}

const v = { id: '0123456789abcdef', name: 'Before the refactor', revision: 12, createdAt: '2026-12-03T10:00:00Z' };

describe('api: history calls', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('versions: list, create at a revision or the head, rename', async () => {
    let calls = stubFetch({ versions: [v] });
    expect(await api.listVersions('r 1')).toEqual([v]);
    expect(calls).toEqual([{ url: '/api/rooms/r%201/versions', method: 'GET', body: undefined }]);
    calls = stubFetch(v, 201);
    expect(await api.createVersion('r1', { name: 'Before the refactor', revision: 12 })).toEqual(v);
    await api.createVersion('r1', { name: 'Now' });
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['POST', '/api/rooms/r1/versions', { name: 'Before the refactor', revision: 12 }],
      ['POST', '/api/rooms/r1/versions', { name: 'Now' }],
    ]);
    calls = stubFetch({ ...v, name: 'x' });
    await api.renameVersion('r1', v.id, 'x');
    expect(calls[0]).toEqual({ url: `/api/rooms/r1/versions/${v.id}`, method: 'PATCH', body: { name: 'x' } });
  });

  it('content at a revision, blame at a revision or the head, a page of ops', async () => {
    let calls = stubFetch({ id: 'r1', content: 'old', revision: 3 });
    expect((await api.getRoomAt('r1', 3)).content).toBe('old');
    expect(calls[0].url).toBe('/api/rooms/r1?revision=3');
    calls = stubFetch({ revision: 3, spans: [] });
    await api.blame('r1', 3);
    await api.blame('r1');
    expect(calls.map((c) => c.url)).toEqual(['/api/rooms/r1/blame?revision=3', '/api/rooms/r1/blame']);
    calls = stubFetch({ ops: null });
    expect(await api.getOps('r1', 90, 20)).toEqual([]);
    expect(calls[0].url).toBe('/api/rooms/r1/ops?from=90&limit=20');
  });

  it('a refusal is an ApiError with the server code', async () => {
    stubFetch({ error: { code: 'revision_out_of_range', message: 'revision 99 is past the head 3' } }, 400);
    const err = await api.getRoomAt('r1', 99).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'revision_out_of_range', message: 'revision 99 is past the head 3' });
  });
});
