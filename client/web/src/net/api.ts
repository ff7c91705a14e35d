// Thin typed REST client for the tandem API (same-origin, relative URLs).

import type {
  AutocompleteRequest,
  AutocompleteResponse,
  BlameResponse,
  CommittedOp,
  CreateRoomRequest,
  CreateVersionRequest,
  ErrorResponse,
  OpsResponse,
  RestoreRequest,
  Room,
  SubmitOpResponse,
  Suggestion,
  UpdateRoomRequest,
  Version,
  VersionsResponse,
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
  /** The room with its content as it was at a revision (0 … head). */
  getRoomAt(id: string, revision: number, signal?: AbortSignal): Promise<Room> {
    return request<Room>('GET', `${roomPath(id)}?revision=${revision}`, undefined, signal);
  },
  /** The operations that created revisions from+1 … (at most limit). */
  async getOps(id: string, from: number, limit?: number, signal?: AbortSignal): Promise<CommittedOp[]> {
    const q = `from=${from}` + (limit ? `&limit=${limit}` : '');
    const res = await request<OpsResponse>('GET', `${roomPath(id)}/ops?${q}`, undefined, signal);
    return res.ops ?? [];
  },
  /** The room's named versions, newest first. */
  async listVersions(id: string): Promise<Version[]> {
    const res = await request<VersionsResponse>('GET', `${roomPath(id)}/versions`);
    return res.versions ?? [];
  },
  createVersion(id: string, input: CreateVersionRequest): Promise<Version> {
    return request<Version>('POST', `${roomPath(id)}/versions`, input);
  },
  renameVersion(id: string, versionId: string, name: string): Promise<Version> {
    return request<Version>('PATCH', `${roomPath(id)}/versions/${encodeURIComponent(versionId)}`, { name });
  },
  /** One forward operation that makes the head's content that of input.revision; exactly once by input.id. */
  restore(id: string, input: RestoreRequest): Promise<SubmitOpResponse> {
    return request<SubmitOpResponse>('POST', `${roomPath(id)}/restore`, input);
  },
  /** Who inserted each range of the document at a revision (the head without one). */
  blame(id: string, revision?: number, signal?: AbortSignal): Promise<BlameResponse> {
    const q = revision === undefined ? '' : `?revision=${revision}`;
    return request<BlameResponse>('GET', `${roomPath(id)}/blame${q}`, undefined, signal);
  },
  autocomplete(input: AutocompleteRequest, signal?: AbortSignal): Promise<Suggestion[]> {
    return request<AutocompleteResponse>('POST', '/api/autocomplete', input, signal).then((r) => r.suggestions ?? []);
  },
};
