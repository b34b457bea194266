// Golden frames for the OpenAI adapter: tools both ways, stream chunks, error shape, /v1/embeddings encodings.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CoreError } from '../../errors.js';
import type { PipelineRun, Summary } from '../../pipeline.js';
import type { ProtocolServices } from '../protocol.js';
import type { Availability } from '../../contracts/decision.js';
import { findModel } from '../../data/models.js';
import { validModelNames } from '../../routing/policy.js';
import { listModels } from '../mount.js';
import { float32Base64, openAiError, openaiProtocol } from './openai.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterAll(() => {
  vi.useRealTimers();
});

const route = openaiProtocol.chatRoutes[0]!;
const run: PipelineRun = {
  requestId: 'r1',
  decision: { route: 'cloud', model: 'claude-sonnet', engine: 'anthropic', complexity: 0.8, reasons: [], fallbacks: [] },
  fallbackFrom: [],
  events: (async function* () {})(),
};
const summary: Summary = {
  requestId: 'r1',
  usage: { inputTokens: 9, outputTokens: 4 },
  costMicros: 87,
  allCloudMicros: 87,
  savingsMicros: 0,
  latencyMs: 40,
  ttftMs: 10,
};
const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];

describe('decode', () => {
  it('tools, tool_choice, assistant tool_calls and tool results', () => {
    const d = openaiProtocol.decode(
      {
        model: 'auto',
        tools,
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        messages: [
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'sunny' }] },
        ],
      },
      route,
    );
    expect(d.request).toEqual({
      model: 'auto',
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{}' }] },
        { role: 'tool', content: 'sunny', toolCallId: 'c1' },
      ],
      params: { maxTokens: undefined, temperature: undefined, topP: undefined, stop: undefined, seed: undefined },
      tools: [{ name: 'get_weather', description: undefined, parameters: { type: 'object' } }],
      toolChoice: { name: 'get_weather' },
    });
  });

  it('max_completion_tokens wins over max_tokens; a tool without parameters gets an empty object schema', () => {
    const d = openaiProtocol.decode(
      {
        model: 'auto',
        max_tokens: 5,
        max_completion_tokens: 9,
        tools: [{ type: 'function', function: { name: 'now' } }],
        messages: [{ role: 'user', content: 'hi' }],
      },
      route,
    );
    expect(d.request.params.maxTokens).toBe(9);
    expect(d.request.tools).toEqual([{ name: 'now', description: undefined, parameters: { type: 'object', properties: {} } }]);
  });

  it('refusals name the field', () => {
    const msg = (body: unknown) => {
      try {
        openaiProtocol.decode(body, route);
      } catch (e) {
        return (e as CoreError).message;
      }
      return 'accepted';
    };
    expect(msg({ model: 'auto', n: 2, messages: [{ role: 'user', content: 'hi' }] })).toBe('Invalid "n": only n=1 is supported (got 2).');
    expect(msg({ model: 'auto', messages: [{ role: 'tool', content: 'x' }] })).toMatch(/Invalid "messages\[0\]\.tool_call_id"/);
    expect(
      msg({ model: 'auto', tools: [{ type: 'function', function: { name: 'bad name' } }], messages: [{ role: 'user', content: 'hi' }] }),
    ).toMatch(/Invalid "tools\[0\]\.function\.name"/);
  });
});

describe('answers (golden)', () => {
  it('a tool-call answer: content null, tool_calls, finish_reason tool_calls', () => {
    const d = openaiProtocol.decode({ model: 'auto', tools, messages: [{ role: 'user', content: 'hi' }] }, route);
    expect(
      openaiProtocol.encodeResponse(
        run,
        {
          text: '',
          toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
          finishReason: 'tool_calls',
          summary,
        },
        d,
      ),
    ).toEqual({
      id: 'chatcmpl-r1',
      object: 'chat.completion',
      created: NOW / 1000,
      model: 'claude-sonnet',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
      system_fingerprint: null,
    });
  });

  it('stream: role chunk, text chunk, indexed tool-call chunks, finish chunk, usage chunk, [DONE]', () => {
    const d = openaiProtocol.decode(
      { model: 'auto', stream: true, stream_options: { include_usage: true }, tools, messages: [{ role: 'user', content: 'hi' }] },
      route,
    );
    const enc = openaiProtocol.createStreamEncoder(run, d);
    const head = `{"id":"chatcmpl-r1","object":"chat.completion.chunk","created":${NOW / 1000},"model":"claude-sonnet","system_fingerprint":null`;
    const out =
      enc.begin() +
      enc.encode({ type: 'text-delta', text: 'Ok' }) +
      enc.encode({ type: 'tool-call', call: { id: 'a', name: 'get_weather', arguments: '{"city":"Paris"}' } }) +
      enc.encode({ type: 'tool-call', call: { id: 'b', name: 'get_weather', arguments: '{"city":"Rome"}' } }) +
      enc.encode({ type: 'usage', usage: summary.usage }) +
      enc.encode({ type: 'summary', summary }) +
      enc.encode({ type: 'done', finishReason: 'tool_calls' }) +
      enc.end();
    expect(out).toBe(
      [
        `data: ${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
        `data: ${head},"choices":[{"index":0,"delta":{"content":"Ok"},"logprobs":null,"finish_reason":null}]}`,
        `data: ${head},"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},"logprobs":null,"finish_reason":null}]}`,
        `data: ${head},"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},"logprobs":null,"finish_reason":null}]}`,
        `data: ${head},"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]}`,
        `data: ${head},"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}`,
        'data: [DONE]',
        '',
      ].join('\n\n'),
    );
  });
});

