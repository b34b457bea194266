// One request never starves the rest: a client that leaves stops llama.cpp mid-evaluation and mid-generation, the time
// budget stops a long request, app keys share the engine fairly and are held to a concurrency limit. Real llama.cpp on
// a generated GGUF, through the real gateway; assertions are on the engine's own record of the work it did.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinishedJobInfo, LlamaCppEngine } from '../../router-core/engines/llamacpp.js';
import { makeTinyGguf, SLOW_SHAPE } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

let dir: string;
let slowModel: string;
let srv: TestServer;

// The slow model gives time to catch llama.cpp mid-evaluation; one thread is the fastest on a small VM. One sequence:
// the fair queue under test is what requests meet beyond the model's parallel sequences (llamacpp-parallel.test.ts
// covers N at once).
const env = (): NodeJS.ProcessEnv => ({ HYBRID_AI_LOCAL_MODEL: slowModel, HYBRID_AI_THREADS: '1', HYBRID_AI_PARALLEL: '1' });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-starve-'));
  slowModel = (await makeTinyGguf(path.join(dir, 'slow.gguf'), { shape: SLOW_SHAPE })).path;
  srv = await startTestServer({ env: env(), args: ['--tier', '2'] });
  // Load the model once so the tests below measure work, not loading.
  const warm = await post(srv, '/api/v1/chat', { prompt: 'hi', model: 'tinyllama', max_tokens: 2 });
  expect(warm.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

const engineOf = (s: TestServer): LlamaCppEngine => s.core.engines.get('llamacpp') as LlamaCppEngine;

async function post(s: TestServer, url: string, body: unknown, auth: Record<string, string> = s.auth, signal?: AbortSignal) {
  const res = await fetch(`${s.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Poll `f` every 2 ms until it returns a value (not undefined/false); fails after `ms`. */
async function until<T>(f: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Start a streamed local chat and return its controller once the engine reports `ready` for it. */
async function startStream(s: TestServer, body: Record<string, unknown>): Promise<{ ac: AbortController; done: Promise<unknown> }> {
  const ac = new AbortController();
  const done = fetch(`${s.url}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...s.auth },
    body: JSON.stringify({ model: 'tinyllama', stream: true, ...body }),
    signal: ac.signal,
  })
    .then(async (res) => {
      const reader = res.body!.getReader();
      for (;;) if ((await reader.read()).done) return;
    })
    .catch(() => undefined);
  return { ac, done };
}

/**
 * Abort the client and wait for the engine to report the call finished; returns the engine's record and how long
 * the engine took to become free (host side: from the abort to no call running).
 */
async function leaveAndWaitIdle(s: TestServer, ac: AbortController): Promise<{ job: FinishedJobInfo; freeMs: number }> {
  const engine = engineOf(s);
  const before = engine.info().finished.length;
  const t0 = performance.now();
  ac.abort();
  await until(() => engine.info().running.length === 0, 10_000, 'the engine to stop the call the client left');
  const freeMs = performance.now() - t0;
  const job = await until(() => engine.info().finished.slice(before).at(-1), 1_000, 'the finished call');
  return { job, freeMs };
}

