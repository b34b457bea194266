// detectHardware on simulated machines (injected probes): nvidia-smi output, no GPU, containers, missing tools, unreadable /sys.
import { describe, expect, it } from 'vitest';
import { pickTier } from '../routing/tiering.js';
import {
  detectHardware,
  gpusFromGraphics,
  probeTimedOut,
  parseCgroupLimit,
  parseCpuQuota,
  parseNvidiaSmi,
  type HardwareProbes,
} from './hardware.js';

const GiB = 1024 ** 3;
const enoent = (what: string): NodeJS.ErrnoException => Object.assign(new Error(`spawn ${what} ENOENT`), { code: 'ENOENT' });

/** A plain Linux laptop with 8 GB, no GPU and no nvidia-smi; each test overrides what it needs. */
function machine(over: Partial<HardwareProbes> = {}): Partial<HardwareProbes> {
  return {
    platform: 'linux',
    arch: 'x64',
    totalMemBytes: () => 8 * GiB,
    availableMemBytes: async () => 5 * GiB,
    cpuCount: () => 8,
    cpuModel: () => 'Intel(R) Core(TM) i7',
    run: async (cmd) => {
      throw enoent(cmd);
    },
    readText: async (f) => {
      throw Object.assign(new Error(`ENOENT: ${f}`), { code: 'ENOENT' });
    },
    exists: async () => false,
    listDir: async () => [],
    graphics: async () => [],
    diskFreeBytes: async () => 100 * GiB,
    ...over,
  };
}

