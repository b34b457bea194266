// An app key's own view of the local queue (GET /api/v1/queue) and per-key refusals in /metrics, through the real gateway and real llama.cpp.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueDto } from '../../router-core/contracts/api.js';
import type { LlamaCppEngine } from '../../router-core/engines/llamacpp.js';
import { queueSchema } from '../../router-core/gateway/api-schemas.js';
import { makeTinyGguf, SLOW_SHAPE } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, type TestServer } from './helpers.js';

let dir: string;
let srv: TestServer;
const held: AbortController[] = [];
const holding: Promise<unknown>[] = [];
/** Two apps with their own keys; `limited` has a rate limit of one request a minute. */
let appA: string;
let appB: string;
let limited: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-appqueue-'));
  // The slower fixture keeps the held answers running for the whole test.
  const model = (await makeTinyGguf(path.join(dir, 'slow.gguf'), { shape: SLOW_SHAPE })).path;
  // One sequence, room for three waiting, one chat in flight per app key.
  srv = await startTestServer({
    env: {
      HYBRID_AI_LOCAL_MODEL: model,
      HYBRID_AI_THREADS: '1',
      HYBRID_AI_PARALLEL: '1',
      HYBRID_AI_QUEUE_LIMIT: '3',
      HYBRID_AI_MAX_CONCURRENT_PER_KEY: '1',
    },
    args: ['--tier', '2', '--local-only'],
  });
  const key = async (body: Record<string, unknown>): Promise<string> => {
    const res = await fetch(`${srv.url}/api/v1/keys`, {
      method: 'POST',
      headers: { ...srv.auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { key: string }).key;
  };
  appA = await key({ name: 'app A', rate_limit_per_min: 1_000_000 });
  appB = await key({ name: 'app B', rate_limit_per_min: 1_000_000 });
  limited = await key({ name: 'limited', rate_limit_per_min: 1 });
}, 120_000);

afterAll(async () => {
  for (const ac of held) ac.abort();
  await Promise.all(holding);
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

const engine = (): LlamaCppEngine => srv.core.engines.get('llamacpp') as LlamaCppEngine;
const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

async function until<T>(f: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A long streamed answer, held until the test ends. */
function hold(headers: Record<string, string>): void {
  const ac = new AbortController();
  held.push(ac);
  holding.push(
    fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
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

async function queueAs(headers: Record<string, string>): Promise<{ status: number; text: string; json: QueueDto }> {
  const res = await fetch(`${srv.url}/api/v1/queue`, { headers });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as QueueDto };
}

const refusedLine = async (): Promise<string | undefined> =>
  (await (await fetch(`${srv.url}/metrics`, { headers: srv.auth })).text())
    .split('\n')
    .find((l) => l.startsWith('api_gateway_requests_total{') && l.includes('status="refused"'));

describe('GET /api/v1/queue', () => {
  beforeAll(async () => {
    // The API token's request takes the one sequence; then app A's and app B's wait behind it.
    hold({ ...srv.auth, 'x-client-request-id': 'master-1' });
    await until(() => engine().info().running.length === 1, 60_000, 'the first to run');
    hold({ ...bearer(appA), 'x-client-request-id': 'app-a:job-1' });
    await until(() => engine().info().queued === 1, 30_000, "app A's request to wait");
    hold({ ...bearer(appB), 'x-client-request-id': 'app-b:job-1' });
    await until(() => engine().info().queued === 2, 30_000, "app B's request to wait");
    // The first request dispatches before its model has finished loading; the per-model counts name its sequences after.
    await until(() => engine().info().models.length === 1, 60_000, 'the model to load');
  }, 120_000);

  it("an app key sees its own waiting request with its position, and of the others' only counts", async () => {
    const all = await queueAs(srv.auth);
    expect(all.status).toBe(200);
    const b = all.json.queued.find((q) => q.client_request_id === 'app-b:job-1')!;
    expect(b.request_id).toEqual(expect.any(String));

    const a = await queueAs(bearer(appA));
    expect(a.status).toBe(200);
    expect(queueSchema.strict().parse(a.json)).toEqual(a.json);
    expect(a.json.scope).toBe('own');
    const own = all.json.queued.find((q) => q.client_request_id === 'app-a:job-1')!;
    expect(a.json.queued).toEqual([
      { request_id: own.request_id, client_request_id: 'app-a:job-1', model: 'slow', position: own.position },
    ]);
    expect(a.json.running).toEqual([]);
    expect(a.json.models).toEqual([{ model: 'slow', sequences: 1, running: 1, queued: 2 }]);
    // Nothing of app B's request, nor of the API token's, in app A's view: neither its ids nor its client's.
    for (const other of ['app-b:job-1', b.request_id!, 'master-1']) expect(a.text).not.toContain(other);
  });

  it('the API token sees every request', async () => {
    const all = await queueAs(srv.auth);
    expect(all.json.scope).toBe('all');
    expect(all.json.queued.map((q) => q.client_request_id).sort()).toEqual(['app-a:job-1', 'app-b:job-1']);
    expect(all.json.running).toEqual([expect.objectContaining({ client_request_id: 'master-1', model: 'slow' })]);
  });

  it("/api/v1/system stays the API token's", async () => {
    const res = await fetch(`${srv.url}/api/v1/system`, { headers: bearer(appA) });
    expect(res.status).toBe(403);
  });
});

describe('per-key refusals in /metrics', () => {
  it('a 429 for the per-key concurrency limit counts as refused', async () => {
    const before = await refusedLine();
    expect(before).toBeUndefined();
    // App A already has its one request in flight (waiting in the queue).
    const res = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(appA) },
      body: JSON.stringify({ prompt: 'hi', model: 'tinyllama', max_tokens: 2 }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refusedLine()).toBe('api_gateway_requests_total{model="none",backend="none",status="refused"} 1');
  });

  it('a 429 for the per-key rate limit counts as refused', async () => {
    const first = await fetch(`${srv.url}/v1/models`, { headers: bearer(limited) });
    expect(first.status).toBe(200);
    const second = await fetch(`${srv.url}/v1/models`, { headers: bearer(limited) });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refusedLine()).toBe('api_gateway_requests_total{model="none",backend="none",status="refused"} 2');
    // Neither refusal wrote a ledger row: they were turned away before any work.
    expect(srv.core.ledger.recent(50).filter((r) => r.errorType === 'rate_limited')).toEqual([]);
  });
});
