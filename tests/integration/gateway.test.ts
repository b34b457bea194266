// Gateway over a real loopback socket with scripted engines: native + OpenAI APIs, auth, Host/Origin, errors, abort, metrics.
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { createFakeEngine, type FakeEngine } from '../fakes/engines.js';
import { parseSse, startTestServer, TOKEN, type TestServer } from './helpers.js';

const SECRET_KEY = 'sk-ant-api03-SECRETSECRETSECRET-never-log-me';

let srv: TestServer;
let local: FakeEngine;
let cloud: FakeEngine;

beforeAll(async () => {
  local = createFakeEngine({
    id: 'llamacpp',
    models: ['tinyllama', 'phi2'],
    words: (c) =>
      c.request.messages.at(-1)!.content.includes('long') ? Array.from({ length: 200 }, (_, i) => `w${i} `) : ['Hello', ' world'],
    delayMs: 2,
  });
  cloud = createFakeEngine({ id: 'anthropic', models: ['claude-haiku', 'claude-sonnet', 'claude-opus'], failBeforeFirst: undefined });
  const engines = new Map<EngineId, Engine>([
    ['llamacpp', local],
    ['anthropic', cloud],
  ]);
  srv = await startTestServer({ engines, env: { ANTHROPIC_API_KEY: SECRET_KEY } });
});
afterAll(async () => {
  await srv.close();
});

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; headers: Headers; text: string }> {
  const res = await fetch(`${srv.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...srv.auth, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers, text };
}

describe('native API', () => {
  it('/health needs no token', async () => {
    const res = await fetch(`${srv.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('POST /api/v1/chat answers with the decision, cost and savings (seed-compatible fields)', async () => {
    const r = await post('/api/v1/chat', { prompt: 'hi' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      response: 'Hello world',
      model: 'tinyllama',
      backend: 'local',
      routing: { route: 'small', engine: 'llamacpp' },
      cost: 0,
      cached: false,
    });
    expect(r.json.routing.reasons[0]).toMatch(/^complexity/);
    expect(r.json.all_cloud_cost_micros).toBeGreaterThan(0);
    expect(r.json.savings_micros).toBe(r.json.all_cloud_cost_micros);
    expect(r.headers.get('x-hybrid-route')).toBe('small');
    expect(r.headers.get('x-hybrid-model')).toBe('tinyllama');
    expect(r.headers.get('x-hybrid-cost-usd')).toBe('0.000000');
  });

  it('streams SSE: route, deltas, summary, done', async () => {
    const r = await post('/api/v1/chat', { prompt: 'hi', stream: true });
    expect(r.headers.get('content-type')).toMatch(/text\/event-stream/);
    const frames = parseSse(r.text);
    expect(frames.map((f) => f.event)).toEqual(['route', 'delta', 'delta', 'summary', 'done']);
    expect(JSON.parse(frames[0]!.data)).toMatchObject({ route: 'small', model: 'tinyllama' });
    expect(
      frames
        .slice(1, 3)
        .map((f) => JSON.parse(f.data).text)
        .join(''),
    ).toBe('Hello world');
  });

  it('POST /api/v1/complexity explains without answering', async () => {
    const r = await post('/api/v1/complexity', { prompt: 'Prove that there are infinitely many primes.' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ route: 'cloud', recommended_model: 'claude-sonnet', backend: 'cloud' });
    expect(r.json.complexity).toBeGreaterThanOrEqual(0.6);
  });

  it('GET /api/v1/stats agrees with the ledger', async () => {
    const res = await fetch(`${srv.url}/api/v1/stats?range=all`, { headers: srv.auth });
    const s = (await res.json()) as any;
    const rows = srv.core.ledger.recent(1000);
    expect(s.totals.requests).toBe(rows.length);
    expect(s.totals.cost_micros).toBe(rows.reduce((a, r) => a + r.costMicros, 0));
    expect(s.totals.all_cloud_micros).toBe(rows.reduce((a, r) => a + r.allCloudMicros, 0));
    const bad = await fetch(`${srv.url}/api/v1/stats?range=year`, { headers: srv.auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toMatch(/Valid: today, 7d, 30d, month, all/);
  });

  it('GET /metrics has the seed metric names', async () => {
    const text = await (await fetch(`${srv.url}/metrics`, { headers: srv.auth })).text();
    expect(text).toMatch(/api_gateway_requests_total\{model="tinyllama",backend="llamacpp",status="success"\} \d+/);
    expect(text).toMatch(/api_gateway_request_duration_seconds_bucket\{le="0.005",model="tinyllama",backend="llamacpp"\}/);
    expect(text).toMatch(/# TYPE api_gateway_cost_total counter/);
  });
});

describe('OpenAI-compatible API through the official client', () => {
  const client = () => new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });

  it('chat.completions.create with model auto', async () => {
    const c = await client().chat.completions.create({
      model: 'auto',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(c.choices[0]!.message.content).toBe('Hello world');
    expect(c.model).toBe('tinyllama');
    expect(c.usage!.completion_tokens).toBe(2);
    expect(local.calls.at(-1)!.request.messages[0]).toEqual({ role: 'system', content: 'be brief' });
  });

  it('streams with include_usage', async () => {
    const stream = await client().chat.completions.create({
      model: 'auto',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello world');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ completion_tokens: 2 });
  });

  it('a Claude model by name goes to the cloud engine', async () => {
    const c = await client().chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'hi' }] });
    expect(c.model).toBe('claude-sonnet');
    expect(cloud.calls.at(-1)!.model).toBe('claude-sonnet');
  });

  it('lists models', async () => {
    const ids = [];
    for await (const m of client().models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['auto', 'tinyllama', 'phi2', 'claude-sonnet']));
    expect(ids).not.toContain('mistral-7b');
  });

  it('unknown model → 404 model_not_found in OpenAI shape listing valid models', async () => {
    const err = await client()
      .chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).message).toMatch(/Unknown model "gpt-9"\. Valid models: auto, .*tinyllama/);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('n=2 → 400', async () => {
    const r = await post('/v1/chat/completions', { model: 'auto', n: 2, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', message: 'Invalid "n": only n=1 is supported (got 2).' });
  });
});

describe('bad input: clear JSON errors, never a 500, the server keeps serving', () => {
  const cases: Array<[string, () => Promise<{ status: number; json: any; text: string }>, number, RegExp]> = [
    ['missing prompt', () => post('/api/v1/chat', {}), 400, /provide "prompt"/],
    ['empty prompt', () => post('/api/v1/chat', { prompt: '   ' }), 400, /non-empty string/],
    ['non-string prompt', () => post('/api/v1/chat', { prompt: 42 }), 400, /Invalid "prompt"/],
    ['invalid JSON', () => post('/api/v1/chat', '{"prompt": '), 400, /not valid JSON/],
    ['array body', () => post('/api/v1/chat', '[1,2]'), 400, /JSON object/],
    [
      'wrong content type',
      () => post('/api/v1/chat', 'prompt=hi', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      /application\/json/,
    ],
    ['body over the limit', () => post('/api/v1/chat', { prompt: 'x'.repeat(9 * 1024 * 1024) }), 413, /larger than the 8 MiB limit/],
    [
      'unknown model',
      () => post('/api/v1/chat', { prompt: 'hi', model: 'nope' }),
      404,
      /Unknown model "nope"\. Valid models: auto, .*tinyllama, .*phi2/,
    ],
    ['bad token', () => post('/api/v1/chat', { prompt: 'hi' }, { authorization: 'Bearer wrong' }), 401, /Invalid API token/],
    [
      'wrong token of the right length',
      () => post('/api/v1/chat', { prompt: 'hi' }, { authorization: `Bearer ${TOKEN.slice(0, -1)}${TOKEN.endsWith('x') ? 'y' : 'x'}` }),
      401,
      /Invalid API token/,
    ],
    ['missing token', () => post('/api/v1/chat', { prompt: 'hi' }, { authorization: '' }), 401, /Missing API token/],
    ['unknown route', () => post('/api/v1/chats', { prompt: 'hi' }), 404, /No route POST \/api\/v1\/chats/],
    ['temperature out of range', () => post('/api/v1/chat', { prompt: 'hi', temperature: 7 }), 400, /Invalid "temperature"/],
    [
      'max_tokens not an integer',
      () => post('/v1/chat/completions', { model: 'auto', max_tokens: 1.5, messages: [{ role: 'user', content: 'hi' }] }),
      400,
      /Invalid "max_tokens"/,
    ],
    [
      'messages with a bad role',
      () => post('/v1/chat/completions', { model: 'auto', messages: [{ role: 'robot', content: 'hi' }] }),
      400,
      /Invalid "messages\[0\]\.role"/,
    ],
  ];
  for (const [name, call, status, message] of cases) {
    it(name, async () => {
      const r = await call();
      expect(r.status).toBe(status);
      expect(r.json?.error?.message).toMatch(message);
      expect(r.text).not.toMatch(/at .*\.ts:\d+|stack/i);
      const after = await post('/api/v1/chat', { prompt: 'hi' });
      expect(after.status).toBe(200);
    });
  }
});

describe('browser protections', () => {
  function raw(headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${srv.url}/api/v1/stats`, { headers: { ...srv.auth, ...headers } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }
  it('a foreign Host (DNS rebinding) is refused', async () => {
    const r = await raw({ host: `evil.example:${srv.port}` });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.message).toMatch(/Host "evil.example:\d+" is not allowed/);
  });
  it('a foreign Origin is refused, the same origin is fine', async () => {
    expect((await raw({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await raw({ origin: srv.url })).status).toBe(200);
    expect((await raw({ host: `localhost:${srv.port}` })).status).toBe(200);
  });
});

describe('disconnects and secrets', () => {
  it('a client that disconnects mid-stream aborts generation', async () => {
    const before = local.aborted;
    const ac = new AbortController();
    const res = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify({ prompt: 'a long answer please', stream: true }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await expect.poll(() => local.aborted, { timeout: 3000 }).toBe(before + 1);
    await expect.poll(() => srv.core.ledger.recent(1)[0]?.status, { timeout: 3000 }).toBe('aborted');
  });

  it('the Claude key never appears in logs or responses', async () => {
    cloud.calls.length = 0;
    const r = await post('/api/v1/chat', { prompt: `my key is in env, ${'x'.repeat(10)}`, model: 'claude-sonnet' });
    expect(r.status).toBe(200);
    await post('/api/v1/chat', { prompt: 'hi' }, { authorization: `Bearer ${SECRET_KEY}` });
    await post('/v1/chat/completions', { model: 'auto', messages: [] }, { 'x-api-key': SECRET_KEY });
    const all = srv.logs.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(SECRET_KEY);
    expect(all).not.toContain(TOKEN);
    expect(r.text).not.toContain(SECRET_KEY);
  });
});

describe('with no model at all (a fresh install)', () => {
  it('POST /api/v1/complexity still scores the prompt and says why nothing can answer; chat refuses with 503', async () => {
    // The real engine registry: no GGUF in the data dir, no Ollama at 127.0.0.1:9, no Claude key.
    const bare = await startTestServer();
    try {
      const ask = (path: string, body: unknown) =>
        fetch(`${bare.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bare.auth },
          body: JSON.stringify(body),
        });
      const r = await ask('/api/v1/complexity', { prompt: 'Prove that there are infinitely many primes.' });
      expect(r.status).toBe(200);
      const j = (await r.json()) as Record<string, unknown> & { reasons: string[]; complexity: number };
      expect(j).toMatchObject({ available: false, level: 'cloud', route: null, recommended_model: null, engine: null, backend: null });
      expect(j.complexity).toBeGreaterThanOrEqual(0.6);
      expect(j.reasons[0]).toMatch(/^complexity 0\.\d\d \(cloud band\)$/);
      expect(j.reasons.at(-1)).toMatch(/^No model can answer/);
      // The thresholds of a preview apply here too.
      const low = (await (await ask('/api/v1/complexity', { prompt: 'hi', thresholds: { medium: 0, cloud: 0 } })).json()) as {
        level: string;
      };
      expect(low.level).toBe('cloud');
      // Answering still needs a model: a clear 503, not a 200 with nothing in it.
      const chat = await ask('/api/v1/chat', { prompt: 'hi' });
      expect(chat.status).toBe(503);
      expect(((await chat.json()) as { error: { type: string } }).error.type).toBe('no_model_available');
    } finally {
      await bare.close();
    }
  });
});

