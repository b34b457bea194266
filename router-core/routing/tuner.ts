// Offline threshold tuner: from thumbs up/down and "retry with Claude" feedback, propose new thresholds and their expected effect.
import type { ComplexityThresholds } from './complexity.js';

/** One rated answer: what the router did and what the person said. */
export interface RatedAnswer {
  complexity: number;
  /** 'small' | 'medium' | 'large' | 'cloud' (the rung that answered). */
  route: string;
  /** The answer came from the cloud. */
  cloud: boolean;
  rating: 'up' | 'down' | 'retry';
}

/** A proposal the person accepts or not; nothing is applied here. */
export interface TuningProposal {
  current: ComplexityThresholds;
  proposed: ComplexityThresholds;
  /** Enough rated local answers to say anything. */
  enoughData: boolean;
  evidence: { rated: number; localRated: number; localMisses: number; smallRated: number; smallMisses: number };
  expected: {
    cloudShare: { before: number; after: number };
    /** Share of rated answers that were misses, before and (estimated) after. */
    missRate: { before: number; after: number };
  };
  reasons: string[];
}

export interface TunerOptions {
  /** why: fewer than 8 rated local answers is anecdote; one thumbs-down should not move the router. */
  minLocalRated: number;
  /** why: feedback is sparse and noisy, so one tuning moves a threshold by at most 0.1 (a third of a band). */
  maxStep: number;
  /**
   * Weight of cloud share against misses. why: 0.3 means avoiding one miss is worth ~3 extra cloud calls in every
   * ten requests' worth of share; a miss costs a retry (a cloud call anyway) plus the person's time.
   */
  cloudWeight: number;
  /** Same trade for the small→medium threshold; moving up to a local medium model costs no money, so it is cheaper. */
  mediumWeight: number;
}

export const defaultTunerOptions: TunerOptions = { minLocalRated: 8, maxStep: 0.1, cloudWeight: 0.3, mediumWeight: 0.1 };

/** why: 0.01 steps are finer than the estimator's own noise; coarser would skip good points. */
const GRID = 0.01;
/** why: the miss rate just under a threshold (0.15 wide, half a band) predicts what moving it up would cost. */
const NEAR = 0.15;

const isMiss = (a: RatedAnswer): boolean => a.rating !== 'up';

/**
 * Propose thresholds from feedback. `scores` are the complexity scores of recent auto-routed requests (rated or
 * not), used to predict the cloud share. Pure and deterministic.
 */
export function proposeThresholds(
  rated: readonly RatedAnswer[],
  scores: readonly number[],
  current: ComplexityThresholds,
  opts: TunerOptions = defaultTunerOptions,
): TuningProposal {
  const local = rated.filter((a) => !a.cloud);
  const small = local.filter((a) => a.route === 'small');
  const localMisses = local.filter(isMiss);
  const smallMisses = small.filter(isMiss);
  const cloudShareAt = (c: number): number => (scores.length === 0 ? 0 : scores.filter((s) => s >= c).length / scores.length);
  const missesBefore = rated.filter(isMiss).length;
  const evidence = {
    rated: rated.length,
    localRated: local.length,
    localMisses: localMisses.length,
    smallRated: small.length,
    smallMisses: smallMisses.length,
  };
  const base: TuningProposal = {
    current,
    proposed: current,
    enoughData: local.length >= opts.minLocalRated,
    evidence,
    expected: {
      cloudShare: { before: cloudShareAt(current.cloud), after: cloudShareAt(current.cloud) },
      missRate: { before: rated.length ? missesBefore / rated.length : 0, after: rated.length ? missesBefore / rated.length : 0 },
    },
    reasons: [],
  };
  if (!base.enoughData) {
    base.reasons.push(`only ${local.length} rated local answers (need ${opts.minLocalRated}): keep the current thresholds`);
    return base;
  }

  // Estimated misses if the cloud threshold were c: local misses at or above c move to the cloud (fixed); rated cloud
  // answers below c would become local and miss at the rate seen just under the current threshold.
  const nearMissRate = smoothedRate(local.filter((a) => a.complexity >= current.cloud - NEAR && a.complexity < current.cloud));
  const missesAtCloud = (c: number): number => {
    let m = 0;
    for (const a of rated) {
      if (!a.cloud) m += isMiss(a) && a.complexity < c ? 1 : 0;
      else if (a.complexity < c) m += nearMissRate;
      else m += isMiss(a) ? 1 : 0;
    }
    return m;
  };
  const cloud = bestThreshold(current.cloud, opts.maxStep, (c) => missesAtCloud(c) / rated.length + opts.cloudWeight * cloudShareAt(c));

  // The small→medium threshold, from answers of the small rung only.
  const nearSmallRate = smoothedRate(small.filter((a) => a.complexity >= current.medium - NEAR));
  const mediumShareAt = (m: number): number => (scores.length === 0 ? 0 : scores.filter((s) => s >= m && s < cloud).length / scores.length);
  const missesAtMedium = (m: number): number => {
    let x = 0;
    for (const a of local) {
      if (a.route === 'small') x += isMiss(a) && a.complexity < m ? 1 : 0;
      else if (a.complexity < m) x += nearSmallRate;
    }
    return x;
  };
  let medium =
    small.length >= opts.minLocalRated / 2
      ? bestThreshold(
          current.medium,
          opts.maxStep,
          (m) => missesAtMedium(m) / Math.max(1, local.length) + opts.mediumWeight * mediumShareAt(m),
        )
      : current.medium;
  medium = Math.min(medium, cloud);

  const proposed = { medium: round2(medium), cloud: round2(cloud) };
  const after = missesAtCloud(proposed.cloud) + (missesAtMedium(proposed.medium) - missesAtMedium(current.medium));
  base.proposed = proposed;
  base.expected = {
    cloudShare: { before: cloudShareAt(current.cloud), after: cloudShareAt(proposed.cloud) },
    missRate: { before: missesBefore / rated.length, after: Math.max(0, after) / rated.length },
  };
  if (proposed.cloud < current.cloud) {
    base.reasons.push(
      `${localMisses.length} of ${local.length} rated local answers were misses: send more to the cloud (cloud ≥ ${proposed.cloud})`,
    );
  } else if (proposed.cloud > current.cloud) {
    base.reasons.push(`local answers near the cloud threshold were rated well: keep more local (cloud ≥ ${proposed.cloud})`);
  } else base.reasons.push('the cloud threshold already balances misses and cloud share');
  if (proposed.medium !== current.medium)
    base.reasons.push(`small-model answers: ${smallMisses.length} misses of ${small.length} → medium ≥ ${proposed.medium}`);
  return base;
}

/** The threshold within ±maxStep of `current` (0..1) minimising `cost`; ties keep the one closest to current. */
function bestThreshold(current: number, maxStep: number, cost: (t: number) => number): number {
  let best = current;
  let bestCost = cost(current);
  const steps = Math.round(maxStep / GRID);
  for (let k = -steps; k <= steps; k++) {
    const t = round2(current + k * GRID);
    if (t < 0 || t > 1 || k === 0) continue;
    const c = cost(t);
    if (c < bestCost - 1e-9 || (Math.abs(c - bestCost) <= 1e-9 && Math.abs(t - current) < Math.abs(best - current))) {
      best = t;
      bestCost = c;
    }
  }
  return best;
}

/** Miss rate with one pseudo-miss and one pseudo-hit (Laplace), so an empty band reads as 50%, not 0%. */
function smoothedRate(xs: readonly RatedAnswer[]): number {
  return (xs.filter(isMiss).length + 1) / (xs.length + 2);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
