// Holds protocol.ts to the Go package api/protocol through the golden
// frames and index.json under api/protocol/testdata/frames (the Go tests
// hold those to the package). A type, code, field or recovery that differs
// between the two sides fails here.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_TYPES,
  ERROR_CODES,
  SERVER_TYPES,
  WIRE_FIELDS,
  WIRE_NESTED,
  WIRE_TYPES,
  parseServerMessage,
  recoveryFor,
  type WireName,
} from './protocol';

const framesDir = fileURLToPath(new URL('../../../../api/protocol/testdata/frames/', import.meta.url));

interface Frame {
  struct: string;
  type?: string;
  code?: string;
  dir: 'client' | 'server' | 'rest';
}

interface Index {
  clientTypes: string[];
  serverTypes: string[];
  recovery: Record<string, string>;
  unknownCode: string;
  frames: Record<string, Frame>;
}

const index: Index = JSON.parse(readFileSync(framesDir + 'index.json', 'utf8'));

const isWireName = (name: string): name is WireName => Object.hasOwn(WIRE_FIELDS, name);

/** What is wrong with value as a `name` (path says where), by WIRE_FIELDS and WIRE_NESTED. */
function shapeProblems(name: WireName, value: unknown, path: string): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`];
  const fields: Record<string, string> = WIRE_FIELDS[name];
  const nested: Record<string, WireName> = WIRE_NESTED[name] ?? {};
  const obj = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(obj)) {
    if (!Object.hasOwn(fields, key)) problems.push(`${path}.${key}: not a field of ${name} in protocol.ts`);
  }
  for (const [key, presence] of Object.entries(fields)) {
    if (presence === 'required' && !Object.hasOwn(obj, key)) problems.push(`${path}.${key}: required by protocol.ts, absent from the frame`);
  }
  for (const [key, inner] of Object.entries(nested)) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) v.forEach((item, i) => problems.push(...shapeProblems(inner, item, `${path}.${key}[${i}]`)));
    else problems.push(...shapeProblems(inner, v, `${path}.${key}`));
  }
  return problems;
}

describe('protocol.ts agrees with api/protocol', () => {
  it('has the same message types, in the same order', () => {
    expect(CLIENT_TYPES).toEqual(index.clientTypes);
    expect(SERVER_TYPES).toEqual(index.serverTypes);
  });

  it('has the same error codes and recoveries', () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(index.recovery).sort());
    for (const code of ERROR_CODES) expect({ code, recovery: recoveryFor(code) }).toEqual({ code, recovery: index.recovery[code] });
    expect(recoveryFor('from_a_newer_server')).toBe(index.unknownCode);
    expect(recoveryFor('toString')).toBe(index.unknownCode);
  });

  it('names every struct of the package, and no other', () => {
    const reached = new Set<string>();
    const visit = (name: WireName) => {
      if (reached.has(name)) return;
      reached.add(name);
      for (const inner of Object.values(WIRE_NESTED[name] ?? {})) visit(inner as WireName);
    };
    for (const f of Object.values(index.frames)) {
      expect(isWireName(f.struct), `${f.struct} is missing from protocol.ts`).toBe(true);
      if (isWireName(f.struct)) visit(f.struct);
    }
    expect(Object.keys(WIRE_FIELDS).sort()).toEqual([...reached].sort());
  });

  it('lists the same frames as the directory', () => {
    const files = readdirSync(framesDir).filter((f) => f !== 'index.json');
    expect(files.sort()).toEqual(Object.keys(index.frames).sort());
  });

  describe.each(Object.entries(index.frames))('%s', (file, f) => {
    const text = readFileSync(framesDir + file, 'utf8');
    const value: unknown = JSON.parse(text);

    it('has the fields protocol.ts declares', () => {
      expect(isWireName(f.struct)).toBe(true);
      expect(shapeProblems(f.struct as WireName, value, f.struct)).toEqual([]);
    });

    if (f.dir !== 'rest') {
      it('has the type protocol.ts declares', () => {
        expect(WIRE_TYPES[f.struct as keyof typeof WIRE_TYPES]).toBe(f.type);
        expect((value as { type: string }).type).toBe(f.type);
      });
    }

    if (f.dir === 'server') {
      it('decodes as a server message', () => {
        const msg = parseServerMessage(text);
        expect(msg?.type).toBe(f.type);
        expect(SERVER_TYPES).toContain(msg?.type);
        if (msg?.type === 'error') expect(ERROR_CODES).toContain(msg.code);
      });
    }

    if (f.dir === 'client') {
      it('is a type clients send', () => {
        expect(CLIENT_TYPES).toContain(f.type);
      });
    }
  });
});
