// Per-app keys through the real gateway: create/list/revoke, which key made each ledger row, by_app stats, 429s per protocol.
import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { createFakeEngine } from '../fakes/engines.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

let srv: TestServer;

beforeAll(async () => {
  const engines = new Map<EngineId, Engine>([
    ['llamacpp', createFakeEngine({ id: 'llamacpp', models: ['tinyllama', 'phi2'], words: () => ['Hello', ' world'] })],
    ['anthropic', createFakeEngine({ id: 'anthropic', models: ['claude-haiku', 'claude-sonnet', 'claude-opus'] })],
  ]);
  srv = await startTestServer({ engines, env: { ANTHROPIC_API_KEY: 'sk-ant-test-key' } });
});
afterAll(async () => {
  await srv.close();
});

async function call(method: string, path: string, body?: unknown, token = TOKEN): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${srv.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const r = await call('POST', '/api/v1/keys', body);
  expect(r.status).toBe(201);
  return r.json;
}

const chat = (key: string, model = 'auto') =>
  new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'hi' }],
  });

describe('key management', () => {
  it('creates a key shown once, stores only its sha256, lists it without secrets', async () => {
    const r = await call('POST', '/api/v1/keys', { name: 'Obsidian', rate_limit_per_min: 100, monthly_budget_usd: 2.5 });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ name: 'Obsidian', rate_limit_per_min: 100, monthly_budget_micros: 2_500_000, revoked_at: null });
    expect(r.json.key).toMatch(/^hai_[A-Za-z0-9_-]{43}$/);
    expect(r.json.key.startsWith(r.json.prefix)).toBe(true);
    const stored = srv.core.ledger.listApiKeys().find((k) => k.id === r.json.id)!;
    expect(stored.hash).toBe(createHash('sha256').update(r.json.key).digest('hex'));
    const list = await call('GET', '/api/v1/keys');
    const listed = list.json.keys.find((k: { id: string }) => k.id === r.json.id);
    expect(listed).toMatchObject({ name: 'Obsidian', prefix: r.json.prefix, spent_this_month_micros: 0 });
    expect(JSON.stringify(list.json)).not.toContain(r.json.key);
    expect(JSON.stringify(list.json)).not.toContain(stored.hash);
  });

  it('refuses bad input naming the field', async () => {
    expect((await call('POST', '/api/v1/keys', {})).json.error.message).toMatch(/Invalid "name"/);
    expect((await call('POST', '/api/v1/keys', { name: 'x', rate_limit_per_min: 0 })).json.error.message).toMatch(/rate_limit_per_min/);
    expect((await call('POST', '/api/v1/keys', { name: 'x', monthly_budget_usd: 0 })).json.error.message).toMatch(/more than 0/);
    expect((await call('POST', '/api/v1/keys', { name: 'x', scope: 'all' })).status).toBe(400);
    expect((await call('DELETE', '/api/v1/keys/nope')).status).toBe(404);
  });
});

