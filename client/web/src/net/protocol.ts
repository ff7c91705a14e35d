// Wire types of the tandem protocol (shared/protocol.md) plus the server's
// extensions: read-only rooms and language changes.

import type { Component } from '../ot/text-operation';
import type { SelectionJSON } from '../ot/selection';

export interface Room {
  id: string;
  name: string;
  language: string;
  revision: number;
  content: string;
  createdAt: string;
  updatedAt: string;
  /** Present for an editable room: the id of its read-only link. */
  readOnlyId?: string;
  readOnly: boolean;
}

export interface OpRecord {
  revision: number;
  op: Component[];
  clientId: string;
  createdAt?: string;
}

export interface ClientInfo {
  clientId: string;
  name: string;
  selection: SelectionJSON | null;
}

export type ErrorCode =
  | 'bad_message'
  | 'invalid_op'
  | 'revision_out_of_range'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'forbidden'
  | 'not_found'
  | string;

export type ServerMessage =
  | {
      type: 'init';
      clientId: string;
      revision: number;
      content: string;
      language: string;
      name: string;
      readOnly?: boolean;
      clients: ClientInfo[];
    }
  | { type: 'ack'; revision: number; id?: string }
  | { type: 'op'; revision: number; op: Component[]; clientId: string; selection?: SelectionJSON | null }
  | { type: 'selection'; clientId: string; selection: SelectionJSON | null }
  | { type: 'join'; clientId: string; name: string }
  | { type: 'leave'; clientId: string }
  | { type: 'language'; language: string; clientId?: string }
  | { type: 'pong' }
  | { type: 'error'; code: ErrorCode; message?: string; id?: string };

export type ClientMessage =
  | { type: 'op'; revision: number; op: Component[]; id: string; selection?: SelectionJSON | null }
  | { type: 'selection'; selection: SelectionJSON | null }
  | { type: 'language'; language: string }
  | { type: 'ping' };

export interface Suggestion {
  label: string;
  insertText: string;
  kind: 'keyword' | 'snippet' | 'identifier' | string;
  detail?: string;
}

/** Parses one server frame; returns null for anything that is not a known message. */
export function parseServerMessage(data: string): ServerMessage | null {
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return null;
  }
  if (!msg || typeof msg !== 'object' || typeof (msg as { type?: unknown }).type !== 'string') return null;
  return msg as ServerMessage;
}

/** Same-origin WebSocket URL for a room. */
export function socketURL(roomId: string, name: string, loc: { protocol: string; host: string } = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/api/rooms/${encodeURIComponent(roomId)}/ws?name=${encodeURIComponent(name)}`;
}
