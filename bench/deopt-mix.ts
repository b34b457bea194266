// Counts V8 deoptimisations (node --trace-deopt) in a compiled gateway under load that switches between the native and
// OpenAI chat endpoints: a function the pipeline shares that is deoptimised on each switch shows up here.
// Usage: tsx bench/deopt-mix.ts <main.js> [--switches 20] [--per 150] [--warmup 3000]   (DEOPT_ALL=1: count the warm-up too)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { keepAliveAgent, load, startChild, type Child } from './lib.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    switches: { type: 'string', default: '20' },
    per: { type: 'string', default: '150' },
    warmup: { type: 'string', default: '3000' },
  },
});
const TOKEN = 'bench-token-0123456789abcdef';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hybrid-deopt-'));
const children: Child[] = [];
try {
  const upstream = await startChild(['--import', 'tsx', 'bench/upstream.ts', '--answer-words', '8'], /^\{.*"url"/);
  children.push(upstream);
  const up = JSON.parse(upstream.line) as { url: string; host: string };
  const env: NodeJS.ProcessEnv = { ...process.env, OLLAMA_HOST: up.host, HYBRID_AI_TOKEN: TOKEN, LOG_LEVEL: 'warn', ANTHROPIC_API_KEY: '' };
  delete env.HYBRID_AI_LOCAL_MODEL;
  const gw = await startChild(
    ['--trace-deopt', positionals[0]!, '--port', '0', '--data-dir', path.join(tmp, 'gw')],
    /Hybrid AI Stack (http:\/\/\S+)/,
    env,
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
  const auth = { authorization: `Bearer ${TOKEN}` };
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
