// Machine tiers (seed's VPS table) and the route ladder each tier runs locally.
import type { Route, Tier } from '../contracts/decision.js';

/** One tier's local ladder: which catalog models serve each local route, best first. */
export interface TierLadder {
  tier: Tier;
  /** Seed's RAM figure for this tier, GiB. */
  ramGiB: number;
  /** Local routes with their models (strongest first); a route absent here goes to the cloud. */
  routes: Partial<Record<Exclude<Route, 'cloud'>, readonly string[]>>;
  /**
   * Share of the medium complexity band (its upper part) that goes to the 'large' route when the tier
   * has one: 0 = none, 0.5 = the upper half. Tiers with a 7B model keep more medium work local.
   */
  largeShareOfMedium: number;
  /** Local share the seed promises for this tier (shown in the UI, checked by the dashboard). */
  localShareTarget: readonly [number, number];
}

export const tierLadders: Record<Tier, TierLadder> = {
  // 2 GB: only TinyLlama fits beside the OS; everything above "small" goes to the cloud.
  1: { tier: 1, ramGiB: 2, routes: { small: ['tinyllama'] }, largeShareOfMedium: 0, localShareTarget: [0.3, 0.3] },
  // 4 GB: TinyLlama + Phi-2 (2.3 GB at Q4) — medium prompts stay local.
  2: { tier: 2, ramGiB: 4, routes: { small: ['tinyllama'], medium: ['phi2'] }, largeShareOfMedium: 0, localShareTarget: [0.6, 0.7] },
  // 8 GB: Mistral-7B (5.2 GB at Q4) fits; it takes the harder third of the medium band.
  3: {
    tier: 3,
    ramGiB: 8,
    routes: { small: ['tinyllama'], medium: ['phi2'], large: ['mistral-7b'] },
    largeShareOfMedium: 1 / 3,
    localShareTarget: [0.75, 0.85],
  },
  // 16 GB + GPU: same models, GPU offload makes the 7B fast, so it takes the upper half of medium.
  4: {
    tier: 4,
    ramGiB: 16,
    routes: { small: ['tinyllama'], medium: ['phi2'], large: ['mistral-7b'] },
    largeShareOfMedium: 1 / 2,
    localShareTarget: [0.85, 0.95],
  },
};
