// periodStarts: local day and month starts, also across day and month boundaries and when time goes backwards (memo).
import { describe, expect, it } from 'vitest';
import { periodStarts } from './admin.js';

/** The same answer computed from scratch. */
function expected(t: number): { day: number; month: number } {
  const d = new Date(t);
  return {
    day: new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime(),
    month: new Date(d.getFullYear(), d.getMonth(), 1).getTime(),
  };
}

describe('periodStarts', () => {
  it('gives the local day and month start for any time, however the calls are ordered', () => {
    const base = new Date(2026, 0, 31, 23, 59, 59, 999).getTime(); // last ms of January (local)
    const times = [
      base,
      base + 1, // 1 February 00:00: a new day and a new month
      base - 1,
      base + 86_400_000 * 2,
      new Date(2026, 1, 1, 12).getTime(),
      new Date(2025, 11, 31, 23).getTime(), // backwards, a year earlier
      new Date(2026, 2, 29, 3).getTime(), // around a European DST change
      new Date(2026, 9, 25, 3).getTime(),
    ];
    for (const t of times) expect(periodStarts(t), new Date(t).toString()).toEqual(expected(t));
    for (const t of [...times].reverse()) expect(periodStarts(t)).toEqual(expected(t));
  });

  it('the first ms of a day belongs to it, the last ms of the day before does not', () => {
    const midnight = new Date(2026, 5, 10).getTime();
    expect(periodStarts(midnight).day).toBe(midnight);
    expect(periodStarts(midnight - 1).day).toBe(new Date(2026, 5, 9).getTime());
    expect(periodStarts(midnight).day).toBe(midnight);
  });
});
