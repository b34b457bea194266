// Machine tiers (seed's VPS table) and the route ladder each tier runs locally, derived from the model catalog.
import type { Route, Tier } from '../contracts/decision.js';
import { MODEL_BUDGET_MIB } from './memory.js';
import { localModels, type LocalModelEntry, type LocalRoute } from './models.js';

/** One tier's local ladder: which catalog models serve each local route, best first. */
export interface TierLadder {
  tier: Tier;
  /** Seed's RAM figure for this tier, GiB. */
  ramGiB: number;
  /** Local routes with their models (preferred first, from the catalog); a route absent here goes to the cloud. */
  routes: Partial<Record<Exclude<Route, 'cloud'>, readonly string[]>>;
  /**
   * Share of the medium complexity band (its upper part) that goes to the 'large' route when the tier
   * has one: 0 = none, 0.5 = the upper half. Tiers with a 7B model keep more medium work local.
   */
  largeShareOfMedium: number;
  /** Local share the seed promises for this tier (shown in the UI, checked by the dashboard). */
  localShareTarget: readonly [number, number];
  /**
   * Answers each local model gives at once (its context's parallel sequences, decoded in one batch). Each costs one
   * KV cache (context tokens × layers × KV width × 2 bytes); the engine lowers it at load time when free memory is short.
   */
  parallelSequences: number;
}

/**
 * A tier's local routes from the catalog: every local model whose derived memory need fits the tier's per-model
 * budget (its `minTier`, data/memory.ts) fills its `ladderRoute`, best first by the evidence order of data/models.ts.
 * The router answers each rung with the first model of this order that is present, so the recommended download
 * ({@link recommendationsFor}) is also the model that answers its rung once its file is there; the seed's TinyLlama,
 * Phi-2 and Mistral-7B answer when they are the best present file of their rung, or when a request names them.
 */
export function ladderRoutesFor(tier: Tier): Partial<Record<LocalRoute, readonly string[]>> {
  const routes: Partial<Record<LocalRoute, string[]>> = {};
  for (const m of localModels) if (m.minTier <= tier) (routes[m.ladderRoute] ??= []).push(m.id);
  return routes;
}

export const tierLadders: Record<Tier, TierLadder> = {
  // 2 GB: only TinyLlama fits beside the OS (1.4 GB per model); everything above "small" goes to the cloud.
  // Parallel 2: TinyLlama's 4,096-token KV cache is ~90 MB, so a second sequence fits 2 GB; a third would crowd the OS.
  1: { tier: 1, ramGiB: 2, routes: ladderRoutesFor(1), largeShareOfMedium: 0, localShareTarget: [0.3, 0.3], parallelSequences: 2 },
  // 4 GB (3.1 GB per model): Qwen3 1.7B and SmolLM3 3B — medium prompts stay local.
  // Parallel 2: a 3B model's 4,096-token KV cache is ~0.5 GB (Phi-2, without grouped-query attention, ~1.3 GB), so 4 GB
  // holds one extra.
  2: { tier: 2, ramGiB: 4, routes: ladderRoutesFor(2), largeShareOfMedium: 0, localShareTarget: [0.6, 0.7], parallelSequences: 2 },
  // 8 GB (6.7 GB per model): Qwen3 4B for medium and Mistral-7B (4.9 GB) for large; large takes the harder third of
  // the medium band.
  3: {
    tier: 3,
    ramGiB: 8,
    routes: ladderRoutesFor(3),
    largeShareOfMedium: 1 / 3,
    localShareTarget: [0.75, 0.85],
    // 4: Mistral-7B's grouped-query KV is ~0.5 GB per 4,096-token sequence, so four take ~2 GB beside its 4.4 GB weights.
    parallelSequences: 4,
  },
  // 16 GB + GPU: same models, GPU offload makes the 7B fast, so it takes the upper half of medium.
  4: {
    tier: 4,
    ramGiB: 16,
    routes: ladderRoutesFor(4),
    largeShareOfMedium: 1 / 2,
    localShareTarget: [0.85, 0.95],
    // 8: with a GPU the batch is nearly free up to a few sequences, and 16 GB holds eight 7B KV caches (~4 GB).
    parallelSequences: 8,
  },
};

/** One rung's recommended download for a tier, with the reason shown beside it. */
export interface Recommendation {
  id: string;
  route: LocalRoute;
  /** e.g. "best small model in 4 GB (3.0 GB per model): Qwen3 1.7B, needs 2.1 GB; GSM-Plus 68.3 …" */
  reason: string;
}

function gb(mib: number): string {
  return `${(mib / 1024).toFixed(1)} GB`;
}

/**
 * What to download for a tier, weakest rung first: on each rung the best model by the catalog's evidence order whose
 * derived memory need fits the tier's per-model budget.
 */
export function recommendationsFor(tier: Tier): Recommendation[] {
  const routes = tierLadders[tier].routes;
  return (['small', 'medium', 'large'] as const).flatMap((route) => {
    // The first model of the rung's ladder: the best by the catalog's evidence order that fits this tier.
    const id = routes[route]?.[0];
    const m: LocalModelEntry | undefined = id === undefined ? undefined : localModels.find((x) => x.id === id);
    if (!m) return [];
    const budget = `${tierLadders[tier].ramGiB} GB (${gb(MODEL_BUDGET_MIB[tier])} per model)`;
    const reason = `best ${route} model in ${budget}: ${m.label}, needs ${gb(m.ramMiB)}; ${m.evidence.summary}`;
    return [{ id: m.id, route, reason }];
  });
}

/** The ids of {@link recommendationsFor}. */
export function recommendedModels(tier: Tier): string[] {
  return recommendationsFor(tier).map((r) => r.id);
}
