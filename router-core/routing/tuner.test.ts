// Tuner: misses under the cloud threshold pull it down, a clean record with a costly cloud share lets it rise; steps are bounded.
import { describe, expect, it } from 'vitest';
import { defaultTunerOptions, proposeThresholds, type RatedAnswer } from './tuner.js';

const current = { medium: 0.3, cloud: 0.6 };
const local = (complexity: number, rating: RatedAnswer['rating'], route = 'medium'): RatedAnswer => ({
  complexity,
  route,
  cloud: false,
  rating,
});
const cloud = (complexity: number, rating: RatedAnswer['rating']): RatedAnswer => ({ complexity, route: 'cloud', cloud: true, rating });
const spread = (n: number): number[] => Array.from({ length: n }, (_, i) => i / n);

describe('proposeThresholds', () => {
  it('keeps the thresholds with too little feedback', () => {
    const p = proposeThresholds([local(0.5, 'down'), local(0.55, 'retry')], spread(100), current);
    expect(p.enoughData).toBe(false);
    expect(p.proposed).toEqual(current);
    expect(p.reasons[0]).toMatch(/only 2 rated local answers/);
  });

  it('lowers the cloud threshold when local answers just under it are misses', () => {
    const rated = [
      ...[0.52, 0.54, 0.55, 0.57, 0.58, 0.59].map((c) => local(c, 'retry')),
      ...[0.1, 0.2, 0.35, 0.4].map((c) => local(c, 'up', c < 0.3 ? 'small' : 'medium')),
      cloud(0.7, 'up'),
    ];
    const p = proposeThresholds(rated, spread(200), current);
    expect(p.enoughData).toBe(true);
    expect(p.proposed.cloud).toBeLessThan(current.cloud);
    expect(current.cloud - p.proposed.cloud).toBeLessThanOrEqual(defaultTunerOptions.maxStep + 1e-9);
    expect(p.expected.cloudShare.after).toBeGreaterThan(p.expected.cloudShare.before);
    expect(p.expected.missRate.after).toBeLessThan(p.expected.missRate.before);
    expect(p.reasons[0]).toMatch(/misses: send more to the cloud/);
  });

  it('raises the cloud threshold when local answers near it are all good and cloud calls are costly', () => {
    const rated = [
      ...[0.45, 0.48, 0.5, 0.52, 0.55, 0.56, 0.57, 0.58, 0.59].map((c) => local(c, 'up')),
      cloud(0.62, 'up'),
      cloud(0.64, 'up'),
    ];
    const p = proposeThresholds(rated, spread(200), current);
    expect(p.proposed.cloud).toBeGreaterThan(current.cloud);
    expect(p.expected.cloudShare.after).toBeLessThan(p.expected.cloudShare.before);
  });

  it('is deterministic and keeps medium ≤ cloud', () => {
    const rated = [
      ...[0.25, 0.27, 0.28, 0.29].map((c) => local(c, 'down', 'small')),
      ...[0.1, 0.12, 0.4, 0.5, 0.55].map((c) => local(c, 'up', c < 0.3 ? 'small' : 'medium')),
    ];
    const a = proposeThresholds(rated, spread(50), current);
    expect(proposeThresholds(rated, spread(50), current)).toEqual(a);
    expect(a.proposed.medium).toBeLessThanOrEqual(a.proposed.cloud);
    expect(a.proposed.medium).toBeLessThan(current.medium);
  });
});
