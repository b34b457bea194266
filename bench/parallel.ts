// Bench sections for parallel local inference (N streams vs one, vs direct node-llama-cpp), prompt-cache reuse over turns, and the core's cold start and idle memory.
//
// Every number is a ratio against a baseline measured in the same run: one stream alone, direct node-llama-cpp with the
// same sequences and threads, the first turn of the conversation, a bare node:http server started the same way.
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { request, type Agent } from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  chatStream,
  fmt,
  GATEWAY_READY,
  keepAliveAgent,
  median,
  perToken,
  post,
  procCpuMicros,
  procThreadCpu,
  startLlamaDirect,
  STORY_PROMPTS,
  table,
  threadLine,
  type Child,
} from './lib.js';
import { makeTinyGguf, SLOW_SHAPE } from '../tests/fixtures/make-tiny-gguf.js';

/** What the sections need from bench/run.ts. */
export interface ParallelBenchEnv {
  quick: boolean;
  tmpRoot: string;
  model: string;
  threads: number;
  auth: Record<string, string>;
  gatewayArgs: string[];
  gatewayEnv: (extra: Record<string, string>) => NodeJS.ProcessEnv;
  child: (args: string[], ready: RegExp, env?: NodeJS.ProcessEnv, timeoutMs?: number) => Promise<Child>;
  log: (s?: string) => void;
}

/** Resident set size of a process, MB (VmRSS). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** `c` streams at once; aggregate tokens/s over the wall time, each first-token time. */
async function burst(url: string, env: ParallelBenchEnv, agent: Agent, c: number, maxTokens: number) {
  const t0 = performance.now();
  const rs = await Promise.all(
    Array.from({ length: c }, (_, i) =>
      chatStream(
        url,
        env.auth,
        agent,
        { prompt: STORY_PROMPTS[i % STORY_PROMPTS.length], max_tokens: maxTokens, stream: true, temperature: 0 },
        t0,
      ),
    ),
  );
  const wall = Math.max(...rs.map((r) => r.endMs));
  const tokens = rs.reduce((a, r) => a + r.tokens, 0);
  return { tokensPerS: (tokens * 1000) / wall, ttft: rs.map((r) => r.ttftMs), tokens };
}

async function gateway(env: ParallelBenchEnv, name: string, extra: Record<string, string>): Promise<{ child: Child; url: string }> {
  const dir = mkdtempSync(path.join(env.tmpRoot, `${name}-`));
  const c = await env.child(
    [...env.gatewayArgs, '--port', '0', '--data-dir', dir, '--threads', String(env.threads), '--local-only'],
    GATEWAY_READY,
    env.gatewayEnv({ HYBRID_AI_LOCAL_MODEL: env.model, OLLAMA_HOST: '127.0.0.1:9', ...extra }),
    120_000,
  );
  return { child: c, url: c.match[1]! };
}

/**
 * The gateway with 4 sequences against direct node-llama-cpp with 4, alternating burst by burst (rotated order) so
 * both see the same machine load; tokens/s per round and CPU per token of each process. Each round also times one
 * stream alone on each side: direct 4 ÷ direct 1 is what the library's own batching gains on this model and machine,
 * the ceiling for the gateway's 4-streams-vs-one ratio.
 */
