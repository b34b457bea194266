// CPU profile of the gateway under native chat load (concurrency 1 by default): --cpu-prof child, then the top self-time
// functions. At concurrency 16 the per-wake-up cost is shared by many requests, so the gateway's own per-request work stands out.
//
// Usage: tsx bench/profile.ts [--seconds 5] [--top 25] [--concurrency 1] [--stream] [--keep]   (also run by `npm run bench -- --profile`)
// --stream asks for SSE answers (the path whose time to first byte the bench reports) instead of whole JSON ones.
// The gateway child runs with --cpu-prof; SIGINT makes it shut down cleanly, which writes the .cpuprofile. Only samples
// taken while the load ran are counted (V8 profile timestamps and process.hrtime share the monotonic clock).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BENCH_TOKEN,
  fmt,
  GATEWAY_READY,
  gatewayEntry,
  keepAliveAgent,
  load,
  repoRoot,
  startChild,
  startUpstream,
  table,
  upstreamGatewayEnv,
  type Child,
} from './lib.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One aggregated row: self (or inclusive) time of a function or module in ms and its share of busy (non-idle) time. */
export interface ProfileRow {
  name: string;
  where: string;
  selfMs: number;
  pct: number;
}

export interface ProfileSummary {
  file: string;
  windowMs: number;
  busyMs: number;
  idleMs: number;
  samples: number;
  windowed: boolean;
  functions: ProfileRow[];
  modules: ProfileRow[];
  /** Project functions by inclusive (total) time: where the request's time goes, callees included. */
  projectInclusive: ProfileRow[];
}

