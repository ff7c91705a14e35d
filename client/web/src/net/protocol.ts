// The wire contract (docs/protocol.md) in TypeScript: the mirror of the Go
// package api/protocol, with the same names, fields, codes and recoveries.
// protocol.test.ts checks this file against the golden frames under
// api/protocol/testdata/frames, which the Go tests check against the
// package: a message added on one side only fails one of them.

import type { Component } from '../ot/text-operation';
import type { SelectionJSON } from '../ot/selection';

// --- error codes ---

/** Every code the server sends: the contract's, then tandem's extensions. */
export const ERROR_CODES = [
  'bad_message',
  'invalid_op',
  'revision_out_of_range',
  'too_large',
  'rate_limited',
  'unavailable',
  'not_found',
  'forbidden',
  'unauthorized',
  'conflict',
  'internal',
] as const;

export type KnownErrorCode = (typeof ERROR_CODES)[number];

/** A code as received: a newer server may send one that is not in ERROR_CODES. */
export type ErrorCode = KnownErrorCode | (string & {});

/**
 * What a client does about an error that answered its pending operation
 * (which, whatever the code, was not committed): resubmit it verbatim after
 * a backoff, drop pending edits and reload, or stop editing.
 */
export type Recovery = 'retry' | 'resync' | 'give-up';

const RECOVERY: Record<KnownErrorCode, Recovery> = {
  bad_message: 'resync',
  invalid_op: 'resync',
  revision_out_of_range: 'resync',
  too_large: 'resync',
  rate_limited: 'retry',
  unavailable: 'retry',
  not_found: 'give-up',
  forbidden: 'give-up',
  unauthorized: 'give-up',
  conflict: 'resync',
  // The server failed, not the operation: the same submission is expected
  // to succeed later, and its id makes resubmitting it harmless.
  internal: 'retry',
};

/** protocol.RecoveryFor: an unknown code gets 'resync', which cannot lose track of the document. */
export function recoveryFor(code: string): Recovery {
  return Object.hasOwn(RECOVERY, code) ? RECOVERY[code as KnownErrorCode] : 'resync';
}

// --- WebSocket messages ---

export interface ClientOp {
  type: 'op';
  revision: number;
  op: Component[];
  id?: string;
  selection?: SelectionJSON | null;
}
export interface ClientSelection {
  type: 'selection';
  selection: SelectionJSON | null;
}
export interface ClientLanguage {
  type: 'language';
  language: string;
}
export interface ClientPing {
  type: 'ping';
}
/** Replaces the connection's access token before it expires (docs/protocol.md, "Access tokens"). */
export interface ClientAuth {
  type: 'auth';
  token: string;
}

export type ClientMessage = ClientOp | ClientSelection | ClientLanguage | ClientPing | ClientAuth;

export interface Peer {
  clientId: string;
  name: string;
  selection: SelectionJSON | null;
  readOnly?: boolean;
}

/** The old name of Peer. */
export type ClientInfo = Peer;

export interface ServerInit {
  type: 'init';
  clientId: string;
  revision: number;
  content: string;
  language: string;
  name: string;
  clients: Peer[];
  readOnly?: boolean;
}
export interface ServerAck {
  type: 'ack';
  revision: number;
  id?: string;
  /** Extension: the document's hash after revision, every --hash-every revisions. */
  hash?: string;
}
export interface ServerOp {
  type: 'op';
  revision: number;
  op: Component[];
  clientId: string;
  selection?: SelectionJSON | null;
  /** Extension: as ServerAck's. */
  hash?: string;
}
export interface ServerSelection {
  type: 'selection';
  clientId: string;
  selection: SelectionJSON | null;
}
export interface ServerJoin {
  type: 'join';
  clientId: string;
  name: string;
  /** Extension: the member joined through the read-only link. */
  readOnly?: boolean;
}
export interface ServerLeave {
  type: 'leave';
  clientId: string;
}
export interface ServerLanguage {
  type: 'language';
  language: string;
  clientId?: string;
}
export interface ServerPong {
  type: 'pong';
}
export interface ServerError {
  type: 'error';
  code: ErrorCode;
  message?: string;
  id?: string;
}

export type ServerMessage =
  | ServerInit
  | ServerAck
  | ServerOp
  | ServerSelection
  | ServerJoin
  | ServerLeave
  | ServerLanguage
  | ServerPong
  | ServerError;

export type ClientType = ClientMessage['type'];
export type ServerType = ServerMessage['type'];

