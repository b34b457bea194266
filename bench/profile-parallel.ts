// CPU profile of the built server during 4-stream bursts on the embedded llama.cpp engine (main thread and worker).
//
// Usage: tsx bench/profile-parallel.ts [--model file.gguf] [--bursts 6] [--streams 4] [--top 25] [--direct] [--no-profile] [--no-build]
// The server runs with --cpu-prof (each thread writes its own .cpuprofile on exit); --direct profiles
// bench/llama-direct.ts with the same sequences instead, for the ceiling's own cost.
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { gatewayEntry, keepAliveAgent, procCpuMicros, repoRoot, startChild } from './lib.js';
import { formatProfile, summarizeCpuProfile } from './profile.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(repoRoot, '../shared/models/llama-2-tiny-random.gguf') },
    bursts: { type: 'string', default: '6' },
    streams: { type: 'string', default: '4' },
    top: { type: 'string', default: '25' },
    direct: { type: 'boolean', default: false },
    /** Measure only (tokens/s, first token, CPU per token), without the profiler's own cost. */
    'no-profile': { type: 'boolean', default: false },
    /** Start the server bundle as built (skip `npm run build:server`). */
    'no-build': { type: 'boolean', default: false },
  },
});
const TOKEN = 'bench-token-0123456789abcdef';
const n = Number(args.streams);
const bursts = Number(args.bursts);
const PROMPTS = [
  'Write a long story about a robot who learns to paint.',
  'Describe a journey across the sea in a small boat.',
  'Tell me about the history of a mountain village.',
  'Explain how a clock works to a child.',
  'Write a letter from a lighthouse keeper.',
  'Describe a market at dawn in a busy city.',
  'Tell a fable about a fox and a crow.',
  'Write a poem about winter rain.',
];
const dir = mkdtempSync(path.join(os.tmpdir(), 'prof-par-'));
const profDir = path.join(dir, 'prof');
const profArgs = args['no-profile'] ? [] : ['--cpu-prof', '--cpu-prof-dir', profDir];

function stream(url: string, agent: ReturnType<typeof keepAliveAgent>, prompt: string, t0: number) {
  return new Promise<{ tokens: number; ttft: number }>((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/api/v1/chat',
        agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      },
      (res) => {
        let buf = '';
        let ttft = -1;
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (ttft < 0 && c.includes('event: delta')) ttft = performance.now() - t0;
          buf = (buf + c).slice(-4096);
        });
        res.on('end', () => resolve({ tokens: Number(/"output_tokens":(\d+)/.exec(buf)?.[1] ?? 0), ttft }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ prompt, max_tokens: 200, stream: true, temperature: 0 }));
  });
}

let stop: () => Promise<void>;
/** The measured bursts, on the clock V8 profiles use (µs). */
const span = { fromUs: 0, toUs: 0 };
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
if (args.direct) {
  const d = await startChild(
    [...profArgs, '--import', 'tsx', 'bench/llama-direct.ts', args.model!, '1', String(n)],
    /^\{"ready":true/,
    process.env,
    120_000,
  );
  const lines = createInterface({ input: d.proc.stdout! });
  const replies: string[] = [];
  let wake: (() => void) | null = null;
  lines.on('line', (l) => {
    if (l.startsWith('{"parallel"')) {
      replies.push(l);
      wake?.();
    }
  });
  const run = async (): Promise<{ tokens: number; wallMs: number }> => {
    d.proc.stdin!.write(`${JSON.stringify({ prompts: PROMPTS.slice(0, n), maxTokens: 200 })}\n`);
    while (replies.length === 0) await new Promise<void>((res) => (wake = res));
    return JSON.parse(replies.shift()!) as { tokens: number; wallMs: number };
  };
  await run();
  span.fromUs = nowUs();
  const c0 = procCpuMicros(d.pid);
  let tokens = 0;
  const rates: number[] = [];
  for (let i = 0; i < bursts; i++) {
    const r = await run();
    tokens += r.tokens;
    rates.push((r.tokens * 1000) / r.wallMs);
  }
  span.toUs = nowUs();
  console.log(
    `direct: ${rates.map((r) => r.toFixed(0)).join(' ')} tok/s; CPU/token ${((procCpuMicros(d.pid) - c0) / tokens).toFixed(0)} us`,
  );
  stop = async () => {
    d.proc.stdin!.end();
    await new Promise((r) => d.proc.once('exit', r));
  };
} else {
  const c = await startChild(
    [
      '--cpu-prof',
      '--cpu-prof-dir',
      profDir,
      ...(args['no-build'] ? ['dist/server/router-core/server/main.js'] : gatewayEntry('server')),
      '--port',
      '0',
      '--data-dir',
      dir,
      '--threads',
      '1',
      '--local-only',
    ],
    /Hybrid AI Stack (http:\/\/\S+)/,
    {
      ...process.env,
      HYBRID_AI_TOKEN: TOKEN,
      LOG_LEVEL: 'warn',
      ANTHROPIC_API_KEY: '',
      HYBRID_AI_LOCAL_MODEL: args.model,
      OLLAMA_HOST: '127.0.0.1:9',
      HYBRID_AI_PARALLEL: String(n),
      HYBRID_AI_QUEUE_LIMIT: '64',
    },
    120_000,
  );
  const url = c.match[1]!;
  const agent = keepAliveAgent(8);
  const burst = async () => {
    const s = performance.now();
    const rs = await Promise.all(PROMPTS.slice(0, n).map((p) => stream(url, agent, p, s)));
    const tokens = rs.reduce((a, r) => a + r.tokens, 0);
    return { tokens, rate: (tokens * 1000) / (performance.now() - s), ttft: Math.max(...rs.map((r) => r.ttft)) };
  };
  await burst();
  span.fromUs = nowUs();
  const c0 = procCpuMicros(c.pid);
  let tokens = 0;
  const out: string[] = [];
  for (let i = 0; i < bursts; i++) {
    const b = await burst();
    tokens += b.tokens;
    out.push(`${b.rate.toFixed(0)}/${b.ttft.toFixed(0)}ms`);
  }
  span.toUs = nowUs();
  console.log(`gateway: ${out.join(' ')} (tok/s / slowest first token); CPU/token ${((procCpuMicros(c.pid) - c0) / tokens).toFixed(0)} us`);
  agent.destroy();
  stop = c.stop;
}
await stop();
for (const f of args['no-profile'] ? [] : readdirSync(profDir)) {
  const file = path.join(profDir, f);
  const s = summarizeCpuProfile(file, Number(args.top), span);
  console.log(`\n=== ${f} (${(statSync(file).size / 1024).toFixed(0)} KiB)`);
  console.log(formatProfile(s, 1));
}
