// Thin typed REST client for the tandem API (same-origin, relative URLs).

import type {
  AutocompleteRequest,
  AutocompleteResponse,
  CommittedOp,
  CreateRoomRequest,
  ErrorResponse,
  OpsResponse,
  Room,
  Suggestion,
  UpdateRoomRequest,
} from './protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server cannot be reached.');
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const e = (data as Partial<ErrorResponse> | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `${method} ${path} failed with ${res.status}`);
  }
  return data as T;
}

const roomPath = (id: string) => `/api/rooms/${encodeURIComponent(id)}`;

export const api = {
  createRoom(input: CreateRoomRequest): Promise<Room> {
    return request<Room>('POST', '/api/rooms', input);
  },
  getRoom(id: string): Promise<Room> {
    return request<Room>('GET', roomPath(id));
  },
  updateRoom(id: string, patch: UpdateRoomRequest): Promise<Room> {
    return request<Room>('PATCH', roomPath(id), patch);
  },
  /** The operations that created revisions from+1 … (at most limit). */
  async getOps(id: string, from: number, limit?: number): Promise<CommittedOp[]> {
    const q = `from=${from}` + (limit ? `&limit=${limit}` : '');
    const res = await request<OpsResponse>('GET', `${roomPath(id)}/ops?${q}`);
    return res.ops ?? [];
  },
  autocomplete(input: AutocompleteRequest, signal?: AbortSignal): Promise<Suggestion[]> {
    return request<AutocompleteResponse>('POST', '/api/autocomplete', input, signal).then((r) => r.suggestions ?? []);
  },
};
