// pickTier on ordinary and odd machines: unknown RAM or GPU, containers, big RAM without GPU.
import { describe, expect, it } from 'vitest';
import type { HardwareProfile } from '../contracts/hardware.js';
import { pickTier } from './tiering.js';

const profile = (ramMiB: number | null, gpus: HardwareProfile['gpus'] = { known: true, value: [] }): HardwareProfile => ({
  totalRamMiB: ramMiB === null ? { known: false, reason: '/proc/meminfo unreadable' } : { known: true, value: ramMiB },
  freeRamMiB: { known: false, reason: 'not measured' },
  cpuCores: { known: true, value: 2 },
  gpus,
  diskFreeMiB: { known: true, value: 50_000 },
  platform: 'linux',
  arch: 'x64',
  notes: [],
});

describe('pickTier', () => {
  it('maps the seed table', () => {
    expect(pickTier(profile(2048)).tier).toBe(1);
    expect(pickTier(profile(4096)).tier).toBe(2);
    expect(pickTier(profile(7800)).tier).toBe(3);
  });
  it('says why in words', () => {
    expect(pickTier(profile(8192)).reason).toBe('8 GB RAM, no GPU → tier 3');
  });
  it('16 GB without a GPU stays tier 3 and says what tier 4 needs', () => {
    const d = pickTier(profile(16384));
    expect(d.tier).toBe(3);
    expect(d.reason).toMatch(/tier 4 needs a GPU/);
  });
  it('16 GB with an 8 GB NVIDIA GPU is tier 4', () => {
    const d = pickTier(profile(16384, { known: true, value: [{ vendor: 'nvidia', model: 'RTX 4060', vramMiB: 8192 }] }));
    expect(d).toMatchObject({ tier: 4, reason: '16 GB RAM, RTX 4060 (8 GB) → tier 4' });
  });
  it('unknown RAM degrades to tier 1 with the reason', () => {
    expect(pickTier(profile(null))).toMatchObject({ tier: 1, reason: expect.stringMatching(/RAM unknown \(\/proc\/meminfo unreadable\)/) });
  });
  it('unknown GPU never reaches tier 4', () => {
    const d = pickTier(profile(32768, { known: false, reason: 'nvidia-smi timed out' }));
    expect(d.tier).toBe(3);
    expect(d.reason).toMatch(/GPU unknown \(nvidia-smi timed out\)/);
  });
  it('the user can override', () => {
    expect(pickTier(profile(2048), 3)).toEqual({ tier: 3, reason: 'tier 3 chosen by the user', overridden: true });
  });
});
