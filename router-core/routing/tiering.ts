// pickTier: machine profile (or the user's override) → tier 1–4 with a human reason; unknowns degrade.
import type { Tier } from '../contracts/decision.js';
import type { HardwareProfile, TierDecision } from '../contracts/hardware.js';

// RAM the OS and the app itself keep for themselves before models count (why a "4 GB" laptop is not tier 2 + headroom).
const RAM_TIER_MIN_MIB: Record<Tier, number> = {
  // The seed's table: 2 / 4 / 8 / 16 GB; 10% slack because "8 GB" machines report ~7.6 GiB usable.
  1: 0,
  2: 3_600,
  3: 7_200,
  4: 14_500,
};
/** Tier 4 needs a GPU with enough VRAM (or unified memory) to offload a 7B model at Q4 (~5 GiB). */
const TIER4_MIN_VRAM_MIB = 6_000;

function gib(mib: number): string {
  return `${Math.round((mib / 1024) * 10) / 10} GB`;
}

/** Choose the tier for this machine. */
export function pickTier(profile: HardwareProfile, override?: Tier): TierDecision {
  if (override !== undefined) return { tier: override, reason: `tier ${override} chosen by the user`, overridden: true };
  if (!profile.totalRamMiB.known) {
    return { tier: 1, reason: `RAM unknown (${profile.totalRamMiB.reason}) → tier 1 to be safe`, overridden: false };
  }
  const ram = profile.totalRamMiB.value;
  let tier: Tier = 1;
  for (const t of [2, 3, 4] as const) if (ram >= RAM_TIER_MIN_MIB[t]) tier = t;
  let gpuText: string;
  if (!profile.gpus.known) gpuText = `GPU unknown (${profile.gpus.reason})`;
  else if (profile.gpus.value.length === 0) gpuText = 'no GPU';
  else {
    const best = profile.gpus.value.reduce((a, b) => ((b.vramMiB ?? 0) > (a.vramMiB ?? 0) ? b : a));
    gpuText = `${best.model}${best.vramMiB ? ` (${gib(best.vramMiB)})` : ''}`;
  }
  if (tier === 4) {
    const gpuOk = profile.gpus.known && profile.gpus.value.some((g) => (g.vramMiB ?? 0) >= TIER4_MIN_VRAM_MIB);
    if (!gpuOk) {
      return {
        tier: 3,
        reason: `${gib(ram)} RAM, ${gpuText} → tier 3 (tier 4 needs a GPU with ≥ ${gib(TIER4_MIN_VRAM_MIB)})`,
        overridden: false,
      };
    }
  }
  return { tier, reason: `${gib(ram)} RAM, ${gpuText} → tier ${tier}`, overridden: false };
}

/**
 * The tier in force, as the server, `ask` and `route` all decide it: `--tier` (or HYBRID_AI_TIER, or the config
 * file's `tier`) first, then the tier saved in Settings, then the one detected from `profile`. A saved value that is
 * not a tier is ignored, and the reason says so.
 */
export function tierInForce(profile: HardwareProfile, configTier: Tier | undefined, saved: unknown): TierDecision {
  if (configTier !== undefined) return { ...pickTier(profile, configTier), reason: `tier ${configTier} set by --tier` };
  if (saved === 1 || saved === 2 || saved === 3 || saved === 4)
    return { ...pickTier(profile, saved), reason: `tier ${saved} chosen in Settings` };
  const t = pickTier(profile);
  if (saved !== undefined && saved !== null)
    return { ...t, reason: `${t.reason} (ignored the saved tier ${JSON.stringify(saved)}: valid are 1, 2, 3, 4)` };
  return t;
}