async function gatewayVsDirect(env: ParallelBenchEnv, gw: { child: Child; url: string }, agent: Agent, maxTokens: number, rounds: number) {
  const n = 4;
  const d = await startLlamaDirect({ model: env.model, threads: env.threads, sequences: n, start: env.child });
  await d.run(16); // warm-up
  const rate = { gateway: [] as number[], direct: [] as number[] };
  const alone = { gateway: [] as number[], direct: [] as number[] };
  const cpu = { gateway: { us: 0, tokens: 0 }, direct: { us: 0, tokens: 0 } };
  const byThread = { gateway: {} as Record<string, number>, direct: {} as Record<string, number> };
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? (['gateway', 'direct'] as const) : (['direct', 'gateway'] as const)) {
      const pid = side === 'gateway' ? gw.child.pid : d.child.pid;
      const c0 = procCpuMicros(pid);
      const t0 = procThreadCpu(pid);
      const x =
        side === 'gateway'
          ? await burst(gw.url, env, agent, n, maxTokens).then((b) => ({ tokens: b.tokens, rate: b.tokensPerS }))
          : await d.run(maxTokens).then((y) => ({ tokens: y.tokens, rate: (y.tokens * 1000) / y.wallMs }));
      cpu[side].us += procCpuMicros(pid) - c0;
      for (const [name, us] of procThreadCpu(pid)) byThread[side][name] = (byThread[side][name] ?? 0) + us - (t0.get(name) ?? 0);
      cpu[side].tokens += x.tokens;
      rate[side].push(x.rate);
      const one =
        side === 'gateway'
          ? (await burst(gw.url, env, agent, 1, maxTokens)).tokensPerS
          : await d.run(maxTokens, 1).then((y) => (y.tokens * 1000) / y.wallMs);
      alone[side].push(one);
    }
  }
  d.child.proc.stdin!.end();
  await d.child.stop();
  const ratios = rate.gateway.map((g, i) => g / rate.direct[i]!);
  return {
    directTokensPerS: median(rate.direct),
    gatewayTokensPerS: median(rate.gateway),
    ratio: median(ratios),
    ratioPerRound: ratios,
    /** Per round, 4 streams' tokens/s over one stream's, on each side. */
    batchingGain: {
      gateway: median(rate.gateway.map((g, i) => g / alone.gateway[i]!)),
      direct: median(rate.direct.map((g, i) => g / alone.direct[i]!)),
    },
    cpuUsPerToken: { gateway: cpu.gateway.us / cpu.gateway.tokens, direct: cpu.direct.us / cpu.direct.tokens },
    cpuByThreadUsPerToken: {
      gateway: perToken(byThread.gateway, cpu.gateway.tokens),
      direct: perToken(byThread.direct, cpu.direct.tokens),
    },
  };
}

/** Result of {@link benchParallel}. */
export interface ParallelResult {
  single: { tokensPerS: number; ttftMs: number };
  byConcurrency: Array<{
    c: number;
    sequences: number;
    tokensPerS: number;
    throughputRatio: number;
    slowestTtftMs: number;
    ttftRatio: number;
  }>;
  direct4TokensPerS: number;
  /** Median over rounds of (gateway 4 streams tokens/s) / (direct 4 sequences tokens/s), measured alternating. */
  gatewayVsDirect4: number;
  gatewayVsDirect4PerRound: number[];
  /**
   * 4 streams ÷ 1 stream, medians of per-round ratios measured in the same rounds: the gateway's, and direct
   * node-llama-cpp's (the most batching can give with this library, model and machine).
   */
  batchingGain4: { gateway: number; direct: number };
  cpuUsPerToken4: { gateway: number; direct: number };
  /** The same by thread name (MainThread: HTTP and JS; WorkerThread: the llama.cpp worker's JS; libuv-worker: ggml). */
  cpuByThreadUsPerToken4: { gateway: Record<string, number>; direct: Record<string, number> };
  rssMb: { oneSequence: number; fourSequences: number; eightSequences: number };
  /**
   * Direct node-llama-cpp, 4 streams ÷ 1 on models of growing size (same threads): what llama.cpp's batching gains on
   * this machine when decoding is the work, not per-token overhead. Empty in --quick.
   */
  ceilingByModel: Array<{ model: string; mb: number; singleTokensPerS: number; gain4: number }>;
  turns: {
    reuse: number[];
    noReuse: number[];
    /** Direct node-llama-cpp, same turns: first-token ms, and the prompt tokens it decoded per turn (last conversation). */
    direct: number[];
    directEvaluated: number[];
    reuseRatio10: number;
    noReuseRatio10: number;
    directRatio10: number;
    historyTokens10: number;
  };
}