describe('authenticating with an app key', () => {
  it('works through every protocol, and each ledger row names the key', async () => {
    const { id, key } = await createKey({ name: 'scripts' });
    await chat(key);
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'openai', apiKeyId: id });
    await new Anthropic({ baseURL: srv.url, apiKey: key, maxRetries: 0 }).messages.create({
      model: 'auto',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'anthropic', apiKeyId: id });
    await new Ollama({ host: srv.url, headers: { Authorization: `Bearer ${key}` } }).chat({
      model: 'auto',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'ollama', apiKeyId: id });
    const res = await fetch(`${srv.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    await chat(TOKEN);
    expect(srv.core.ledger.recent(1)[0]!.apiKeyId).toBeNull();
  });

  it('opens the model APIs only: key management, stats and settings need the master token', async () => {
    const { key } = await createKey({ name: 'editor' });
    const models = await call('GET', '/v1/models', undefined, key);
    expect(models.status).toBe(200);
    expect((await call('GET', '/api/tags', undefined, key)).status).toBe(200);
    // The native model list too, as the README says ("model lists").
    const native = await call('GET', '/api/v1/models', undefined, key);
    expect(native.status).toBe(200);
    expect(native.json.models.length).toBeGreaterThan(0);
    for (const [method, path] of [
      ['GET', '/api/v1/keys'],
      ['POST', '/api/v1/keys'],
      ['GET', '/api/v1/stats'],
      ['GET', '/metrics'],
    ] as const) {
      const r = await call(method, path, method === 'POST' ? { name: 'evil' } : undefined, key);
      expect(r.status).toBe(403);
      expect(r.json.error.message).toMatch(/App key "editor" may call the model APIs only/);
    }
    expect((await call('GET', '/api/v9/nothing', undefined, key)).status).toBe(404);
  });

  it('a revoked key is refused at once (401); revoking again is harmless', async () => {
    const { id, key } = await createKey({ name: 'old app' });
    await chat(key);
    const r = await call('DELETE', `/api/v1/keys/${id}`);
    expect(r.status).toBe(200);
    expect(r.json.revoked_at).toBeGreaterThan(0);
    const e = await chat(key).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await call('DELETE', `/api/v1/keys/${id}`)).json.revoked_at).toBe(r.json.revoked_at);
  });

  it('stats split by app', async () => {
    const { id, key } = await createKey({ name: 'counted' });
    await chat(key);
    await chat(key);
    const s = await call('GET', '/api/v1/stats?range=all');
    const app = s.json.by_app.find((a: { api_key_id: string | null }) => a.api_key_id === id);
    expect(app).toMatchObject({ name: 'counted', requests: 2 });
    const master = s.json.by_app.find((a: { api_key_id: string | null }) => a.api_key_id === null);
    expect(master.requests).toBeGreaterThan(0);
    expect(s.json.by_app.reduce((n: number, a: { requests: number }) => n + a.requests, 0)).toBe(s.json.totals.requests);
  });
});

describe('per-key limits → 429 with Retry-After in each protocol shape', () => {
  it('rate limit', async () => {
    const { key } = await createKey({ name: 'bursty', rate_limit_per_min: 1 });
    await chat(key);
    const openai = await chat(key).catch((e: unknown) => e);
    expect(openai).toBeInstanceOf(OpenAI.RateLimitError);
    const oe = openai as InstanceType<typeof OpenAI.RateLimitError>;
    expect(oe.type).toBe('rate_limit_error');
    expect(oe.message).toMatch(/App key "bursty" is over its rate limit of 1 requests per minute/);
    expect(Number(oe.headers?.get('retry-after'))).toBeGreaterThan(0);

    const anthropic = await new Anthropic({ baseURL: srv.url, apiKey: key, maxRetries: 0 }).messages
      .create({ model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(anthropic).toBeInstanceOf(Anthropic.RateLimitError);
    expect((anthropic as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error' },
    });

    const ollama = await new Ollama({ host: srv.url, headers: { Authorization: `Bearer ${key}` } })
      .chat({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(ollama).toMatchObject({ status_code: 429, error: expect.stringMatching(/over its rate limit/) });

    const native = await call('POST', '/api/v1/chat', { prompt: 'hi' }, key);
    expect(native.status).toBe(429);
    expect(native.json.error.type).toBe('rate_limited');
    expect(Number(native.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('monthly budget: once the key has spent it on the cloud, it gets 429 until the month ends', async () => {
    const { id, key } = await createKey({ name: 'thrifty', monthly_budget_usd: 0.000001 });
    await chat(key, 'claude-sonnet');
    expect(srv.core.ledger.recent(1)[0]!.costMicros).toBeGreaterThan(0);
    const e = await chat(key).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect((e as Error).message).toMatch(
      /App key "thrifty" has used its monthly cloud budget of \$0\.000001 \(spent \$0\.\d{6}\); it resets on /,
    );
    const retry = Number((e as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(31 * 86_400);
    const listed = (await call('GET', '/api/v1/keys')).json.keys.find((k: { id: string }) => k.id === id);
    expect(listed.spent_this_month_micros).toBe(srv.core.ledger.recent(1)[0]!.costMicros);
  });
});
