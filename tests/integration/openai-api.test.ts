// The official `openai` client pointed at the gateway (scripted engines): multi-turn params, tools, errors.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { createFakeEngine, type FakeEngine } from '../fakes/engines.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

let srv: TestServer;
let local: FakeEngine;
let cloud: FakeEngine;

beforeAll(async () => {
  local = createFakeEngine({ id: 'llamacpp', models: ['tinyllama', 'phi2'], words: () => ['Hello', ' world'] });
  cloud = createFakeEngine({
    id: 'anthropic',
    models: ['claude-haiku', 'claude-sonnet', 'claude-opus'],
    tools: true,
    words: () => [],
    toolCalls: (c) =>
      c.request.messages.some((m) => m.role === 'tool')
        ? []
        : [
            { id: 'toolu_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { id: 'toolu_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
          ],
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

const client = (apiKey = TOKEN) => new OpenAI({ baseURL: `${srv.url}/v1`, apiKey, maxRetries: 0 });
const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  },
];

describe('OpenAI client: chat completions', () => {
  it('multi-turn with system messages and every sampling parameter reaches the engine', async () => {
    const c = await client().chat.completions.create({
      model: 'auto',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'developer', content: 'no emojis' },
        { role: 'user', content: 'again' },
      ],
      max_completion_tokens: 40,
      stop: ['END', 'STOP'],
      temperature: 0.5,
      top_p: 0.8,
      seed: 3,
      n: 1,
    });
    expect(c.choices[0]!.message.content).toBe('Hello world');
    expect(local.calls.at(-1)!.request).toMatchObject({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'system', content: 'no emojis' },
        { role: 'user', content: 'again' },
      ],
      params: { maxTokens: 40, stop: ['END', 'STOP'], temperature: 0.5, topP: 0.8, seed: 3 },
    });
    await client().chat.completions.create({ model: 'auto', max_tokens: 12, messages: [{ role: 'user', content: 'hi' }] });
    expect(local.calls.at(-1)!.request.params.maxTokens).toBe(12);
  });

  it('tools: routed to a model that can call them; tool_calls come back with finish_reason tool_calls', async () => {
    const c = await client().chat.completions.create({
      model: 'auto',
      tools,
      tool_choice: 'auto',
      messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }],
    });
    expect(c.model).toBe('claude-sonnet');
    expect(c.choices[0]!.finish_reason).toBe('tool_calls');
    expect(c.choices[0]!.message.content).toBeNull();
    expect(c.choices[0]!.message.tool_calls).toEqual([
      { id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'toolu_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ]);
    expect(cloud.calls.at(-1)!.request.tools).toEqual([
      { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
    ]);
    expect(cloud.calls.at(-1)!.request.toolChoice).toBe('auto');
  });

  it('tools while streaming: the SDK accumulates the tool-call chunks', async () => {
    const stream = client().chat.completions.stream({ model: 'auto', tools, messages: [{ role: 'user', content: 'Weather?' }] });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.tool_calls!.map((t) => t.type === 'function' && t.function.arguments)).toEqual([
      '{"city":"Paris"}',
      '{"city":"Rome"}',
    ]);
  });

  it('tool results go back as tool turns', async () => {
    const c = await client().chat.completions.create({
      model: 'auto',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'toolu_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_a', content: 'Sunny' },
      ],
    });
    expect(c.choices[0]!.finish_reason).toBe('stop');
    expect(cloud.calls.at(-1)!.request.messages.slice(1)).toEqual([
      { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_a', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', content: 'Sunny', toolCallId: 'toolu_a' },
    ]);
  });

  it('a named model that cannot call tools → 400 listing those that can; unknown tool_choice → 400', async () => {
    const e = await client()
      .chat.completions.create({ model: 'tinyllama', tools, messages: [{ role: 'user', content: 'hi' }] })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/cannot call tools\. Models that can: .*claude-sonnet/);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('model');
    const f = await client()
      .chat.completions.create({
        model: 'auto',
        tools,
        tool_choice: { type: 'function', function: { name: 'nope' } },
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((err: unknown) => err);
    expect((f as Error).message).toMatch(/Invalid "tool_choice": no tool named "nope"/);
  });

  it('n > 1, the deprecated functions API and a bad key are refused in OpenAI shape', async () => {
    const n = await client()
      .chat.completions.create({ model: 'auto', n: 3, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(n).toBeInstanceOf(OpenAI.BadRequestError);
    const fn = await client()
      .chat.completions.create({ model: 'auto', functions: [{ name: 'f' }], messages: [{ role: 'user', content: 'hi' }] } as never)
      .catch((e: unknown) => e);
    expect((fn as Error).message).toMatch(/send "tools" instead/);
    const auth = await client('bad')
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((auth as InstanceType<typeof OpenAI.AuthenticationError>).type).toBe('authentication_error');
  });

  it('null for an optional field means "not set", as OpenAI reads it (clients that build bodies from maps send nulls)', async () => {
    const c = await client().chat.completions.create({
      model: 'auto',
      messages: [
        { role: 'user', content: 'hi', name: null },
        { role: 'assistant', content: 'hello', name: null, tool_calls: null },
        { role: 'user', content: 'again' },
      ],
      user: null,
      functions: null,
      function_call: null,
      stream_options: { include_usage: null },
      tools: [{ type: 'function', function: { name: 'get_weather', description: null, parameters: null } }],
    } as never);
    expect((c as OpenAI.ChatCompletion).choices[0]!.message.role).toBe('assistant');
    const t = await client().completions.create({ model: 'auto', prompt: 'hi', max_tokens: 2, user: null } as never);
    expect(t.choices).toHaveLength(1);
    const r = await client().responses.create({
      model: 'auto',
      input: 'hi',
      user: null,
      text: { format: null },
      prompt_cache_key: null,
      safety_identifier: null,
    } as never);
    expect(r.status).toBe('completed');
  });

  it('a body over the limit → 413 in OpenAI shape', async () => {
    const e = await client()
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] })
      .catch((err: unknown) => err);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((e as InstanceType<typeof OpenAI.APIError>).type).toBe('invalid_request_error');
  });
});

