// Fetch the pinned Ollama release for each packaged platform into vendor/ollama/<platform>-<arch>/ (electron-builder.yml's extraResources), sha256-checked, trimmed to its CPU runners.
//
// Usage: npm run fetch:ollama [-- --target linux-x64 --target win32-x64 | --all] [--out vendor/ollama] [--base-url URL]
// Default targets: this machine's platform (both arches), which is what `npm run build:app` packages here.
// Each asset is downloaded to a temp name while it is hashed; only a matching sha256 is unpacked (into a staging
// folder) and then renamed into place, so an interrupted or tampered download never leaves a half binary behind.
// The archives carry CUDA and ROCm runtimes (most of the Linux archive's ~1.5 GB); the installer keeps only the CPU
// runners (GPU inference is the embedded llama.cpp's: Vulkan, Metal), so the AppImage stays within its 500 MB budget.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';

/** The Ollama release bundled with the app; bump it together with every sha256 below (from the release's sha256sum.txt). */
export const OLLAMA_VERSION = '0.5.3';
/** Where the release assets live; `--base-url` points elsewhere (a mirror, or a test server). */
export const DEFAULT_BASE_URL = `https://github.com/ollama/ollama/releases/download/v${OLLAMA_VERSION}`;
/** A whole asset (the Linux archive is ~1.5 GB with its GPU runners) must arrive within this; a stuck link fails instead of hanging the build. */
const DOWNLOAD_TIMEOUT_MS = 60 * 60 * 1000;
/** No byte for this long = a dead connection: fail with a clear message rather than wait for the OS (minutes). */
const STALL_TIMEOUT_MS = 60_000;

/** How an asset is shipped upstream. */
export type AssetKind = 'binary' | 'tgz' | 'zip';

/** One release asset for one `<platform>-<arch>` folder. */
export interface OllamaAsset {
  /** Folder name under vendor/ollama, as electron-builder's `${os}-${arch}` and router-core/host/ollama-process.ts spell it. */
  target: string;
  /** File name in the release. */
  asset: string;
  /** sha256 from the release's sha256sum.txt, or null with `missingReason` when no trustworthy value is known. */
  sha256: string | null;
  missingReason?: string;
  kind: AssetKind;
  /** Path of the executable inside the installed folder (it gets the exec bit and must exist after unpacking). */
  binary: string;
}

/**
 * The pinned assets. sha256 values are the v0.5.3 release's sha256sum.txt (as quoted in ollama/ollama#8136).
 * The Linux archive holds bin/ollama and lib/ollama (runners found relative to the binary); the Windows zip holds
 * ollama.exe and lib/ollama; macOS ships one universal binary.
 */
export const OLLAMA_ASSETS: readonly OllamaAsset[] = [
  {
    target: 'linux-x64',
    asset: 'ollama-linux-amd64.tgz',
    sha256: 'ed93c82e6da9a02f56fc4f2ff6c3c3208bb78fd8181ac3062fa3c0bc3bb98478',
    kind: 'tgz',
    binary: 'bin/ollama',
  },
  {
    target: 'linux-arm64',
    asset: 'ollama-linux-arm64.tgz',
    sha256: 'df6faf6d71f0bbdf49ff724860df6abee422e124f78ab98c8da2564cc834ad75',
    kind: 'tgz',
    binary: 'bin/ollama',
  },
  {
    target: 'win32-x64',
    asset: 'ollama-windows-amd64.zip',
    sha256: '257457df527bbbdf9d4ec43356e12fe6f68a2e3c19ce78a452051b7ad290208d',
    kind: 'zip',
    binary: 'ollama.exe',
  },
  {
    target: 'win32-arm64',
    asset: 'ollama-windows-arm64.zip',
    sha256: 'b5551feac44b903f13a043e6fe08a966b45830667ff150a310d51a742ce2562d',
    kind: 'zip',
    binary: 'ollama.exe',
  },
  ...(['darwin-x64', 'darwin-arm64'] as const).map((target): OllamaAsset => ({
    target,
    asset: 'ollama-darwin',
    sha256: null,
    missingReason:
      `v${OLLAMA_VERSION}'s published sha256sum.txt lists a wrong checksum for ollama-darwin (ollama/ollama#8136), ` +
      'so no value is pinned: verify the binary by hand (or pin a newer release) and put its sha256 in scripts/fetch-ollama.ts',
    kind: 'binary',
    binary: 'ollama',
  })),
];

