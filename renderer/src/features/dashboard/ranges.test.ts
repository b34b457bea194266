// Dashboard helpers: every day of a range is on the chart; budget bars say when a cap is reached.
import { describe, expect, it } from 'vitest';
import { budgetProgress, daySeries } from './ranges';

const slice = { requests: 2, errors: 0, input_tokens: 10, output_tokens: 20, cost_micros: 500, all_cloud_micros: 900, savings_micros: 400 };

describe('daySeries', () => {
  it('fills the days the ledger has no rows for, in order', () => {
    const from = new Date(2026, 2, 10).getTime();
    const to = new Date(2026, 2, 16, 12).getTime();
    const s = daySeries({ from, to, by_day: [{ day: '2026-03-12', ...slice }] });
    expect(s.map((d) => d.day)).toEqual(['2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15', '2026-03-16']);
    expect(s[2]).toMatchObject({ costMicros: 500, allCloudMicros: 900, requests: 2, label: '12 Mar' });
    expect(s.filter((d) => d.requests === 0)).toHaveLength(6);
  });
  it('today is one point', () => {
    const from = new Date(2026, 2, 10).getTime();
    expect(daySeries({ from, to: from + 3_600_000, by_day: [] })).toHaveLength(1);
  });
});

describe('budgetProgress', () => {
  it('no cap: nothing to show', () => {
    expect(budgetProgress(5_000, null)).toBeNull();
  });
  it('fraction of the cap, capped at 1; reached at or above the cap', () => {
    expect(budgetProgress(250_000, 1_000_000)).toEqual({ fraction: 0.25, reached: false });
    expect(budgetProgress(1_000_000, 1_000_000)).toEqual({ fraction: 1, reached: true });
    expect(budgetProgress(3_000_000, 1_000_000)).toEqual({ fraction: 1, reached: true });
  });
  it('a zero cap means the cloud is off at once', () => {
    expect(budgetProgress(0, 0)).toEqual({ fraction: 1, reached: true });
  });
});
