// Edits not yet acknowledged, kept in IndexedDB so that a reload (or a
// closed tab) does not lose them: one record per room, replaced after every
// change of what is pending and deleted once nothing is. The record holds the
// verbatim submission (revision, op, id), so the next page resubmits it and
// the server's id check answers a resubmission of an already committed op
// with an ack: each edit lands exactly once. Bounded: one document (the
// server's limit on a room's size) and its pending operations per room.

import type { PendingSnapshot } from './sync-core';

const DB = 'tandem';
const STORE = 'pending';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export interface PendingStore {
  load(roomId: string): Promise<PendingSnapshot | null>;
  save(roomId: string, snapshot: PendingSnapshot | null): void;
}

/** The browser's IndexedDB; without it (private modes), nothing is kept. */
export const indexedDbPending: PendingStore = {
  async load(roomId) {
    if (typeof indexedDB === 'undefined') return null;
    try {
      return ((await run('readonly', (s) => s.get(roomId))) as PendingSnapshot | undefined) ?? null;
    } catch {
      return null;
    }
  },
  save(roomId, snapshot) {
    if (typeof indexedDB === 'undefined') return;
    // One write at a time per room; while one runs, only the latest snapshot
    // waits (typing offline writes the document once per write, not per key).
    const w = writers.get(roomId) ?? { busy: false, next: undefined };
    writers.set(roomId, w);
    w.next = snapshot;
    if (!w.busy) void drain(roomId, w);
  },
};

interface Writer {
  busy: boolean;
  next: PendingSnapshot | null | undefined; // undefined: nothing to write
}
const writers = new Map<string, Writer>();

async function drain(roomId: string, w: Writer): Promise<void> {
  w.busy = true;
  while (w.next !== undefined) {
    const snapshot = w.next;
    w.next = undefined;
    await run<unknown>('readwrite', (s) => (snapshot ? s.put(snapshot, roomId) : s.delete(roomId)) as IDBRequest<unknown>).catch(() => undefined);
  }
  w.busy = false;
  writers.delete(roomId);
}