describe('parsers', () => {
  it('nvidia-smi csv, one line per GPU, names with spaces and [N/A] memory', () => {
    expect(parseNvidiaSmi('NVIDIA GeForce RTX 4090, 24564\nTesla T4, 15360\n')).toEqual([
      { vendor: 'nvidia', model: 'NVIDIA GeForce RTX 4090', vramMiB: 24564 },
      { vendor: 'nvidia', model: 'Tesla T4', vramMiB: 15360 },
    ]);
    expect(parseNvidiaSmi('NVIDIA GH200 480GB, [N/A]\r\n')).toEqual([{ vendor: 'nvidia', model: 'NVIDIA GH200 480GB', vramMiB: null }]);
    expect(parseNvidiaSmi('No devices were found\n')).toEqual([]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });

  it('graphics controllers: vendors, integrated GPUs have no VRAM, VM display adapters are dropped', () => {
    expect(
      gpusFromGraphics(
        [
          { vendor: 'Advanced Micro Devices, Inc. [AMD/ATI]', model: 'Radeon RX 7900 XTX', vram: 24576, vramDynamic: false },
          { vendor: 'Intel Corporation', model: 'UHD Graphics 620', vram: 1536, vramDynamic: true },
          { vendor: 'VMware', model: 'SVGA II Adapter', vram: 8, vramDynamic: false },
          { vendor: 'NVIDIA', model: 'RTX 3060', vram: 12288, vramDynamic: false },
        ],
        true,
      ),
    ).toEqual([
      { vendor: 'amd', model: 'Radeon RX 7900 XTX', vramMiB: 24576 },
      { vendor: 'intel', model: 'UHD Graphics 620', vramMiB: null },
    ]);
  });

  it('cgroup limits: v2 "max", v1 huge numbers, real limits; CPU quotas', () => {
    expect(parseCgroupLimit('max\n')).toBeNull();
    expect(parseCgroupLimit('9223372036854771712\n')).toBeNull();
    expect(parseCgroupLimit('2147483648\n')).toBe(2 * GiB);
    expect(parseCgroupLimit('garbage')).toBeNull();
    expect(parseCpuQuota('max 100000')).toBeNull();
    expect(parseCpuQuota('150000 100000')).toBe(2);
    expect(parseCpuQuota('-1', '100000')).toBeNull();
    expect(parseCpuQuota('400000', '100000')).toBe(4);
  });
});

describe('detectHardware on odd machines', () => {
  it('a plain laptop without GPU and without nvidia-smi: GPUs known to be none → tier 3 with the reason', async () => {
    const p = await detectHardware({ dataDir: '/data', probes: machine() });
    expect(p).toMatchObject({
      totalRamMiB: { known: true, value: 8192 },
      freeRamMiB: { known: true, value: 5120 },
      cpuCores: { known: true, value: 8 },
      gpus: { known: true, value: [] },
      diskFreeMiB: { known: true, value: 102400 },
      notes: [],
    });
    expect(pickTier(p)).toMatchObject({ tier: 3, reason: '8 GB RAM, no GPU → tier 3' });
  });

  it('NVIDIA: the exact command line is asked, its GPUs count, and 16 GB + 8 GB VRAM is tier 4', async () => {
    const calls: string[] = [];
    const p = await detectHardware({
      probes: machine({
        totalMemBytes: () => 16 * GiB,
        run: async (cmd, args) => {
          calls.push([cmd, ...args].join(' '));
          return 'NVIDIA GeForce RTX 4060 Laptop GPU, 8188\n';
        },
        // systeminformation also lists the NVIDIA card: nvidia-smi's figure wins, no duplicate.
        graphics: async () => [{ vendor: 'NVIDIA Corporation', model: 'AD107M', vram: null, vramDynamic: false }],
      }),
    });
    expect(calls).toEqual(['nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits']);
    expect(p.gpus).toEqual({ known: true, value: [{ vendor: 'nvidia', model: 'NVIDIA GeForce RTX 4060 Laptop GPU', vramMiB: 8188 }] });
    expect(pickTier(p)).toMatchObject({ tier: 4, reason: '16 GB RAM, NVIDIA GeForce RTX 4060 Laptop GPU (8 GB) → tier 4' });
  });

  it('nvidia-smi that hangs is cut at the budget; with the graphics probe also silent the GPU is unknown → never tier 4', async () => {
    const started = Date.now();
    const p = await detectHardware({
      budgetMs: 200,
      probes: machine({
        totalMemBytes: () => 32 * GiB,
        run: () => new Promise<string>(() => undefined),
        graphics: () => new Promise(() => undefined),
      }),
    });
    // Generous bound for a loaded machine: the point is that a hung probe does not hang detection.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(p.gpus.known).toBe(false);
    expect(p.totalRamMiB).toEqual({ known: true, value: 32768 });
    const t = pickTier(p);
    expect(t.tier).toBe(3);
    expect(t.reason).toMatch(/GPU unknown \(.*did not answer within \d+ ms/);
  });

  it('a probe that ran out of time is marked as such by type, not by its words; a failing one is not', async () => {
    const hung = await detectHardware({
      budgetMs: 100,
      dataDir: '/',
      probes: machine({
        run: () => new Promise<string>(() => undefined),
        graphics: () => new Promise(() => undefined),
        diskFreeBytes: () => new Promise(() => undefined),
      }),
    });
    expect(hung.gpus.known).toBe(false);
    expect(probeTimedOut(hung.gpus)).toBe(true);
    expect(probeTimedOut(hung.diskFreeMiB)).toBe(true);
    // The same words from a probe that failed (not one that timed out) are not a timeout.
    const failed = await detectHardware({
      probes: machine({
        run: async () => {
          throw new Error('nvidia-smi did not answer within 5 ms');
        },
        graphics: async () => {
          throw new Error('graphics probe did not answer within 5 ms');
        },
      }),
    });
    expect(failed.gpus.known).toBe(false);
    expect(probeTimedOut(failed.gpus)).toBe(false);
    expect(probeTimedOut(hung.totalRamMiB)).toBe(false);
  });

  it('a broken NVIDIA driver (nvidia-smi exits non-zero) with an empty graphics list: no usable GPU', async () => {
    const p = await detectHardware({
      probes: machine({
        run: async () => {
          throw new Error("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");
        },
      }),
    });
    expect(p.gpus).toEqual({ known: true, value: [] });
  });

  it('a container: the cgroup memory and CPU limits win over the host figures, and the notes say so', async () => {
    const files: Record<string, string> = {
      '/sys/fs/cgroup/memory.max': `${2 * GiB}\n`,
      '/sys/fs/cgroup/memory.current': `${GiB / 2}\n`,
      '/sys/fs/cgroup/cpu.max': '200000 100000\n',
      '/proc/1/cgroup': '0::/\n',
    };
    const p = await detectHardware({
      probes: machine({
        totalMemBytes: () => 64 * GiB,
        availableMemBytes: async () => 60 * GiB,
        cpuCount: () => 32,
        exists: async (f) => f === '/.dockerenv',
        readText: async (f) => {
          if (f in files) return files[f]!;
          throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        },
      }),
    });
    expect(p.totalRamMiB).toEqual({ known: true, value: 2048 });
    expect(p.freeRamMiB).toEqual({ known: true, value: 1536 });
    expect(p.cpuCores).toEqual({ known: true, value: 2 });
    expect(p.notes).toEqual(
      expect.arrayContaining([
        'running in a container',
        expect.stringMatching(/memory limited to 2\.0 GB/),
        expect.stringMatching(/CPU limited to 2 of 32/),
      ]),
    );
    expect(pickTier(p).tier).toBe(1);
  });

  it('unreadable /sys and /proc, a failing memory probe and a failing disk probe: unknowns with reasons, no throw', async () => {
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const p = await detectHardware({
      dataDir: '/data',
      probes: machine({
        readText: async () => {
          throw eacces;
        },
        listDir: async () => {
          throw eacces;
        },
        availableMemBytes: async () => {
          throw eacces;
        },
        diskFreeBytes: async () => {
          throw eacces;
        },
        graphics: async () => {
          throw new Error('lspci: not found');
        },
      }),
    });
    expect(p.freeRamMiB).toEqual({ known: false, reason: 'free memory unreadable: EACCES' });
    expect(p.diskFreeMiB).toEqual({ known: false, reason: 'free disk space unreadable: EACCES' });
    expect(p.gpus).toEqual({ known: false, reason: 'graphics probe failed: lspci: not found' });
    expect(p.totalRamMiB).toEqual({ known: true, value: 8192 });
    expect(pickTier(p)).toMatchObject({
      tier: 3,
      reason: expect.stringMatching(/GPU unknown \(graphics probe failed: lspci: not found\)/),
    });
  });

  it('total memory unreadable degrades to tier 1 with the reason', async () => {
    const p = await detectHardware({
      probes: machine({
        totalMemBytes: () => {
          throw new Error('sysinfo failed');
        },
      }),
    });
    expect(p.totalRamMiB).toEqual({ known: false, reason: 'total memory unreadable: sysinfo failed' });
    expect(pickTier(p)).toMatchObject({
      tier: 1,
      reason: expect.stringMatching(/RAM unknown \(total memory unreadable: sysinfo failed\)/),
    });
  });

  it('AMD on Linux: VRAM comes from amdgpu sysfs when the graphics probe has none', async () => {
    const files: Record<string, string> = {
      '/sys/class/drm/card0/device/vendor': '0x1002\n',
      '/sys/class/drm/card0/device/mem_info_vram_total': `${16 * GiB}\n`,
    };
    const p = await detectHardware({
      probes: machine({
        totalMemBytes: () => 32 * GiB,
        listDir: async (d) => (d === '/sys/class/drm' ? ['card0', 'card0-DP-1', 'renderD128'] : []),
        readText: async (f) => {
          if (f in files) return files[f]!;
          throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        },
        graphics: async () => [{ vendor: 'Advanced Micro Devices, Inc. [AMD/ATI]', model: 'Navi 21', vram: null, vramDynamic: false }],
      }),
    });
    expect(p.gpus).toEqual({ known: true, value: [{ vendor: 'amd', model: 'Navi 21', vramMiB: 16384 }] });
    expect(pickTier(p).tier).toBe(4);
  });

  it('Apple Silicon: unified memory, no GPU probe run', async () => {
    let probed = false;
    const p = await detectHardware({
      probes: machine({
        platform: 'darwin',
        arch: 'arm64',
        totalMemBytes: () => 16 * GiB,
        cpuModel: () => 'Apple M2 Pro',
        run: async () => {
          probed = true;
          return '';
        },
        graphics: async () => {
          probed = true;
          return [];
        },
      }),
    });
    expect(probed).toBe(false);
    expect(p.gpus).toEqual({ known: true, value: [{ vendor: 'apple', model: 'Apple M2 Pro', vramMiB: Math.round(16384 * (2 / 3)) }] });
    expect(pickTier(p).tier).toBe(4);
  });
});
