// The official `ollama` npm client pointed at the gateway (scripted engines): chat, generate, tags, show, version, errors.
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { OLLAMA_API_VERSION } from '../../router-core/gateway/protocols/ollama.js';
import { createFakeEngine, type FakeEngine } from '../fakes/engines.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

let srv: TestServer;
let local: FakeEngine;
let cloud: FakeEngine;

beforeAll(async () => {
  local = createFakeEngine({
    id: 'llamacpp',
    models: ['tinyllama', 'phi2'],
    words: (c) =>
      c.request.messages.at(-1)!.content.includes('long') ? Array.from({ length: 400 }, (_, i) => `w${i} `) : ['Hello', ' world'],
    delayMs: 2,
  });
  cloud = createFakeEngine({
    id: 'anthropic',
    models: ['claude-haiku', 'claude-sonnet', 'claude-opus'],
    tools: true,
    toolCalls: () => [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
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

// Ollama clients send no credentials by default: the gateway's token goes in `headers`.
const client = (headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }) => new Ollama({ host: srv.url, headers });

async function rejection(p: Promise<unknown>): Promise<{ error: string; status_code: number }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Error);
  return e as { error: string; status_code: number };
}

describe('ollama client: chat', () => {
  it('stream:false answers with a whole message, counts and Ollama durations', async () => {
    const r = await client().chat({
      model: 'auto',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      options: { temperature: 0.2, num_predict: 50, stop: ['END'], top_p: 0.9, seed: 7 },
    });
    expect(r.message).toEqual({ role: 'assistant', content: 'Hello world' });
    expect(r).toMatchObject({ model: 'auto', done: true, done_reason: 'stop', eval_count: 2 });
    expect(r.prompt_eval_count).toBeGreaterThan(0);
    expect(r.total_duration).toBeGreaterThan(0);
    expect(local.calls.at(-1)!.request).toMatchObject({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      params: { temperature: 0.2, maxTokens: 50, stop: ['END'], topP: 0.9, seed: 7 },
    });
  });

  it('streams NDJSON chunks ending in done, multi-turn', async () => {
    const stream = await client().chat({
      model: 'tinyllama:latest',
      stream: true,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'again' },
      ],
    });
    const parts = [];
    for await (const chunk of stream) parts.push(chunk);
    expect(parts.map((p) => p.message.content).join('')).toBe('Hello world');
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'stop', eval_count: 2 });
    expect(parts.slice(0, -1).every((p) => !p.done)).toBe(true);
    expect(local.calls.at(-1)!.request.messages).toHaveLength(3);
    expect(local.calls.at(-1)!.model).toBe('tinyllama');
  });

  it('num_predict cuts the answer: done_reason length', async () => {
    const r = await client().chat({ model: 'auto', messages: [{ role: 'user', content: 'a long answer' }], options: { num_predict: 3 } });
    expect(r).toMatchObject({ done_reason: 'length', eval_count: 3 });
  });

  it('routes tool requests to a model that can call tools and returns the calls', async () => {
    const r = await client().chat({
      model: 'auto',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
    });
    expect(r.message.tool_calls).toEqual([{ id: 'toolu_1', function: { name: 'get_weather', arguments: { city: 'Paris' } } }]);
    expect(cloud.calls.at(-1)!.request.tools![0]!.name).toBe('get_weather');
  });
});

describe('ollama client: generate', () => {
  it('stream:false answers in `response` with the system prompt applied', async () => {
    const r = await client().generate({ model: 'auto', prompt: 'hi', system: 'be brief' });
    expect(r).toMatchObject({ model: 'auto', response: 'Hello world', done: true, done_reason: 'stop' });
    expect(local.calls.at(-1)!.request.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
    ]);
    // The context the answer returned continues the conversation, streamed or not.
    const stream = await client().generate({ model: 'auto', prompt: 'more', system: 'be brief', context: r.context, stream: true });
    let last;
    for await (const part of stream) last = part;
    expect(local.calls.at(-1)!.request.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello world' },
      { role: 'user', content: 'more' },
    ]);
    await client().generate({ model: 'auto', prompt: 'last', context: last!.context });
    expect(local.calls.at(-1)!.request.messages.map((m) => m.content)).toEqual(['hi', 'Hello world', 'more', 'Hello world', 'last']);
    const refused = await rejection(client().generate({ model: 'auto', prompt: 'x', context: [1, 2, 3] }));
    expect(refused.status_code).toBe(400);
    expect(refused.error).toMatch(/Invalid "context"/);
  });

  it('streams response chunks', async () => {
    const stream = await client().generate({ model: 'phi2', prompt: 'hi', stream: true });
    let text = '';
    let last;
    for await (const chunk of stream) {
      text += chunk.response;
      last = chunk;
    }
    expect(text).toBe('Hello world');
    expect(last).toMatchObject({ done: true });
    expect(local.calls.at(-1)!.model).toBe('phi2');
  });
});