/** 4 and 8 concurrent 200-token streams vs one, with 1 sequence (the old FIFO) and with N; the direct ceiling; memory. */
export async function benchParallel(env: ParallelBenchEnv): Promise<ParallelResult> {
  const maxTokens = 200;
  const rounds = env.quick ? 1 : 3;
  const agent = keepAliveAgent(8);
  const out: ParallelResult['byConcurrency'] = [];
  const rss = { oneSequence: NaN, fourSequences: NaN, eightSequences: NaN };
  let single = { tokensPerS: NaN, ttftMs: NaN };
  let vsDirect: Awaited<ReturnType<typeof gatewayVsDirect>> | undefined;
  for (const sequences of [1, 4, 8]) {
    const gw = await gateway(env, `par${sequences}`, { HYBRID_AI_PARALLEL: String(sequences), HYBRID_AI_QUEUE_LIMIT: '64' });
    await burst(gw.url, env, agent, Math.max(1, sequences), 16); // warm-up: loads the model, touches every sequence
    const cs = sequences === 1 ? [1, 4, 8] : [sequences];
    for (const c of cs) {
      const tps: number[] = [];
      const slow: number[] = [];
      const first: number[] = [];
      for (let r = 0; r < rounds; r++) {
        // The single-stream baseline is measured in every round beside the burst, on the same gateway.
        const one = await burst(gw.url, env, agent, 1, maxTokens);
        first.push(one.ttft[0]!);
        if (sequences === 1 && c === 1) tps.push(one.tokensPerS);
        const b = c === 1 ? one : await burst(gw.url, env, agent, c, maxTokens);
        if (c !== 1) tps.push(b.tokensPerS);
        slow.push(Math.max(...b.ttft));
      }
      if (sequences === 1 && c === 1) single = { tokensPerS: median(tps), ttftMs: median(first) };
      out.push({
        c,
        sequences,
        tokensPerS: median(tps),
        throughputRatio: median(tps) / single.tokensPerS,
        slowestTtftMs: median(slow),
        ttftRatio: median(slow) / median(first),
      });
    }
    // The ceiling, measured against this gateway in the same rounds (at least 5: one round says little on a busy machine).
    if (sequences === 4) vsDirect = await gatewayVsDirect(env, gw, agent, maxTokens, Math.max(5, rounds));
    const r = rssMb(gw.child.pid);
    if (sequences === 1) rss.oneSequence = r;
    else if (sequences === 4) rss.fourSequences = r;
    else rss.eightSequences = r;
    await gw.child.stop();
  }
  agent.destroy();
  env.log(
    `  ${maxTokens}-token greedy streams through /api/v1/chat; ${rounds} round(s), medians; single stream alone: ${fmt(single.tokensPerS, 0)} tokens/s, first token ${fmt(single.ttftMs, 0)} ms`,
  );
  env.log(
    table([
      ['sequences', 'streams at once', 'aggregate tokens/s', '× one stream', 'slowest first token ms', '× single first token'],
      ...out.map((x) => [
        String(x.sequences),
        String(x.c),
        fmt(x.tokensPerS, 0),
        fmt(x.throughputRatio, 2),
        fmt(x.slowestTtftMs, 0),
        fmt(x.ttftRatio, 2),
      ]),
    ])
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  const vs = vsDirect!;
  const ceilingByModel = env.quick ? [] : await batchingCeilingByModel(env);
  const turns = await benchTurns(env);
  const res: ParallelResult = {
    single,
    byConcurrency: out,
    direct4TokensPerS: vs.directTokensPerS,
    gatewayVsDirect4: vs.ratio,
    gatewayVsDirect4PerRound: vs.ratioPerRound,
    batchingGain4: vs.batchingGain,
    cpuUsPerToken4: vs.cpuUsPerToken,
    cpuByThreadUsPerToken4: vs.cpuByThreadUsPerToken,
    rssMb: rss,
    ceilingByModel,
    turns,
  };
  env.log(
    `  direct node-llama-cpp, 4 sequences of one context, same threads, alternating with the gateway's 4 streams: ${fmt(vs.directTokensPerS, 0)} ` +
      `tokens/s vs gateway ${fmt(vs.gatewayTokensPerS, 0)}; gateway keeps ${fmt(res.gatewayVsDirect4 * 100, 0)}% (per round: ` +
      `${vs.ratioPerRound.map((x) => fmt(x * 100, 0)).join(' ')}); CPU per token: gateway ${fmt(vs.cpuUsPerToken.gateway, 0)} µs, direct ${fmt(vs.cpuUsPerToken.direct, 0)} µs`,
  );
  env.log(
    `  4 streams ÷ 1 stream in the same rounds: gateway ${fmt(vs.batchingGain.gateway, 2)}×, direct node-llama-cpp ${fmt(vs.batchingGain.direct, 2)}× (the library's own batching gain here)`,
  );
  env.log(
    `  CPU per token by thread, µs: gateway ${threadLine(vs.cpuByThreadUsPerToken.gateway)}; direct ${threadLine(vs.cpuByThreadUsPerToken.direct)}`,
  );
  if (ceilingByModel.length > 0)
    env.log(
      `  the library's batching gain by model size (direct node-llama-cpp, 4 streams ÷ 1, ${CEILING_TOKENS}-token greedy streams, same threads): ` +
        ceilingByModel
          .map((c) => `${c.model} (${fmt(c.mb, 0)} MB, ${fmt(c.singleTokensPerS, 0)} tokens/s alone) ${fmt(c.gain4, 2)}×`)
          .join('; '),
    );
  env.log(
    `  gateway resident size after the bursts: 1 sequence ${fmt(rss.oneSequence, 0)} MB, 4 ${fmt(rss.fourSequences, 0)} MB, 8 ${fmt(rss.eightSequences, 0)} MB`,
  );
  env.log(
    `  turns 1-10 of a conversation (~${turns.historyTokens10} words of history at turn 10), first-token ms, median of new conversations:\n` +
      `    with reuse (4 sequences):                 ${turns.reuse.map((x) => fmt(x, 0)).join(' ')}  → turn 10 / turn 1 = ${fmt(turns.reuseRatio10, 2)}\n` +
      `    without (1 sequence, another chat between): ${turns.noReuse.map((x) => fmt(x, 0)).join(' ')}  → turn 10 / turn 1 = ${fmt(turns.noReuseRatio10, 2)}\n` +
      `    direct node-llama-cpp (same threads, its own reuse; ${turns.directEvaluated.join('/')} prompt tokens decoded per turn): ` +
      `${turns.direct.map((x) => fmt(x, 0)).join(' ')}  → turn 10 / turn 1 = ${fmt(turns.directRatio10, 2)}`,
  );
  return res;
}

/** Tokens per stream in {@link batchingCeilingByModel}: the largest model decodes ~50 tokens/s here. */
const CEILING_TOKENS = 48;

/**
 * Direct node-llama-cpp with 4 sequences on the bench model and on two generated models where decoding the weights is
 * the work (a 26 MB f32 one and a ~220 MB Q8_0 one, quantized as real models ship): 4 streams ÷ 1, alternating, 2 rounds.
 * why: on the tiny model most of a token's cost is per-token overhead that batching cannot share; this shows whether
 * llama.cpp's batched decode itself gains on this CPU when the matrices are the cost.
 */
async function batchingCeilingByModel(env: ParallelBenchEnv): Promise<ParallelResult['ceilingByModel']> {
  const models: Array<{ name: string; path: string }> = [{ name: path.basename(env.model), path: env.model }];
  const slow = await makeTinyGguf(path.join(env.tmpRoot, 'ceiling-f32.gguf'), { shape: SLOW_SHAPE });
  models.push({ name: 'generated f32', path: slow.path });
  const q8 = await makeTinyGguf(path.join(env.tmpRoot, 'ceiling-q8.gguf'), {
    weights: 'q8_0',
    shape: { embd: 1024, heads: 16, ff: 2816, blocks: 16, contextLength: 4096 },
  });
  models.push({ name: 'generated Q8_0', path: q8.path });
  const out: ParallelResult['ceilingByModel'] = [];
  for (const m of models) {
    const d = await startLlamaDirect({ model: m.path, threads: env.threads, sequences: 4, start: env.child });
    await d.run(8); // warm-up: touches every sequence
    const gains: number[] = [];
    const singles: number[] = [];
    for (let r = 0; r < 2; r++) {
      const one = await d.run(CEILING_TOKENS, 1);
      const four = await d.run(CEILING_TOKENS);
      const single = (one.tokens * 1000) / one.wallMs;
      singles.push(single);
      gains.push((four.tokens * 1000) / four.wallMs / single);
    }
    d.child.proc.stdin!.end();
    await d.child.stop();
    out.push({ model: m.name, mb: statSync(m.path).size / 1e6, singleTokensPerS: median(singles), gain4: median(gains) });
  }
  return out;
}

/** First-token time of each of 10 turns of one conversation (growing to ~1,500 tokens), with and without cache reuse. */
async function benchTurns(env: ParallelBenchEnv): Promise<ParallelResult['turns']> {
  const agent = keepAliveAgent(2);
  // ~150 tokens of user text per turn with a real tokenizer (the generated GGUF's small vocabulary spends more per word):
  // ten turns bring the history to ~1,500 tokens, inside the 2,048-token context.
  // Each conversation is a new one (`c` in every turn): a repeat of an earlier one would find its turns already in a
  // sequence's KV cache, turn 1 included, and measure nothing.
  const userTurn = (i: number, c = 0): string =>
    `Turn ${i} of conversation ${c}: ${'the river runs past the old mill and the children play by the water '.repeat(3)}`;
  const run = async (url: string, interleave: boolean, c: number): Promise<number[]> => {
    const messages: Array<{ role: string; content: string }> = [];
    const ttft: number[] = [];
    for (let i = 1; i <= 10; i++) {
      messages.push({ role: 'user', content: userTurn(i, c) });
      const t0 = performance.now();
      let text = '';
      const r = await new Promise<{ ttft: number; text: string }>((resolve, reject) => {
        const u = new URL(url);
        const req = request(
          {
            host: u.hostname,
            port: u.port,
            method: 'POST',
            path: '/v1/chat/completions',
            agent,
            headers: { 'content-type': 'application/json', ...env.auth },
          },
          (res) => {
            let first = -1;
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              for (const m of c.matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)) {
                if (first < 0 && m[1]) first = performance.now() - t0;
                text += JSON.parse(`"${m[1]}"`) as string;
              }
            });
            res.on('end', () => (res.statusCode === 200 ? resolve({ ttft: first, text }) : reject(new Error(`HTTP ${res.statusCode}`))));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ model: 'tinyllama', messages, max_tokens: 12, temperature: 0, stream: true }));
      });
      ttft.push(r.ttft);
      messages.push({ role: 'assistant', content: r.text });
      if (interleave) {
        // Another conversation between two turns: with one sequence it takes the KV cache, as a second client would.
        await post(
          {
            name: 'interleave',
            url,
            path: '/api/v1/chat',
            body: JSON.stringify({ prompt: `Another question number ${i} about something else.`, model: 'tinyllama', max_tokens: 4 }),
            headers: env.auth,
          },
          agent,
        );
      }
    }
    return ttft;
  };
  // Three conversations after a warm-up one (model load); each turn's first-token time is the median over the three.
  const conversations = env.quick ? 1 : 3;
  const medianTurns = async (url: string, interleave: boolean): Promise<number[]> => {
    await run(url, interleave, 0);
    const runs: number[][] = [];
    for (let c = 1; c <= conversations; c++) runs.push(await run(url, interleave, c));
    return Array.from({ length: 10 }, (_, i) => median(runs.map((r) => r[i]!)));
  };
  const a = await gateway(env, 'turns-reuse', { HYBRID_AI_PARALLEL: '4' });
  const reuse = await medianTurns(a.url, false);
  await a.child.stop();
  const b = await gateway(env, 'turns-noreuse', { HYBRID_AI_PARALLEL: '1' });
  const noReuse = await medianTurns(b.url, true);
  await b.child.stop();
  agent.destroy();
  // The library alone on the same turns (same threads, 4 sequences, its own KV reuse): how a first token's time grows
  // with the history on this model and machine before any gateway work, the floor for the gateway's curve.
  const d = await startLlamaDirect({ model: env.model, threads: env.threads, sequences: 4, start: env.child });
  const directRuns: number[][] = [];
  let directEvaluated: number[] = [];
  for (let c = 0; c <= conversations; c++) {
    const r = await d.conversation(
      Array.from({ length: 10 }, (_, i) => userTurn(i + 1, c)),
      12,
    );
    if (c > 0) directRuns.push(r.firstMs);
    directEvaluated = r.evaluated;
  }
  d.child.proc.stdin!.end();
  await d.child.stop();
  const direct = Array.from({ length: 10 }, (_, i) => median(directRuns.map((r) => r[i]!)));
  const words = Array.from({ length: 10 }, (_, i) => userTurn(i + 1))
    .join(' ')
    .split(/\s+/).length;
  return {
    reuse,
    noReuse,
    direct,
    directEvaluated,
    reuseRatio10: reuse[9]! / reuse[0]!,
    noReuseRatio10: noReuse[9]! / noReuse[0]!,
    directRatio10: direct[9]! / direct[0]!,
    historyTokens10: words,
  };
}

