// Machine tiers (seed's VPS table) and the route ladder each tier runs locally, derived from the model catalog.
import type { Route, Tier } from '../contracts/decision.js';
import { localModels, type LocalRoute } from './models.js';

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
 * A tier's local routes from the catalog: every local model whose `minTier` the tier reaches fills its
 * `ladderRoute`, in catalog order (seed model first, newer alternates after it).
 */
export function ladderRoutesFor(tier: Tier): Partial<Record<LocalRoute, readonly string[]>> {
  const routes: Partial<Record<LocalRoute, string[]>> = {};
  for (const m of localModels) if (m.minTier <= tier) (routes[m.ladderRoute] ??= []).push(m.id);
  return routes;
}

export const tierLadders: Record<Tier, TierLadder> = {
  // 2 GB: only TinyLlama fits beside the OS; everything above "small" goes to the cloud.
  // Parallel 2: TinyLlama's 4,096-token KV cache is ~90 MB, so a second sequence fits 2 GB; a third would crowd the OS.
  1: { tier: 1, ramGiB: 2, routes: ladderRoutesFor(1), largeShareOfMedium: 0, localShareTarget: [0.3, 0.3], parallelSequences: 2 },
  // 4 GB: TinyLlama + Phi-2 (2.3 GB at Q4) — medium prompts stay local (Qwen2.5 1.5B / Llama 3.2 3B as alternates).
  // Parallel 2: Phi-2 has no grouped-query attention (~1.3 GB of KV per 4,096-token sequence), so 4 GB holds one extra.
  2: { tier: 2, ramGiB: 4, routes: ladderRoutesFor(2), largeShareOfMedium: 0, localShareTarget: [0.6, 0.7], parallelSequences: 2 },
  // 8 GB: Mistral-7B (5.2 GB at Q4) fits; it takes the harder third of the medium band.
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

/** What to download for a tier: the preferred (first) model of each rung of its ladder, weakest rung first. */
export function recommendedModels(tier: Tier): string[] {
  const routes = tierLadders[tier].routes;
  return (['small', 'medium', 'large'] as const).flatMap((r) => (routes[r]?.[0] ? [routes[r][0]] : []));
}
