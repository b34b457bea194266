// The official @anthropic-ai/sdk pointed at the gateway (scripted engines): messages JSON and SSE, count_tokens, errors.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { createFakeEngine, type FakeEngine } from '../fakes/engines.js';
import { parseSse, startTestServer, TOKEN, type TestServer } from './helpers.js';

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
    words: () => ['Let me check.'],
    toolCalls: () => [{ id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Paris"}' }],
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

const client = (apiKey = TOKEN) => new Anthropic({ baseURL: srv.url, apiKey, maxRetries: 0 });
const weather = {
  name: 'get_weather',
  description: 'Current weather in a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('Anthropic SDK: messages', () => {
  it('messages.create answers with a Message: system, multi-turn, stop_sequences, usage', async () => {
    // SDK 1.x dropped `temperature` from its typings; the Messages API (and this gateway) still take it.
    const m = await client().messages.create({
      model: 'auto',
      max_tokens: 100,
      system: 'Be brief.',
      stop_sequences: ['END'],
      ...({ temperature: 0.3 } as object),
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: [{ type: 'text', text: 'again' }] },
      ],
    });
    expect(m).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'tinyllama',
      content: [{ type: 'text', text: 'Hello world' }],
      stop_reason: 'end_turn',
      usage: { output_tokens: 2 },
    });
    expect(m.id).toMatch(/^msg_[a-zA-Z0-9]{1,24}$/);
    expect(m.usage.input_tokens).toBeGreaterThan(0);
    expect(local.calls.at(-1)!.request).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'again' },
      ],
      params: { maxTokens: 100, stop: ['END'], temperature: 0.3 },
    });
  });

  it('max_tokens cuts the answer: stop_reason max_tokens', async () => {
    const m = await client().messages.create({ model: 'auto', max_tokens: 3, messages: [{ role: 'user', content: 'a long answer' }] });
    expect(m.stop_reason).toBe('max_tokens');
    expect(m.usage.output_tokens).toBe(3);
  });

  it('messages.stream accumulates the official event sequence into a final message', async () => {
    const stream = client().messages.stream({ model: 'auto', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const types: string[] = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello world' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ output_tokens: 2 });
    expect(final.usage.input_tokens).toBeGreaterThan(0);
    // The SDK swallows `ping` (the raw-frame test below sees it).
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('messages.create({stream: true}) yields raw events; tool_use blocks stream as input_json_delta', async () => {
    const stream = await client().messages.create({
      model: 'claude-sonnet',
      max_tokens: 200,
      stream: true,
      tools: [weather],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const events = [];
    for await (const e of stream) events.push(e);
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[4]).toMatchObject({ index: 1, content_block: { type: 'tool_use', id: 'toolu_01', name: 'get_weather' } });
    expect(events[5]).toMatchObject({ index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":"Paris"}' } });
    expect(events[7]).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });

  it('tool use round trip: tool_use in the answer, tool_result sent back as a tool turn', async () => {
    const first = await client().messages.create({
      model: 'auto',
      max_tokens: 200,
      tools: [weather],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.model).toBe('claude-sonnet');
    const use = first.content.find((b) => b.type === 'tool_use');
    expect(use).toMatchObject({ id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } });
    expect(cloud.calls.at(-1)!.request.toolChoice).toBe('required');
    await client().messages.create({
      model: 'auto',
      max_tokens: 200,
      tools: [weather],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'Sunny, 21 °C' }] },
      ],
    });
    expect(cloud.calls.at(-1)!.request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Let me check.',
        toolCalls: [{ id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      },
      { role: 'tool', content: 'Sunny, 21 °C', toolCallId: 'toolu_01', name: 'get_weather' },
    ]);
  });

  it('count_tokens estimates the input', async () => {
    const short = await client().messages.countTokens({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    const long = await client().messages.countTokens({
      model: 'claude-sonnet-4-6',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'word '.repeat(400) }],
    });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(long.input_tokens).toBeGreaterThan(400);
  });

  it('answers carry the route headers', async () => {
    const { response } = await client()
      .messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-hybrid-route')).toBe('small');
    expect(response.headers.get('x-hybrid-model')).toBe('tinyllama');
    expect(response.headers.get('x-hybrid-cost-usd')).toBe('0.000000');
  });
});

describe('Anthropic SDK: errors in Anthropic shape and classes', () => {
  const create = (over: Record<string, unknown> = {}, apiKey = TOKEN) =>
    client(apiKey)
      .messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], ...over } as never)
      .then(
        () => undefined,
        (e: unknown) => e,
      );

  it('a wrong key → AuthenticationError (401), x-api-key works as well as Bearer', async () => {
    const e = await create({}, 'wrong-key');
    expect(e).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((e as InstanceType<typeof Anthropic.AuthenticationError>).error).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'Invalid API token.' },
    });
    const res = await fetch(`${srv.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TOKEN, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
  });

  it('unknown model → NotFoundError (404, not_found_error) listing what exists', async () => {
    const e = await create({ model: 'gpt-9' });
    expect(e).toBeInstanceOf(Anthropic.NotFoundError);
    const err = e as InstanceType<typeof Anthropic.NotFoundError>;
    expect(err.type).toBe('not_found_error');
    expect(err.apiMessage).toMatch(/Unknown model "gpt-9"\. Valid models: auto, .*tinyllama/);
  });

  it('bad parameters → BadRequestError (400, invalid_request_error) naming the field', async () => {
    const noMax = await create({ max_tokens: undefined });
    expect(noMax).toBeInstanceOf(Anthropic.BadRequestError);
    expect((noMax as InstanceType<typeof Anthropic.BadRequestError>).apiMessage).toMatch(/Invalid "max_tokens"/);
    const hot = await create({ temperature: 1.5 });
    expect((hot as InstanceType<typeof Anthropic.BadRequestError>).type).toBe('invalid_request_error');
    expect((hot as InstanceType<typeof Anthropic.BadRequestError>).apiMessage).toMatch(/Invalid "temperature"/);
  });

  it("Claude's versioned tools and image or document blocks → 400 naming their type and what is valid", async () => {
    // As the AI SDK's anthropic.tools.webSearch_20250305 / bash_20250124 and its image and PDF file parts send them.
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] },
        /^Invalid "tools\[0\]\.type": tools of type "web_search_20250305" are not supported here \(valid: custom tools/,
      ],
      [{ tools: [weather, { type: 'bash_20250124', name: 'bash' }] }, /^Invalid "tools\[1\]\.type": tools of type "bash_20250124"/],
      [
        {
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'what is this?' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              ],
            },
          ],
        },
        /^Invalid "messages\[0\]\.content\[1\]\.type": content of type "image" is not supported \(valid: text, tool_use, tool_result, thinking, redacted_thinking\): this server reads text only/,
      ],
      [
        {
          messages: [
            { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }] },
          ],
        },
        /content of type "document" is not supported/,
      ],
    ];
    for (const [over, message] of cases) {
      const e = await create(over);
      expect(e).toBeInstanceOf(Anthropic.BadRequestError);
      expect((e as InstanceType<typeof Anthropic.BadRequestError>).type).toBe('invalid_request_error');
      expect((e as InstanceType<typeof Anthropic.BadRequestError>).apiMessage).toMatch(message);
    }
    // A custom tool with "type": "custom" is still a tool.
    expect(await create({ tools: [{ ...weather, type: 'custom' }] })).toBeUndefined();
  });

  it('a body over the limit → 413 request_too_large', async () => {
    const e = await create({ messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] });
    expect(e).toBeInstanceOf(Anthropic.APIError);
    expect((e as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
    expect((e as InstanceType<typeof Anthropic.APIError>).type).toBe('request_too_large');
  });

  it('a client that abandons a stream stops generation and the request is recorded as aborted', async () => {
    const before = local.aborted;
    const stream = await client().messages.create({
      model: 'auto',
      max_tokens: 1000,
      stream: true,
      messages: [{ role: 'user', content: 'a long answer please' }],
    });
    for await (const e of stream) {
      if (e.type === 'content_block_delta') {
        stream.controller.abort();
        break;
      }
    }
    await expect.poll(() => local.aborted, { timeout: 5000 }).toBe(before + 1);
    await expect.poll(() => srv.core.ledger.recent(1)[0]?.status, { timeout: 5000 }).toBe('aborted');
    expect(srv.core.ledger.recent(1)[0]?.protocol).toBe('anthropic');
  });

  it('raw SSE frames: the official order, ping after the first block start, each named after its type', async () => {
    const res = await fetch(`${srv.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ model: 'auto', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const frames = parseSse(await res.text());
    expect(frames.every((f) => f.event === JSON.parse(f.data).type)).toBe(true);
    expect(frames.map((f) => f.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(res.headers.get('x-hybrid-model')).toBe('tinyllama');
  });
});