// Records, so the compiler insists on every type of the unions and no other.
const clientTypes: Record<ClientType, true> = { op: true, selection: true, language: true, ping: true, auth: true };
const serverTypes: Record<ServerType, true> = {
  init: true,
  ack: true,
  op: true,
  selection: true,
  join: true,
  leave: true,
  language: true,
  pong: true,
  error: true,
};

/** protocol.ClientTypes, in the contract's order. */
export const CLIENT_TYPES = Object.keys(clientTypes) as ClientType[];
/** protocol.ServerTypes, in the contract's order. */
export const SERVER_TYPES = Object.keys(serverTypes) as ServerType[];

// --- REST bodies ---

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
export interface CreateRoomRequest {
  name?: string;
  language?: string;
  content?: string;
}
export interface UpdateRoomRequest {
  name?: string;
  language?: string;
}
export interface CommittedOp {
  revision: number;
  op: Component[];
  clientId: string;
  createdAt?: string;
}

/** The old name of CommittedOp. */
export type OpRecord = CommittedOp;

export interface OpsResponse {
  ops: CommittedOp[] | null;
}
export interface SubmitOpRequest {
  revision: number;
  op: Component[];
  id?: string;
}
export interface SubmitOpResponse {
  revision: number;
  op: Component[];
}
/** A named revision of a room (an extension; see docs/protocol.md). */
export interface Version {
  id: string;
  name: string;
  revision: number;
  createdAt: string;
  userId?: string;
}
/** The body of POST /api/rooms/{id}/versions; no revision names the head. */
export interface CreateVersionRequest {
  name: string;
  revision?: number;
}
export interface RenameVersionRequest {
  name: string;
}
/** GET /api/rooms/{id}/versions: newest first. */
export interface VersionsResponse {
  versions: Version[];
}
/** POST /api/rooms/{id}/restore, answered with a SubmitOpResponse. */
export interface RestoreRequest {
  revision: number;
  id: string;
}
/** One range [start, end) of the document, in UTF-16 code units, and who inserted it. */
export interface BlameSpan {
  start: number;
  end: number;
  revision: number;
  clientId: string;
  userId?: string;
}
export interface BlameResponse {
  revision: number;
  spans: BlameSpan[];
}
export interface AutocompleteRequest {
  language: string;
  content: string;
  offset: number;
}
export interface Suggestion {
  label: string;
  insertText: string;
  kind: 'keyword' | 'snippet' | 'identifier' | string;
  detail?: string;
}
export interface AutocompleteResponse {
  suggestions: Suggestion[] | null;
}
export interface ErrorDetail {
  code: ErrorCode;
  message: string;
}
export interface ErrorResponse {
  error: ErrorDetail;
}

// --- the shapes, for checking frames at run time ---

/** Every message and body, by the name of its Go struct. */
interface WireShapes {
  ClientOp: ClientOp;
  ClientSelection: ClientSelection;
  ClientLanguage: ClientLanguage;
  ClientPing: ClientPing;
  ClientAuth: ClientAuth;
  ServerInit: ServerInit;
  ServerAck: ServerAck;
  ServerOp: ServerOp;
  ServerSelection: ServerSelection;
  ServerJoin: ServerJoin;
  ServerLeave: ServerLeave;
  ServerLanguage: ServerLanguage;
  ServerPong: ServerPong;
  ServerError: ServerError;
  Peer: Peer;
  Room: Room;
  CreateRoomRequest: CreateRoomRequest;
  UpdateRoomRequest: UpdateRoomRequest;
  CommittedOp: CommittedOp;
  OpsResponse: OpsResponse;
  SubmitOpRequest: SubmitOpRequest;
  SubmitOpResponse: SubmitOpResponse;
  Version: Version;
  CreateVersionRequest: CreateVersionRequest;
  RenameVersionRequest: RenameVersionRequest;
  VersionsResponse: VersionsResponse;
  RestoreRequest: RestoreRequest;
  BlameSpan: BlameSpan;
  BlameResponse: BlameResponse;
  AutocompleteRequest: AutocompleteRequest;
  Suggestion: Suggestion;
  AutocompleteResponse: AutocompleteResponse;
  ErrorDetail: ErrorDetail;
  ErrorResponse: ErrorResponse;
}

export type WireName = keyof WireShapes;

/** Whether each field of M may be left out; the compiler derives the answer from M. */
type Fields<M> = { readonly [K in keyof M]-?: {} extends Pick<M, K> ? 'optional' : 'required' };

