// detectHardware: RAM, CPU, GPUs, free disk and container limits; every probe time-boxed, failures become "unknown".
import { execFile } from 'node:child_process';
import { access, readdir, readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GpuInfo, HardwareProfile, Known } from '../contracts/hardware.js';

/** The whole detection must finish in under 1 s (issue 3); 800 ms for the probes leaves room for the rest. */
export const DETECTION_BUDGET_MS = 800;

const MiB = 1024 * 1024;
/** cgroup v1 writes a huge number (≈ 2^63) for "no limit"; anything above 1 PiB is treated as unlimited. */
const CGROUP_UNLIMITED_BYTES = 2 ** 50;
/**
 * Share of unified memory Metal lets the GPU use on Apple Silicon (its recommendedMaxWorkingSetSize is about
 * 2/3 of RAM on small machines and 3/4 on large ones): the conservative 2/3.
 */
const APPLE_GPU_SHARE = 2 / 3;

/** A graphics controller as `systeminformation` reports it (the fields we read). */
export interface GraphicsController {
  vendor: string;
  model: string;
  /** MiB; null or 0 when not reported. */
  vram: number | null;
  /** True for integrated GPUs that borrow system RAM. */
  vramDynamic: boolean;
}

/** Everything detection touches, injectable so odd machines can be simulated in unit tests. */
export interface HardwareProbes {
  platform: string;
  arch: string;
  totalMemBytes(): number;
  /** Available memory (MemAvailable on Linux). */
  availableMemBytes(): Promise<number>;
  cpuCount(): number;
  cpuModel(): string;
  /** Run a command; resolves with stdout, rejects with the spawn error (code ENOENT when missing) or a timeout. */
  run(cmd: string, args: string[], timeoutMs: number): Promise<string>;
  readText(file: string): Promise<string>;
  exists(file: string): Promise<boolean>;
  listDir(dir: string): Promise<string[]>;
  graphics(): Promise<GraphicsController[]>;
  /** Free bytes available to this user on the file system holding `dir`. */
  diskFreeBytes(dir: string): Promise<number>;
}

/** Options of {@link detectHardware}. */
export interface DetectOptions {
  /** The data dir (models are downloaded below it); its file system's free space is measured. */
  dataDir?: string;
  /** Replace some or all probes (tests). */
  probes?: Partial<HardwareProbes>;
  /** Time budget for all probes together, ms. */
  budgetMs?: number;
}

function message(e: unknown): string {
  if (e instanceof Error) return (e as NodeJS.ErrnoException).code ?? e.message;
  return String(e);
}

class Timeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'Timeout';
  }
}

/** Resolve with `p`, or reject with a Timeout once `ms` has passed (the probe keeps running; its result is ignored). */
function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(what, ms)), Math.max(0, ms));
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const known = <T>(value: T): Known<T> => ({ known: true, value });
const unknown = <T>(reason: string): Known<T> => ({ known: false, reason });

/** The unknowns whose probe ran out of time (kept off the wire: the reason already says it in words). */
const timedOutValues = new WeakSet<Known<unknown>>();

/** An unknown because its probe ran out of time. */
function timedOut<T>(reason: string): Known<T> {
  const k = unknown<T>(reason);
  timedOutValues.add(k);
  return k;
}

/** Whether `k` is unknown because its probe ran out of time (a re-detection may then keep the value measured before). */
export function probeTimedOut(k: Known<unknown>): boolean {
  return timedOutValues.has(k);
}

/** Pure: `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits` output → GPUs. */
export function parseNvidiaSmi(stdout: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const comma = line.lastIndexOf(',');
    const model = (comma >= 0 ? line.slice(0, comma) : line).trim();
    const mem = comma >= 0 ? Number(line.slice(comma + 1).trim()) : NaN;
    if (model === '' || /^no devices/i.test(model)) continue;
    gpus.push({ vendor: 'nvidia', model, vramMiB: Number.isFinite(mem) && mem > 0 ? Math.round(mem) : null });
  }
  return gpus;
}

/** Pure: a vendor string (or PCI vendor id) → our vendor enum. */
export function vendorOf(vendor: string, model = ''): GpuInfo['vendor'] {
  const v = `${vendor} ${model}`.toLowerCase();
  if (/nvidia|0x10de/.test(v)) return 'nvidia';
  if (/\bamd\b|advanced micro devices|\bati\b|radeon|0x1002/.test(v)) return 'amd';
  if (/intel|0x8086/.test(v)) return 'intel';
  if (/apple/.test(v)) return 'apple';
  return 'other';
}

