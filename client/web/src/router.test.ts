import { describe, expect, it } from 'vitest';
import { parseRoute, roomIdFromInput } from './router';

describe('router', () => {
  it('parses the two routes', () => {
    expect(parseRoute('/')).toEqual({ page: 'home' });
    expect(parseRoute('/rooms/abc123')).toEqual({ page: 'room', roomId: 'abc123' });
    expect(parseRoute('/rooms/abc/')).toEqual({ page: 'room', roomId: 'abc' });
    expect(parseRoute('/nope')).toEqual({ page: 'missing' });
  });
  it('accepts a link or an id when joining', () => {
    expect(roomIdFromInput('http://localhost:8080/rooms/Xy_9?x=1')).toBe('Xy_9');
    expect(roomIdFromInput('  Xy-9 ')).toBe('Xy-9');
    expect(roomIdFromInput('not an id')).toBeNull();
    expect(roomIdFromInput('')).toBeNull();
  });
});
