// The OpenAI engine (and an OpenAI-compatible cloud's) through the real `openai` SDK against the Chat Completions stand-in: contract, errors, tools, structured output, usage, abort, key checks, key hygiene.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import { checkKey, createOpenAICloudEngine, type OpenAICloudEngineOptions } from '../../router-core/engines/openai.js';
import { closedPortURL, collect, failureOf, request, runCloudEngineSuite } from '../contract/cloud-engine.contract.js';
import { runEngineContract } from '../contract/engine.contract.js';
import { type OpenAIStandIn, startOpenAIStandIn } from '../stand-ins/openai-cloud.js';

const KEY = 'sk-proj-TEST-KEY-must-never-leak-0123456789abcdef';
const COMPAT_KEY = 'gsk_COMPAT-TEST-KEY-never-leak-5555';
let standIn: OpenAIStandIn;
let compat: OpenAIStandIn;
let compatWithUsage: OpenAIStandIn;
let deadURL: string;

beforeAll(async () => {
  standIn = await startOpenAIStandIn({ apiKey: KEY, cachedTokens: 2 });
  // A compat cloud with its own model names that ignores stream_options (as some do).
  compat = await startOpenAIStandIn({ apiKey: COMPAT_KEY, models: ['llama-3.3-70b-versatile', 'mixtral-8x7b'], usage: false });
  compatWithUsage = await startOpenAIStandIn({ apiKey: COMPAT_KEY, models: ['deepseek-chat'] });
  deadURL = await closedPortURL('/v1');
});
afterAll(async () => {
  await standIn.close();
  await compat.close();
  await compatWithUsage.close();
});
afterEach(() => {
  standIn.setMode({ kind: 'normal' });
  standIn.setDeltaDelay(5);
  compat.setMode({ kind: 'normal' });
});

const engineWith = (o: Partial<OpenAICloudEngineOptions> = {}) =>
  createOpenAICloudEngine({ apiKey: KEY, baseURL: standIn.url, maxRetries: 0, ...o });
const compatEngine = (o: Partial<OpenAICloudEngineOptions> = {}) =>
  createOpenAICloudEngine({ id: 'cloud-compat', apiKey: COMPAT_KEY, baseURL: compat.url, maxRetries: 0, ...o });

const textOf = (events: StreamEvent[]) => events.map((e) => (e.type === 'text-delta' ? e.text : '')).join('');

runCloudEngineSuite({
  name: 'openai',
  contractName: 'openai via the openai SDK (stand-in)',
  key: KEY,
  model: 'gpt-5.4-mini',
  standIn: () => standIn,
  engine: engineWith,
  engineWithKey: (apiKey, o) => engineWith({ ...o, apiKey }),
  unreachableEngine: () => createOpenAICloudEngine({ apiKey: KEY, baseURL: deadURL, maxRetries: 0 }),
  wrongKey: {
    name: '401 wrong key',
    key: 'sk-wrong',
    message: 'OpenAI rejected the API key (HTTP 401).',
    secret: 'sk-proj-WRONG-KEY-also-secret-987654321',
  },
  failures: [
    { name: '429 rate limited', mode: { kind: 'error', status: 429, retryAfter: '0' }, expectType: 'upstream_rate_limited' },
    { name: '500 server_error', mode: { kind: 'error', status: 500 }, expectType: 'upstream_error' },
    { name: '503 overloaded', mode: { kind: 'error', status: 503 }, expectType: 'upstream_overloaded' },
    { name: '400 invalid_request_error', mode: { kind: 'error', status: 400 }, expectType: 'upstream_error' },
    { name: 'connection breaks midway', mode: { kind: 'break', afterDeltas: 1 }, expectType: 'upstream_error' },
    { name: 'error event mid-stream', mode: { kind: 'stream-error', afterDeltas: 1 }, expectType: 'upstream_error' },
    { name: 'stream ends without a finish_reason', mode: { kind: 'no-finish' }, expectType: 'upstream_error' },
  ],
  rateLimit: { mode: { kind: 'error', status: 429, retryAfter: '7' }, retryAfter: 7 },
  hang: { kind: 'hang' },
  retries: {
    transientOnce: { name: '503', mode: { kind: 'error', status: 503, times: 1, retryAfter: '0.01' } },
    rateLimited: { kind: 'error', status: 429, retryAfter: '0.2' },
    retryAfter: 0.2,
  },
  baseUrlEnv: { variable: 'OPENAI_BASE_URL', engine: () => createOpenAICloudEngine({ apiKey: KEY, maxRetries: 0 }) },
});