/** Pure: systeminformation controllers → GPUs (NVIDIA ones skipped when nvidia-smi already listed them). */
export function gpusFromGraphics(controllers: readonly GraphicsController[], skipNvidia: boolean): GpuInfo[] {
  const out: GpuInfo[] = [];
  for (const c of controllers) {
    const vendor = vendorOf(c.vendor, c.model);
    if (skipNvidia && vendor === 'nvidia') continue;
    // Virtual display adapters of VMs and remote desktops are not compute GPUs.
    if (/vmware|virtualbox|qxl|cirrus|bochs|hyper-v|microsoft basic|virtio|llvmpipe|parallels/i.test(`${c.vendor} ${c.model}`)) continue;
    const vram = !c.vramDynamic && typeof c.vram === 'number' && c.vram > 0 ? Math.round(c.vram) : null;
    out.push({ vendor, model: c.model || c.vendor || 'unknown GPU', vramMiB: vram });
  }
  return out;
}

/** Pure: a cgroup memory limit file's text → bytes, or null for "no limit". */
export function parseCgroupLimit(text: string): number | null {
  const t = text.trim();
  if (t === '' || t === 'max') return null;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0 || n >= CGROUP_UNLIMITED_BYTES) return null;
  return n;
}

/** Pure: cgroup v2 `cpu.max` ("max 100000" / "200000 100000") or v1 quota+period → CPUs, or null for no limit. */
export function parseCpuQuota(quota: string, period?: string): number | null {
  const parts = quota.trim().split(/\s+/);
  const q = Number(parts[0]);
  const p = Number(period ?? parts[1]);
  if (parts[0] === 'max' || !Number.isFinite(q) || q <= 0 || !Number.isFinite(p) || p <= 0) return null;
  return Math.max(1, Math.ceil(q / p));
}

function runCommand(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.killed) return reject(new Timeout(cmd, timeoutMs));
        if (typeof e.code === 'string') return reject(e);
        return reject(new Error((stderr || stdout || e.message).trim().split('\n')[0] ?? e.message));
      }
      resolve(stdout);
    });
  });
}

async function nearestExisting(dir: string): Promise<string> {
  let d = path.resolve(dir);
  for (;;) {
    try {
      await access(d);
      return d;
    } catch {
      const up = path.dirname(d);
      if (up === d) return d;
      d = up;
    }
  }
}

/**
 * The real machine. systeminformation is imported lazily (commands that never detect hardware do not load it), and
 * only the two of its modules read here: its index loads all ~25 (disks, Wi-Fi, Docker, printers, ...), ~1 MB of
 * heap that an idle core would keep for nothing.
 */
export const realProbes: HardwareProbes = {
  platform: process.platform,
  arch: process.arch,
  totalMemBytes: () => os.totalmem(),
  availableMemBytes: async () => {
    const si = await import('systeminformation/lib/memory.js');
    return (await si.mem()).available;
  },
  cpuCount: () => os.availableParallelism(),
  cpuModel: () => os.cpus()[0]?.model ?? '',
  run: runCommand,
  readText: (file) => readFile(file, 'utf8'),
  exists: async (file) =>
    access(file).then(
      () => true,
      () => false,
    ),
  listDir: (dir) => readdir(dir),
  graphics: async () => {
    const si = await import('systeminformation/lib/graphics.js');
    return (await si.graphics()).controllers.map((c) => ({ vendor: c.vendor, model: c.model, vram: c.vram, vramDynamic: c.vramDynamic }));
  },
  diskFreeBytes: async (dir) => {
    const s = await statfs(await nearestExisting(dir));
    return s.bavail * s.bsize;
  },
};

interface CgroupInfo {
  memLimit: number | null;
  memUsage: number | null;
  cpus: number | null;
}

/** cgroup v2 first, then v1; every file optional (unreadable /sys → no limits known). */
async function readCgroup(p: HardwareProbes): Promise<CgroupInfo> {
  const text = (f: string): Promise<string | null> =>
    p.readText(f).then(
      (t) => t,
      () => null,
    );
  const [v2Max, v2Cur, v2Cpu, v1Max, v1Cur, v1Quota, v1Period] = await Promise.all([
    text('/sys/fs/cgroup/memory.max'),
    text('/sys/fs/cgroup/memory.current'),
    text('/sys/fs/cgroup/cpu.max'),
    text('/sys/fs/cgroup/memory/memory.limit_in_bytes'),
    text('/sys/fs/cgroup/memory/memory.usage_in_bytes'),
    text('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'),
    text('/sys/fs/cgroup/cpu/cpu.cfs_period_us'),
  ]);
  const num = (t: string | null): number | null => (t === null || !Number.isFinite(Number(t.trim())) ? null : Number(t.trim()));
  const memLimit = v2Max !== null ? parseCgroupLimit(v2Max) : v1Max !== null ? parseCgroupLimit(v1Max) : null;
  const memUsage = v2Max !== null ? num(v2Cur) : num(v1Cur);
  const cpus = v2Cpu !== null ? parseCpuQuota(v2Cpu) : v1Quota !== null && v1Period !== null ? parseCpuQuota(v1Quota, v1Period) : null;
  return { memLimit, memUsage, cpus };
}

