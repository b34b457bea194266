// Bench helpers: child processes that announce a URL (the gateway, the Ollama stand-in, direct llama.cpp), keep-alive HTTP
// load and SSE streams, percentiles, /proc CPU time, tables.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type * as ComplexityModule from '../router-core/routing/complexity.js';
import type * as LearnedModule from '../router-core/routing/learned.js';
import type * as PolicyModule from '../router-core/routing/policy.js';
import type * as RoutingStateModule from '../router-core/routing-state.js';

export const repoRoot = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/**
 * Node arguments that start the gateway as users run it: `server` = the server bundle (`npm run build:server`,
 * tsc-compiled plain JavaScript, exactly what the image's CMD and the systemd unit start), rebuilt here first so it
 * matches the sources; `source` = the TypeScript sources through tsx (`npm run serve`). why the bundle by default:
 * tsx's transform wraps every closure in a name-keeping helper and routes imports through its loader, which on
 * this VM doubles the CPU time of the routing code; the bench measures the gateway, not the dev-time transpiler.
 */
export function gatewayEntry(kind: 'server' | 'source'): string[] {
  if (kind === 'source') return ['--import', 'tsx', 'router-core/server/main.ts'];
  if (!builtServer) {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-server.ts'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    builtServer = true;
  }
  return ['dist/server/router-core/server/main.js'];
}
/** HYBRID_AI_BENCH_NO_BUILD=1 benches the bundle already in dist/ (one built with a source map, or changed by hand). */
let builtServer = process.env.HYBRID_AI_BENCH_NO_BUILD === '1';

/** The routing functions the bench times. */
export interface RoutingCode {
  estimateComplexity: typeof ComplexityModule.estimateComplexity;
  estimateLearned: typeof LearnedModule.estimateLearned;
  decideRoute: typeof PolicyModule.decideRoute;
  /** The routing state the gateway keeps for the process (passed to every timed call, as the pipeline does). */
  createState: typeof RoutingStateModule.createNodeRoutingState;
}

/**
 * The routing code as `kind` ships it (see gatewayEntry): `server` imports the server bundle's compiled modules
 * (what the gateway runs), `source` the TypeScript through tsx.
 */
export async function routingCode(kind: 'server' | 'source'): Promise<RoutingCode> {
  const dir =
    kind === 'server' ? (gatewayEntry('server'), `${repoRoot}/dist/server/router-core/routing`) : `${repoRoot}/router-core/routing`;
  const ext = kind === 'server' ? 'js' : 'ts';
  const [complexity, learned, policy, state] = await Promise.all([
    import(`${dir}/complexity.${ext}`) as Promise<typeof ComplexityModule>,
    import(`${dir}/learned.${ext}`) as Promise<typeof LearnedModule>,
    import(`${dir}/policy.${ext}`) as Promise<typeof PolicyModule>,
    import(`${dir}/../routing-state.${ext}`) as Promise<typeof RoutingStateModule>,
  ]);
  return {
    estimateComplexity: complexity.estimateComplexity,
    estimateLearned: learned.estimateLearned,
    decideRoute: policy.decideRoute,
    createState: state.createNodeRoutingState,
  };
}

/** A started child and the first stdout line that matched. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  line: string;
  match: RegExpMatchArray;
  stop(): Promise<void>;
}

/**
 * Spawn `node <args>` in the repo root and wait (up to `timeoutMs`) for a stdout line matching `ready`.
 * stdin stays a pipe so helper children (which exit when it closes) die with the bench; stderr is kept for errors.
 */
export async function startChild(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): Promise<Child> {
  const proc = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const lines = createInterface({ input: proc.stdout! });
  const found = await new Promise<{ line: string; match: RegExpMatchArray }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${ready} from node ${args.join(' ')}\n${stderr}`)), timeoutMs);
    lines.on('line', (line) => {
      const match = line.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ line, match });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${args.join(' ')} exited with ${code} before it was ready\n${stderr}`));
    });
  });
  lines.on('line', () => undefined); // keep draining stdout
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    proc,
    pid: proc.pid!,
    ...found,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGINT');
        const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}

/** The API token every bench gateway is started with (HYBRID_AI_TOKEN). */
export const BENCH_TOKEN = 'bench-token-0123456789abcdef';

/** The gateway's start-up line; group 1 is its URL. */
export const GATEWAY_READY = /Hybrid AI Stack (http:\/\/\S+)/;