describe('a client that leaves stops the work', () => {
  it('mid prompt evaluation: llama.cpp stops between evaluation chunks, and the next request is served', async () => {
    const engine = engineOf(srv);
    // ~1,200 prompt tokens: seconds of evaluation on the slow model, well inside tinyllama's 2,048-token context.
    const prompt = 'the cat and the dog say hello world to the people of the long story '.repeat(80);
    const { ac, done } = await startStream(srv, { prompt, max_tokens: 8 });
    const running = await until(
      () => engine.info().running.find((j) => j.phase === 'evaluating' && j.evaluatedTokens > 0),
      30_000,
      'evaluation to start',
    );
    expect(running.promptTokens).toBeGreaterThan(1000);
    const { job, freeMs } = await leaveAndWaitIdle(srv, ac);
    await done;
    // The engine's own record: evaluation stopped part way, nothing was generated.
    expect(job.stopReason).toBe('abort');
    // Stopped within a few chunks of the abort: far from the whole prompt (the abort came after the first chunk).
    expect(job.work.evaluatedTokens).toBeLessThan(job.work.promptTokens / 2);
    expect(job.work.generatedTokens).toBe(0);
    expect(job.work.abortToIdleMs).toBeGreaterThanOrEqual(0);
    console.log(
      `[starvation] mid-evaluation: engine free ${freeMs.toFixed(1)} ms after the client left (worker: ${job.work.abortToIdleMs!.toFixed(1)} ms); evaluated ${job.work.evaluatedTokens}/${job.work.promptTokens} prompt tokens`,
    );
    // The queue is free: the next request is answered by the engine.
    const next = await post(srv, '/api/v1/chat', { prompt: 'hi', model: 'tinyllama', max_tokens: 4 });
    expect(next.status).toBe(200);
    expect(engine.info().finished.at(-1)).toMatchObject({ stopReason: 'maxTokens' });
  }, 60_000);

  it('mid generation: llama.cpp stops within a token, long before max_tokens', async () => {
    const engine = engineOf(srv);
    const { ac, done } = await startStream(srv, { prompt: 'hi', max_tokens: 3000 });
    await until(() => engine.info().running.find((j) => j.deltas >= 3), 30_000, 'generation to start');
    const { job, freeMs } = await leaveAndWaitIdle(srv, ac);
    await done;
    expect(job.stopReason).toBe('abort');
    expect(job.work.maxTokens).toBe(3000);
    expect(job.work.generatedTokens).toBeGreaterThan(0);
    expect(job.work.generatedTokens).toBeLessThan(job.work.maxTokens);
    console.log(
      `[starvation] mid-generation: engine free ${freeMs.toFixed(1)} ms after the client left (worker: ${job.work.abortToIdleMs!.toFixed(1)} ms); generated ${job.work.generatedTokens}/${job.work.maxTokens} tokens`,
    );
    const next = await post(srv, '/api/v1/chat', { prompt: 'hi', model: 'tinyllama', max_tokens: 4 });
    expect(next.status).toBe(200);
  }, 60_000);
});

describe('app keys share the engine', () => {
  it('one key cannot run more than its concurrent limit, and a second key is served before the first key’s backlog', async () => {
    const engine = engineOf(srv);
    const mk = async (name: string): Promise<{ id: string; auth: Record<string, string> }> => {
      const r = await post(srv, '/api/v1/keys', { name });
      expect(r.status).toBe(201);
      return { id: r.json.id, auth: { authorization: `Bearer ${r.json.key}` } };
    };
    const a = await mk('busy-app');
    const b = await mk('other-app');
    const before = engine.info().finished.length;
    const chat = (auth: Record<string, string>, maxTokens: number) =>
      post(srv, '/api/v1/chat', { prompt: 'hi', model: 'tinyllama', max_tokens: maxTokens }, auth);
    // A1 runs (long), A2 waits in the queue, then B1 queues behind A2.
    const a1 = chat(a.auth, 300);
    await until(() => engine.info().running.length === 1, 10_000, 'A1 to run');
    const a2 = chat(a.auth, 4);
    await until(() => engine.info().queued === 1, 10_000, 'A2 to queue');
    // A third request from the same key is over its limit of 2 in flight: refused at once, naming the limit.
    const a3 = await chat(a.auth, 4);
    expect(a3.status).toBe(429);
    expect(a3.json.error.type).toBe('rate_limited');
    expect(a3.json.error.message).toMatch(/busy-app.*limit is 2 at once/);
    const b1 = chat(b.auth, 4);
    await until(() => engine.info().queued === 2, 10_000, 'B1 to queue');
    const results = await Promise.all([a1, a2, b1]);
    for (const r of results) expect(r.status).toBe(200);
    const order = engine
      .info()
      .finished.slice(before)
      .map((j) => j.owner);
    // Fair: B's only request runs before A's second, though A's was queued first.
    expect(order).toEqual([a.id, b.id, a.id]);
  }, 60_000);
});