async function inContainer(p: HardwareProbes): Promise<boolean> {
  if ((await p.exists('/.dockerenv')) || (await p.exists('/run/.containerenv'))) return true;
  const cg = await p.readText('/proc/1/cgroup').catch(() => '');
  return /docker|kubepods|containerd|libpod|lxc/.test(cg);
}

/** AMD VRAM from amdgpu's sysfs files (systeminformation often reports none for AMD on Linux), MiB per card. */
async function amdVramFromSysfs(p: HardwareProbes): Promise<number[]> {
  const cards = (await p.listDir('/sys/class/drm')).filter((n) => /^card\d+$/.test(n)).sort();
  const out: number[] = [];
  for (const card of cards) {
    const dev = `/sys/class/drm/${card}/device`;
    const vendor = await p.readText(`${dev}/vendor`).catch(() => '');
    if (vendor.trim().toLowerCase() !== '0x1002') continue;
    const bytes = Number((await p.readText(`${dev}/mem_info_vram_total`).catch(() => '')).trim());
    if (Number.isFinite(bytes) && bytes > 0) out.push(Math.round(bytes / MiB));
  }
  return out;
}

type GpuProbe = { gpus: GpuInfo[] } | { error: string; missing: boolean; timedOut?: boolean };

/** A GPU probe that threw or ran past its deadline. */
function gpuProbeFailed(e: unknown): GpuProbe {
  return { error: message(e), missing: false, timedOut: e instanceof Timeout };
}

async function probeNvidia(p: HardwareProbes, ms: number): Promise<GpuProbe> {
  try {
    const out = await p.run('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'], ms);
    return { gpus: parseNvidiaSmi(out) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') return { error: `nvidia-smi not found`, missing: true };
    if (e instanceof Timeout) return { error: e.message, missing: false, timedOut: true };
    return { error: `nvidia-smi failed: ${message(e)}`, missing: false };
  }
}

async function probeGraphics(p: HardwareProbes): Promise<GpuProbe> {
  try {
    return { gpus: gpusFromGraphics(await p.graphics(), false) };
  } catch (e) {
    if (e instanceof Timeout) return { error: e.message, missing: false, timedOut: true };
    return { error: `graphics probe failed: ${message(e)}`, missing: false };
  }
}

/**
 * Profile this machine in well under a second. Never throws: each field that cannot be measured is
 * `{known: false, reason}`, which `pickTier` turns into a lower tier with the reason shown to the user.
 */
