// Ollama's keep_alive: how a body's value is read, and the holds that unload a model when its duration lapses.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKeepAliveHolds, parseKeepAlive } from './keep-alive.js';

describe('parseKeepAlive', () => {
  it('reads numbers as seconds and strings as Go durations, as Ollama does', () => {
    expect(parseKeepAlive(undefined)).toEqual({ kind: 'default' });
    expect(parseKeepAlive(null)).toEqual({ kind: 'default' });
    for (const v of [0, '0', '0s', '0m', '0ms', '0h0m0s', ' 0 ', '0µs', '-0']) expect(parseKeepAlive(v)).toEqual({ kind: 'unload' });
    for (const v of [-1, '-1', '-1m', '-0.5h']) expect(parseKeepAlive(v)).toEqual({ kind: 'forever' });
    // Past Go's longest duration (2^63-1 ns, ~292 years): Ollama's "never", not a hold whose end no Date can hold.
    for (const v of [1e20, 9.3e12, '3000000h', '10000000000000']) expect(parseKeepAlive(v)).toEqual({ kind: 'forever' });
    expect(parseKeepAlive('2562047h')).toEqual({ kind: 'for', ms: 2_562_047 * 3_600_000 });
    expect(parseKeepAlive(300)).toEqual({ kind: 'for', ms: 300_000 });
    expect(parseKeepAlive(0.5)).toEqual({ kind: 'for', ms: 500 });
    expect(parseKeepAlive('300')).toEqual({ kind: 'for', ms: 300_000 });
    expect(parseKeepAlive('5m')).toEqual({ kind: 'for', ms: 300_000 });
    expect(parseKeepAlive('1h30m')).toEqual({ kind: 'for', ms: 5_400_000 });
    expect(parseKeepAlive('2h45m10.5s')).toEqual({ kind: 'for', ms: 9_910_500 });
    expect(parseKeepAlive('1.5h')).toEqual({ kind: 'for', ms: 5_400_000 });
    expect(parseKeepAlive('250ms')).toEqual({ kind: 'for', ms: 250 });
    expect(parseKeepAlive('1500us')).toEqual({ kind: 'for', ms: 1.5 });
  });

  it('refuses anything else with a 400 that names what is valid', () => {
    for (const v of ['never', '', '5 minutes', '00x', '5mm', 'm5', '1d', true, {}, [], Number.NaN]) {
      let err: unknown;
      try {
        parseKeepAlive(v);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(v)).toMatchObject({ type: 'invalid_request', details: { param: 'keep_alive' } });
      expect((err as Error).message).toMatch(/Go duration such as "5m".*number of seconds.*negative/);
    }
  });
});

describe('keep_alive holds', () => {
  let lastUse: Map<string, number>;
  let unloaded: string[];
  beforeEach(() => {
    // The fake clock moves Date.now() and the timers together, as the real one does.
    vi.useFakeTimers({ now: 1_000_000 });
    lastUse = new Map([['tiny', 1]]);
    unloaded = [];
  });
  afterEach(() => vi.useRealTimers());

  const holds = () =>
    createKeepAliveHolds({
      now: () => Date.now(),
      lastUse: (m) => lastUse.get(m),
      unload: async (m) => {
        unloaded.push(m);
        lastUse.delete(m);
      },
    });
  const pass = (ms: number): void => void vi.advanceTimersByTime(ms);

  it('a duration unloads the model when it lapses, and says when in advance', () => {
    const h = holds();
    h.apply('tiny', { kind: 'for', ms: 60_000 });
    expect(h.expiresAt('tiny')).toBe(Date.now() + 60_000);
    pass(59_999);
    expect(unloaded).toEqual([]);
    pass(1);
    expect(unloaded).toEqual(['tiny']);
    expect(h.expiresAt('tiny')).toBeUndefined();
  });

  it('a later request resets it: another duration moves the time, none (or a negative one) keeps the model loaded', () => {
    const h = holds();
    h.apply('tiny', { kind: 'for', ms: 60_000 });
    pass(30_000);
    h.apply('tiny', { kind: 'for', ms: 60_000 });
    pass(45_000);
    expect(unloaded).toEqual([]);
    h.apply('tiny', { kind: 'default' });
    expect(h.expiresAt('tiny')).toBeUndefined();
    pass(3_600_000);
    expect(unloaded).toEqual([]);
    h.apply('tiny', { kind: 'for', ms: 1_000 });
    h.apply('tiny', { kind: 'forever' });
    pass(10_000);
    expect(unloaded).toEqual([]);
  });

  it('a model another client used since the hold was set stays loaded', () => {
    const h = holds();
    h.apply('tiny', { kind: 'for', ms: 60_000 });
    lastUse.set('tiny', 2); // a chat from the app's window, with no keep_alive
    pass(60_000);
    expect(unloaded).toEqual([]);
    expect(h.expiresAt('tiny')).toBeUndefined();
  });

  it('a model unloaded and loaded again by another request since the hold is kept', () => {
    const h = holds();
    h.apply('tiny', { kind: 'for', ms: 60_000 });
    lastUse.delete('tiny'); // pushed out to make room
    lastUse.set('tiny', 7); // and loaded again for another client's call
    pass(60_000);
    expect(unloaded).toEqual([]);
  });

  it('a model no longer loaded is not held, and a hold longer than a timer can wait still lapses on time', () => {
    const h = holds();
    h.apply('gone', { kind: 'for', ms: 1_000 });
    expect(h.expiresAt('gone')).toBeUndefined();
    const month = 30 * 24 * 3_600_000;
    h.apply('tiny', { kind: 'for', ms: month });
    pass(month - 1);
    expect(unloaded).toEqual([]);
    pass(1);
    expect(unloaded).toEqual(['tiny']);
  });

  it('close() stops every timer', () => {
    const h = holds();
    h.apply('tiny', { kind: 'for', ms: 1_000 });
    h.close();
    pass(5_000);
    expect(unloaded).toEqual([]);
  });
});
