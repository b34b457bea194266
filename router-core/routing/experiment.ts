// Routing experiments, pure: sticky arm assignment by hash, and the arms' comparison with 95% confidence intervals.

/** The two arms: A runs the main policy, B the experiment's variant (a partial override of the routing settings). */
export type ArmId = 'A' | 'B';

/** Both arms, in display order. */
export const ARMS: readonly ArmId[] = ['A', 'B'];

/**
 * 32-bit FNV-1a over the UTF-16 code units of `text`: deterministic on every platform, no crypto needed (the split
 * only has to be even and stable, not secret).
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * MurmurHash3's 32-bit finaliser: spreads every input bit over every output bit. why: FNV-1a alone leaves keys that
 * differ only in their last characters (conv-1, conv-2, ...) clustered in the high bits, which skewed a 50% split
 * by more than two points over 20,000 sequential keys.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The arm of one request: B when the hash of `experimentId:key` falls in the first `share` of the 32-bit range.
 * `key` is the conversation id (every turn of a chat stays in one arm) or, with none, the request id. Hashing the
 * experiment id in too means a new experiment draws a fresh split instead of reusing the last one's B conversations.
 */
export function assignArm(experimentId: string, share: number, key: string): ArmId {
  return fmix32(fnv1a32(`${experimentId}:${key}`)) / 0x1_0000_0000 < share ? 'B' : 'A';
}

/** Two-sided 95% normal quantile (z for α = 0.05). */
export const Z95 = 1.959963984540054;

/** A proportion with its 95% confidence interval. */
export interface Proportion {
  count: number;
  total: number;
  /** count / total (0 when total is 0). */
  rate: number;
  low: number;
  high: number;
}

/**
 * Wilson score interval for `count` successes of `total` (Wilson 1927; Newcombe 1998, method 3). Chosen over the
 * plain normal (Wald) interval because it stays inside [0, 1] and keeps its coverage for small samples and for
 * rates near 0, which is where thumbs-down and retry rates live. total 0: nothing is known, [0, 1].
 */