export async function detectHardware(opts: DetectOptions = {}): Promise<HardwareProfile> {
  const p: HardwareProbes = { ...realProbes, ...opts.probes };
  const budget = opts.budgetMs ?? DETECTION_BUDGET_MS;
  const started = Date.now();
  const left = (): number => Math.max(1, budget - (Date.now() - started));
  const notes: string[] = [];
  const boxed = <T>(f: () => Promise<T>, what: string): Promise<T> => deadline(Promise.resolve().then(f), left(), what);

  const linux = p.platform === 'linux';
  const cpuModel = ((): string => {
    try {
      return p.cpuModel();
    } catch {
      return '';
    }
  })();
  // Apple Silicon (also x64 Node under Rosetta): the GPU shares RAM; no probe needed.
  const appleSilicon = p.platform === 'darwin' && (p.arch === 'arm64' || /^Apple M/i.test(cpuModel));

  const [cgroup, container, available, nvidia, graphics, amdVram, diskFree] = await Promise.all([
    linux ? boxed(() => readCgroup(p), 'cgroup files').catch(() => null) : Promise.resolve(null),
    linux ? boxed(() => inContainer(p), 'container check').catch(() => false) : Promise.resolve(false),
    boxed(() => p.availableMemBytes(), 'free memory probe').then(
      (v) => known(v),
      (e: unknown) => (e instanceof Timeout ? timedOut<number>(e.message) : unknown<number>(`free memory unreadable: ${message(e)}`)),
    ),
    appleSilicon ? Promise.resolve(null) : deadline(probeNvidia(p, left()), left(), 'nvidia-smi').catch((e: unknown) => gpuProbeFailed(e)),
    appleSilicon ? Promise.resolve(null) : deadline(probeGraphics(p), left(), 'graphics probe').catch((e: unknown) => gpuProbeFailed(e)),
    linux ? boxed(() => amdVramFromSysfs(p), 'sysfs').catch(() => [] as number[]) : Promise.resolve([] as number[]),
    opts.dataDir === undefined
      ? Promise.resolve(unknown<number>('no data dir given'))
      : boxed(() => p.diskFreeBytes(opts.dataDir!), 'disk space probe').then(
          (b) => known(Math.floor(b / MiB)),
          (e: unknown) =>
            e instanceof Timeout ? timedOut<number>(e.message) : unknown<number>(`free disk space unreadable: ${message(e)}`),
        ),
  ]);
  if (container) notes.push('running in a container');

  // RAM: the physical total, or the container's limit when lower (a 2 GB container on a 64 GB host is a 2 GB machine).
  let totalRamMiB: Known<number>;
  try {
    const phys = p.totalMemBytes();
    if (!Number.isFinite(phys) || phys <= 0) throw new Error(`implausible value ${phys}`);
    let total = phys;
    if (cgroup?.memLimit && cgroup.memLimit < phys) {
      total = cgroup.memLimit;
      notes.push(`memory limited to ${(cgroup.memLimit / 1024 ** 3).toFixed(1)} GB by the container (cgroup)`);
    }
    totalRamMiB = known(Math.round(total / MiB));
  } catch (e) {
    totalRamMiB = unknown(`total memory unreadable: ${message(e)}`);
  }

  let freeRamMiB: Known<number> = available.known ? known(Math.round(available.value / MiB)) : available;
  if (cgroup?.memLimit && cgroup.memUsage !== null) {
    const inLimit = Math.max(0, Math.round((cgroup.memLimit - cgroup.memUsage) / MiB));
    if (!freeRamMiB.known || inLimit < freeRamMiB.value) freeRamMiB = known(inLimit);
  }

  let cpuCores: Known<number>;
  try {
    let n = p.cpuCount();
    if (!Number.isInteger(n) || n <= 0) throw new Error(`implausible value ${n}`);
    if (cgroup?.cpus && cgroup.cpus < n) {
      notes.push(`CPU limited to ${cgroup.cpus} of ${n} cores by the container (cgroup)`);
      n = cgroup.cpus;
    }
    cpuCores = known(n);
  } catch (e) {
    cpuCores = unknown(`CPU count unreadable: ${message(e)}`);
  }

  let gpus: Known<GpuInfo[]>;
  if (appleSilicon) {
    const model = cpuModel.trim() || 'Apple Silicon GPU';
    const vram = totalRamMiB.known ? Math.round(totalRamMiB.value * APPLE_GPU_SHARE) : null;
    gpus = known([{ vendor: 'apple', model, vramMiB: vram }]);
    notes.push('Apple Silicon: the GPU uses unified memory');
  } else {
    const fromSmi = nvidia && 'gpus' in nvidia ? nvidia.gpus : null;
    const reasons: string[] = [];
    // A missing nvidia-smi only says "no NVIDIA driver"; a timeout or a failure says nothing.
    if (nvidia && 'error' in nvidia && !nvidia.missing) reasons.push(nvidia.error);
    if (graphics && 'gpus' in graphics) {
      const list: GpuInfo[] = [...(fromSmi ?? [])];
      let amdIndex = 0;
      for (const g of graphics.gpus) {
        if (g.vendor === 'nvidia' && fromSmi) continue; // nvidia-smi's VRAM figure is the exact one
        if (g.vendor === 'amd' && g.vramMiB === null && amdVram[amdIndex] !== undefined) list.push({ ...g, vramMiB: amdVram[amdIndex++]! });
        else list.push(g);
      }
      gpus = known(list);
    } else {
      if (graphics) reasons.push(graphics.error);
      if (fromSmi && fromSmi.length > 0) {
        gpus = known(fromSmi);
        notes.push(`GPUs other than NVIDIA unknown (${reasons.join('; ')})`);
      } else {
        const slow = [nvidia, graphics].some((g) => g !== null && 'error' in g && g.timedOut === true);
        const reason = reasons.join('; ') || 'no GPU probe answered';
        gpus = slow ? timedOut(reason) : unknown(reason);
      }
    }
  }

  return {
    totalRamMiB,
    freeRamMiB,
    cpuCores,
    gpus,
    diskFreeMiB: diskFree,
    platform: p.platform,
    arch: p.arch,
    notes,
  };
}