/** A failure with the words the person running the build sees. */
export class FetchError extends Error {}

/** Options of {@link fetchOllama}. */
export interface FetchOptions {
  assets: readonly OllamaAsset[];
  /** vendor/ollama (each target goes into `<outDir>/<target>/`). */
  outDir: string;
  baseUrl?: string;
  version?: string;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

const STAMP = '.ollama-release';

/** GPU runtime files and folders in Ollama's lib/ollama (CUDA, ROCm/HIP, Vulkan runners and their libraries). */
const GPU_RUNTIME = /cuda|cublas|cudart|cudnn|rocm|rocblas|hipblas|amdhip|(^|[_-])hip|vulkan/i;

/**
 * Remove the GPU runtimes from an unpacked release (under lib/ollama, any depth); returns what was removed, relative
 * to `dir`. bin/ollama, ollama.exe and the CPU runners stay.
 */
export async function pruneGpuRuntimes(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries: string[];
    try {
      entries = await readdir(path.join(dir, rel));
    } catch {
      return;
    }
    for (const e of entries) {
      const r = path.join(rel, e);
      if (GPU_RUNTIME.test(e)) {
        await rm(path.join(dir, r), { recursive: true, force: true });
        removed.push(r.split(path.sep).join('/'));
      } else if ((await stat(path.join(dir, r))).isDirectory()) await walk(r);
    }
  };
  await walk(path.join('lib', 'ollama'));
  return removed.sort();
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new FetchError(`Cannot run ${cmd} to unpack the archive (${e.message}).`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new FetchError(`${cmd} ${args.join(' ')} failed: ${err.trim()}`))));
  });
}

/** Download `url` to `file` while hashing it; returns the hex sha256. Throws FetchError with a clear cause. */
async function download(url: string, file: string, f: typeof fetch): Promise<string> {
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), STALL_TIMEOUT_MS);
  };
  arm();
  let res: Response;
  try {
    res = await f(url, { redirect: 'follow', signal: AbortSignal.any([stall.signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)]) });
  } catch (e) {
    clearTimeout(timer);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
    throw new FetchError(
      `Cannot reach ${new URL(url).host} (${why}): fetching Ollama needs network access to the release server at package time. ` +
        'Connect (or pass --base-url to a reachable mirror) and run npm run fetch:ollama again.',
    );
  }
  if (!res.ok || !res.body) {
    clearTimeout(timer);
    throw new FetchError(`The release server answered ${res.status} ${res.statusText} for ${url}.`);
  }
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      arm();
      cb(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), tap, createWriteStream(file));
  } catch (e) {
    throw new FetchError(
      `The download of ${url} broke off (${stall.signal.aborted ? `no data for ${STALL_TIMEOUT_MS / 1000} s` : (e as Error).message}).`,
    );
  } finally {
    clearTimeout(timer);
  }
  return hash.digest('hex');
}