function shortUrl(url: string): string {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  u = u.startsWith(`${repoRoot}/`) ? u.slice(repoRoot.length + 1) : u;
  // The server bundle's compiled files stand for their sources (one .js per .ts, same tree).
  const bundled = /^dist\/server\/(router-core\/.*)\.js$/.exec(u);
  if (bundled) return `${bundled[1]}.ts`;
  return u.replace(/^.*node_modules\//, 'node_modules/');
}

function moduleOf(url: string, name: string): string {
  const u = shortUrl(url);
  if (!u) return name.startsWith('(') ? name : '(native / V8 builtins)';
  if (u.startsWith('node_modules/')) {
    const parts = u.slice('node_modules/'.length).split('/');
    return `npm:${parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  if (u.startsWith('node:')) {
    // node:internal/deps/undici/undici → node:undici, node:_http_server → node:http, node:internal/streams/x → node:streams
    const rest = u.replace(/^node:(internal\/)?(deps\/)?/, '').split('/')[0]!;
    return `node:${rest.replace(/^_/, '').replace(/_.*$/, '')}`;
  }
  return u;
}

/** Self time per function and per module from a .cpuprofile, counting only samples within [fromUs, toUs] when given. */
export function summarizeCpuProfile(file: string, top: number, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample i is taken at startTime + sum(timeDeltas[0..i]); it stands for the interval up to the next sample.
  const times: number[] = [];
  let t = prof.startTime;
  for (const d of prof.timeDeltas) times.push((t += d));
  const inWindow = (i: number): boolean => !window || (times[i]! >= window.fromUs && times[i]! <= window.toUs);
  const windowed = window !== undefined && prof.samples.some((_, i) => inWindow(i));
  const fnSelf = new Map<string, { name: string; where: string; us: number }>();
  const modSelf = new Map<string, number>();
  const projectTotal = new Map<string, { name: string; where: string; us: number }>();
  let idle = 0;
  let busy = 0;
  let counted = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    if (windowed && !inWindow(i)) continue;
    const dur = (times[i + 1] ?? prof.endTime) - times[i]!;
    const node = byId.get(prof.samples[i]!);
    if (!node || dur <= 0) continue;
    counted++;
    const cf = node.callFrame;
    const name = cf.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += dur;
      continue;
    }
    busy += dur;
    // Line numbers of .ts files are those of tsx's transpiled output, not of the source: show the file only.
    const file = shortUrl(cf.url);
    const where = !file ? '' : file.endsWith('.ts') ? file : `${file}:${cf.lineNumber + 1}`;
    const key = `${name}@${where}`;
    const row = fnSelf.get(key) ?? { name, where, us: 0 };
    row.us += dur;
    fnSelf.set(key, row);
    const mod = moduleOf(cf.url, name);
    modSelf.set(mod, (modSelf.get(mod) ?? 0) + dur);
    // Inclusive time of the project's own functions (each counted once per sample, however deep the recursion).
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      const fFile = shortUrl(f.url);
      // The project's sources (tsx) or its server bundle (dist/, where function names survive but files are one).
      if (!(fFile.endsWith('.ts') || fFile.startsWith('dist/')) || fFile.startsWith('node_modules/')) continue;
      const k = `${f.functionName || '(anonymous)'}@${fFile}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const r = projectTotal.get(k) ?? { name: f.functionName || '(anonymous)', where: fFile, us: 0 };
      r.us += dur;
      projectTotal.set(k, r);
    }
  }
  const pct = (us: number): number => (busy > 0 ? (100 * us) / busy : 0);
  const functions = [...fnSelf.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((r) => ({ name: r.name, where: r.where, selfMs: r.us / 1000, pct: pct(r.us) }));
  const modules = [...modSelf.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([name, us]) => ({ name, where: '', selfMs: us / 1000, pct: pct(us) }));
  const projectInclusive = [...projectTotal.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, 60)
    .map((r) => ({ name: r.name, where: r.where, selfMs: r.us / 1000, pct: pct(r.us) }));
  const windowMs = windowed && window ? (window.toUs - window.fromUs) / 1000 : (prof.endTime - prof.startTime) / 1000;
  return { file, windowMs, busyMs: busy / 1000, idleMs: idle / 1000, samples: counted, windowed, functions, modules, projectInclusive };
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Render a summary as text tables. */
export function formatProfile(s: ProfileSummary, requests: number): string {
  const head = [
    `profile ${s.file}`,
    `${s.windowed ? 'load window' : 'whole run (window not found in the profile)'}: ${fmt(s.windowMs, 0)} ms, ${s.samples} samples, ` +
      `busy ${fmt(s.busyMs, 0)} ms (${fmt(requests > 0 ? (s.busyMs * 1000) / requests : NaN, 0)} µs main-thread CPU per request over ${requests} requests), idle ${fmt(s.idleMs, 0)} ms`,
  ];
  const perReq = (ms: number): string => (requests > 0 ? fmt((ms * 1000) / requests, 1) : '-');
  const fnRows = [
    ['#', 'self ms', 'µs/req', '% busy', 'function', 'where'],
    ...s.functions.map((r, i) => [String(i + 1), fmt(r.selfMs, 1), perReq(r.selfMs), fmt(r.pct, 1), clip(r.name, 60), r.where]),
  ];
  const modRows = [
    ['module', 'self ms', 'µs/req', '% busy'],
    ...s.modules.map((r) => [r.name, fmt(r.selfMs, 1), perReq(r.selfMs), fmt(r.pct, 1)]),
  ];
  const incRows = [
    ['function', 'where', 'total ms', 'µs/req', '% busy'],
    ...s.projectInclusive.map((r) => [clip(r.name, 40), r.where, fmt(r.selfMs, 1), perReq(r.selfMs), fmt(r.pct, 1)]),
  ];
  return [
    ...head,
    '',
    `Top ${s.functions.length} functions by self time (sampled wall time on the main thread: a syscall such as writev also counts the time the`,
    'thread waited for a core after waking the peer process):',
    table(fnRows),
    '',
    'Self time by module:',
    table(modRows),
    '',
    'Project functions by inclusive time (callees included; nested ones overlap, so the column does not add up):',
    table(incRows),
  ].join('\n');
}

/** Start upstream + a profiled gateway, load it for `seconds` at `concurrency` (default 1), stop it and summarize the profile. */
export async function runProfile(opts: {
  seconds: number;
  top: number;
  keep?: boolean;
  answerWords?: number;
  concurrency?: number;
  /** Streamed (SSE) answers instead of whole JSON ones. */
  stream?: boolean;
  /** Which gateway build to profile (bench/lib.ts gatewayEntry); default the server bundle. */
  gateway?: 'server' | 'source';
}): Promise<{ summary: ProfileSummary; requests: number; text: string }> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hybrid-bench-prof-'));
  const profDir = path.join(tmp, 'prof');
  let upstream: Child | undefined;
  let gateway: Child | undefined;
  try {
    const up = await startUpstream(opts.answerWords ?? 8);
    upstream = up.child;
    const env = upstreamGatewayEnv(up.host);
    gateway = await startChild(
      [
        '--cpu-prof',
        '--cpu-prof-dir',
        profDir,
        ...gatewayEntry(opts.gateway ?? 'server'),
        '--port',
        '0',
        '--data-dir',
        path.join(tmp, 'data'),
      ],
      GATEWAY_READY,
      env,
    );
    const target = {
      name: 'gateway native',
      url: gateway.match[1]!,
      path: '/api/v1/chat',
      body: JSON.stringify(opts.stream ? { prompt: 'hi', stream: true } : { prompt: 'hi' }),
      headers: { authorization: `Bearer ${BENCH_TOKEN}` },
    };
    const c = opts.concurrency ?? 1;
    const agent = keepAliveAgent(c);
    await load(target, agent, c, 300 * c); // warm-up: JIT, availability probe, connections
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    let requests = 0;
    const deadline = Date.now() + opts.seconds * 1000;
    while (Date.now() < deadline) {
      await load(target, agent, c, 100 * c);
      requests += 100 * c;
    }
    const toUs = Number(process.hrtime.bigint() / 1000n);
    agent.destroy();
    await gateway.stop();
    gateway = undefined;
    const files = readdirSync(profDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(profDir, f));
    if (files.length === 0) throw new Error(`no .cpuprofile written in ${profDir} (did the gateway exit cleanly on SIGINT?)`);
    // Main thread = the biggest profile (tsx's loader thread, if profiled, writes a small one).
    const file = files.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const summary = summarizeCpuProfile(file, opts.top, { fromUs, toUs });
    if (!opts.keep) summary.file = `${path.basename(file)} (temporary, removed; --keep keeps it)`;
    return { summary, requests, text: formatProfile(summary, requests) };
  } finally {
    await gateway?.stop();
    await upstream?.stop();
    if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      top: { type: 'string' },
      keep: { type: 'boolean' },
      stream: { type: 'boolean' },
      concurrency: { type: 'string' },
      gateway: { type: 'string', default: 'server' },
    },
  });
  const gateway = values.gateway === 'source' ? 'source' : 'server';
  const { text } = await runProfile({
    seconds: Number(values.seconds ?? 5),
    top: Number(values.top ?? 25),
    keep: values.keep === true,
    concurrency: Number(values.concurrency ?? 1),
    stream: values.stream === true,
    gateway,
  });
  process.stdout.write(`${text}\n`);
}