describe('errors', () => {
  it('an unknown model is model_not_found with param "model"', () => {
    const err = new CoreError('not_found', 'Unknown model "x".', { details: { param: 'model', value: 'x', valid: ['auto'] } });
    expect(openaiProtocol.encodeError(err)).toEqual({
      error: { message: 'Unknown model "x".', type: 'invalid_request_error', param: 'model', code: 'model_not_found' },
    });
    expect(openaiProtocol.encodeError(new CoreError('rate_limited', 'Slow.'))).toEqual({
      error: { message: 'Slow.', type: 'rate_limit_error', param: null, code: 'rate_limited' },
    });
  });
});

describe('/v1/embeddings', () => {
  const services = {
    embed: async (texts: readonly string[]) => ({
      model: 'tinyllama',
      engine: 'llamacpp' as const,
      embeddings: texts.map(() => [0.6, -0.8]),
      inputTokens: 4,
    }),
  } as unknown as ProtocolServices;
  const embeddings = openaiProtocol.extraRoutes!.find((r) => r.url === '/v1/embeddings')!;
  const call = (body: unknown) => embeddings.handle({ body, signal: new AbortController().signal }, services);

  it('float vectors, one per input, with usage', async () => {
    expect(await call({ model: 'auto', input: ['a', 'b'], encoding_format: 'float' })).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.6, -0.8] },
        { object: 'embedding', index: 1, embedding: [0.6, -0.8] },
      ],
      model: 'tinyllama',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  });

  it('base64 is little-endian float32 bytes', async () => {
    const r = (await call({ model: 'auto', input: 'a', encoding_format: 'base64' })) as { data: Array<{ embedding: string }> };
    expect(r.data[0]!.embedding).toBe(float32Base64([0.6, -0.8]));
    const back = new Float32Array(new Uint8Array(Buffer.from(r.data[0]!.embedding, 'base64')).buffer);
    expect(back[0]).toBeCloseTo(0.6, 6);
    expect(back[1]).toBeCloseTo(-0.8, 6);
  });

  it('refuses an empty input list and dimensions the model cannot give', async () => {
    await expect(call({ model: 'auto', input: [] })).rejects.toMatchObject({ type: 'invalid_request', message: /Invalid "input"/ });
    await expect(call({ model: 'auto', input: 'a', dimensions: 3 })).rejects.toMatchObject({ message: /Invalid "dimensions"/ });
  });
});