describe('ollama client: models and version', () => {
  it('list() shows auto and the models available now, Ollama-style', async () => {
    const { models } = await client().list();
    const names = models.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['auto:latest', 'tinyllama:latest', 'phi2:latest', 'claude-sonnet:latest']));
    expect(names).not.toContain('mistral-7b:latest');
    const tiny = models.find((m) => m.name === 'tinyllama:latest')!;
    expect(tiny.details).toMatchObject({ format: 'gguf', parameter_size: '1.1B', quantization_level: 'Q4_K_M' });
    expect(tiny.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('show() describes a model and its capabilities', async () => {
    const tiny = await client().show({ model: 'tinyllama' });
    expect(tiny.capabilities).toEqual(['completion']);
    expect(tiny.details.family).toBe('tinyllama');
    const claude = await client().show({ model: 'claude-sonnet:latest' });
    expect(claude.capabilities).toContain('tools');
  });

  it('version()', async () => {
    expect(await client().version()).toEqual({ version: OLLAMA_API_VERSION });
  });
});

describe('ollama client: errors in Ollama shape', () => {
  it('no credentials → 401 (there is no unauthenticated door)', async () => {
    const e = await rejection(client({}).list());
    expect(e.status_code).toBe(401);
    expect(e.error).toMatch(/Missing API token/);
  });

  it('unknown model → 404 "model \'x\' not found" listing what exists', async () => {
    const e = await rejection(client().chat({ model: 'llama9', messages: [{ role: 'user', content: 'hi' }] }));
    expect(e.status_code).toBe(404);
    // The names on offer: the router first, then every catalog model the one GGUF serves here.
    expect(e.error).toMatch(/^model 'llama9' not found; available models: auto:latest, /);
    expect(e.error).toContain('tinyllama:latest');
    expect(e.error).toContain('phi2:latest');
    const show = await rejection(client().show({ model: 'llama9' }));
    expect(show.status_code).toBe(404);
    expect(show.error).toMatch(/^model 'llama9' not found/);
  });

  it('bad parameters → 400 naming the field', async () => {
    const e = await rejection(client().chat({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], options: { temperature: 9 } }));
    expect(e.status_code).toBe(400);
    expect(e.error).toMatch(/Invalid "options\.temperature"/);
    const f = await rejection(client().chat({ model: 'auto', format: 'xml', messages: [{ role: 'user', content: 'hi' }] }));
    expect(f.status_code).toBe(400);
    expect(f.error).toMatch(/Invalid "format": "xml" is neither "json" nor a JSON schema/);
  });

  it('a body over the limit → 413', async () => {
    const e = await rejection(client().generate({ model: 'auto', prompt: 'x'.repeat(9 * 1024 * 1024) }));
    expect(e.status_code).toBe(413);
    expect(e.error).toMatch(/larger than the 8 MiB limit/);
  });

  it('raw error bodies are {"error": "..."} with JSON content type', async () => {
    const res = await fetch(`${srv.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'robot', content: 'hi' }] }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(Object.keys((await res.json()) as object)).toEqual(['error']);
  });
});

describe('ollama: route headers and abandoned streams', () => {
  it('JSON and NDJSON answers carry x-hybrid-* headers', async () => {
    for (const stream of [false, true]) {
      const res = await fetch(`${srv.url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ model: 'auto', stream, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.headers.get('x-hybrid-route')).toBe('small');
      expect(res.headers.get('x-hybrid-model')).toBe('tinyllama');
      if (!stream) expect(res.headers.get('x-hybrid-cost-usd')).toBe('0.000000');
      else expect(res.headers.get('content-type')).toBe('application/x-ndjson');
      await res.text();
    }
  });

  it('a client that abandons a stream stops generation and the request is recorded as aborted', async () => {
    const before = local.aborted;
    const stream = await client().chat({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'a long answer please' }] });
    for await (const chunk of stream) {
      expect(chunk.done).toBe(false);
      stream.abort();
      break;
    }
    await expect.poll(() => local.aborted, { timeout: 5000 }).toBe(before + 1);
    await expect.poll(() => srv.core.ledger.recent(1)[0]?.status, { timeout: 5000 }).toBe('aborted');
    expect(srv.core.ledger.recent(1)[0]?.protocol).toBe('ollama');
  });
});
