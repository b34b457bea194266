// timeOrderedId: RFC 9562 version 7 layout, time order across milliseconds, no collisions.
import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './ids.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a version 7 UUID whose first 48 bits are the time in ms', () => {
    const at = Date.UTC(2026, 10, 26, 12, 0, 0, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('writes the time as 12 hex digits whatever its size (the low 48 bits past 2^48)', () => {
    const head = (t: number): string => timeOrderedId(t).slice(0, 13).replace('-', '');
    expect(head(0)).toBe('000000000000');
    expect(head(0xab)).toBe('0000000000ab');
    expect(head(2 ** 32 - 1)).toBe('0000ffffffff');
    expect(head(2 ** 32)).toBe('000100000000');
    expect(head(0x123456789abc)).toBe('123456789abc');
    expect(head(2 ** 48 + 5)).toBe('000000000005');
    expect(head(-3)).toBe('000000000000');
  });

  it('sorts by time as a string across milliseconds (what the id index sees)', () => {
    const ids = [0, 1, 255, 256, 1_700_000_000_000, 1_700_000_000_001, 2 ** 47].map((t) => timeOrderedId(t));
    expect([...ids].sort()).toEqual(ids);
  });

  it('gives 100,000 distinct ids within the same millisecond', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(timeOrderedId(1_700_000_000_000));
    expect(seen.size).toBe(100_000);
  });

  it('uses the current time by default', () => {
    const before = Date.now();
    const id = timeOrderedId();
    const t = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
