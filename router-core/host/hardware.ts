// detectHardware: RAM and CPU from the OS (GPU detection is time-boxed and degrades to "unknown").
import os from 'node:os';
import type { HardwareProfile } from '../contracts/hardware.js';

/** A fast, never-throwing machine profile. GPUs are reported unknown until a probe is configured. */
export function detectHardware(): HardwareProfile {
  const safe = <T>(f: () => T, what: string): { known: true; value: T } | { known: false; reason: string } => {
    try {
      return { known: true, value: f() };
    } catch (e) {
      return { known: false, reason: `${what} unreadable: ${e instanceof Error ? e.message : String(e)}` };
    }
  };
  return {
    totalRamMiB: safe(() => Math.round(os.totalmem() / 1048576), 'total memory'),
    freeRamMiB: safe(() => Math.round(os.freemem() / 1048576), 'free memory'),
    cpuCores: safe(() => os.availableParallelism(), 'CPU count'),
    gpus: { known: false, reason: 'GPU detection not run' },
    platform: process.platform,
    arch: process.arch,
  };
}
