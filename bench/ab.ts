// A/B of two compiled gateway builds against one instant Ollama stand-in: added latency and CPU per request at concurrency 1
// (or --concurrency N), alternating rounds.
//
// Usage: tsx bench/ab.ts <A main.js> <B main.js> [--rounds 8] [--per-round 600] [--concurrency 1] [--protocol native|openai|mixed]   (a side may also be
// "--import=tsx router-core/server/main.ts": node arguments separated by spaces)
// Build each side with `npx tsc -p tsconfig.server.json --outDir DIR` in the checkout to compare (a git worktree of an older
// commit, say) and pass DIR/router-core/server/main.js. Both run with plain node, same flags, same upstream, phases rotated.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_TOKEN,
  fmt,
  GATEWAY_READY,
  keepAliveAgent,
  load,
  median,
  percentile,
  perToken,
  procCpuMicros,
  procThreadCpu,
  startChild,
  startUpstream,
  table,
  threadLine,
  upstreamGatewayEnv,
  type Child,
} from './lib.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '8' },
    'per-round': { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '1' },
    // native: /api/v1/chat; openai: /v1/chat/completions; mixed: half of each per round (the pipeline switches protocol).
    protocol: { type: 'string', default: 'native' },
  },
});
if (positionals.length !== 2) {
  process.stderr.write('usage: tsx bench/ab.ts <A main.js> <B main.js> [--rounds N] [--per-round N]\n');
  process.exit(2);
}
const rounds = Number(values.rounds);
const perRound = Number(values['per-round']);
const concurrency = Number(values.concurrency);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hybrid-ab-'));
const children: Child[] = [];

try {
  const up = await startUpstream(8);
  children.push(up.child);
  const env = upstreamGatewayEnv(up.host);
  const sides = await Promise.all(
    positionals.map(async (main, i) => {
      const c = await startChild([...main.split(' '), '--port', '0', '--data-dir', path.join(tmp, `side${i}`)], GATEWAY_READY, env);
      children.push(c);
      return {
        name: i === 0 ? 'A' : 'B',
        main,
        child: c,
        url: c.match[1]!,
        lat: [] as number[],
        p99: [] as number[],
        cpu: [] as number[],
        byThread: {} as Record<string, number>,
      };
    }),
  );
  const direct = { name: 'direct', url: up.url, lat: [] as number[] };
  const body = JSON.stringify({ prompt: 'hi' });
  const openaiBody = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
  const chats = (url: string) => {
    const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
    const native = target(url, '/api/v1/chat', body, auth);
    const openai = target(url, '/v1/chat/completions', openaiBody, auth);
    return values.protocol === 'openai' ? [openai] : values.protocol === 'mixed' ? [native, openai] : [native];
  };
  const agent = keepAliveAgent(concurrency);
  const target = (url: string, p: string, b: string, headers: Record<string, string>) => ({ name: url, url, path: p, body: b, headers });
  const directTarget = target(
    up.url,
    '/api/chat',
    JSON.stringify({ model: 'tinyllama:1.1b', messages: [{ role: 'user', content: 'hi' }], stream: false }),
    {},
  );
  // Warm-up long enough for V8 to optimise the hot paths (the first ~1,000 requests cost twice as much).
  for (const s of sides) for (const t of chats(s.url)) await load(t, agent, concurrency, 3000);
  await load(directTarget, agent, concurrency, 400);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    const d = await load(directTarget, agent, concurrency, perRound);
    direct.lat.push(
      percentile(
        d.samples.map((x) => x.ms),
        50,
      ),
    );
    for (const s of order) {
      const c0 = procCpuMicros(s.child.pid);
      const t0 = procThreadCpu(s.child.pid);
      const ts = chats(s.url);
      const ms: number[] = [];
      for (const t of ts) ms.push(...(await load(t, agent, concurrency, perRound / ts.length)).samples.map((x) => x.ms));
      s.cpu.push((procCpuMicros(s.child.pid) - c0) / perRound);
      for (const [name, us] of procThreadCpu(s.child.pid)) s.byThread[name] = (s.byThread[name] ?? 0) + us - (t0.get(name) ?? 0);
      s.lat.push(percentile(ms, 50));
      s.p99.push(percentile(ms, 99));
    }
  }
  const dp50 = median(direct.lat);
  process.stdout.write(`direct upstream p50 ${fmt(dp50, 3)} ms (median of ${rounds} rounds × ${perRound} requests, c=${concurrency})\n`);
  process.stdout.write(
    `${table([
      ['side', 'p50 ms', 'added p50 ms', 'p99 ms', 'CPU µs/request', 'per-round CPU', 'build'],
      ...sides.map((s) => [
        s.name,
        fmt(median(s.lat), 3),
        fmt(median(s.lat) - dp50, 3),
        fmt(median(s.p99), 3),
        fmt(median(s.cpu), 0),
        s.cpu.map((c) => fmt(c, 0)).join(' '),
        s.main,
      ]),
    ])}\n`,
  );
  for (const s of sides)
    process.stdout.write(`${s.name} CPU µs/request by thread: ${threadLine(perToken(s.byThread, rounds * perRound))}\n`);
  const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
  process.stdout.write(
    `B/A: added latency ${fmt((median(b.lat) - dp50) / (median(a.lat) - dp50), 2)}, CPU per request ${fmt(median(b.cpu) / median(a.cpu), 2)}\n`,
  );
} finally {
  for (const c of children.reverse()) await c.stop();
  rmSync(tmp, { recursive: true, force: true });
}
