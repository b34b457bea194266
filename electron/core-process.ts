// Runs the core (router-core/server/main) in its own process: ready handshake, restart with backoff, stop with a timeout.
//
// Its own process, so a crash of native inference code (llama.cpp, better-sqlite3) cannot take the window down.
// In the app that is an Electron utility process (no ELECTRON_RUN_AS_NODE needed, so the runAsNode fuse stays off);
// tests and plain Node use child_process.fork. Both speak the same two messages:
//   core → shell  {type:'ready', url, token}   sent once the gateway listens (router-core/server/main.ts)
//   shell → core  {type:'shutdown'}            graceful stop (the core closes HTTP, engines, Ollama, the ledger)
//
//   starting ──ready──► running ──exit (not asked)──► restarting ──backoff elapsed──► starting
//      │                                                  ▲
//      └──exit or no ready in time────────────────────────┘
//   restarting ──too many failures in a row──► failed ──restart()──► starting
//   any ──stop()──► stopping ──exited, or killed after the timeout──► stopped
import { fork } from 'node:child_process';
import { utilityProcess } from 'electron';
import type { CoreState, GatewayInfo } from './ipc-contract.js';

/** The child as this module uses it (a UtilityProcess or a ChildProcess, adapted). */
export interface CoreChild {
  readonly pid: number | undefined;
  /** Ask for a graceful stop. */
  shutdown(): void;
  /** Terminate (SIGTERM; `force` = SIGKILL where the platform has it). */
  kill(force?: boolean): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  /** Output lines (stdout and stderr), when piped. */
  onOutput(listener: (line: string) => void): void;
}

/** Start one core process. */
export type SpawnCore = (entry: string, args: string[], opts: { env: NodeJS.ProcessEnv; execArgv: string[] }) => CoreChild;

