// OpenAI-compatible engine against a real OpenAI-compatible server: a second instance of this gateway running llama.cpp.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogMatches, createOpenAICompatEngine, fromOpenAIChunk, toOpenAIParams } from '../../router-core/engines/openai-compat.js';
import type { ChatRequest } from '../../router-core/contracts/chat.js';
import { runEngineContract } from '../contract/engine.contract.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

let upstream: TestServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-oac-'));
  // Named as LM Studio and llama.cpp servers list models (from the file): the server lists this one model by that name.
  const gguf = await makeTinyGguf(path.join(dir, 'tinyllama-1.1b-chat.gguf'));
  upstream = await startTestServer({ env: { HYBRID_AI_LOCAL_MODEL: gguf.path, HYBRID_AI_THREADS: '1' } });
}, 60_000);
afterAll(async () => {
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

const make = () => createOpenAICompatEngine({ baseURL: `${upstream.url}/v1`, apiKey: TOKEN });

runEngineContract('openai-compat', {
  make: async () => ({ engine: make(), model: 'tinyllama' }),
  timeoutMs: 30_000,
  failures: [
    {
      name: 'server not running',
      make: async () => ({ engine: createOpenAICompatEngine({ baseURL: 'http://127.0.0.1:9/v1' }), model: 'tinyllama' }),
      expectType: 'upstream_unavailable',
    },
    {
      name: 'wrong API key',
      make: async () => ({
        engine: createOpenAICompatEngine({ baseURL: `${upstream.url}/v1`, apiKey: 'wrong-key-0123456789' }),
        model: 'tinyllama',
      }),
      expectType: 'upstream_auth',
    },
  ],
});

describe('openai-compat engine', () => {
  it('matches catalog ids to server model names (LM Studio style)', () => {
    expect(catalogMatches(['TheBloke/tinyllama-1.1b-chat-v1.0', 'phi-2.Q4_K_M', 'other'])).toEqual({
      tinyllama: 'TheBloke/tinyllama-1.1b-chat-v1.0',
      phi2: 'phi-2.Q4_K_M',
    });
  });

  it('probe lists catalog ids it can serve and the raw server models', async () => {
    const a = await make().probe();
    expect(a.ok).toBe(true);
    // The server's one model matches the catalog's TinyLlama; its raw name and the server's own "auto" are listed too.
    expect(a.models).toEqual(expect.arrayContaining(['tinyllama', 'tinyllama-1.1b-chat', 'auto']));
    // A catalog model no server model matches is not claimed.
    expect(a.models).not.toContain('phi2');
  });

  it('serveAllLocalAs maps every local route to one server model', async () => {
    const e = createOpenAICompatEngine({ baseURL: `${upstream.url}/v1`, apiKey: TOKEN, serveAllLocalAs: 'tinyllama' });
    const a = await e.probe();
    expect(a.models).toEqual(expect.arrayContaining(['tinyllama', 'phi2', 'mistral-7b']));
  });

  it('pure converters', () => {
    const params = toOpenAIParams(
      { model: 'x', request: { model: 'auto', messages: [{ role: 'user', content: 'hi' }], params: { maxTokens: 5, stop: ['\n'] } } },
      'srv',
    );
    expect(params).toMatchObject({ model: 'srv', stream: true, stream_options: { include_usage: true }, max_tokens: 5, stop: ['\n'] });
    const chunk = {
      id: 'c',
      object: 'chat.completion.chunk',
      created: 0,
      model: 'm',
      choices: [{ index: 0, delta: { content: 'ab' }, finish_reason: 'length', logprobs: null }],
    } as const;
    expect(fromOpenAIChunk(chunk as never)).toEqual({ events: [{ type: 'text-delta', text: 'ab' }], finish: 'length' });
  });

  it("structured output goes on as response_format, and the server enforces it (here: the gateway's own grammar)", async () => {
    const schema = {
      type: 'object',
      properties: { ok: { type: 'boolean' }, size: { type: 'string', enum: ['s', 'm'] } },
      required: ['ok', 'size'],
      additionalProperties: false,
    };
    const request = (responseFormat: ChatRequest['responseFormat']): ChatRequest => ({
      model: 'tinyllama',
      messages: [{ role: 'user', content: 'hi' }],
      params: { maxTokens: 120, temperature: 0 },
      responseFormat,
    });
    const fmt = { type: 'json_schema' as const, name: 'r', schema };
    expect(toOpenAIParams({ model: 'x', request: request(fmt) }, 'srv').response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'r', schema, strict: true },
    });
    expect(toOpenAIParams({ model: 'x', request: request({ type: 'json' }) }, 'srv').response_format).toEqual({ type: 'json_object' });
    expect(toOpenAIParams({ model: 'x', request: request(undefined) }, 'srv').response_format).toBeUndefined();
    let text = '';
    for await (const ev of make().chat({ model: 'tinyllama', request: request(fmt) }, new AbortController().signal)) {
      if (ev.type === 'text-delta') text += ev.text;
    }
    expect(JSON.parse(text)).toEqual({ ok: expect.any(Boolean), size: expect.stringMatching(/^(s|m)$/) });
  }, 60_000);
});