runEngineContract('OpenAI-compatible cloud via the openai SDK (stand-in)', {
  // A compat cloud that honours stream_options (most do); the one without usage is tested below.
  make: async () => ({ engine: compatEngine({ baseURL: compatWithUsage.url }), model: 'deepseek-chat' }),
  timeoutMs: 5_000,
  failures: [
    {
      name: '401 wrong key',
      make: async () => ({ engine: compatEngine({ apiKey: 'gsk_wrong' }), model: 'llama-3.3-70b-versatile' }),
      expectType: 'upstream_auth',
    },
    {
      name: '503 overloaded',
      make: async () => {
        compat.setMode({ kind: 'error', status: 503 });
        return { engine: compatEngine(), model: 'llama-3.3-70b-versatile' };
      },
      expectType: 'upstream_overloaded',
    },
  ],
});

describe('openai engine on the wire', () => {
  it('sends Chat Completions: provider model, max_completion_tokens, usage asked for, the key as a bearer token', async () => {
    const n = standIn.requests.length;
    await collect(
      engineWith().chat(
        {
          model: 'gpt-5.4-mini',
          request: request('Hello there', 5, {
            messages: [
              { role: 'system', content: 'Be brief.' },
              { role: 'user', content: 'Hello there' },
            ],
            params: { maxTokens: 5, temperature: 0.3, stop: ['END'], seed: 7 },
          }),
        },
        new AbortController().signal,
      ),
    );
    const r = standIn.requests[n]!;
    expect(r.path).toBe('/v1/chat/completions');
    expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.body).toEqual({
      model: 'gpt-5.4-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello there' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 5,
      temperature: 0.3,
      stop: ['END'],
      seed: 7,
    });
  });

  it('reports usage with cached prompt tokens and finishes with length on the token limit', async () => {
    const events = await collect(
      engineWith().chat({ model: 'gpt-5.4', request: request('one two three four', 3) }, new AbortController().signal),
    );
    expect(textOf(events)).toBe('Stand-in GPT heard:');
    expect(events[0]).toEqual({ type: 'start', model: 'gpt-5.4', engine: 'openai' });
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 4, outputTokens: 3, cachedInputTokens: 2 } },
      { type: 'done', finishReason: 'length' },
    ]);
  });

  it('tools both ways: offers the tools, returns the call whole, and sends the result back as a tool turn', async () => {
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 2 } }, required: ['city'] },
      },
    ];
    const n = standIn.requests.length;
    const first = await collect(
      engineWith().chat(
        { model: 'gpt-5.4', request: request('Weather in Paris?', 50, { tools, toolChoice: 'auto' }) },
        new AbortController().signal,
      ),
    );
    expect(standIn.requests[n]!.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: tools[0]!.parameters } }],
      tool_choice: 'auto',
    });
    const call = first.find((e) => e.type === 'tool-call');
    expect(call).toMatchObject({ type: 'tool-call', call: { name: 'get_weather', arguments: '{"city":"Paris","days":2}' } });
    expect(first.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });
    const callId = call?.type === 'tool-call' ? call.call.id : '';
    expect(callId).toMatch(/^call_standin_\d+$/);

    const second = await collect(
      engineWith().chat(
        {
          model: 'gpt-5.4',
          request: request('', 50, {
            tools,
            messages: [
              { role: 'user', content: 'Weather in Paris?' },
              { role: 'assistant', content: '', toolCalls: [{ id: callId, name: 'get_weather', arguments: '{"city":"Paris","days":2}' }] },
              { role: 'tool', toolCallId: callId, content: '{"temp":21}' },
            ],
          }),
        },
        new AbortController().signal,
      ),
    );
    expect(standIn.requests.at(-1)!.body).toMatchObject({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: callId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":2}' } }],
        },
        { role: 'tool', tool_call_id: callId, content: '{"temp":21}' },
      ],
    });
    expect(second.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
    expect(second.some((e) => e.type === 'tool-call')).toBe(false);
  });

  it('a forced tool goes out as OpenAI names it', async () => {
    const tools = [
      { name: 'a', parameters: { type: 'object', properties: {} } },
      { name: 'b', parameters: { type: 'object', properties: { x: { type: 'boolean' } } } },
    ];
    const events = await collect(
      engineWith().chat(
        { model: 'gpt-5.4', request: request('go', 50, { tools, toolChoice: { name: 'b' } }) },
        new AbortController().signal,
      ),
    );
    expect(standIn.requests.at(-1)!.body).toMatchObject({ tool_choice: { type: 'function', function: { name: 'b' } } });
    expect(events.find((e) => e.type === 'tool-call')).toMatchObject({ call: { name: 'b', arguments: '{"x":true}' } });
  });

  it('structured output: a strict json_schema where the schema allows it, and the answer is that JSON', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'integer' } },
      required: ['city', 'population'],
      additionalProperties: false,
    };
    const events = await collect(
      engineWith().chat(
        {
          model: 'gpt-5.4',
          request: request('Largest city of France?', 100, { responseFormat: { type: 'json_schema', name: 'city info', schema } }),
        },
        new AbortController().signal,
      ),
    );
    expect(standIn.requests.at(-1)!.body).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'city_info', schema, strict: true } },
    });
    expect(JSON.parse(textOf(events))).toEqual({ city: 'Paris', population: 1 });
    // Not strict-compatible (optional property): sent with strict false rather than refused by OpenAI.
    await collect(
      engineWith().chat(
        {
          model: 'gpt-5.4',
          request: request('x', 100, {
            responseFormat: { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'string' } } } },
          }),
        },
        new AbortController().signal,
      ),
    );
    expect(standIn.requests.at(-1)!.body).toMatchObject({ response_format: { json_schema: { name: 'answer', strict: false } } });
  });

  it('any JSON: json_object, with the word JSON added when no message has it (OpenAI refuses it otherwise)', async () => {
    const events = await collect(
      engineWith().chat(
        { model: 'gpt-5.4', request: request('Capital of France?', 100, { responseFormat: { type: 'json' } }) },
        new AbortController().signal,
      ),
    );
    expect(JSON.parse(textOf(events))).toEqual({ answer: 'Paris' });
    expect(standIn.requests.at(-1)!.body).toMatchObject({
      response_format: { type: 'json_object' },
      messages: [{ role: 'system' }, { role: 'user' }],
    });
  });

  it('probe: the catalog GPT models with tools and structured output; no key → unavailable with a reason', async () => {
    expect(await engineWith().probe()).toEqual({
      ok: true,
      models: ['gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano'],
      tools: true,
      structuredOutput: true,
    });
    const none = await createOpenAICloudEngine({ apiKey: () => undefined, baseURL: standIn.url }).probe();
    expect(none).toMatchObject({ ok: false, models: [] });
    expect(none.reason).toMatch(/no API key configured for OpenAI/);
  });

  it('a spent quota (429 insufficient_quota) says so', async () => {
    standIn.setMode({ kind: 'error', status: 429, code: 'insufficient_quota' });
    const e = await failureOf(collect(engineWith().chat({ model: 'gpt-5.4', request: request('hi') }, new AbortController().signal)));
    expect(e).toMatchObject({ type: 'upstream_rate_limited' });
    expect((e as Error).message).toMatch(/quota/);
  });

  it("refuses a model that is not OpenAI's, naming the valid ones, before any request", async () => {
    const n = standIn.requests.length;
    const e = await failureOf(collect(engineWith().chat({ model: 'claude-sonnet', request: request('hi') }, new AbortController().signal)));
    expect(e).toMatchObject({ type: 'no_model_available' });
    expect((e as Error).message).toMatch(/gpt-5\.4, gpt-5\.4-mini, gpt-5\.4-nano/);
    expect(standIn.requests.length).toBe(n);
  });
});