describe('/ready', () => {
  it('proves the ledger takes a write without keeping anything: no setting is written by a probe', async () => {
    const before = srv.core.ledger.allSettings();
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${srv.url}/ready`);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ status: 'ready', ledger: true });
    }
    expect(srv.core.ledger.allSettings()).toEqual(before);
    expect(Object.keys(srv.core.ledger.allSettings()).filter((k) => k.startsWith('health.'))).toEqual([]);
  });

  it('is 503 naming the ledger when the ledger refuses writes (the probe really writes)', async () => {
    // A second connection to the same file installs a trigger that refuses every write the probe could make.
    const other = new Database(path.join(srv.dataDir, 'ledger.db'));
    try {
      other.exec(`CREATE TRIGGER refuse_writes BEFORE INSERT ON settings BEGIN SELECT RAISE(ABORT, 'writes refused (test)'); END`);
      const r = await fetch(`${srv.url}/ready`);
      expect(r.status).toBe(503);
      expect(await r.json()).toMatchObject({
        status: 'not_ready',
        ledger: false,
        reasons: [expect.stringMatching(/^ledger \(sqlite\): .*writes refused/)],
      });
    } finally {
      other.exec('DROP TRIGGER IF EXISTS refuse_writes');
      other.close();
    }
    expect((await fetch(`${srv.url}/ready`)).status).toBe(200);
  });
});

describe('settings and routing', () => {
  const put = (body: unknown) =>
    fetch(`${srv.url}/api/v1/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify(body),
    });
  // The routing config is built once per settings change, not per request: a change must reach the very next one.
  it('a settings change takes effect on the next request, both ways', async () => {
    const ask = { prompt: 'Prove that there are infinitely many primes.', max_tokens: 8 };
    const before = await post('/api/v1/chat', ask);
    expect(before.status).toBe(200);
    expect(before.json.backend).toBe('cloud');
    try {
      expect((await put({ local_only: true })).status).toBe(200);
      const native = await post('/api/v1/chat', ask);
      expect(native.json.backend).toBe('local');
      const openai = await post('/v1/chat/completions', {
        model: 'auto',
        messages: [{ role: 'user', content: ask.prompt }],
        max_tokens: 8,
      });
      expect(openai.status).toBe(200);
      expect(openai.json.model).not.toMatch(/^claude/);
    } finally {
      expect((await put({ local_only: false })).status).toBe(200);
    }
    const after = await post('/api/v1/chat', ask);
    expect(after.json.backend).toBe('cloud');
  });
});