/**
 * The fields of every message and body. The compiler holds it to the
 * interfaces above (no field missing, none extra, optionality as declared);
 * protocol.test.ts holds the golden frames to it.
 */
export const WIRE_FIELDS: { readonly [N in WireName]: Fields<WireShapes[N]> } = {
  ClientOp: { type: 'required', revision: 'required', op: 'required', id: 'optional', selection: 'optional' },
  ClientSelection: { type: 'required', selection: 'required' },
  ClientLanguage: { type: 'required', language: 'required' },
  ClientPing: { type: 'required' },
  ClientAuth: { type: 'required', token: 'required' },
  ServerInit: {
    type: 'required',
    clientId: 'required',
    revision: 'required',
    content: 'required',
    language: 'required',
    name: 'required',
    clients: 'required',
    readOnly: 'optional',
  },
  ServerAck: { type: 'required', revision: 'required', id: 'optional', hash: 'optional' },
  ServerOp: { type: 'required', revision: 'required', op: 'required', clientId: 'required', selection: 'optional', hash: 'optional' },
  ServerSelection: { type: 'required', clientId: 'required', selection: 'required' },
  ServerJoin: { type: 'required', clientId: 'required', name: 'required', readOnly: 'optional' },
  ServerLeave: { type: 'required', clientId: 'required' },
  ServerLanguage: { type: 'required', language: 'required', clientId: 'optional' },
  ServerPong: { type: 'required' },
  ServerError: { type: 'required', code: 'required', message: 'optional', id: 'optional' },
  Peer: { clientId: 'required', name: 'required', selection: 'required', readOnly: 'optional' },
  Room: {
    id: 'required',
    name: 'required',
    language: 'required',
    revision: 'required',
    content: 'required',
    createdAt: 'required',
    updatedAt: 'required',
    readOnlyId: 'optional',
    readOnly: 'required',
  },
  CreateRoomRequest: { name: 'optional', language: 'optional', content: 'optional' },
  UpdateRoomRequest: { name: 'optional', language: 'optional' },
  CommittedOp: { revision: 'required', op: 'required', clientId: 'required', createdAt: 'optional' },
  OpsResponse: { ops: 'required' },
  SubmitOpRequest: { revision: 'required', op: 'required', id: 'optional' },
  SubmitOpResponse: { revision: 'required', op: 'required' },
  Version: { id: 'required', name: 'required', revision: 'required', createdAt: 'required', userId: 'optional' },
  CreateVersionRequest: { name: 'required', revision: 'optional' },
  RenameVersionRequest: { name: 'required' },
  VersionsResponse: { versions: 'required' },
  RestoreRequest: { revision: 'required', id: 'required' },
  BlameSpan: { start: 'required', end: 'required', revision: 'required', clientId: 'required', userId: 'optional' },
  BlameResponse: { revision: 'required', spans: 'required' },
  AutocompleteRequest: { language: 'required', content: 'required', offset: 'required' },
  Suggestion: { label: 'required', insertText: 'required', kind: 'required', detail: 'optional' },
  AutocompleteResponse: { suggestions: 'required' },
  ErrorDetail: { code: 'required', message: 'required' },
  ErrorResponse: { error: 'required' },
};

/** The fields that hold other shapes (an object, or a list of them). */
export const WIRE_NESTED: { readonly [N in WireName]?: { readonly [K in keyof WireShapes[N]]?: WireName } } = {
  ServerInit: { clients: 'Peer' },
  OpsResponse: { ops: 'CommittedOp' },
  VersionsResponse: { versions: 'Version' },
  BlameResponse: { spans: 'BlameSpan' },
  AutocompleteResponse: { suggestions: 'Suggestion' },
  ErrorResponse: { error: 'ErrorDetail' },
};

type MessageName = { [N in WireName]: WireShapes[N] extends { type: string } ? N : never }[WireName];

/** The type of each message, by the name of its Go struct. */
export const WIRE_TYPES: { readonly [N in MessageName]: WireShapes[N]['type'] } = {
  ClientOp: 'op',
  ClientSelection: 'selection',
  ClientLanguage: 'language',
  ClientPing: 'ping',
  ClientAuth: 'auth',
  ServerInit: 'init',
  ServerAck: 'ack',
  ServerOp: 'op',
  ServerSelection: 'selection',
  ServerJoin: 'join',
  ServerLeave: 'leave',
  ServerLanguage: 'language',
  ServerPong: 'pong',
  ServerError: 'error',
};

// --- decoding ---

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