/** Result of {@link benchColdStart}. */
export interface ColdStartResult {
  rounds: number;
  gatewayHealthMs: number;
  bareHealthMs: number;
  healthRatio: number;
  gatewayIdleRssMb: number;
  bareIdleRssMb: number;
}

/** Spawn `args`, poll `url` until 200; returns ms from spawn and the resident size after `idleMs`. */
async function coldOnce(args: string[], env: NodeJS.ProcessEnv, healthPath: string, port: number, idleMs: number) {
  const { spawn } = await import('node:child_process');
  const t0 = performance.now();
  const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
  let ms = NaN;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${healthPath}`);
      if (r.ok) {
        ms = performance.now() - t0;
        break;
      }
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 60_000) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, idleMs));
  const rss = rssMb(p.pid!);
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
  return { ms, rss };
}

/** Cold start of the built server to /health with no model, and its idle resident size, vs a bare node:http server. */
export async function benchColdStart(env: ParallelBenchEnv, entry: string[]): Promise<ColdStartResult> {
  const rounds = env.quick ? 2 : 5;
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const bare = `require('node:http').createServer((q,s)=>s.end('ok')).listen(${port},'127.0.0.1')`;
  const g: number[] = [];
  const b: number[] = [];
  const gr: number[] = [];
  const br: number[] = [];
  // why 3 s idle: start-up work that runs after /health (the keyword index, the first probes) is done by then.
  for (let r = 0; r < rounds; r++) {
    const dir = mkdtempSync(path.join(env.tmpRoot, 'cold-'));
    const x = await coldOnce(
      [...entry, '--port', String(port), '--data-dir', dir],
      { ...env.gatewayEnv({ OLLAMA_HOST: '127.0.0.1:9' }), HYBRID_AI_MANAGE_OLLAMA: 'off', HYBRID_AI_KEYCHAIN: 'off' },
      '/health',
      port,
      3000,
    );
    g.push(x.ms);
    gr.push(x.rss);
    const y = await coldOnce(['-e', bare], process.env, '/', port, 3000);
    b.push(y.ms);
    br.push(y.rss);
  }
  const res: ColdStartResult = {
    rounds,
    gatewayHealthMs: median(g),
    bareHealthMs: median(b),
    healthRatio: median(g) / median(b),
    gatewayIdleRssMb: median(gr),
    bareIdleRssMb: median(br),
  };
  env.log(
    `  built server, no model: /health after ${fmt(res.gatewayHealthMs, 0)} ms (bare node:http ${fmt(res.bareHealthMs, 0)} ms, ×${fmt(res.healthRatio, 1)}); ` +
      `idle resident ${fmt(res.gatewayIdleRssMb, 0)} MB (bare ${fmt(res.bareIdleRssMb, 0)} MB); medians of ${rounds} alternating starts`,
  );
  return res;
}