export function wilsonInterval(count: number, total: number, z = Z95): Proportion {
  if (total <= 0) return { count: 0, total: 0, rate: 0, low: 0, high: 1 };
  const p = count / total;
  const z2 = z * z;
  const denom = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denom;
  return { count, total, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** A mean with its 95% confidence interval (null bounds: fewer than two values, no spread to estimate). */
export interface MeanEstimate {
  n: number;
  mean: number;
  low: number | null;
  high: number | null;
}

/**
 * Normal-approximation interval for a mean from its sums: mean ± z·s/√n with the sample standard deviation
 * s² = (Σx² − (Σx)²/n) / (n − 1). Costs are skewed (most local answers cost 0), so this is an approximation that
 * needs a few dozen requests per arm before it is trustworthy; the counts are shown beside it for that reason.
 */
export function meanInterval(n: number, sum: number, sumSquares: number, z = Z95): MeanEstimate {
  if (n <= 0) return { n: 0, mean: 0, low: null, high: null };
  const mean = sum / n;
  if (n < 2) return { n, mean, low: null, high: null };
  // Rounding in Σx² can leave a tiny negative number where all values are equal.
  const variance = Math.max(0, (sumSquares - (sum * sum) / n) / (n - 1));
  const half = z * Math.sqrt(variance / n);
  return { n, mean, low: mean - half, high: mean + half };
}

/** One arm's totals as the ledger sums them (money in integer micro-dollars). */
export interface ArmTotals {
  arm: ArmId;
  /** Requests this arm's policy decided. */
  requests: number;
  /** Of them, answered by the cloud. */
  cloud: number;
  costMicros: number;
  /** Σ cost² over the requests (micro-dollars squared), for the spread of the mean. */
  costSquaresMicros: number;
  /** Answers rated thumbs-down. */
  down: number;
  /** Answers the person asked Claude again for ("retry with Claude": a retry verdict or a replacing answer). */
  retried: number;
}

/** One arm compared: counts, rates with Wilson intervals, mean cost per request with its interval (micro-dollars). */
export interface ArmComparison {
  arm: ArmId;
  requests: number;
  cloudShare: Proportion;
  costMicros: number;
  /** Mean cost per request and its 95% interval, rounded to whole micro-dollars; the low bound is never below 0. */
  meanCostMicros: { mean: number; low: number | null; high: number | null };
  thumbsDown: Proportion;
  retryWithClaude: Proportion;
}

/**
 * Compare the arms: every arm of {@link ARMS} appears, with zeros when it has no requests yet. Rates are per
 * request the arm decided, so an arm is not flattered by the answers nobody rated.
 */
export function compareArms(totals: readonly ArmTotals[]): ArmComparison[] {
  return ARMS.map((arm) => {
    const t = totals.find((x) => x.arm === arm) ?? { arm, requests: 0, cloud: 0, costMicros: 0, costSquaresMicros: 0, down: 0, retried: 0 };
    const m = meanInterval(t.requests, t.costMicros, t.costSquaresMicros);
    // why clamp at 0: a cost cannot be negative; the normal approximation's lower bound can be, on skewed costs.
    const round = (v: number | null): number | null => (v === null ? null : Math.max(0, Math.round(v)));
    return {
      arm,
      requests: t.requests,
      cloudShare: wilsonInterval(t.cloud, t.requests),
      costMicros: t.costMicros,
      meanCostMicros: { mean: Math.round(m.mean), low: round(m.low), high: round(m.high) },
      thumbsDown: wilsonInterval(t.down, t.requests),
      retryWithClaude: wilsonInterval(t.retried, t.requests),
    };
  });
}

/** The arm the comparison favours, and why in words; null arm: no clear winner yet. */
export interface Verdict {
  arm: ArmId | null;
  reason: string;
}

/** `x` is clearly above `y`: their 95% intervals do not overlap. */
const clearlyAbove = (x: { low: number | null }, y: { high: number | null }): boolean =>
  x.low !== null && y.high !== null && x.low > y.high;

/**
 * Which arm to adopt, judged only on differences the 95% intervals show (non-overlapping intervals: a conservative
 * test, so a "winner" is never a streak of luck). Quality first: an arm clearly rated worse (thumbs-down or retry
 * with Claude) loses whatever it saves. Then money: an arm clearly cheaper per request, and not clearly worse,
 * wins. Anything else is "no clear winner yet".
 */
export function pickWinner(arms: readonly ArmComparison[]): Verdict {
  const a = arms.find((x) => x.arm === 'A');
  const b = arms.find((x) => x.arm === 'B');
  if (!a || !b || a.requests === 0 || b.requests === 0) return { arm: null, reason: 'no clear winner yet: each arm needs requests' };
  const worse = (x: ArmComparison, y: ArmComparison): boolean =>
    clearlyAbove(x.thumbsDown, y.thumbsDown) || clearlyAbove(x.retryWithClaude, y.retryWithClaude);
  const bWorse = worse(b, a);
  const aWorse = worse(a, b);
  if (bWorse && !aWorse) return { arm: 'A', reason: 'B is rated clearly worse (thumbs-down or retry with Claude)' };
  if (aWorse && !bWorse) return { arm: 'B', reason: 'A is rated clearly worse (thumbs-down or retry with Claude)' };
  if (bWorse || aWorse) return { arm: null, reason: 'no clear winner yet: each arm is rated worse on something' };
  if (clearlyAbove(a.meanCostMicros, b.meanCostMicros))
    return { arm: 'B', reason: 'B costs clearly less per request and is not rated worse' };
  if (clearlyAbove(b.meanCostMicros, a.meanCostMicros))
    return { arm: 'A', reason: 'A costs clearly less per request and is not rated worse' };
  return { arm: null, reason: 'no clear winner yet: the 95% intervals overlap' };
}
