// CPU profile of the built server during 4-stream bursts on the embedded llama.cpp engine (main thread and worker).
//
// Usage: tsx bench/profile-parallel.ts [--model file.gguf] [--bursts 6] [--streams 4] [--top 25] [--direct] [--no-profile] [--no-build]
// The server runs with --cpu-prof (each thread writes its own .cpuprofile on exit); --direct profiles
// bench/llama-direct.ts with the same sequences instead, for the ceiling's own cost. Both print the CPU per token of
// each thread (main, llama.cpp worker, libuv pool where ggml computes, V8 helpers) from /proc, profiler or not.
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  BENCH_TOKEN,
  chatStream,
  GATEWAY_READY,
  gatewayEntry,
  keepAliveAgent,
  perToken,
  procCpuMicros,
  procThreadCpu,
  repoRoot,
  startChild,
  startLlamaDirect,
  STORY_PROMPTS,
  threadLine,
} from './lib.js';
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
const n = Number(args.streams);
const bursts = Number(args.bursts);
const dir = mkdtempSync(path.join(os.tmpdir(), 'prof-par-'));
const profDir = path.join(dir, 'prof');
const profArgs = args['no-profile'] ? [] : ['--cpu-prof', '--cpu-prof-dir', profDir];

/** CPU per token of each thread (by name) over the measured bursts: where the process's CPU goes. */
function threadCpuPerToken(before: Map<string, number>, after: Map<string, number>, tokens: number): string {
  return threadLine(perToken(Object.fromEntries([...after].map(([name, us]) => [name, us - (before.get(name) ?? 0)])), tokens));
}

let stop: () => Promise<void>;
/** The measured bursts, on the clock V8 profiles use (µs). */
const span = { fromUs: 0, toUs: 0 };
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
if (args.direct) {
  const d = await startLlamaDirect({ model: args.model!, threads: 1, sequences: n, nodeArgs: profArgs });
  const run = () => d.run(200);
  await run();
  span.fromUs = nowUs();
  const c0 = procCpuMicros(d.child.pid);
  const t0 = procThreadCpu(d.child.pid);
  let tokens = 0;
  const rates: number[] = [];
  for (let i = 0; i < bursts; i++) {
    const r = await run();
    tokens += r.tokens;
    rates.push((r.tokens * 1000) / r.wallMs);
  }
  span.toUs = nowUs();
  console.log(
    `direct: ${rates.map((r) => r.toFixed(0)).join(' ')} tok/s; CPU/token ${((procCpuMicros(d.child.pid) - c0) / tokens).toFixed(0)} us`,
  );
  console.log(`  by thread (us/token): ${threadCpuPerToken(t0, procThreadCpu(d.child.pid), tokens)}`);
  stop = async () => {
    d.child.proc.stdin!.end();
    await new Promise((r) => d.child.proc.once('exit', r));
  };
} else {
  const c = await startChild(
    [
      ...profArgs,
      ...(args['no-build'] ? ['dist/server/router-core/server/main.js'] : gatewayEntry('server')),
      '--port',
      '0',
      '--data-dir',
      dir,
      '--threads',
      '1',
      '--local-only',
    ],
    GATEWAY_READY,
    {
      ...process.env,
      HYBRID_AI_TOKEN: BENCH_TOKEN,
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
  const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
  const burst = async () => {
    const s = performance.now();
    const rs = await Promise.all(
      STORY_PROMPTS.slice(0, n).map((prompt) => chatStream(url, auth, agent, { prompt, max_tokens: 200, stream: true, temperature: 0 }, s)),
    );
    const tokens = rs.reduce((a, r) => a + r.tokens, 0);
    return { tokens, rate: (tokens * 1000) / (performance.now() - s), ttft: Math.max(...rs.map((r) => r.ttftMs)) };
  };
  await burst();
  span.fromUs = nowUs();
  const c0 = procCpuMicros(c.pid);
  const t0 = procThreadCpu(c.pid);
  let tokens = 0;
  const out: string[] = [];
  for (let i = 0; i < bursts; i++) {
    const b = await burst();
    tokens += b.tokens;
    out.push(`${b.rate.toFixed(0)}/${b.ttft.toFixed(0)}ms`);
  }
  span.toUs = nowUs();
  console.log(`gateway: ${out.join(' ')} (tok/s / slowest first token); CPU/token ${((procCpuMicros(c.pid) - c0) / tokens).toFixed(0)} us`);
  console.log(`  by thread (us/token): ${threadCpuPerToken(t0, procThreadCpu(c.pid), tokens)}`);
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