/** How a bench starts a child: {@link startChild}, or a wrapper that also stops it at the end (bench/run.ts). */
export type StartChild = (args: string[], ready: RegExp, env?: NodeJS.ProcessEnv, timeoutMs?: number) => Promise<Child>;

/** The instant Ollama stand-in (bench/upstream.ts) answering `answerWords` words; `host` is for OLLAMA_HOST. */
export async function startUpstream(
  answerWords: number,
  start: StartChild = startChild,
): Promise<{ child: Child; url: string; host: string }> {
  const child = await start(['--import', 'tsx', 'bench/upstream.ts', '--answer-words', String(answerWords)], /^\{.*"url"/);
  const up = JSON.parse(child.line) as { url: string; host: string };
  return { child, url: up.url, host: up.host };
}

/** A gateway's environment in front of the stand-in at `ollamaHost`: the bench token, quiet logs, no cloud key, no local model file. */
export function upstreamGatewayEnv(ollamaHost: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OLLAMA_HOST: ollamaHost,
    HYBRID_AI_TOKEN: BENCH_TOKEN,
    LOG_LEVEL: 'warn',
    ANTHROPIC_API_KEY: '',
  };
  delete env.HYBRID_AI_LOCAL_MODEL;
  return env;
}

/** Prompts that ask for long answers (parallel streams each take the next). */
export const STORY_PROMPTS = [
  'Write a long story about a robot who learns to paint.',
  'Describe a journey across the sea in a small boat.',
  'Tell me about the history of a mountain village.',
  'Explain how a clock works to a child.',
  'Write a letter from a lighthouse keeper.',
  'Describe a market at dawn in a busy city.',
  'Tell a fable about a fox and a crow.',
  'Write a poem about winter rain.',
];

/** One native SSE answer timed from `t0`: to the first text delta, to the end; tokens from the summary. */
export interface StreamResult {
  ttftMs: number;
  endMs: number;
  tokens: number;
}

/** POST `body` to /api/v1/chat at `url` and read the SSE stream to the end; rejects on a status other than 200. */
export function chatStream(url: string, auth: Record<string, string>, agent: Agent, body: object, t0: number): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/api/v1/chat',
        agent,
        headers: { 'content-type': 'application/json', ...auth },
      },
      (res) => {
        let ttft = -1;
        let buf = '';
        let tokens = 0;
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
          if (ttft < 0 && buf.includes('event: delta')) ttft = performance.now() - t0;
          const m = /"output_tokens":(\d+)/.exec(buf);
          if (m) tokens = Number(m[1]);
          if (buf.length > 4096) buf = buf.slice(-1024);
        });
        res.on('end', () =>
          res.statusCode === 200
            ? resolve({ ttftMs: ttft, endMs: performance.now() - t0, tokens })
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/**
 * Direct node-llama-cpp (bench/llama-direct.ts): `sequences` sequences of one context generating at once, the ceiling
 * for the gateway. `run` sends the first `streams` (default `sequences`) {@link STORY_PROMPTS} and resolves with the tokens
 * and wall time.
 */
export async function startLlamaDirect(opts: {
  model: string;
  threads: number;
  sequences: number;
  /** Node arguments before the script (--cpu-prof, ...). */
  nodeArgs?: string[];
  start?: StartChild;
}): Promise<{
  child: Child;
  run: (maxTokens: number, streams?: number) => Promise<{ tokens: number; wallMs: number }>;
  conversation: (turns: string[], maxTokens: number) => Promise<{ firstMs: number[]; evaluated: number[] }>;
}> {
  const start = opts.start ?? startChild;
  const d = await start(
    [...(opts.nodeArgs ?? []), '--import', 'tsx', 'bench/llama-direct.ts', opts.model, String(opts.threads), String(opts.sequences)],
    /^\{"ready":true/,
    undefined,
    120_000,
  );
  const lines = createInterface({ input: d.proc.stdout! });
  const replies: unknown[] = [];
  let wake: (() => void) | null = null;
  lines.on('line', (l) => {
    if (l.startsWith('{"parallel"') || l.startsWith('{"turns"')) {
      replies.push(JSON.parse(l));
      wake?.();
    }
  });
  const ask = async <T>(cmd: Record<string, unknown>): Promise<T> => {
    d.proc.stdin!.write(`${JSON.stringify(cmd)}\n`);
    while (replies.length === 0) await new Promise<void>((res) => (wake = res));
    return replies.shift() as T;
  };
  const run = (maxTokens: number, streams = opts.sequences): Promise<{ tokens: number; wallMs: number }> =>
    ask({ prompts: STORY_PROMPTS.slice(0, streams), maxTokens });
  const conversation = (turns: string[], maxTokens: number): Promise<{ firstMs: number[]; evaluated: number[] }> =>
    ask({ turns, maxTokens });
  return { child: d, run, conversation };
}

const clockTicks = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, all threads) of process `pid` in µs, from /proc/<pid>/stat; resolution 1/CLK_TCK s. */
export function procCpuMicros(pid: number): number {
  const { userUs, systemUs } = procCpuSplit(pid);
  return userUs + systemUs;
}

/** CPU time of process `pid` in µs split into user and system (kernel: syscalls such as loopback TCP writes) time. */
export function procCpuSplit(pid: number): { userUs: number; systemUs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { userUs: (Number(fields[11]) * 1e6) / clockTicks, systemUs: (Number(fields[12]) * 1e6) / clockTicks };
}
export const cpuTickMicros = 1e6 / clockTicks;

/** CPU time of each thread of process `pid` in µs, summed by thread name (main, worker, libuv pool, GC helpers). */
export function procThreadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const us = ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
    out.set(name, (out.get(name) ?? 0) + us);
  }
  return out;
}

