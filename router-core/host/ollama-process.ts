// Ollama process manager: use a system Ollama, else spawn `ollama serve` (PATH or bundled); readiness, restarts, stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, existsSync } from 'node:fs';
import { access, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { normalizeOllamaHost } from '../engines/ollama.js';
import { processStartTime } from './process-identity.js';
import type { OllamaProcessEvent, OllamaProcessState, OllamaProcessStatus, OllamaSource } from '../contracts/events.js';

/** A local server answers /api/version in milliseconds; 1 s means "nobody is there". */
const PROBE_TIMEOUT_MS = 1_000;
/** `ollama serve` is up in ~1 s on a laptop, much longer on a cold disk; 30 s before we call it stuck. */
const READY_TIMEOUT_MS = 30_000;
/** Readiness poll period: fast enough that startup feels instant, cheap enough not to matter. */
const READY_POLL_MS = 100;
/** Ollama unloads models and exits within a couple of seconds of SIGTERM; 5 s before SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;
/** Restart backoff: 1 s doubling to 30 s, so a crash loop costs little CPU but a one-off crash is fixed quickly. */
const BACKOFF_INITIAL_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
/** After this many crashes in a row we stop trying (state `failed`); the embedded engine keeps serving. */
const MAX_CONSECUTIVE_CRASHES = 5;
/** A process that ran this long before dying counts as a fresh start: the crash counter resets. */
const STABLE_AFTER_MS = 60_000;
/** Health check of a running process; a hung Ollama (3 missed checks) is killed and restarted. */
const HEALTH_INTERVAL_MS = 10_000;
const HEALTH_MISSES = 3;
/** Lines of the child's stderr kept to explain a crash. */
const STDERR_LINES = 20;

/** Options of {@link createOllamaProcessManager}. */
export interface OllamaProcessOptions {
  /** OLLAMA_HOST as configured ("127.0.0.1:11434", "http://host:port"): a server answering there is used as is. */
  host: string;
  /** An explicit executable (HYBRID_AI_OLLAMA_BIN); when set, PATH and the bundled binary are not searched. */
  binary?: string;
  /** The bundled executable (see {@link bundledOllamaPath}); used when nothing answers and PATH has no `ollama`. */
  bundledBinary?: string;
  /** PATH to search for `ollama` (default process.env.PATH). */
  pathEnv?: string;
  /**
   * Records the pid of the `ollama serve` we start. A core killed outright (SIGKILL, OOM) cannot stop its child; the
   * next start finds the pid and its start time here and ends that orphan, on every OS (never a recycled pid).
   */
  pidFile?: string;
  /** Where a bundled Ollama keeps its models (OLLAMA_MODELS); a PATH Ollama keeps the user's own folder. */
  modelsDir: string;
  /** Environment of the child (default process.env); OLLAMA_HOST is always set to the private port. */
  env?: NodeJS.ProcessEnv;
  /**
   * OLLAMA_NUM_PARALLEL for an Ollama we start (requests per model it answers at once), read at each start so it
   * follows the tier; an OLLAMA_NUM_PARALLEL already in `env` wins. Absent: Ollama chooses.
   */
  numParallel?: () => number;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  maxConsecutiveCrashes?: number;
  stableAfterMs?: number;
  healthIntervalMs?: number;
  probeTimeoutMs?: number;
  platform?: NodeJS.Platform;
  now?: () => number;
  fetch?: typeof fetch;
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

/** Owns the Ollama the core uses (or knows it uses somebody else's). */
export interface OllamaProcessManager {
  /** Find or start Ollama; resolves once it is `external`, `running`, `unavailable` or `failed`. Idempotent. */
  start(): Promise<OllamaProcessStatus>;
  /** Stop a process we started (SIGTERM, then SIGKILL after the timeout); a system Ollama is left alone. */
  stop(): Promise<void>;
  status(): OllamaProcessStatus;
  /** OLLAMA_NUM_PARALLEL the running Ollama was started with; null when we did not start it or did not set it. */
  numParallel(): number | null;
  subscribe(listener: (e: OllamaProcessEvent) => void): () => void;
}

/**
 * What an Ollama we start may see of our environment: what a process needs to run (PATH, home, temp, locale, the
 * Windows system folders), the GPU selection and proxy variables it honours, and anything named for Ollama
 * (OLLAMA_KEEP_ALIVE, OLLAMA_NUM_PARALLEL...). Nothing else: no ANTHROPIC_API_KEY, HYBRID_AI_TOKEN or other secrets.
 */
const OLLAMA_ENV_NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TMPDIR',
  'TMP',
  'TEMP',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'XDG_RUNTIME_DIR',
  'LD_LIBRARY_PATH',
  'USERPROFILE',
  'HOMEDRIVE',
  'HOMEPATH',
  'APPDATA',
  'LOCALAPPDATA',
  'PROGRAMDATA',
  'PROGRAMFILES',
  'SYSTEMROOT',
  'SYSTEMDRIVE',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
  'NUMBER_OF_PROCESSORS',
  'PROCESSOR_ARCHITECTURE',
  'CUDA_VISIBLE_DEVICES',
  'HIP_VISIBLE_DEVICES',
  'ROCR_VISIBLE_DEVICES',
  'GPU_DEVICE_ORDINAL',
  'HSA_OVERRIDE_GFX_VERSION',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
]);

