// Counts V8 deoptimisations (node --trace-deopt) in a compiled gateway under load that switches between the native and
// OpenAI chat endpoints: a function the pipeline shares that is deoptimised on each switch shows up here.
// Usage: tsx bench/deopt-mix.ts <main.js> [--switches 20] [--per 150] [--warmup 3000]   (DEOPT_ALL=1: count the warm-up too)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_TOKEN, GATEWAY_READY, keepAliveAgent, load, startChild, startUpstream, upstreamGatewayEnv, type Child } from './lib.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    switches: { type: 'string', default: '20' },
    per: { type: 'string', default: '150' },
    warmup: { type: 'string', default: '3000' },
  },
});
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hybrid-deopt-'));
const children: Child[] = [];
try {
  const up = await startUpstream(8);
  children.push(up.child);
  const gw = await startChild(
    ['--trace-deopt', positionals[0]!, '--port', '0', '--data-dir', path.join(tmp, 'gw')],
    GATEWAY_READY,
    upstreamGatewayEnv(up.host),
  );
  children.push(gw);
  const url = gw.match[1]!;
  let counting = false;
  const counts = new Map<string, number>();
  let buf = '';
  const samples: string[] = [];
  gw.proc.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    if (!counting) return;
    for (const l of lines) {
      if (/deopt/i.test(l) && samples.length < 3) samples.push(l.slice(0, 300));
      const m = /bailout \(kind: [^)]*\): begin\. deoptimizing \S+ <JSFunction ([^ >]*)/.exec(l);
      const name = m ? m[1] || '(anonymous)' : undefined;
      if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  });
  const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
  const native = { name: 'native', url, path: '/api/v1/chat', body: JSON.stringify({ prompt: 'hi' }), headers: auth };
  const openai = {
    name: 'openai',
    url,
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    headers: auth,
  };
  const agent = keepAliveAgent(4);
  await new Promise((r) => setTimeout(r, 3000));
  counting = process.env.DEOPT_ALL === '1';
  const warm = Number(values.warmup);
  for (let i = 0; i < 4; i++) for (const t of [native, openai]) await load(t, agent, 4, warm / 8);
  counting = true;
  for (let s = 0; s < Number(values.switches); s++) await load(s % 2 ? openai : native, agent, 4, Number(values.per));
  await new Promise((r) => setTimeout(r, 200));
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`deopts during ${values.switches} protocol switches: ${total}\n`);
  for (const l of samples) process.stdout.write(`  sample: ${l}\n`);
  for (const [f, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(`  ${n}\t${f}\n`);
} finally {
  for (const c of children.reverse()) await c.stop();
  rmSync(tmp, { recursive: true, force: true });
}
