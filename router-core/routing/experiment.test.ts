// Routing experiments: the hash split (sticky, even, fresh per experiment) and the intervals against published values.
import { describe, expect, it } from 'vitest';
import { assignArm, compareArms, fmix32, fnv1a32, meanInterval, pickWinner, wilsonInterval, type ArmTotals } from './experiment.js';

describe('fnv1a32', () => {
  it('matches the FNV-1a reference vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('finalised by MurmurHash3 fmix32 (reference values)', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
  });
});

describe('assignArm', () => {
  it('is sticky: the same conversation always gets the same arm', () => {
    for (let i = 0; i < 200; i++) {
      const key = `conv-${i}`;
      const first = assignArm('exp-1', 0.5, key);
      for (let k = 0; k < 3; k++) expect(assignArm('exp-1', 0.5, key)).toBe(first);
    }
  });

  it('sends about `share` of keys to B', () => {
    for (const share of [0.1, 0.5, 0.8]) {
      let b = 0;
      const n = 20_000;
      for (let i = 0; i < n; i++) if (assignArm('exp-x', share, `req-${i}`) === 'B') b++;
      // why ±0.02: the binomial standard error at n = 20,000 is at most 0.0035; 0.02 is over five of them.
      expect(Math.abs(b / n - share)).toBeLessThan(0.02);
    }
  });

  it('share 0 keeps everyone on A; a larger share only moves keys from A to B (nested splits)', () => {
    for (let i = 0; i < 1000; i++) {
      const key = `k${i}`;
      expect(assignArm('e', 0, key)).toBe('A');
      if (assignArm('e', 0.3, key) === 'B') expect(assignArm('e', 0.6, key)).toBe('B');
    }
  });

  it('a new experiment draws a fresh split', () => {
    let same = 0;
    for (let i = 0; i < 2000; i++) if (assignArm('one', 0.5, `c${i}`) === assignArm('two', 0.5, `c${i}`)) same++;
    // Independent splits agree about half the time; identical ones would agree always.
    expect(same / 2000).toBeGreaterThan(0.4);
    expect(same / 2000).toBeLessThan(0.6);
  });
});

describe('wilsonInterval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat Med 17:857, Table II, method 3.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i of %i → [%f, %f] (Newcombe 1998)', (x, n, low, high) => {
    const w = wilsonInterval(x, n);
    expect(w.low).toBeCloseTo(low, 4);
    expect(w.high).toBeCloseTo(high, 4);
    expect(w.rate).toBeCloseTo(x / n, 12);
  });

  it('no data: the rate is 0 and the interval the whole of [0, 1]', () => {
    expect(wilsonInterval(0, 0)).toEqual({ count: 0, total: 0, rate: 0, low: 0, high: 1 });
  });

  it('all successes stays inside [0, 1]', () => {
    const w = wilsonInterval(10, 10);
    expect(w.high).toBeCloseTo(1, 12);
    expect(w.low).toBeCloseTo(0.7225, 4);
  });
});

describe('meanInterval', () => {
  it('1..5: mean 3 ± 1.96·√2.5/√5', () => {
    // Σx = 15, Σx² = 55, s² = 2.5, standard error √0.5; half-width 1.959964 × 0.707107 = 1.385904.
    const m = meanInterval(5, 15, 55);
    expect(m.mean).toBe(3);
    expect(m.low).toBeCloseTo(1.614096, 6);
    expect(m.high).toBeCloseTo(4.385904, 6);
  });

  it('fewer than two values: the mean without an interval', () => {
    expect(meanInterval(0, 0, 0)).toEqual({ n: 0, mean: 0, low: null, high: null });
    expect(meanInterval(1, 7, 49)).toEqual({ n: 1, mean: 7, low: null, high: null });
  });

  it('equal values: a zero-width interval', () => {
    const m = meanInterval(4, 40, 400);
    expect(m.low).toBe(10);
    expect(m.high).toBe(10);
  });
});

describe('compareArms', () => {
  it('gives both arms, rates per request, the mean cost in whole micro-dollars never below 0', () => {
    const [a, b] = compareArms([
      // Costs 0, 0, 0, 900 (B: one cloud answer).
      { arm: 'B', requests: 4, cloud: 1, costMicros: 900, costSquaresMicros: 810_000, down: 1, retried: 0 },
    ]);
    expect(a).toMatchObject({ arm: 'A', requests: 0, costMicros: 0, cloudShare: { count: 0, total: 0, low: 0, high: 1 } });
    expect(a!.meanCostMicros).toEqual({ mean: 0, low: null, high: null });
    expect(b).toMatchObject({ arm: 'B', requests: 4, costMicros: 900 });
    expect(b!.cloudShare).toMatchObject({ count: 1, total: 4, rate: 0.25 });
    expect(b!.thumbsDown).toMatchObject({ count: 1, total: 4, rate: 0.25 });
    expect(b!.retryWithClaude).toMatchObject({ count: 0, total: 4, rate: 0 });
    // mean 225, s = 450, half-width 1.959964 × 450 / 2 = 440.99: [−216, 666] → low clamped to 0.
    expect(b!.meanCostMicros).toEqual({ mean: 225, low: 0, high: 666 });
  });
});

describe('pickWinner', () => {
  const t = (arm: 'A' | 'B', over: Partial<ArmTotals> = {}): ArmTotals => ({
    arm,
    requests: 100,
    cloud: 0,
    costMicros: 0,
    costSquaresMicros: 0,
    down: 5,
    retried: 5,
    ...over,
  });
  /** n requests, `paid` of them costing `each` micro-dollars, the rest nothing. */
  const costs = (paid: number, each: number) => ({ cloud: paid, costMicros: paid * each, costSquaresMicros: paid * each * each });

  it('a clearly cheaper arm that is not rated worse wins', () => {
    expect(pickWinner(compareArms([t('A', costs(60, 1000)), t('B', costs(20, 1000))]))).toEqual({
      arm: 'B',
      reason: 'B costs clearly less per request and is not rated worse',
    });
    expect(pickWinner(compareArms([t('A', costs(20, 1000)), t('B', costs(60, 1000))])).arm).toBe('A');
  });

  it('quality first: a cheaper arm rated clearly worse loses', () => {
    const v = pickWinner(compareArms([t('A', costs(60, 1000)), t('B', { ...costs(20, 1000), down: 40 })]));
    expect(v).toEqual({ arm: 'A', reason: 'B is rated clearly worse (thumbs-down or retry with Claude)' });
  });

  it('overlapping intervals, or an arm without requests: no clear winner', () => {
    expect(pickWinner(compareArms([t('A', costs(30, 1000)), t('B', costs(27, 1000))])).arm).toBeNull();
    expect(pickWinner(compareArms([t('A', costs(60, 1000))]))).toEqual({
      arm: null,
      reason: 'no clear winner yet: each arm needs requests',
    });
  });
});