/** Pure: the environment an Ollama child gets from `env` (see OLLAMA_ENV_NAMES; names compared case-insensitively). */
export function ollamaChildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (OLLAMA_ENV_NAMES.has(k.toUpperCase()) || /(^|_)OLLAMA_/i.test(k)) out[k] = v;
  }
  return out;
}

/** Where electron-builder puts the bundled Ollama: `<resources>/ollama/<platform>-<arch>/ollama[.exe]`. */
export function bundledOllamaPath(
  resourcesDir: string,
  platform: string = process.platform,
  arch: string = process.arch,
  exists: (p: string) => boolean = existsSync,
): string {
  const dir = path.join(resourcesDir, 'ollama', `${platform}-${arch}`);
  if (platform === 'win32') return path.join(dir, 'ollama.exe');
  // The Linux release archive unpacks to bin/ollama with its GPU runners in lib/ollama beside it.
  const inBin = path.join(dir, 'bin', 'ollama');
  return exists(inBin) ? inBin : path.join(dir, 'ollama');
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First `ollama` executable on PATH, or null. */
export async function findOnPath(pathEnv: string | undefined, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  const names = platform === 'win32' ? ['ollama.exe'] : ['ollama'];
  for (const dir of (pathEnv ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const n of names) {
      const f = path.join(dir, n);
      if (await isExecutable(f)) return f;
    }
  }
  return null;
}

/** A free TCP port on the loopback (the OS picks it; there is a small window before the child binds it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function answers(f: typeof fetch, url: string, timeoutMs: number): Promise<boolean> {
  try {
    const r = await f(`${url}/api/version`, { signal: AbortSignal.timeout(timeoutMs) });
    await r.body?.cancel().catch(() => undefined);
    return r.ok;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Create the manager; nothing happens until start(). */
export function createOllamaProcessManager(opts: OllamaProcessOptions): OllamaProcessManager {
  const f = opts.fetch ?? ((input, init) => fetch(input, init));
  const now = opts.now ?? Date.now;
  const readyTimeout = opts.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const stopTimeout = opts.stopTimeoutMs ?? STOP_TIMEOUT_MS;
  const backoffInitial = opts.backoffInitialMs ?? BACKOFF_INITIAL_MS;
  const backoffMax = opts.backoffMaxMs ?? BACKOFF_MAX_MS;
  const maxCrashes = opts.maxConsecutiveCrashes ?? MAX_CONSECUTIVE_CRASHES;
  const stableAfter = opts.stableAfterMs ?? STABLE_AFTER_MS;
  const healthInterval = opts.healthIntervalMs ?? HEALTH_INTERVAL_MS;
  const probeTimeout = opts.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
  const listeners = new Set<(e: OllamaProcessEvent) => void>();

  const st: OllamaProcessStatus = { state: 'idle', source: null, url: null, binary: null, pid: null, restarts: 0 };
  let child: ChildProcess | null = null;
  let port = 0;
  let crashes = 0;
  let runningSince = 0;
  let stopping = false;
  let starting: Promise<OllamaProcessStatus> | null = null;
  let backoffTimer: NodeJS.Timeout | null = null;
  let healthTimer: NodeJS.Timeout | null = null;
  let settle: ((s: OllamaProcessStatus) => void) | null = null;
  let stderrTail: string[] = [];
  /** Last resort if the core exits without stop(): never leave an orphan `ollama serve`. */
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  let guarded = false;
  const guard = (on: boolean): void => {
    if (on && !guarded) process.on('exit', killOnExit);
    if (!on && guarded) process.off('exit', killOnExit);
    guarded = on;
  };

  const set = (state: OllamaProcessState, patch: Partial<OllamaProcessStatus> = {}): void => {
    Object.assign(st, patch, { state });
    if (patch.message === undefined && !('message' in patch)) delete st.message;
    const snap = { ...st };
    for (const l of listeners) {
      try {
        l({ type: 'ollama-process', status: snap });
      } catch {
        // A listener's problem is not the process manager's.
      }
    }
    const final = state === 'running' || state === 'external' || state === 'unavailable' || state === 'failed' || state === 'stopped';
    if (final && settle) {
      const s = settle;
      settle = null;
      s(snap);
    }
  };

  const clearTimers = (): void => {
    if (backoffTimer) clearTimeout(backoffTimer);
    if (healthTimer) clearInterval(healthTimer);
    backoffTimer = null;
    healthTimer = null;
  };

  async function choosePort(): Promise<number> {
    // Keep the same port across restarts when it is still free, so the URL engines use stays valid.
    if (port > 0) {
      const free = await new Promise<boolean>((resolve) => {
        const s = createServer();
        s.unref();
        s.once('error', () => resolve(false));
        s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
      });
      if (free) return port;
    }
    return freeLoopbackPort();
  }

  function onCrash(why: string): void {
    if (stopping) return;
    clearTimers();
    child = null;
    if (runningSince > 0 && now() - runningSince >= stableAfter) crashes = 0;
    runningSince = 0;
    crashes++;
    const tail = stderrTail.slice(-3).join(' | ');
    const message = `${why}${tail ? ` (stderr: ${tail})` : ''}`;
    opts.logger?.warn({ crashes, message }, 'ollama exited');
    if (crashes > maxCrashes) {
      set('failed', { pid: null, message: `${message}; gave up after ${maxCrashes} restarts in a row` });
      guard(false);
      return;
    }
    set('crashed', { pid: null, message });
    const wait = Math.min(backoffMax, backoffInitial * 2 ** (crashes - 1));
    set('backoff', { message: `${message}; restarting in ${Math.round(wait / 100) / 10} s (attempt ${crashes} of ${maxCrashes})` });
    backoffTimer = setTimeout(() => {
      backoffTimer = null;
      st.restarts++;
      void launch();
    }, wait);
  }

  /** OLLAMA_NUM_PARALLEL of the process we started last. */
  let startedParallel: number | null = null;

  async function launch(): Promise<void> {
    if (stopping || !st.binary) return;
    port = await choosePort();
    const url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...ollamaChildEnv(opts.env ?? process.env), OLLAMA_HOST: `127.0.0.1:${port}` };
    if (st.source === 'bundled') env.OLLAMA_MODELS = opts.modelsDir;
    const wanted = opts.numParallel?.();
    if (!env.OLLAMA_NUM_PARALLEL && wanted !== undefined) env.OLLAMA_NUM_PARALLEL = String(wanted);
    const parsed = Number(env.OLLAMA_NUM_PARALLEL);
    startedParallel = Number.isInteger(parsed) && parsed > 0 ? parsed : null;
    stderrTail = [];
    set('starting', { url, pid: null, message: `starting ${st.binary} serve on ${url}` });
    let proc: ChildProcess;
    try {
      proc = spawn(st.binary, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (e) {
      return onCrash(`could not start ${st.binary}: ${(e as Error).message}`);
    }
    child = proc;
    guard(true);
    if (opts.pidFile && proc.pid !== undefined) {
      // pid + start time: the next start ends exactly this process, on every OS, and never a recycled pid.
      const started = await processStartTime(proc.pid).catch(() => null);
      await writeFile(opts.pidFile, `${JSON.stringify({ pid: proc.pid, started })}\n`).catch(() => undefined);
    }
    const keepTail = (buf: Buffer): void => {
      stderrTail.push(...buf.toString('utf8').split('\n').filter(Boolean));
      if (stderrTail.length > STDERR_LINES) stderrTail = stderrTail.slice(-STDERR_LINES);
    };
    proc.stdout?.on('data', () => undefined);
    proc.stderr?.on('data', keepTail);
    let exited = false;
    proc.once('error', (e) => {
      exited = true;
      if (child === proc) onCrash(`could not start ${st.binary}: ${(e as NodeJS.ErrnoException).code ?? e.message}`);
    });
    proc.once('exit', (code, signal) => {
      exited = true;
      if (child === proc) onCrash(`ollama exited with ${signal ? `signal ${signal}` : `code ${code}`}`);
    });
    if (proc.pid !== undefined) st.pid = proc.pid;

    const deadline = now() + readyTimeout;
    while (!exited && !stopping && child === proc) {
      if (await answers(f, url, Math.min(probeTimeout, Math.max(1, deadline - now())))) {
        runningSince = now();
        set('running', { pid: proc.pid ?? null, message: `ollama ${st.source} on ${url}` });
        watchHealth(proc, url);
        return;
      }
      if (now() >= deadline) {
        // Stuck starting: kill it; its exit runs the crash path (backoff, restart).
        proc.kill('SIGKILL');
        stderrTail.push(`not ready after ${readyTimeout} ms`);
        return;
      }
      await sleep(READY_POLL_MS);
    }
  }

  function watchHealth(proc: ChildProcess, url: string): void {
    let misses = 0;
    let busy = false;
    healthTimer = setInterval(() => {
      if (busy || child !== proc) return;
      busy = true;
      void answers(f, url, probeTimeout).then((ok) => {
        busy = false;
        if (child !== proc || stopping) return;
        misses = ok ? 0 : misses + 1;
        if (misses >= HEALTH_MISSES) {
          stderrTail.push(`stopped answering /api/version (${HEALTH_MISSES} checks missed)`);
          proc.kill('SIGKILL');
        }
      });
    }, healthInterval);
    healthTimer.unref();
  }

  /**
   * End the `ollama serve` a previous core left running: the pid in the pid file, only while that pid still has the
   * recorded start time (any OS). A file from an older version holds the pid alone: then only where the command line
   * can be checked (Linux /proc), as before.
   */
  async function reapOrphan(): Promise<void> {
    if (!opts.pidFile) return;
    const text = (await readFile(opts.pidFile, 'utf8').catch(() => '')).trim();
    await rm(opts.pidFile, { force: true });
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    const isRecord = typeof record === 'object' && record !== null;
    const pid = isRecord ? Number((record as { pid?: unknown }).pid) : Number(text);
    const started = isRecord ? (record as { started?: unknown }).started : undefined;
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
    if (typeof started === 'string') {
      if ((await processStartTime(pid).catch(() => null)) !== started) return;
    } else {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
      if (cmdline === null || !cmdline.split('\0').includes('serve')) return;
    }
    try {
      process.kill(pid, 'SIGKILL');
      opts.logger?.warn({ pid }, 'ended an orphaned `ollama serve` left by an earlier run');
    } catch {
      // Already gone.
    }
  }

  async function discover(): Promise<OllamaProcessStatus> {
    stopping = false;
    const done = new Promise<OllamaProcessStatus>((resolve) => {
      settle = resolve;
    });
    set('probing', { message: `looking for Ollama at ${opts.host}` });
    const systemUrl = normalizeOllamaHost(opts.host);
    const found = await answers(f, systemUrl, probeTimeout);
    if (stopping) return done;
    if (found) {
      set('external', {
        source: 'system',
        url: systemUrl,
        binary: null,
        pid: null,
        message: `using the Ollama already running at ${systemUrl}`,
      });
      return done;
    }
    let binary: string | null = null;
    let source: OllamaSource | null = null;
    if (opts.binary) {
      if (!(await isExecutable(opts.binary))) {
        set('unavailable', { message: `HYBRID_AI_OLLAMA_BIN points to ${opts.binary}, which is not an executable file` });
        return done;
      }
      binary = opts.binary;
      source = 'path';
    } else {
      binary = await findOnPath(opts.pathEnv ?? process.env.PATH, opts.platform ?? process.platform);
      if (binary) source = 'path';
      else if (opts.bundledBinary && (await isExecutable(opts.bundledBinary))) {
        binary = opts.bundledBinary;
        source = 'bundled';
      }
    }
    if (stopping) return done;
    if (!binary || !source) {
      set('unavailable', {
        source: null,
        url: null,
        message: `no Ollama answers at ${systemUrl}, none is on PATH${opts.bundledBinary ? ` and none is bundled at ${opts.bundledBinary}` : ''}`,
      });
      return done;
    }
    crashes = 0;
    st.source = source;
    st.binary = binary;
    await reapOrphan();
    void launch();
    return done;
  }

  return {
    start() {
      if (st.state === 'running' || st.state === 'external') return Promise.resolve({ ...st });
      if (starting && !['stopped', 'unavailable', 'failed'].includes(st.state)) return starting;
      starting = discover();
      return starting;
    },
    async stop() {
      stopping = true;
      clearTimers();
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
        guard(false);
        if (st.state !== 'idle' && st.state !== 'external' && st.state !== 'unavailable') set('stopped', { pid: null });
        return;
      }
      set('stopping', { message: `stopping ollama (pid ${proc.pid})` });
      const exited = new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
      });
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), stopTimeout);
        }),
      ]);
      clearTimeout(timer);
      if (killed) {
        opts.logger?.warn({ pid: proc.pid }, `ollama ignored SIGTERM for ${stopTimeout} ms; sending SIGKILL`);
        proc.kill('SIGKILL');
        await exited;
      }
      guard(false);
      if (opts.pidFile) await rm(opts.pidFile, { force: true });
      set('stopped', { pid: null, message: killed ? 'stopped with SIGKILL after SIGTERM timed out' : 'stopped' });
    },
    status: () => ({ ...st }),
    numParallel: () => (st.state === 'running' && st.source !== 'system' ? startedParallel : null),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