describe('OpenAI-compatible cloud', () => {
  it('probe lists the models from its own /v1/models (and reuses the list), tools yes, structured output no', async () => {
    const n = compat.requests.length;
    const engine = compatEngine();
    expect(await engine.probe()).toEqual({
      ok: true,
      models: ['llama-3.3-70b-versatile', 'mixtral-8x7b'],
      tools: true,
      structuredOutput: false,
    });
    await engine.probe();
    const listed = compat.requests.slice(n).filter((r) => r.path === '/v1/models');
    expect(listed).toHaveLength(1);
    expect(listed[0]!.headers.authorization).toBe(`Bearer ${COMPAT_KEY}`);
  });

  it('probe reports a rejected key or an unreachable server as unavailable, with the reason', async () => {
    const bad = await compatEngine({ apiKey: 'gsk_wrong' }).probe();
    expect(bad).toMatchObject({ ok: false, models: [] });
    expect(bad.reason).toMatch(/rejected the API key/);
    const dead = await createOpenAICloudEngine({ id: 'cloud-compat', apiKey: 'k', baseURL: deadURL, maxRetries: 0 }).probe();
    expect(dead).toMatchObject({ ok: false });
    expect(dead.reason).toMatch(/Could not reach the OpenAI-compatible cloud at http:\/\/127\.0\.0\.1/);
  });

  it('an unreachable server is named once, with what went wrong and what to check (probe, chat and key check alike)', async () => {
    const host = new URL(deadURL).host;
    const once = (message: string | undefined): void => {
      expect(message).toBeDefined();
      // The address appears once (it was "…cloud at 127.0.0.1:P at http://127.0.0.1:P/v1").
      expect(message!.split(host)).toHaveLength(2);
      expect(message).toContain(deadURL);
      expect(message).toMatch(/connection refused/);
      expect(message).toMatch(/check/i);
    };
    const engine = createOpenAICloudEngine({ id: 'cloud-compat', apiKey: 'k', baseURL: deadURL, maxRetries: 0 });
    once((await engine.probe()).reason);
    const failure = (await failureOf(collect(engine.chat({ model: 'm', request: request('hi', 4) }, new AbortController().signal)))) as {
      type: string;
      message: string;
    };
    expect(failure.type).toBe('upstream_unavailable');
    once(failure.message);
    const checked = await checkKey({ id: 'cloud-compat', apiKey: 'k', baseURL: deadURL, model: 'm' });
    expect(checked.ok).toBe(false);
    once(checked.ok ? undefined : checked.error.message);
  });

  it("sends the server's own model id with max_tokens; a server that sends no usage still ends with one usage event", async () => {
    const events = await collect(
      compatEngine().chat({ model: 'mixtral-8x7b', request: request('hi there', 4) }, new AbortController().signal),
    );
    const body = compat.requests.at(-1)!.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'mixtral-8x7b', max_tokens: 4 });
    expect(body.max_completion_tokens).toBeUndefined();
    expect(events[0]).toEqual({ type: 'start', model: 'mixtral-8x7b', engine: 'cloud-compat' });
    expect(events.filter((e) => e.type === 'usage')).toEqual([{ type: 'usage', usage: { inputTokens: 0, outputTokens: 0 } }]);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'length' });
  });

  it('a catalog model is not sent to a compat cloud', async () => {
    const e = await failureOf(collect(compatEngine().chat({ model: 'tinyllama', request: request('hi') }, new AbortController().signal)));
    expect(e).toMatchObject({ type: 'no_model_available' });
  });
});

