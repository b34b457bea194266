// Routing features through the real gateway on a loopback socket (scripted engines stand in for llama.cpp and Claude):
// feedback API, routing settings, cached answers in the badge and stats, privacy kept local, the tuner endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { createFakeEngine, type FakeEngine } from '../fakes/engines.js';
import { parseSse, startTestServer, type TestServer } from './helpers.js';

let srv: TestServer;
let local: FakeEngine;
let cloud: FakeEngine;

beforeAll(async () => {
  // A prompt asking it to decline gets a refusal (the cascade's "weak answer" case); anything else a plain answer.
  local = createFakeEngine({
    id: 'llamacpp',
    models: ['tinyllama', 'phi2'],
    words: (call) =>
      /please decline/i.test(call.request.messages.at(-1)?.content ?? '') ? ["I'm sorry, ", "but I can't ", 'help.'] : ['local ', 'answer'],
  });
  cloud = createFakeEngine({
    id: 'anthropic',
    models: ['claude-haiku', 'claude-sonnet', 'claude-opus'],
    words: () => ['cloud ', 'answer'],
  });
  const engines = new Map<EngineId, Engine>([
    ['llamacpp', local],
    ['anthropic', cloud],
  ]);
  srv = await startTestServer({ engines, env: { ANTHROPIC_API_KEY: 'sk-ant-test-key' } });
});
afterAll(async () => {
  await srv.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${srv.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...srv.auth },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

describe('feedback API', () => {
  it('stores thumbs up/down and "retry" on an answer, and counts them', async () => {
    const a = await call('POST', '/api/v1/chat', { prompt: 'hello there', temperature: 0.5 });
    expect(a.status).toBe(200);
    const up = await call('POST', '/api/v1/feedback', { request_id: a.json.id, rating: 'down', comment: 'too short' });
    expect(up.status).toBe(201);
    expect(up.json).toEqual({ request_id: a.json.id, rating: 'down', stored: true });
    // Changing one's mind replaces the earlier rating.
    expect((await call('POST', '/api/v1/feedback', { request_id: a.json.id, rating: 'retry' })).status).toBe(201);
    const stats = await call('GET', '/api/v1/feedback/stats');
    expect(stats.json).toMatchObject({ retry: 1, down: 0 });
    expect(stats.json.local_miss_rate).toBe(1);
  });

  it('refuses bad feedback with a clear JSON error', async () => {
    const unknown = await call('POST', '/api/v1/feedback', { request_id: 'no-such-request', rating: 'up' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toMatch(/Unknown request_id "no-such-request"/);
    const bad = await call('POST', '/api/v1/feedback', { request_id: 'x', rating: 'meh' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/Invalid "rating": must be "up", "down" or "retry"/);
    const extra = await call('POST', '/api/v1/feedback', { request_id: 'x', rating: 'up', stars: 5 });
    expect(extra.status).toBe(400);
    expect((await call('POST', '/api/v1/feedback', '[1]')).status).toBe(400);
  });
});

describe('response cache through the API', () => {
  it('marks a repeated temperature-0 answer cached in the JSON badge, the SSE route frame and the stats', async () => {
    const body = { prompt: 'What is the boiling point of ethanol at sea level?', temperature: 0 };
    const first = await call('POST', '/api/v1/chat', body);
    expect(first.json.cached).toBe(false);
    const second = await call('POST', '/api/v1/chat', body);
    expect(second.json).toMatchObject({ cached: true, cost_micros: 0, response: first.json.response });
    expect(second.json.routing.cached).toBe(true);
    expect(second.json.routing.reasons[0]).toMatch(/^cache hit/);
    const streamed = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify({ ...body, stream: true }),
    });
    const frames = parseSse(await streamed.text());
    expect(JSON.parse(frames[0]!.data)).toMatchObject({ cached: true });
    const stats = await call('GET', '/api/v1/stats?range=all');
    expect(stats.json.routing.cache.hits).toBe(2);
    const routingStats = await call('GET', '/api/v1/routing/stats?range=all');
    expect(routingStats.json.cache.hits).toBe(2);
    expect((await call('GET', '/api/v1/routing/stats?range=forever')).status).toBe(400);
  });

  it('can be emptied', async () => {
    const r = await call('DELETE', '/api/v1/routing/cache');
    expect(r.status).toBe(200);
    expect(r.json.deleted).toBeGreaterThan(0);
  });
});

describe('cascade through the API', () => {
  it('says in the badge that a weak local answer was escalated, from which model and why (JSON and the SSE route frame)', async () => {
    const body = { prompt: 'hi, please decline this one', cascade: true, model: 'auto' };
    const r = await call('POST', '/api/v1/chat', body);
    expect(r.status).toBe(200);
    expect(r.json.routing.escalated).toEqual({ from: 'tinyllama', reason: 'the model declined or said it does not know' });
    expect(r.json.routing.model).not.toBe('tinyllama');
    const streamed = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify({ ...body, stream: true }),
    });
    expect(JSON.parse(parseSse(await streamed.text())[0]!.data).escalated).toEqual(r.json.routing.escalated);
    // An answer that passed (or skipped) the check carries no escalation.
    const plain = await call('POST', '/api/v1/chat', { prompt: 'hello there', cascade: true });
    expect(plain.json.routing.escalated).toBeUndefined();
    const stats = await call('GET', '/api/v1/stats?range=all');
    expect(stats.json.routing.cascade.escalated).toBe(2);
  });
});

describe('routing settings', () => {
  it('shows the defaults and saves partial changes', async () => {
    const get = await call('GET', '/api/v1/routing/settings');
    expect(get.json).toMatchObject({
      estimator: 'learned',
      privacy: { enabled: true, words: [] },
      cache: { enabled: true },
      cascade: { enabled: false },
    });
    const put = await call('PUT', '/api/v1/routing/settings', {
      privacy: { words: ['Project Kestrel'] },
      cascade: { min_mean_logprob: -2 },
    });
    expect(put.status).toBe(200);
    expect(put.json.privacy).toEqual({ enabled: true, words: ['Project Kestrel'], disabled_kinds: [] });
    expect(put.json.cascade.min_mean_logprob).toBe(-2);
  });

  it('names the bad field', async () => {
    const r = await call('PUT', '/api/v1/routing/settings', { cache: { semantic_threshold: 2 } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/Invalid "cache\.semantic_threshold": must be between 0\.5 and 1/);
    expect((await call('PUT', '/api/v1/routing/settings', { estimator: 'magic' })).status).toBe(400);
  });

  it('keeps private words and secrets off the cloud, saying why without the secret', async () => {
    const before = cloud.calls.length;
    const r = await call('POST', '/api/v1/chat', { prompt: 'Prove that the Project Kestrel budget covers three years.', model: 'auto' });
    expect(r.json.backend).toBe('local');
    expect(r.json.routing.reasons.join(' ')).toMatch(/privacy guard: .*a word from your private list/);
    expect(r.json.routing.reasons.join(' ')).not.toMatch(/Kestrel/);
    const forced = await call('POST', '/api/v1/chat', { prompt: 'card 4539 1488 0343 6467 declined, why?', model: 'claude-sonnet' });
    expect(forced.status).toBe(403);
    expect(forced.json.error.message).toMatch(/payment card number/);
    expect(forced.json.error.message).not.toMatch(/4539/);
    expect(cloud.calls.length).toBe(before);
  });
});

describe('tuner endpoints', () => {
  it('propose from feedback and apply only on request', async () => {
    const p = await call('GET', '/api/v1/feedback/tune?days=30');
    expect(p.status).toBe(200);
    expect(p.json).toMatchObject({
      current: { medium: expect.any(Number), cloud: expect.any(Number) },
      enough_data: false,
      changed: false,
    });
    expect((await call('GET', '/api/v1/feedback/tune?days=zero')).status).toBe(400);
    const applied = await call('POST', '/api/v1/feedback/tune/apply', { medium: 0.35, cloud: 0.62 });
    expect(applied.json).toEqual({ thresholds: { medium: 0.35, cloud: 0.62 } });
    const settings = await call('GET', '/api/v1/settings');
    expect(settings.json.thresholds).toEqual({ medium: 0.35, cloud: 0.62 });
    expect((await call('POST', '/api/v1/feedback/tune/apply', { medium: 0.7, cloud: 0.6 })).status).toBe(400);
  });
});

describe('a reopened conversation', () => {
  it('gives each answer its rating, "cached" and "escalated" as live, and the answer a Claude retry replaced', async () => {
    expect((await call('PUT', '/api/v1/settings', { history_enabled: true })).status).toBe(200);
    try {
      const conv = (await call('POST', '/api/v1/conversations', { title: 'Reopen me' })).json.conversation.id as string;
      const ask = (body: object) => call('POST', '/api/v1/chat', { conversation_id: conv, ...body });
      // A local answer, retried with Claude the way the chat does it: the verdict, then a new version of the answer.
      const local1 = await ask({ prompt: 'hello there' });
      expect(local1.json.engine).toBe('llamacpp');
      expect((await call('POST', '/api/v1/feedback', { request_id: local1.json.id, rating: 'retry' })).status).toBe(201);
      const firstAnswer = (await call('GET', `/api/v1/conversations/${conv}`)).json.messages[1].id as string;
      const retried = await ask({ prompt: 'hello there', model: 'claude-sonnet', retry_of: local1.json.id, version_of: firstAnswer });
      expect((await call('POST', '/api/v1/feedback', { request_id: retried.json.id, rating: 'up' })).status).toBe(201);
      const escalated = await ask({ prompt: 'hi, please decline this one', cascade: true });
      expect(escalated.json.routing.escalated).toEqual({ from: 'tinyllama', reason: 'the model declined or said it does not know' });
      const cachedPrompt = { prompt: 'How many legs does a spider have?', temperature: 0, model: 'claude-sonnet' };
      await ask(cachedPrompt);
      const hit = await ask(cachedPrompt);
      expect(hit.json.routing.cached).toBe(true);
      expect(hit.json.routing.provider).toBe('anthropic');
      expect((await call('POST', '/api/v1/feedback', { request_id: hit.json.id, rating: 'down' })).status).toBe(201);

      const got = await call('GET', `/api/v1/conversations/${conv}`);
      expect(got.status).toBe(200);
      const answers = got.json.messages.filter((m: any) => m.role === 'assistant');
      expect(answers.map((m: any) => m.request_id)).toEqual([retried.json.id, escalated.json.id, expect.any(String), hit.json.id]);
      const [a, b, c, d] = answers;
      // The local answer is still there: Claude's is its second version.
      expect(a.versions).toEqual({ index: 2, count: 2, ids: [firstAnswer, a.id] });
      expect(a).toMatchObject({
        rating: 'up',
        retried_from: { request_id: local1.json.id, model: 'tinyllama', rating: 'retry' },
        routing: { model: 'claude-sonnet', engine: 'anthropic' },
      });
      expect(a.routing).not.toHaveProperty('cached');
      expect(a.routing).not.toHaveProperty('escalated');
      // The same escalation object the chat answer carried live.
      expect(b).toMatchObject({ rating: null, retried_from: null });
      expect(b.routing.escalated).toEqual(escalated.json.routing.escalated);
      expect(b.routing.model).toBe(escalated.json.routing.model);
      expect(c.routing).not.toHaveProperty('cached');
      // A cache hit's row has no engine: the routing shows the engine of the answer it reused, as live.
      expect(d).toMatchObject({ rating: 'down', retried_from: null, summary: { cost_micros: 0 } });
      expect(d.routing).toEqual({
        route: hit.json.routing.route,
        model: hit.json.routing.model,
        engine: hit.json.routing.engine,
        // The cloud whose answer the cache reused, named as live.
        provider: 'anthropic',
        complexity: hit.json.routing.complexity,
        reasons: hit.json.routing.reasons,
        fallback_from: [],
        cached: true,
      });
      expect(got.json.messages.filter((m: any) => m.role === 'user').every((m: any) => m.rating === null && m.retried_from === null)).toBe(
        true,
      );
    } finally {
      await call('PUT', '/api/v1/settings', { history_enabled: false });
    }
  });
});
