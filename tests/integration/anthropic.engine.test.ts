// The Anthropic engine through the real SDK against the Messages API stand-in: contract, errors, retries, abort, timeouts, key hygiene.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicEngineOptions, checkKey, createAnthropicEngine } from '../../router-core/engines/anthropic.js';
import { closedPortURL, collect, request, runCloudEngineSuite } from '../contract/cloud-engine.contract.js';
import { type AnthropicStandIn, startAnthropicStandIn } from '../stand-ins/anthropic-server.js';

const KEY = 'sk-ant-api03-TEST-KEY-must-never-leak-0123456789';
let standIn: AnthropicStandIn;
let deadURL: string;

beforeAll(async () => {
  standIn = await startAnthropicStandIn({ apiKey: KEY, deltaDelayMs: 5 });
  deadURL = await closedPortURL();
});
afterAll(async () => {
  await standIn.close();
});
afterEach(() => {
  standIn.setMode({ kind: 'normal' });
  standIn.setDeltaDelay(5);
});

// Retries off by default here: failures must surface at once; the retry tests turn them on explicitly.
const engineWith = (o: AnthropicEngineOptions = {}) => createAnthropicEngine({ apiKey: KEY, baseURL: standIn.url, maxRetries: 0, ...o });

runCloudEngineSuite({
  name: 'anthropic',
  contractName: 'anthropic via @anthropic-ai/sdk (stand-in)',
  key: KEY,
  model: 'claude-haiku',
  standIn: () => standIn,
  engine: engineWith,
  engineWithKey: (apiKey, o) => engineWith({ ...o, apiKey }),
  unreachableEngine: () => createAnthropicEngine({ apiKey: KEY, baseURL: deadURL, maxRetries: 0 }),
  wrongKey: {
    name: '401 wrong key',
    key: 'sk-ant-wrong',
    message: 'Claude rejected the API key.',
    secret: 'sk-ant-api03-WRONG-KEY-also-secret-987654321',
  },
  failures: [
    { name: '429 rate limited', mode: { kind: 'error', status: 429, retryAfter: '0' }, expectType: 'upstream_rate_limited' },
    { name: '529 overloaded', mode: { kind: 'error', status: 529 }, expectType: 'upstream_overloaded' },
    { name: '500 api_error', mode: { kind: 'error', status: 500 }, expectType: 'upstream_error' },
    {
      name: '400 invalid_request_error',
      mode: { kind: 'error', status: 400 },
      expectType: 'upstream_error',
      leakMode: { kind: 'error', status: 400, message: `bad request echoing ${KEY}` },
    },
    { name: 'connection breaks midway', mode: { kind: 'break', afterDeltas: 1 }, expectType: 'upstream_error' },
    { name: 'overloaded_error event mid-stream', mode: { kind: 'stream-error', afterDeltas: 1 }, expectType: 'upstream_overloaded' },
  ],
  rateLimit: { mode: { kind: 'error', status: 429, retryAfter: '7' }, retryAfter: 7 },
  hang: { kind: 'hang' },
  retries: {
    transientOnce: { name: '529', mode: { kind: 'error', status: 529, times: 1, retryAfter: '0.01' } },
    rateLimited: { kind: 'error', status: 429, retryAfter: '0.2' },
    retryAfter: 0.2,
  },
  baseUrlEnv: { variable: 'ANTHROPIC_BASE_URL', engine: () => createAnthropicEngine({ apiKey: KEY, maxRetries: 0 }) },
});

describe('anthropic engine on the wire', () => {
  it('sends the Messages API shape: provider model, top-level system, version header, the key', async () => {
    const engine = engineWith();
    const n = standIn.requests.length;
    await collect(
      engine.chat(
        {
          model: 'claude-haiku',
          request: {
            model: 'auto',
            messages: [
              { role: 'system', content: 'Be brief.' },
              { role: 'user', content: 'Hello there' },
            ],
            params: { maxTokens: 5, temperature: 0.3 },
          },
        },
        new AbortController().signal,
      ),
    );
    const r = standIn.requests[n]!;
    expect(r.path).toBe('/v1/messages');
    expect(r.headers['anthropic-version']).toBeTruthy();
    // SDK 1.x sends the key as a bearer token; older SDKs used x-api-key.
    expect(r.headers['x-api-key'] ?? r.headers.authorization).toMatch(new RegExp(`^(Bearer )?${KEY}$`));
    expect(r.body).toMatchObject({
      model: 'claude-haiku-4-5',
      system: 'Be brief.',
      max_tokens: 5,
      temperature: 0.3,
      stream: true,
      messages: [{ role: 'user', content: 'Hello there' }],
    });
  });

  it('reports usage from message_start/message_delta and length on max_tokens', async () => {
    const events = await collect(
      engineWith().chat({ model: 'claude-haiku', request: request('one two three four', 3) }, new AbortController().signal),
    );
    expect(
      events
        .filter((e) => e.type === 'text-delta')
        .map((e) => (e.type === 'text-delta' ? e.text : ''))
        .join(''),
    ).toBe('Stand-in Claude heard:');
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 4, outputTokens: 3 } },
      { type: 'done', finishReason: 'length' },
    ]);
  });
});

describe('anthropic checkKey: one token on save', () => {
  it('a working key: one Messages call for one token on Claude Haiku', async () => {
    const n = standIn.requests.length;
    expect(await checkKey({ apiKey: KEY, baseURL: standIn.url })).toEqual({ ok: true });
    expect(standIn.requests.slice(n).map((r) => r.body)).toEqual([
      { model: 'claude-haiku-4-5', max_tokens: 1, messages: [{ role: 'user', content: 'Hi' }] },
    ]);
  });

  it('a wrong key: upstream_auth, never the key; an unreachable API: upstream_unavailable', async () => {
    const wrong = 'sk-ant-api03-WRONG-check-000111222';
    const r = await checkKey({ apiKey: wrong, baseURL: standIn.url });
    expect(r.ok === false && r.error.type).toBe('upstream_auth');
    expect(JSON.stringify(r.ok ? {} : { m: r.error.message, c: r.error.cause, s: r.error.stack })).not.toContain(wrong);
    const dead = await checkKey({ apiKey: KEY, baseURL: deadURL });
    expect(dead.ok === false && dead.error.type).toBe('upstream_unavailable');
  });
});