describe('GET /v1/models', () => {
  /** The list as the gateway built it before it moved into this adapter (admin.ts): the names the router accepts, served now. */
  const before = (a: Availability, startedAt: number) =>
    validModelNames(a)
      .filter((id) => id === 'auto' || Object.values(a.engines).some((e) => e.ok && e.models.includes(findModel(id)?.id ?? id)))
      .map((id) => ({
        id,
        object: 'model',
        created: Math.floor(startedAt / 1000),
        owned_by: id === 'auto' ? 'hybrid-ai' : findModel(id)?.kind === 'cloud' ? 'anthropic' : 'local',
      }));
  const cases: Array<[string, Availability]> = [
    ['nothing', { engines: {} }],
    [
      'llama.cpp and Claude',
      {
        engines: {
          llamacpp: { ok: true, models: ['tinyllama', 'phi2'] },
          anthropic: { ok: true, models: ['claude-sonnet', 'claude-haiku'] },
        },
      },
    ],
    [
      'Ollama with catalog models, their tags and its own tags',
      {
        engines: {
          ollama: {
            ok: true,
            models: [
              'qwen3-1.7b',
              'qwen3:1.7b',
              'Qwen2.5-1.5b-Instruct',
              'qwen2.5:1.5b',
              'tinyllama:latest',
              'hf.co/org/repo:Q4',
              'mine:7b',
            ],
          },
          llamacpp: { ok: true, models: ['tinyllama', 'my-own-file'] },
          anthropic: { ok: false, models: [], reason: 'no key' },
        },
      },
    ],
    ['Ollama down', { engines: { ollama: { ok: false, models: [], reason: 'down' }, llamacpp: { ok: true, models: ['tinyllama'] } } }],
  ];
  it.each(cases)('lists what it always listed: %s', async (_name, a) => {
    const startedAt = Date.UTC(2026, 0, 1);
    const services = { startedAt, models: async () => listModels(a, ['llamacpp']) } as unknown as ProtocolServices;
    const route = openaiProtocol.extraRoutes!.find((r) => r.url === '/v1/models')!;
    const got = (await route.handle({ body: undefined, signal: new AbortController().signal }, services)) as {
      object: string;
      data: unknown[];
    };
    expect(got.object).toBe('list');
    expect(got.data).toEqual(before(a, startedAt));
    expect(got.data.length).toBeGreaterThan(0);
  });

  it('lists the HYBRID_AI_LOCAL_MODEL file under the name it answers to (not the catalog names it answers for), and finds it by either', async () => {
    const a: Availability = {
      engines: {
        llamacpp: { ok: true, models: ['tiny', 'tinyllama', 'phi2'], servesAllLocalAs: 'tiny' },
        anthropic: { ok: false, models: [], reason: 'no Claude API key configured' },
        openai: { ok: true, models: ['gpt-5.4-mini'] },
      },
    };
    const services = { startedAt: 0, models: async () => listModels(a, ['llamacpp']) } as unknown as ProtocolServices;
    const signal = new AbortController().signal;
    const list = openaiProtocol.extraRoutes!.find((r) => r.url === '/v1/models')!;
    const got = (await list.handle({ body: undefined, signal }, services)) as { data: Array<{ id: string; owned_by: string }> };
    // The file answers for tinyllama and phi2 (still valid names in a request), but it is what is listed.
    expect(validModelNames(a)).toEqual(expect.arrayContaining(['tinyllama', 'phi2']));
    expect(got.data.map((m) => m.id)).toEqual(['auto', 'tiny', 'gpt-5.4-mini']);
    expect(got.data).toContainEqual(expect.objectContaining({ id: 'tiny', owned_by: 'local' }));
    expect(got.data.some((m) => m.id.startsWith('claude-'))).toBe(false);
    const one = openaiProtocol.extraRoutes!.find((r) => r.url === '/v1/models/*')!;
    for (const id of ['tiny', 'tinyllama', 'phi2']) {
      expect(await one.handle({ body: undefined, signal, params: { '*': id } }, services)).toMatchObject({ id, owned_by: 'local' });
    }
  });

  it("lists the OpenAI-compatible cloud's own models (owned by compat), finds them by id, not OpenAI's raw ids", async () => {
    const a: Availability = {
      engines: {
        'cloud-compat': { ok: true, models: ['deepseek-chat', 'meta-llama/llama-3.3-70b'] },
        openai: { ok: true, models: ['gpt-5.4-mini', 'gpt-4o-2024-08-06'] },
      },
    };
    const services = { startedAt: 0, models: async () => listModels(a, []) } as unknown as ProtocolServices;
    const signal = new AbortController().signal;
    const list = openaiProtocol.extraRoutes!.find((r) => r.url === '/v1/models')!;
    const got = (await list.handle({ body: undefined, signal }, services)) as { data: Array<{ id: string; owned_by: string }> };
    expect(got.data.map((m) => m.id)).toEqual(validModelNames(a));
    expect(got.data).toContainEqual(expect.objectContaining({ id: 'deepseek-chat', owned_by: 'compat' }));
    expect(got.data).toContainEqual(expect.objectContaining({ id: 'gpt-5.4-mini', owned_by: 'openai' }));
    expect(got.data.some((m) => m.id === 'gpt-4o-2024-08-06')).toBe(false);
    const one = openaiProtocol.extraRoutes!.find((r) => r.url === '/v1/models/*')!;
    expect(await one.handle({ body: undefined, signal, params: { '*': 'meta-llama/llama-3.3-70b' } }, services)).toMatchObject({
      id: 'meta-llama/llama-3.3-70b',
      owned_by: 'compat',
    });
  });

  it('one model by id (slashes included), or a 404 naming the available ones', async () => {
    const a: Availability = { engines: { ollama: { ok: true, models: ['hf.co/org/repo:Q4'] } } };
    const services = { startedAt: 0, models: async () => listModels(a, []) } as unknown as ProtocolServices;
    const one = openaiProtocol.extraRoutes!.find((r) => r.url === '/v1/models/*')!;
    const signal = new AbortController().signal;
    expect(await one.handle({ body: undefined, signal, params: { '*': 'hf.co/org/repo:Q4' } }, services)).toMatchObject({
      id: 'hf.co/org/repo:Q4',
    });
    await expect(one.handle({ body: undefined, signal, params: { '*': 'nope' } }, services)).rejects.toMatchObject({
      type: 'not_found',
      message: 'The model "nope" does not exist or is not available now. Available: auto, hf.co/org/repo:Q4.',
    });
  });
});

describe('openAiError', () => {
  it('always carries param and code: the field given, else the one a refusal names, else null', () => {
    expect(openAiError('invalid_request', 'Invalid "stop": too many.', 'stop').error).toEqual({
      message: 'Invalid "stop": too many.',
      type: 'invalid_request_error',
      param: 'stop',
      code: 'invalid_request',
    });
    expect(openAiError('invalid_request', 'Invalid "tools[0].function.name": required.').error.param).toBe('tools[0].function.name');
    expect(openAiError('invalid_request', 'Invalid response id "x": ids look like resp_….').error.param).toBeNull();
    expect(openAiError('internal', 'Invalid "x": not a refusal of the caller.').error).toMatchObject({ param: null, code: 'internal' });
    expect(openAiError('not_found', 'Unknown model "m".', 'model').error.code).toBe('model_not_found');
  });
});