/** Fetch, verify and install one asset; returns what it did. Nothing under `<outDir>/<target>` changes unless all succeeded. */
async function fetchOne(a: OllamaAsset, opts: Required<Omit<FetchOptions, 'assets'>>): Promise<'installed' | 'present'> {
  const dest = path.join(opts.outDir, a.target);
  if (!a.sha256) throw new FetchError(`No sha256 is pinned for ${a.asset} (${a.target}): ${a.missingReason ?? 'unknown reason'}.`);
  const stampText = `${opts.version} ${a.asset} ${a.sha256} cpu-only\n`;
  if ((await readFile(path.join(dest, STAMP), 'utf8').catch(() => '')) === stampText && (await exists(path.join(dest, a.binary)))) {
    return 'present';
  }
  await mkdir(opts.outDir, { recursive: true });
  const tmpFile = path.join(opts.outDir, `.${a.target}.${process.pid}.download`);
  const staging = path.join(opts.outDir, `.${a.target}.${process.pid}.staging`);
  try {
    const url = `${opts.baseUrl.replace(/\/$/, '')}/${a.asset}`;
    opts.log(`Fetching ${url} …`);
    const got = await download(url, tmpFile, opts.fetch);
    if (got !== a.sha256) {
      throw new FetchError(
        `Checksum mismatch for ${a.asset}: expected sha256 ${a.sha256}, got ${got}. Nothing was installed in ${dest} ` +
          '(a bad mirror, a proxy rewriting the file, or a changed upstream asset).',
      );
    }
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    if (a.kind === 'binary') await rename(tmpFile, path.join(staging, a.binary));
    else if (a.kind === 'tgz') await run('tar', ['-xzf', tmpFile, '-C', staging], staging);
    // bsdtar (macOS, Windows 10+) reads zip; GNU tar does not, so Linux hosts use unzip.
    else if (process.platform === 'linux') await run('unzip', ['-q', tmpFile, '-d', staging], staging);
    else await run('tar', ['-xf', tmpFile, '-C', staging], staging);
    const bin = path.join(staging, a.binary);
    if (!(await exists(bin))) throw new FetchError(`${a.asset} does not contain ${a.binary}; the release layout changed.`);
    const pruned = await pruneGpuRuntimes(staging);
    if (pruned.length > 0)
      opts.log(
        `${a.target}: left out the GPU runtimes (${pruned.length} entries: ${pruned.slice(0, 4).join(', ')}${pruned.length > 4 ? ', …' : ''}).`,
      );
    await chmod(bin, 0o755);
    await writeFile(path.join(staging, STAMP), stampText);
    await rm(dest, { recursive: true, force: true });
    await rename(staging, dest);
    return 'installed';
  } finally {
    await rm(tmpFile, { force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

/** Fetch every asset in turn; throws FetchError at the first failure (earlier targets stay installed). */
export async function fetchOllama(opts: FetchOptions): Promise<void> {
  const o = {
    outDir: opts.outDir,
    baseUrl: opts.baseUrl ?? DEFAULT_BASE_URL,
    version: opts.version ?? OLLAMA_VERSION,
    fetch: opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init)),
    log: opts.log ?? ((line: string) => console.log(line)),
  };
  for (const a of opts.assets) {
    const what = await fetchOne(a, o);
    o.log(
      `${a.target}: Ollama v${o.version} ${what === 'present' ? 'already present' : 'installed'} (${path.join(o.outDir, a.target, a.binary)}).`,
    );
  }
}

/** Pick assets from command-line targets; the message lists the valid ones. */
export function selectAssets(targets: string[], all: boolean, platform: string = process.platform): OllamaAsset[] {
  if (all) return [...OLLAMA_ASSETS];
  if (targets.length === 0) return OLLAMA_ASSETS.filter((a) => a.target.startsWith(`${platform}-`));
  return targets.map((t) => {
    const a = OLLAMA_ASSETS.find((x) => x.target === t);
    if (!a) throw new FetchError(`Unknown target "${t}". Valid: ${OLLAMA_ASSETS.map((x) => x.target).join(', ')}.`);
    return a;
  });
}

/** The command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const targets: string[] = [];
  let all = false;
  let outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'vendor', 'ollama');
  let baseUrl: string | undefined;
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      const value = (): string => {
        const v = argv[++i];
        if (v === undefined) throw new FetchError(`${arg} needs a value.`);
        return v;
      };
      if (arg === '--target') targets.push(value());
      else if (arg === '--all') all = true;
      else if (arg === '--out') outDir = path.resolve(value());
      else if (arg === '--base-url') baseUrl = value();
      else throw new FetchError(`Unknown option "${arg}". Valid: --target <platform-arch>, --all, --out <dir>, --base-url <url>.`);
    }
    await fetchOllama({ assets: selectAssets(targets, all), outDir, baseUrl });
    return 0;
  } catch (e) {
    console.error(`fetch-ollama: ${e instanceof FetchError ? e.message : e instanceof Error ? e.stack : String(e)}`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
