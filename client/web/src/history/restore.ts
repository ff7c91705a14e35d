// Restoring a revision: POST /api/rooms/{id}/restore commits one forward
// operation that makes the head's content that of the revision, exactly once
// by the request's id. So the id is made once per restore the user confirms,
// and a failure that may have happened after the server committed (the
// network, or a code whose recovery is 'retry') is retried with the same id:
// the server answers a repeat with the original revision and operation.

import { ApiError } from '../net/api';
import { recoveryFor, type RestoreRequest, type SubmitOpResponse } from '../net/protocol';
import { randomSessionPrefix } from '../ot/client';

export interface RestoreOptions {
  /** The request's id; a fresh random one by default. */
  id?: string;
  /** Tries in all, the first included. */
  attempts?: number;
  /** The first wait between tries; each next one doubles, up to 8 s. */
  delayMs?: number;
  sleep?(ms: number): Promise<void>;
}

export function newRestoreId(): string {
  return `restore-${randomSessionPrefix()}`;
}

/** Whether a failed restore may be sent again with the same id. */
export function retryable(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 0 || recoveryFor(e.code) === 'retry');
}

export async function restoreRevision(
  send: (req: RestoreRequest) => Promise<SubmitOpResponse>,
  revision: number,
  opts: RestoreOptions = {},
): Promise<SubmitOpResponse> {
  const req: RestoreRequest = { revision, id: opts.id ?? newRestoreId() };
  const attempts = Math.max(1, opts.attempts ?? 5);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delay = opts.delayMs ?? 500;
  for (let i = 1; ; i++) {
    try {
      return await send(req);
    } catch (e) {
      if (i >= attempts || !retryable(e)) throw e;
      await sleep(delay);
      delay = Math.min(delay * 2, 8000);
    }
  }
}
