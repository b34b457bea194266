// What the core knows about the machine; each field may be unknown, with the reason.
import type { Tier } from './decision.js';

/** A measured value or why it could not be measured. */
export type Known<T> = { known: true; value: T } | { known: false; reason: string };

export interface GpuInfo {
  vendor: 'nvidia' | 'amd' | 'intel' | 'apple' | 'other';
  model: string;
  /** Dedicated VRAM (or unified memory usable by the GPU on Apple Silicon), MiB. */
  vramMiB: number | null;
}

export interface HardwareProfile {
  totalRamMiB: Known<number>;
  freeRamMiB: Known<number>;
  cpuCores: Known<number>;
  gpus: Known<GpuInfo[]>;
  platform: string;
  arch: string;
}

/** The tier chosen and the sentence shown to the user ("8 GB RAM, no GPU → tier 3"). */
export interface TierDecision {
  tier: Tier;
  reason: string;
  overridden: boolean;
}
