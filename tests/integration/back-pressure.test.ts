// Back-pressure through the real gateway and real llama.cpp: past N running plus a bounded queue, every protocol answers 503 with Retry-After in its own shape.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemDto } from '../../router-core/contracts/api.js';
import type { LlamaCppEngine } from '../../router-core/engines/llamacpp.js';
import { makeTinyGguf, SLOW_SHAPE } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, type TestServer } from './helpers.js';

let dir: string;
let srv: TestServer;
const held: AbortController[] = [];
let holding: Promise<unknown>[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-backpressure-'));
  // The slower fixture (~200 tokens/s, 8,192-token context) keeps the held answers running for the whole test.
  const model = (await makeTinyGguf(path.join(dir, 'slow.gguf'), { shape: SLOW_SHAPE })).path;
  // One sequence and room for one waiting request: the third concurrent request is over the limit.
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: model, HYBRID_AI_THREADS: '1', HYBRID_AI_PARALLEL: '1', HYBRID_AI_QUEUE_LIMIT: '1' },
    args: ['--tier', '2', '--local-only'],
  });
  const warm = await post('/api/v1/chat', { prompt: 'hi', model: 'tinyllama', max_tokens: 2 });
  expect(warm.status).toBe(200);
}, 120_000);

afterAll(async () => {
  for (const ac of held) ac.abort();
  await Promise.all(holding);
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

const engine = (): LlamaCppEngine => srv.core.engines.get('llamacpp') as LlamaCppEngine;

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${srv.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...srv.auth, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json, text };
}

async function until<T>(f: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Fills the one sequence and the one queue place with long answers the test cancels at the end. */
async function fill(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const ac = new AbortController();
    held.push(ac);
    holding.push(
      fetch(`${srv.url}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...srv.auth },
        body: JSON.stringify({ prompt: 'Write a long story.', model: 'tinyllama', max_tokens: 7_000, stream: true }),
        signal: ac.signal,
      })
        .then(async (r) => {
          const reader = r.body!.getReader();
          for (;;) if ((await reader.read()).done) return;
        })
        .catch(() => undefined),
    );
  }
  await until(() => engine().info().running.length === 1 && engine().info().queued === 1, 30_000, 'one running, one queued');
}

const messages = [{ role: 'user', content: 'hello' }];

describe('a request beyond N running plus the queue', () => {
  beforeAll(fill, 60_000);

  it('shows the queue in /api/v1/system and /metrics', async () => {
    const sys = (await (await fetch(`${srv.url}/api/v1/system`, { headers: srv.auth })).json()) as SystemDto;
    expect(sys.parallel).toMatchObject({
      sequences: 1,
      sequences_from: '--parallel / HYBRID_AI_PARALLEL',
      queue_limit: 1,
      running: 1,
      queued: 1,
    });
    // HYBRID_AI_LOCAL_MODEL serves every name from slow.gguf: the queue and the loaded model both name that file, as the
    // answers and /api/ps do, whatever catalog name the request used.
    expect(sys.parallel!.queue).toEqual([expect.objectContaining({ model: 'slow', position: 1 })]);
    expect(sys.parallel!.models).toEqual([expect.objectContaining({ model: 'slow', sequences: 1, busy: 1, queued: 1 })]);
    expect(sys.parallel!.models[0]!.bytes_per_sequence).toBeGreaterThan(0);
    expect(sys.parallel!.ollama).toEqual({ num_parallel: null, keep_alive: '30m' });
    const metrics = await (await fetch(`${srv.url}/metrics`, { headers: srv.auth })).text();
    expect(metrics).toMatch(/^api_gateway_local_queue_depth\{model="[^"]+"\} 1$/m);
    expect(metrics).toMatch(/^api_gateway_local_running\{model="[^"]+"\} 1$/m);
    expect(metrics).toMatch(/^api_gateway_local_sequences\{model="[^"]+"\} 1$/m);
  });

  it('native: 503 with Retry-After and {error:{type,message}}', async () => {
    const r = await post('/api/v1/chat', { prompt: 'hello', model: 'tinyllama', max_tokens: 4 });
    expect(r.status).toBe(503);
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(r.json.error.type).toBe('upstream_overloaded');
    expect(r.json.error.message).toMatch(/busy: 1 answer running and 1 waiting \(the queue holds 1; HYBRID_AI_QUEUE_LIMIT/);
  });

  it('native, streamed: 503 before any stream starts', async () => {
    const r = await post('/api/v1/chat', { prompt: 'hello', model: 'tinyllama', max_tokens: 4, stream: true });
    expect(r.status).toBe(503);
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(r.json.error.type).toBe('upstream_overloaded');
  });

  it('OpenAI: 503 with Retry-After in the OpenAI error shape', async () => {
    const r = await post('/v1/chat/completions', { model: 'tinyllama', messages, max_tokens: 4 });
    expect(r.status).toBe(503);
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(r.json.error.message).toMatch(/slow is busy/);
    expect(typeof r.json.error.type).toBe('string');
  });

  it('Ollama: 503 with Retry-After and {error: "..."}', async () => {
    const r = await post('/api/chat', { model: 'tinyllama', messages, stream: false, options: { num_predict: 4 } });
    expect(r.status).toBe(503);
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(typeof r.json.error).toBe('string');
    expect(r.json.error).toMatch(/slow is busy/);
  });

  it('Anthropic: 503 with Retry-After and an overloaded_error', async () => {
    const r = await post('/v1/messages', { model: 'tinyllama', max_tokens: 4, messages }, { 'anthropic-version': '2023-06-01' });
    expect(r.status).toBe(503);
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(r.json).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(r.json.error.message).toMatch(/slow is busy/);
  });

  it('the held requests are still served: nothing was dropped by the refusals', () => {
    expect(engine().info()).toMatchObject({ queued: 1 });
    expect(engine().info().running).toHaveLength(1);
  });
});

describe('once the load is gone', () => {
  it('the same request is answered', async () => {
    for (const ac of held) ac.abort();
    await Promise.all(holding);
    holding = [];
    await until(() => engine().info().running.length === 0 && engine().info().queued === 0, 20_000, 'the engine to go idle');
    const r = await post('/v1/chat/completions', { model: 'tinyllama', messages, max_tokens: 4 });
    expect(r.status).toBe(200);
  }, 30_000);
});