describe('OpenAI client: models by id and legacy completions', () => {
  it('models.retrieve: a known id answers its model object; an unknown one is a 404 model_not_found', async () => {
    expect(await client().models.retrieve('tinyllama')).toEqual({
      id: 'tinyllama',
      object: 'model',
      created: expect.any(Number),
      owned_by: 'local',
    });
    expect(await client().models.retrieve('auto')).toMatchObject({ id: 'auto', owned_by: 'hybrid-ai' });
    expect(await client().models.retrieve('claude-sonnet')).toMatchObject({ id: 'claude-sonnet', owned_by: 'anthropic' });
    const e = await client()
      .models.retrieve('gpt-9')
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect((e as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'model_not_found',
      param: 'model',
      message: expect.stringMatching(/"gpt-9" does not exist.*Available: auto, tinyllama/),
    });
  });

  it('completions.create: the prompt becomes one user turn; max_tokens, stop, usage; a one-prompt array too; echo', async () => {
    const c = await client().completions.create({ model: 'auto', prompt: 'def add(a, b):', max_tokens: 7, stop: ['\n\n'], temperature: 0 });
    expect(c).toMatchObject({
      object: 'text_completion',
      model: 'tinyllama',
      choices: [{ index: 0, text: 'Hello world', finish_reason: 'stop', logprobs: null }],
    });
    expect(c.id).toMatch(/^cmpl-/);
    expect(c.usage!.total_tokens).toBe(c.usage!.prompt_tokens + c.usage!.completion_tokens);
    expect(c.usage!.completion_tokens).toBeGreaterThan(0);
    expect(local.calls.at(-1)!.request).toMatchObject({
      messages: [{ role: 'user', content: 'def add(a, b):' }],
      params: { maxTokens: 7, stop: ['\n\n'], temperature: 0 },
    });
    const arr = await client().completions.create({ model: 'auto', prompt: ['one prompt'], echo: true });
    expect(arr.choices[0]!.text).toBe('one promptHello world');
  });

  it('completions streaming: text chunks, a finish_reason chunk, usage when asked, then [DONE]', async () => {
    const stream = await client().completions.create({
      model: 'auto',
      prompt: 'hi',
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const reasons: Array<string | null> = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('text_completion');
      for (const ch of chunk.choices) {
        text += ch.text;
        reasons.push(ch.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello world');
    expect(reasons.filter((r) => r !== null)).toEqual(['stop']);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('completions refuse what they cannot do, in OpenAI shape: n > 1, several prompts, token prompts', async () => {
    for (const body of [
      { model: 'auto', prompt: 'hi', n: 2 },
      { model: 'auto', prompt: ['a', 'b'] },
      { model: 'auto', prompt: [1, 2, 3] },
    ]) {
      const e = await client()
        .completions.create(body as never)
        .catch((err: unknown) => err);
      expect(e).toBeInstanceOf(OpenAI.BadRequestError);
      expect((e as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ type: 'invalid_request_error' });
      expect((e as Error).message).toMatch(/Invalid "(n|prompt)"/);
    }
  });
});