/** One HTTP target of the load generator. */
export interface Target {
  name: string;
  url: string;
  path: string;
  body: string;
  headers?: Record<string, string>;
}

/** Result of one request: total latency, time to first body byte, status, body (kept only when asked). */
export interface Sample {
  ms: number;
  firstByteMs: number;
  status: number;
  body?: string;
  headers?: IncomingHttpHeaders;
}

/** POST `t` once over `agent`; resolves when the whole body has been read. */
export function post(t: Target, agent: Agent, keepBody = false): Promise<Sample> {
  const u = new URL(t.url);
  return new Promise<Sample>((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: t.path,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(t.body), ...t.headers },
      },
      (res) => {
        let firstByteMs = -1;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (firstByteMs < 0) firstByteMs = performance.now() - t0;
          if (keepBody) chunks.push(c);
        });
        res.on('end', () => {
          const ms = performance.now() - t0;
          resolve({
            ms,
            firstByteMs: firstByteMs < 0 ? ms : firstByteMs,
            status: res.statusCode ?? 0,
            body: keepBody ? Buffer.concat(chunks).toString('utf8') : undefined,
            headers: res.headers,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(t.body);
  });
}

/** CPU µs per token of each thread name (threads under 1 µs/token left out), largest first; `us` from {@link procThreadCpu} deltas. */
export function perToken(us: Record<string, number>, tokens: number): Record<string, number> {
  const rows = Object.entries(us)
    .map(([name, v]) => [name, Math.round(v / tokens)] as const)
    .filter(([, v]) => v >= 1)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(rows);
}

/** "main 120, llama-worker 80": {@link perToken}'s result on one line. */
export const threadLine = (t: Record<string, number>): string =>
  Object.entries(t)
    .map(([name, v]) => `${name} ${v}`)
    .join(', ');

/** A keep-alive agent sized for `concurrency`. */
export function keepAliveAgent(concurrency: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
}

/** Closed-loop load: `concurrency` workers issue `total` requests back to back. Throws on any non-2xx. */
export async function load(t: Target, agent: Agent, concurrency: number, total: number): Promise<{ samples: Sample[]; wallMs: number }> {
  const samples: Sample[] = [];
  let issued = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (issued < total) {
      issued++;
      const s = await post(t, agent);
      if (s.status < 200 || s.status >= 300) throw new Error(`${t.name}: HTTP ${s.status}`);
      samples.push(s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { samples, wallMs: performance.now() - t0 };
}

/** Percentile (nearest rank) of an unsorted list; `p` in [0, 100]. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: number[]): number => percentile(values, 50);

/** Fixed-width text table; the first row is the header. Columns whose cells all start with a number are right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const numeric = rows[0]!.map((_, i) => rows.slice(1).every((r) => /^(?:[-+]?\d|-?$|\(baseline\))/.test(r[i] ?? '')));
  const line = (r: string[]): string => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Number formatting with a fixed number of decimals (NaN → '-'). */
export const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