describe('a request past its time budget', () => {
  let short: TestServer;
  beforeAll(async () => {
    short = await startTestServer({ env: { ...env(), HYBRID_AI_REQUEST_TIMEOUT_S: '2' }, args: ['--tier', '2'] });
  }, 60_000);
  afterAll(async () => {
    await short?.close();
  });

  it('is stopped in the engine and answered with a timeout that names the budget', async () => {
    const engine = engineOf(short);
    // Loading the model (seconds on a busy machine) would count against the budget: load it first, past the gateway.
    const warm = {
      request: { model: 'tinyllama', messages: [{ role: 'user' as const, content: 'hi' }], params: { maxTokens: 2 } },
      model: 'tinyllama',
    };
    for await (const ev of engine.chat(warm as Parameters<LlamaCppEngine['chat']>[0], new AbortController().signal)) void ev;
    const before = engine.info().finished.length;
    const r = await post(short, '/api/v1/chat', { prompt: 'hi', model: 'tinyllama', max_tokens: 3000 });
    expect(r.status).toBe(504);
    expect(r.json.error.type).toBe('timeout');
    expect(r.json.error.message).toMatch(/2 s time budget/);
    await until(() => engine.info().running.length === 0, 10_000, 'the engine to stop');
    const job = engine.info().finished.slice(before).at(-1)!;
    expect(job.stopReason).toBe('abort');
    expect(job.work.generatedTokens).toBeLessThan(job.work.maxTokens);
    const row = short.core.ledger.recent(1)[0]!;
    expect(row).toMatchObject({ status: 'error', errorType: 'timeout' });
  }, 60_000);

  it('tells the official OpenAI and Anthropic clients not to retry it: they ask once, not three times', async () => {
    const engine = engineOf(short);
    // The SDKs' default: two retries of any 5xx (504 included) unless the answer says x-should-retry: false. The same
    // request runs into the same budget each time, holding a sequence for three budgets.
    const openai = new OpenAI({ baseURL: `${short.url}/v1`, apiKey: TOKEN, maxRetries: 2 });
    const anthropic = new Anthropic({ baseURL: short.url, apiKey: TOKEN, maxRetries: 2 });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    for (const ask of [
      () => openai.chat.completions.create({ model: 'tinyllama', messages, max_tokens: 3000 }),
      () => anthropic.messages.create({ model: 'tinyllama', messages, max_tokens: 3000 }),
    ]) {
      const rows = short.core.ledger.recent(100).length;
      const jobs = engine.info().finished.length;
      const err = await ask().then(
        () => null,
        (e: unknown) => e as { status?: number; headers?: Headers },
      );
      expect(err?.status).toBe(504);
      expect(err?.headers?.get('x-should-retry')).toBe('false');
      await until(() => engine.info().running.length === 0, 10_000, 'the engine to stop');
      expect(short.core.ledger.recent(100).length - rows).toBe(1);
      expect(engine.info().finished.length - jobs).toBe(1);
    }
  }, 60_000);
});

describe('SIGTERM while llama.cpp is evaluating a long prompt', () => {
  it('stops the engine and exits cleanly within the drain period (no native abort)', async () => {
    const dataDir = path.join(dir, 'sigterm');
    const child = spawn(process.execPath, ['--import', 'tsx', 'router-core/server/main.ts', '--port', '0', '--data-dir', dataDir], {
      env: {
        ...process.env,
        ANTHROPIC_API_KEY: '',
        OLLAMA_HOST: '127.0.0.1:9',
        HYBRID_AI_TOKEN: '',
        HYBRID_AI_MANAGE_OLLAMA: 'off',
        HYBRID_AI_KEYCHAIN: 'off',
        LOG_LEVEL: 'warn',
        ...env(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.once('exit', (code, signal) => r({ code, signal })),
    );
    // Piped stdout gets no token (router-core/server/main.ts startBanner): it is in the data dir's api-token file.
    const [, url] = await until(() => /Open the app: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out) ?? undefined, 60_000, 'the server');
    const token = readFileSync(path.join(dataDir, 'api-token'), 'utf8').trim();
    expect(out).not.toContain(token);
    const auth = { authorization: `Bearer ${token}` };
    const chat = (body: unknown) =>
      fetch(`${url}/api/v1/chat`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });
    // Load the model first, so the long request below is evaluating (not loading) when the signal comes.
    expect((await chat({ prompt: 'hi', model: 'tinyllama', max_tokens: 2 })).status).toBe(200);
    const prompt = 'the cat and the dog say hello world to the people of the long story '.repeat(110);
    const long = chat({ prompt, model: 'tinyllama', max_tokens: 2000, stream: true })
      .then((r) => r.text())
      .catch(() => '');
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const { code, signal } = await exit;
    const ms = Date.now() - t0;
    await long;
    expect(err).not.toMatch(/Napi::Error|terminate called|Aborted/);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // The drain period is 5 s (server/main.ts SHUTDOWN_GRACE_MS); the engine then stops within one evaluation chunk.
    expect(ms).toBeLessThan(5_000 + 2_000);
    console.log(`[starvation] SIGTERM mid-evaluation: exited 0 after ${ms} ms`);
  }, 120_000);
});