describe('openai checkKey: one token on save', () => {
  it('a working key: one request for one token on the cheapest catalog model', async () => {
    const n = standIn.requests.length;
    expect(await checkKey({ apiKey: KEY, baseURL: standIn.url })).toEqual({ ok: true });
    expect(standIn.requests.slice(n).map((r) => r.body)).toEqual([
      { model: 'gpt-5.4-nano', messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 1 },
    ]);
  });

  it('a wrong key: upstream_auth naming the provider, never the key', async () => {
    const wrong = 'sk-proj-WRONG-check-key-000111222333';
    const r = await checkKey({ apiKey: wrong, baseURL: standIn.url });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.type).toBe('upstream_auth');
    expect(r.error.message).toBe('OpenAI rejected the API key (HTTP 401).');
    expect(JSON.stringify({ m: r.error.message, c: r.error.cause, s: r.error.stack })).not.toContain(wrong);
  });

  it('a compat cloud: the first listed model for one max_tokens token; an unreachable one says where', async () => {
    const n = compat.requests.length;
    expect(await checkKey({ id: 'cloud-compat', apiKey: COMPAT_KEY, baseURL: compat.url })).toEqual({ ok: true });
    expect(compat.requests.slice(n).map((r) => [r.method, r.path])).toEqual([
      ['GET', '/v1/models'],
      ['POST', '/v1/chat/completions'],
    ]);
    expect(compat.requests.at(-1)!.body).toMatchObject({ model: 'llama-3.3-70b-versatile', max_tokens: 1 });
    const dead = await checkKey({ id: 'cloud-compat', apiKey: COMPAT_KEY, baseURL: deadURL });
    expect(dead.ok === false && dead.error.type).toBe('upstream_unavailable');
  });
});