/** Split a stream into lines. */
function lines(stream: NodeJS.ReadableStream | null | undefined, listener: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.on('data', (d: Buffer | string) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      listener(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

/** Electron's utility process (the app). */
export const spawnUtilityProcess: SpawnCore = (entry, args, opts) => {
  const child = utilityProcess.fork(entry, args, {
    env: opts.env,
    execArgv: opts.execArgv,
    stdio: 'pipe',
    serviceName: 'Hybrid AI core',
  });
  const outputs: Array<(line: string) => void> = [];
  lines(child.stdout, (l) => outputs.forEach((f) => f(l)));
  lines(child.stderr, (l) => outputs.forEach((f) => f(l)));
  return {
    get pid() {
      return child.pid;
    },
    shutdown: () => child.postMessage({ type: 'shutdown' }),
    // A utility process only has kill() (SIGTERM on POSIX, terminate on Windows, which is already final there);
    // `force` on POSIX goes to the pid with SIGKILL, for a core stuck in native code that ignores SIGTERM.
    kill: (force) => {
      if (force && process.platform !== 'win32' && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
          return;
        } catch {
          // already gone: kill() below is a no-op then
        }
      }
      void child.kill();
    },
    onMessage: (l) => child.on('message', l),
    onExit: (l) => child.on('exit', (code) => l(code)),
    onOutput: (l) => outputs.push(l),
  };
};

/**
 * Node's child_process.fork with `execPath` (default: this process's runtime). Tests use it under Node; the app in
 * development uses it with the system `node`, whose ABI matches the native modules `npm ci` built (better-sqlite3
 * is rebuilt for Electron's ABI only in packaged builds).
 */
export function nodeSpawner(execPath?: string): SpawnCore {
  return (entry, args, opts) => spawnNode(entry, args, { ...opts, execPath });
}

/** child_process.fork under this process's own runtime (tests). */
export const spawnNodeProcess: SpawnCore = (entry, args, opts) => spawnNode(entry, args, opts);

function spawnNode(entry: string, args: string[], opts: { env: NodeJS.ProcessEnv; execArgv: string[]; execPath?: string }): CoreChild {
  const child = fork(entry, args, {
    env: opts.env,
    execArgv: opts.execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    ...(opts.execPath ? { execPath: opts.execPath } : {}),
  });
  const outputs: Array<(line: string) => void> = [];
  lines(child.stdout, (l) => outputs.forEach((f) => f(l)));
  lines(child.stderr, (l) => outputs.forEach((f) => f(l)));
  return {
    get pid() {
      return child.pid;
    },
    shutdown: () => {
      if (child.connected) child.send({ type: 'shutdown' });
      else child.kill('SIGTERM');
    },
    kill: (force) => void child.kill(force ? 'SIGKILL' : 'SIGTERM'),
    onMessage: (l) => child.on('message', l),
    onExit: (l) => child.on('exit', (code) => l(code)),
    onOutput: (l) => outputs.push(l),
  };
}

/** Timers, injectable so tests drive backoff and timeouts without waiting. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

/** Options of {@link createCoreProcess}. */
export interface CoreProcessOptions {
  spawn: SpawnCore;
  entry: string;
  execArgv?: string[];
  /** Core flags (--data-dir ...); the port is chosen here. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /**
   * Wait for the ready message: 60 s. A first start detects hardware and migrates the ledger (a second or two), but a
   * loaded laptop waking from sleep or a cold disk can take far longer; past a minute something is wrong.
   */
  readyTimeoutMs?: number;
  /** Wait for a graceful exit: 10 s, above the core's own 5 s grace for in-flight requests plus engine shutdown. */
  stopTimeoutMs?: number;
  /** First restart delay: 1 s (a crash loop must not spin a CPU); doubled per failure up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  /** Longest restart delay: 30 s keeps a recovering core from waiting long. */
  maxBackoffMs?: number;
  /** Failures in a row before giving up: 5 (about 31 s of retries at the default delays). */
  maxAttempts?: number;
  /** A run this long counts as healthy and resets the failure count: 60 s. */
  stableAfterMs?: number;
  timers?: Timers;
  /** Every output line of the core (for the log file). */
  onOutput?(line: string): void;
  /** A core process started (its pid, for the orphan pid file). */
  onSpawn?(pid: number): void;
  /** A core process is gone. */
  onGone?(pid: number): void;
}

/** The running core as the shell sees it. */
export interface CoreProcess {
  /** Start; resolves with the gateway on the first ready, rejects when it fails for good. */
  start(): Promise<GatewayInfo>;
  /** Stop gracefully; kills after the timeout. Resolves once the process is gone. */
  stop(): Promise<void>;
  /** Start again after `failed` (tray: "Restart core"). */
  restart(): void;
  state(): CoreState;
  /** The gateway while running, else null. */
  gateway(): GatewayInfo | null;
  /** The core's token changed (regenerated): the gateway carries this one from now on. */
  setToken(token: string): void;
  onState(listener: (state: CoreState) => void): () => void;
}

/** Lines of output kept for the crash reason: enough for a stack trace's head. */
const TAIL_LINES = 20;

/** A ready message the core sends; anything else (or a non-loopback URL) is ignored. */
export function parseReady(message: unknown): GatewayInfo | null {
  if (!message || typeof message !== 'object') return null;
  const m = message as { type?: unknown; url?: unknown; token?: unknown };
  if (m.type !== 'ready' || typeof m.url !== 'string' || typeof m.token !== 'string' || m.token.length < 16) return null;
  let u: URL;
  try {
    u = new URL(m.url);
  } catch {
    return null;
  }
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  if (u.protocol !== 'http:' || !loopback || !u.port) return null;
  return { url: `${u.protocol}//${u.host}`, token: m.token };
}

/** Restart delay after `attempt` failures in a row (1-based): initial × 2^(attempt-1), capped. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}

/** Build the supervisor; nothing runs until start(). */
export function createCoreProcess(opts: CoreProcessOptions): CoreProcess {
  const t = opts.timers ?? realTimers;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
  const initialBackoffMs = opts.initialBackoffMs ?? 1_000;
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const stableAfterMs = opts.stableAfterMs ?? 60_000;

  let state: CoreState = { status: 'stopped', attempt: 0 };
  let child: CoreChild | undefined;
  let gateway: GatewayInfo | null = null;
  /** The port of the last good run: a restart asks for it again so open windows keep their origin. */
  let lastPort: number | undefined;
  let readyTimer: unknown;
  let retryTimer: unknown;
  let startedAt = 0;
  let tail: string[] = [];
  let stopping: Promise<void> | undefined;
  const listeners = new Set<(s: CoreState) => void>();
  let firstStart: { resolve(g: GatewayInfo): void; reject(e: Error): void } | undefined;

  const set = (next: CoreState): void => {
    state = next;
    for (const l of listeners) l(state);
  };

  const reasonFrom = (code: number | null, why: string): string => {
    const out = tail
      .filter((l) => l.trim() !== '')
      .slice(-5)
      .join('\n');
    return `${why}${code === null ? '' : ` (exit code ${code})`}${out ? `:\n${out}` : ''}`;
  };

  const launch = (): void => {
    const attempt = state.attempt;
    tail = [];
    gateway = null;
    set({ status: 'starting', attempt });
    // Port 0 (any free one) the first time; afterwards the previous port, unless that very start failed.
    const port = attempt > 0 && lastPort !== undefined && state.reason?.includes('EADDRINUSE') !== true ? lastPort : 0;
    const args = [...opts.args, '--port', String(port)];
    let c: CoreChild;
    try {
      c = opts.spawn(opts.entry, args, { env: opts.env, execArgv: opts.execArgv ?? [] });
    } catch (e) {
      failed(null, `The core could not be started: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    child = c;
    startedAt = t.now();
    const pid = c.pid;
    if (pid !== undefined) opts.onSpawn?.(pid);
    c.onExit(() => {
      if (pid !== undefined) opts.onGone?.(pid);
    });
    c.onOutput((line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      opts.onOutput?.(line);
    });
    c.onMessage((m) => {
      if (child !== c || state.status !== 'starting') return;
      const g = parseReady(m);
      if (!g) return;
      t.clearTimeout(readyTimer);
      gateway = g;
      lastPort = Number(new URL(g.url).port);
      set({ status: 'running', url: g.url, attempt: state.attempt });
      firstStart?.resolve(g);
      firstStart = undefined;
    });
    c.onExit((code) => {
      if (child !== c) return;
      child = undefined;
      t.clearTimeout(readyTimer);
      gateway = null;
      if (state.status === 'stopping' || state.status === 'stopped') return;
      const ranFor = t.now() - startedAt;
      const wasRunning = state.status === 'running';
      // A long healthy run means this crash is the first of a new series.
      const attemptBase = wasRunning && ranFor >= stableAfterMs ? 0 : state.attempt;
      failed(code, wasRunning ? 'The core stopped unexpectedly' : 'The core exited before it was ready', attemptBase);
    });
    readyTimer = t.setTimeout(() => {
      if (child !== c || state.status !== 'starting') return;
      child = undefined;
      c.kill(true);
      failed(null, `The core did not become ready within ${Math.round(readyTimeoutMs / 1000)} s`);
    }, readyTimeoutMs);
  };

  const failed = (code: number | null, why: string, attemptBase = state.attempt): void => {
    const attempt = attemptBase + 1;
    const reason = reasonFrom(code, why);
    if (attempt >= maxAttempts) {
      set({ status: 'failed', attempt, reason });
      firstStart?.reject(new Error(reason));
      firstStart = undefined;
      return;
    }
    const retryInMs = backoffMs(attempt, initialBackoffMs, maxBackoffMs);
    set({ status: 'restarting', attempt, retryInMs, reason });
    retryTimer = t.setTimeout(() => {
      if (state.status === 'restarting') launch();
    }, retryInMs);
  };

  return {
    start() {
      if (state.status === 'running' && gateway) return Promise.resolve(gateway);
      const p = new Promise<GatewayInfo>((resolve, reject) => {
        firstStart = { resolve, reject };
      });
      if (state.status === 'stopped' || state.status === 'failed') {
        state = { status: 'stopped', attempt: 0 };
        stopping = undefined;
        launch();
      }
      return p;
    },
    restart() {
      if (state.status !== 'failed' && state.status !== 'stopped') return;
      state = { status: 'stopped', attempt: 0 };
      stopping = undefined;
      launch();
    },
    stop() {
      if (stopping) return stopping;
      t.clearTimeout(retryTimer);
      t.clearTimeout(readyTimer);
      firstStart?.reject(new Error('The core was stopped before it was ready.'));
      firstStart = undefined;
      const c = child;
      set({ status: 'stopping', attempt: state.attempt });
      stopping = new Promise<void>((resolve) => {
        if (!c) {
          set({ status: 'stopped', attempt: 0 });
          resolve();
          return;
        }
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          t.clearTimeout(killTimer);
          t.clearTimeout(forceTimer);
          child = undefined;
          gateway = null;
          set({ status: 'stopped', attempt: 0 });
          resolve();
        };
        c.onExit(finish);
        c.shutdown();
        // Graceful first; then SIGTERM; then, if even that hangs (a stuck native call), SIGKILL.
        const killTimer = t.setTimeout(() => c.kill(false), stopTimeoutMs);
        // 2 s after SIGTERM: a process that has not exited by then is stuck in native code.
        const forceTimer = t.setTimeout(() => {
          c.kill(true);
          // 1 s more at most: some platforms never report the exit of a killed utility process; quit anyway.
          t.setTimeout(finish, 1_000);
        }, stopTimeoutMs + 2_000);
      });
      return stopping;
    },
    state: () => state,
    gateway: () => gateway,
    setToken(token) {
      if (gateway && token.length >= 16) gateway = { ...gateway, token };
    },
    onState(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
