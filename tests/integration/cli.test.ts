// The `hybrid-ai` CLI and `npm run serve` entry as real processes: route, ask, serve start/refuse/shutdown.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askRequest, DEFAULT_ASK_MAX_TOKENS } from '../../router-core/cli/ask.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';

const BIN = path.resolve('bin/hybrid-ai.mjs');
let dir: string;
let gguf: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-cli-'));
  gguf = (await makeTinyGguf(path.join(dir, 'tiny.gguf'))).path;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const baseEnv = { ...process.env, ANTHROPIC_API_KEY: '', OLLAMA_HOST: '127.0.0.1:9', HYBRID_AI_TOKEN: '' };

function run(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    input: opts.input ?? '',
    env: { ...baseEnv, ...opts.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('hybrid-ai route', () => {
  it('turns JSONL prompts into JSONL decisions for the tier', () => {
    const input = [
      { id: 'a', prompt: 'hi' },
      { id: 'b', prompt: 'Prove that there are infinitely many primes.' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n');
    const r = run(['route', '--tier', '2'], { input });
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    // `route` decides as if every catalog file were present: the tier's recommended small model answers.
    expect(lines[0]).toMatchObject({ id: 'a', route: 'small', model: 'qwen3-1.7b' });
    expect(lines[1]).toMatchObject({ id: 'b', route: 'cloud', model: 'claude-sonnet' });
    expect(Object.keys(lines[1]).sort()).toEqual(['complexity', 'id', 'model', 'reasons', 'route']);
    expect(lines[1].reasons.length).toBeGreaterThan(0);
  });

  it('takes {"id","messages"} lines: a follow-up is routed as the task it continues, "thanks" as itself', () => {
    const task = 'Design a lock-free concurrent hash map in C++ with resizing, and prove its linearizability.';
    const turns = (last: string) => [
      { role: 'user', content: task },
      { role: 'assistant', content: 'Here is the design.' },
      { role: 'user', content: last },
    ];
    const input = [
      { id: 'alone', prompt: 'now add tests' },
      { id: 'follow', messages: turns('now add tests') },
      { id: 'thanks', messages: turns('thanks!') },
      { id: 'bad', messages: [{ role: 'robot', content: 'x' }] },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n');
    const r = run(['route', '--tier', '2'], { input });
    expect(r.status).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ id: 'alone', route: 'small' });
    expect(lines[1]).toMatchObject({ id: 'follow', route: 'cloud', model: 'claude-sonnet' });
    expect(lines[1].reasons.join(' | ')).toMatch(/follow-up of a cloud-grade task/);
    expect(lines[2]).toMatchObject({ id: 'thanks', route: 'small' });
    expect(lines[3]).toMatchObject({ id: 'bad', error: '"messages[0].role" must be one of: system, user, assistant' });
  });

  it('reports bad lines without stopping and exits 1', () => {
    const r = run(['route', '--tier', '1'], { input: 'not json\n{"id":"x","prompt":"hi"}\n{"id":"y"}\n' });
    expect(r.status).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ line: 1, error: expect.stringMatching(/not valid JSON/) });
    expect(lines[1]).toMatchObject({ id: 'x', route: 'small' });
    expect(lines[2]).toMatchObject({ id: 'y', error: '"prompt" must be a string' });
  });

  it('--help explains the line formats and exits 0', () => {
    const r = run(['route', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: hybrid-ai route/);
    expect(r.stdout).toMatch(/"messages": \[/);
  });

  it('without --tier routes for the detected tier, as ask does, and its help says so', () => {
    const help = run(['route', '--help']).stdout;
    expect(help).toMatch(/--tier N +the machine tier to route for \(default: detected/);
    expect(help).not.toMatch(/default 2/);
    const list = run(['models', 'list', '--json', '--data-dir', path.join(dir, 'route-tier')]);
    const detected = (JSON.parse(list.stdout) as { tier: { tier: number } }).tier.tier;
    const r = run(['route', '--data-dir', path.join(dir, 'route-tier')], { input: '{"id":"a","prompt":"hi"}\n' });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`routing for tier ${detected} \\(`));
    const forced = run(['route', '--tier', '1'], { input: '{"id":"a","prompt":"hi"}\n' });
    expect(forced.stderr).toMatch(/routing for tier 1 \(tier 1 set by --tier\)/);
  });

  it('rejects an invalid tier', () => {
    const r = run(['route', '--tier', '7']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/invalid --tier "7" \(valid: 1, 2, 3, 4\)/);
  });
});

describe('hybrid-ai ask', () => {
  it('streams an answer from the embedded engine and prints the badge on stderr', () => {
    const r = run(['ask', '--data-dir', path.join(dir, 'ask'), '--max-tokens', '8', 'hello there'], {
      env: { HYBRID_AI_LOCAL_MODEL: gguf, HYBRID_AI_THREADS: '1' },
    });
    // The badge names the file that answered (HYBRID_AI_LOCAL_MODEL), not a catalog model it stands in for.
    expect(r.stderr).toMatch(/\[small · tiny\.gguf \(HYBRID_AI_LOCAL_MODEL\) on llamacpp · complexity \d\.\d\d\]/);
    expect(r.stderr).toMatch(/in \/ \d+ out · cost \$0\.000000 · all-cloud \$0\.\d+/);
    expect(r.stdout.length).toBeGreaterThan(1);
    // The answer ends its line, so the shell prompt starts on a fresh one.
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.status).toBe(0);
  });

  it('--help explains the options and exits 0; a bad option exits 2 with the usage', () => {
    const h = run(['ask', '--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^Usage: hybrid-ai ask \[options\] "your prompt"/);
    expect(h.stdout).toMatch(/--max-tokens N\s+longest answer in tokens \(default 1024\)/);
    const bad = run(['ask', '--bogus', 'hi']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--bogus'[\s\S]*Usage: hybrid-ai ask/);
  });

  it('caps an answer at 1024 tokens unless --max-tokens says otherwise', () => {
    expect(askRequest('hi').params.maxTokens).toBe(DEFAULT_ASK_MAX_TOKENS);
    expect(DEFAULT_ASK_MAX_TOKENS).toBe(1024);
    expect(askRequest('hi', { maxTokens: 5, model: 'phi2' })).toEqual({
      model: 'phi2',
      messages: [{ role: 'user', content: 'hi' }],
      params: { maxTokens: 5 },
    });
  });

  it('says clearly when no model can answer', () => {
    const r = run(['ask', '--data-dir', path.join(dir, 'none'), 'hello']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/No model can answer/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--version prints the package version', () => {
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`hybrid-ai ${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}\n`);
  });

  it('models list says every local model is served by the HYBRID_AI_LOCAL_MODEL file', () => {
    const r = run(['models', 'list', '--data-dir', path.join(dir, 'list')], { env: { HYBRID_AI_LOCAL_MODEL: gguf } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^tinyllama\s+served by tiny\.gguf/m);
    expect(r.stdout).toMatch(/^mistral-7b\s+served by tiny\.gguf/m);
    expect(r.stdout).not.toMatch(/missing/);
    expect(r.stdout).toMatch(/HYBRID_AI_LOCAL_MODEL=.*tiny\.gguf \([\d.]+ KiB\) answers every local model name above/);
    const json = run(['models', 'list', '--json', '--data-dir', path.join(dir, 'list')], { env: { HYBRID_AI_LOCAL_MODEL: gguf } });
    expect(JSON.parse(json.stdout).local_model_file).toMatchObject({ path: gguf, name: 'tiny.gguf', size_bytes: expect.any(Number) });
  });

  it('unknown command lists the valid ones', () => {
    const r = run(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"\. Valid: serve, ask, route/);
  });
});

describe('serve', () => {
  it('refuses a non-loopback host without a token', () => {
    const r = run(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', path.join(dir, 'x')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without HYBRID_AI_TOKEN/);
  });

  it('names a bad flag value', () => {
    const r = run(['serve', '--port', 'abc', '--data-dir', path.join(dir, 'x')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Invalid --port: "abc" \(must be an integer from 0 to 65535\)/);
  });

  it('names the environment variable or config key that set a bad value, not a flag that was not given', () => {
    const x = path.join(dir, 'x');
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ HYBRID_AI_TIER: '9' }, /Invalid HYBRID_AI_TIER: "9" \(must be an integer from 1 to 4\)/],
      [{ HYBRID_AI_THREADS: 'x' }, /Invalid HYBRID_AI_THREADS: "x"/],
      [{ HYBRID_AI_PARALLEL: '0' }, /Invalid HYBRID_AI_PARALLEL: "0"/],
      [{ HYBRID_AI_PORT: 'abc' }, /Invalid HYBRID_AI_PORT: "abc"/],
      [{ HYBRID_AI_LOCAL_ONLY: 'maybe' }, /Invalid HYBRID_AI_LOCAL_ONLY: "maybe" \(use true or false\)/],
      [{ HYBRID_AI_HISTORY: 'maybe' }, /Invalid HYBRID_AI_HISTORY: "maybe"/],
    ];
    for (const [env, message] of cases) {
      const r = run(['serve', '--data-dir', x], { env });
      expect(r.status, JSON.stringify(env)).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/Invalid --/);
    }
    const config = path.join(dir, 'bad-tier.json');
    writeFileSync(config, JSON.stringify({ tier: 7 }));
    const r = run(['serve', '--data-dir', x, '--config', config]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`Invalid "tier" in ${config}: "7" (must be an integer from 1 to 4).`);
    // The flag, when given, is still what the message names.
    expect(run(['serve', '--data-dir', x, '--tier', '0'], { env: { HYBRID_AI_TIER: '2' } }).stderr).toMatch(/Invalid --tier: "0"/);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`prints the UI link (a generated token in the data dir, never on piped stdout), serves, and exits cleanly on ${signal}`, async () => {
      const dataDir = path.join(dir, `serve-${signal}`);
      const child = spawn(process.execPath, ['--import', 'tsx', 'router-core/server/main.ts', '--port', '0', '--data-dir', dataDir], {
        env: { ...baseEnv, HYBRID_AI_LOCAL_MODEL: gguf, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const link = await new Promise<RegExpExecArray>((resolve, reject) => {
        const t = setInterval(() => {
          const m = /Open the app: (http:\/\/127\.0\.0\.1:\d+)\/ /.exec(out);
          if (m) {
            clearInterval(t);
            resolve(m);
          }
        }, 20);
        child.once('exit', (code) => {
          clearInterval(t);
          reject(new Error(`exited ${code}: ${out}`));
        });
      });
      // Piped stdout gets no token (router-core/server/main.ts startBanner): it is in the data dir's api-token file.
      const [, url] = link;
      const token = readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim();
      expect(out).not.toContain(token);
      expect(out).toContain(`A new API token was created and saved in ${path.join(dataDir, 'api-token')}`);
      const res = await fetch(`${url}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ prompt: 'hi', max_tokens: 4 }),
      });
      expect(res.status).toBe(200);
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const t0 = Date.now();
      child.kill(signal);
      expect(await exit).toBe(0);
      expect(Date.now() - t0).toBeLessThan(6000);
    }, 60_000);
  }
});
