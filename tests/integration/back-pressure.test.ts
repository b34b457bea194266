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
/** The headers each held request gets once its answer starts (the second one only after the first is cancelled). */
const heldHeaders: Array<Promise<Headers | null>> = [];
/** The id the queued request sends as x-client-request-id, so it can find itself in /api/v1/system while it waits. */
const QUEUED_CLIENT_ID = 'script-7:queued-one';

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
    const answer = fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...srv.auth, ...(i === 1 ? { 'x-client-request-id': QUEUED_CLIENT_ID } : {}) },
      body: JSON.stringify({ prompt: 'Write a long story.', model: 'tinyllama', max_tokens: 7_000, stream: true }),
      signal: ac.signal,
    });
    heldHeaders.push(answer.then((r) => r.headers).catch(() => null));
    holding.push(
      answer
        .then(async (r) => {
          const reader = r.body!.getReader();
          for (;;) if ((await reader.read()).done) return;
        })
        .catch(() => undefined),
    );
    // The second waits for the first to run, so the queue holds the one that sent its own id.
    if (i === 0) await until(() => engine().info().running.length === 1, 30_000, 'the first to run');
  }
  await until(() => engine().info().running.length === 1 && engine().info().queued === 1, 30_000, 'one running, one queued');
}

const systemQueue = async (): Promise<NonNullable<SystemDto['parallel']>['queue']> =>
  ((await (await fetch(`${srv.url}/api/v1/system`, { headers: srv.auth })).json()) as SystemDto).parallel!.queue;

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

  it("a queued request finds itself in /api/v1/system's queue by its own x-client-request-id, with the request id it will be answered under", async () => {
    const queue = await systemQueue();
    expect(queue).toEqual([
      expect.objectContaining({ client_request_id: QUEUED_CLIENT_ID, request_id: expect.any(String), model: 'slow', position: 1 }),
    ]);
    // The running one sent no id of its own: nothing to show but ours.
    expect(queue[0]!.request_id).not.toBe('');
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

  it("/metrics counts the refusals as refused, not as errors; the ledger keeps status error with the refusal's type", async () => {
    const metrics = await (await fetch(`${srv.url}/metrics`, { headers: srv.auth })).text();
    const requests = metrics.split('\n').filter((l) => l.startsWith('api_gateway_requests_total{'));
    const refused = requests.find((l) => /backend="llamacpp",status="refused"\}/.test(l));
    // native, native streamed, OpenAI, Ollama, Anthropic: five refusals so far.
    expect(refused).toMatch(/ 5$/);
    expect(requests.filter((l) => l.includes('status="error"'))).toEqual([]);
    const rows = srv.core.ledger.recent(20).filter((r) => r.errorType === 'upstream_overloaded');
    expect(rows).toHaveLength(5);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['error']));
  });

  it('the held requests are still served: nothing was dropped by the refusals', () => {
    expect(engine().info()).toMatchObject({ queued: 1 });
    expect(engine().info().running).toHaveLength(1);
  });
});

describe('once the load is gone', () => {
  let waitedAs: string | null = null;

  it("the queued request is answered under the request_id /api/v1/system showed while it waited, and echoes the caller's id", async () => {
    waitedAs = (await systemQueue())[0]!.request_id;
    held[0]!.abort();
    const headers = (await heldHeaders[1])!;
    expect(headers.get('x-request-id')).toBe(waitedAs);
    expect(headers.get('x-client-request-id')).toBe(QUEUED_CLIENT_ID);
  }, 30_000);

  it('the same request is answered', async () => {
    for (const ac of held) ac.abort();
    await Promise.all(holding);
    holding = [];
    await until(() => engine().info().running.length === 0 && engine().info().queued === 0, 20_000, 'the engine to go idle');
    const r = await post('/v1/chat/completions', { model: 'tinyllama', messages, max_tokens: 4 });
    expect(r.status).toBe(200);
    // The ledger row of the request that waited has the id it waited under.
    expect(srv.core.ledger.recent(20).some((row) => row.id === waitedAs)).toBe(true);
  }, 30_000);
});
