// Golden frames for the Ollama adapter: decode, JSON answers, NDJSON stream lines, errors and the non-chat routes.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Availability } from '../../contracts/decision.js';
import { CoreError } from '../../errors.js';
import { listModels } from '../mount.js';
import type { PipelineRun, Summary } from '../../pipeline.js';
import type { ChatRoute, ModelListing, ProtocolServices } from '../protocol.js';
import {
  contextTurns,
  encodeContext,
  humanNumber,
  normalizeOllamaModel,
  OLLAMA_API_VERSION,
  ollamaName,
  ollamaProtocol,
} from './ollama.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const ISO = new Date(NOW).toISOString();
beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterAll(() => {
  vi.useRealTimers();
});

const chatRoute = ollamaProtocol.chatRoutes[0]!;
const generateRoute = ollamaProtocol.chatRoutes[1]!;
const run: PipelineRun = {
  requestId: 'req-1',
  decision: { route: 'small', model: 'tinyllama', engine: 'llamacpp', complexity: 0.1, reasons: [], fallbacks: [] },
  fallbackFrom: [],
  events: (async function* () {})(),
};
const summary: Summary = {
  requestId: 'req-1',
  usage: { inputTokens: 7, outputTokens: 2 },
  costMicros: 0,
  allCloudMicros: 51,
  savingsMicros: 51,
  latencyMs: 40,
  ttftMs: 10,
};
const metrics = {
  total_duration: 40_000_000,
  load_duration: 0,
  prompt_eval_count: 7,
  prompt_eval_duration: 10_000_000,
  eval_count: 2,
  eval_duration: 30_000_000,
};

function refuse(body: unknown, route: ChatRoute = chatRoute): string {
  try {
    ollamaProtocol.decode(body, route);
  } catch (e) {
    expect(e).toBeInstanceOf(CoreError);
    return (e as CoreError).message;
  }
  throw new Error('expected a refusal');
}

describe('decode', () => {
  it('/api/chat: options map onto params, stream defaults to true (as in Ollama), tools and tool turns', () => {
    const d = ollamaProtocol.decode(
      {
        model: 'tinyllama:latest',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
          { role: 'tool', content: 'sunny', tool_name: 'get_weather' },
        ],
        options: { temperature: 0.2, num_predict: 64, stop: ['END'], top_p: 0.9, seed: 1, num_ctx: 4096 },
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      },
      chatRoute,
    );
    expect(d).toEqual({
      stream: true,
      options: { variant: 'chat', model: 'tinyllama:latest' },
      request: {
        model: 'tinyllama',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_0', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
          { role: 'tool', content: 'sunny', toolCallId: 'call_0', name: 'get_weather' },
        ],
        params: { maxTokens: 64, temperature: 0.2, topP: 0.9, stop: ['END'], seed: 1 },
        tools: [{ name: 'get_weather', description: undefined, parameters: { type: 'object' } }],
      },
    });
  });

  it('/api/generate: system + prompt, stream:false honoured, num_predict sentinels mean "no limit", huge ones are clamped', () => {
    const d = ollamaProtocol.decode(
      { model: 'auto', prompt: 'hi', system: 'be brief', stream: false, options: { num_predict: -1 } },
      generateRoute,
    );
    expect(d).toEqual({
      stream: false,
      options: { variant: 'generate', model: 'auto' },
      request: {
        model: 'auto',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hi' },
        ],
        params: { maxTokens: undefined, temperature: undefined, topP: undefined, stop: undefined, seed: undefined },
      },
    });
    const big = ollamaProtocol.decode({ model: 'auto', prompt: 'hi', options: { num_predict: 1_000_000, stop: 'X' } }, generateRoute);
    expect(big.request.params).toMatchObject({ maxTokens: 32_768, stop: ['X'] });
  });

  it('model names: name:latest, catalog Ollama tags, and foreign tags', () => {
    expect(normalizeOllamaModel('auto:latest')).toBe('auto');
    expect(normalizeOllamaModel('phi2:latest')).toBe('phi2');
    expect(normalizeOllamaModel('phi:2.7b')).toBe('phi2');
    expect(normalizeOllamaModel('qwen2.5:0.5b')).toBe('qwen2.5:0.5b');
    expect(normalizeOllamaModel('llama9:latest')).toBe('llama9:latest');
    expect(ollamaName('tinyllama')).toBe('tinyllama:latest');
    expect(ollamaName('qwen2.5:0.5b')).toBe('qwen2.5:0.5b');
  });

  it('format: "json" and a schema become the request\'s responseFormat (normalised), on both routes', () => {
    const chat = ollamaProtocol.decode(
      { model: 'auto', format: 'json', messages: [{ role: 'user', content: 'hi' }] },
      ollamaProtocol.chatRoutes[0]!,
    );
    expect(chat.request.responseFormat).toEqual({ type: 'json' });
    const schema = { type: 'object', title: 'T', properties: { n: { anyOf: [{ type: 'integer' }, { type: 'null' }] } }, required: ['n'] };
    const gen = ollamaProtocol.decode({ model: 'auto', format: schema, prompt: 'hi' }, generateRoute);
    expect(gen.request.responseFormat).toEqual({
      type: 'json_schema',
      schema: { type: 'object', properties: { n: { oneOf: [{ type: 'integer' }, { type: 'null' }] } }, required: ['n'] },
    });
    expect(ollamaProtocol.decode({ model: 'auto', format: '', prompt: 'hi' }, generateRoute).request.responseFormat).toBeUndefined();
  });

  it('refuses what it cannot honour, naming the field', () => {
    expect(refuse({ model: 'auto', format: 'xml', messages: [{ role: 'user', content: 'hi' }] })).toMatch(
      /Invalid "format": "xml" is neither/,
    );
    expect(refuse({ model: 'auto', format: { type: 'string', pattern: '^a' }, prompt: 'hi' }, generateRoute)).toMatch(
      /Invalid "format": the JSON schema cannot be enforced: at \(root\), the keyword "pattern" is not supported/,
    );
    expect(refuse({ model: 'auto', messages: [{ role: 'user', content: 'hi', images: ['aGk='] }] })).toMatch(/Invalid "images"/);
    expect(refuse({ model: 'auto', prompt: 'hi', suffix: 'end' }, generateRoute)).toMatch(/Invalid "suffix"/);
    expect(refuse({ model: 'auto', messages: [] })).toMatch(/Invalid "messages": must have at least one message/);
    expect(refuse({ model: 'auto', messages: [{ role: 'robot', content: 'hi' }] })).toMatch(/Invalid "messages\[0\]\.role"/);
    expect(refuse({ model: 'auto', messages: [{ role: 'system', content: 'x' }] })).toMatch(/at least one user message/);
    expect(refuse({ messages: [{ role: 'user', content: 'hi' }] })).toMatch(/Invalid "model"/);
  });
});

describe('answers (golden)', () => {
  it('/api/chat stream:false', () => {
    const d = ollamaProtocol.decode({ model: 'auto', stream: false, messages: [{ role: 'user', content: 'hi' }] }, chatRoute);
    expect(ollamaProtocol.encodeResponse(run, { text: 'Hello world', toolCalls: [], finishReason: 'stop', summary }, d)).toEqual({
      model: 'auto',
      created_at: ISO,
      message: { role: 'assistant', content: 'Hello world' },
      done: true,
      done_reason: 'stop',
      ...metrics,
    });
  });

  it('/api/generate stream:false', () => {
    const d = ollamaProtocol.decode({ model: 'auto', prompt: 'hi', stream: false }, generateRoute);
    expect(ollamaProtocol.encodeResponse(run, { text: 'Hi', toolCalls: [], finishReason: 'length', summary }, d)).toEqual({
      model: 'auto',
      created_at: ISO,
      response: 'Hi',
      done: true,
      done_reason: 'length',
      ...metrics,
      context: encodeContext([{ role: 'user', content: 'hi' }], 'Hi'),
    });
  });

  it('/api/generate context: the conversation so far, sent back to continue it (system prompt left to each request)', () => {
    const first = ollamaProtocol.decode({ model: 'auto', prompt: 'hi', system: 'be brief', stream: false }, generateRoute);
    const answered = ollamaProtocol.encodeResponse(run, { text: 'Hé there', toolCalls: [], finishReason: 'stop', summary }, first) as {
      context: number[];
    };
    expect(contextTurns(answered.context)).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hé there' },
    ]);
    const next = ollamaProtocol.decode({ model: 'auto', prompt: 'and now?', system: 'be brief', context: answered.context }, generateRoute);
    expect(next.request.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hé there' },
      { role: 'user', content: 'and now?' },
    ]);
    // An empty context starts a new conversation; one this server did not return (Ollama's token ids, a cut array) is a 400.
    expect(ollamaProtocol.decode({ model: 'auto', prompt: 'x', context: [] }, generateRoute).request.messages).toEqual([
      { role: 'user', content: 'x' },
    ]);
    for (const context of [[1, 2, 3], answered.context.slice(0, -1), [...answered.context.slice(0, 2), 300]]) {
      expect(() => ollamaProtocol.decode({ model: 'auto', prompt: 'x', context }, generateRoute)).toThrow(/Invalid "context": send back/);
    }
  });

  it('/api/chat NDJSON lines: one per delta, a tool call line, then the final line with counts', () => {
    const d = ollamaProtocol.decode({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }, chatRoute);
    const enc = ollamaProtocol.createStreamEncoder(run, d);
    expect(enc.contentType).toBe('application/x-ndjson');
    const out =
      enc.begin() +
      enc.encode({ type: 'text-delta', text: 'Hello' }) +
      enc.encode({ type: 'tool-call', call: { id: 'call_0', name: 'f', arguments: '{"a":1}' } }) +
      enc.encode({ type: 'usage', usage: summary.usage }) +
      enc.encode({ type: 'summary', summary }) +
      enc.encode({ type: 'done', finishReason: 'tool_calls' }) +
      enc.end();
    expect(out).toBe(
      [
        `{"model":"auto","created_at":"${ISO}","message":{"role":"assistant","content":"Hello"},"done":false}`,
        `{"model":"auto","created_at":"${ISO}","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_0","function":{"name":"f","arguments":{"a":1}}}]},"done":false}`,
        `{"model":"auto","created_at":"${ISO}","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":40000000,"load_duration":0,"prompt_eval_count":7,"prompt_eval_duration":10000000,"eval_count":2,"eval_duration":30000000}`,
        '',
      ].join('\n'),
    );
  });

  it('/api/generate NDJSON lines and a mid-stream error line', () => {
    const d = ollamaProtocol.decode({ model: 'auto', prompt: 'hi' }, generateRoute);
    const enc = ollamaProtocol.createStreamEncoder(run, d);
    expect(enc.encode({ type: 'text-delta', text: 'Hi' })).toBe(`{"model":"auto","created_at":"${ISO}","response":"Hi","done":false}\n`);
    expect(enc.encode({ type: 'error', error: { type: 'upstream_error', message: 'The engine stopped.' } })).toBe(
      '{"error":"The engine stopped."}\n',
    );
  });
});

describe('errors', () => {
  it("an unknown model is Ollama's \"model 'x' not found\", listing what exists", () => {
    const err = new CoreError('not_found', 'Unknown model "llama9". Valid models: auto, tinyllama.', {
      details: { param: 'model', value: 'llama9', valid: ['auto', 'tinyllama'] },
    });
    expect(ollamaProtocol.encodeError(err)).toEqual({ error: "model 'llama9' not found; available models: auto:latest, tinyllama:latest" });
  });
  it('everything else is {"error": message}', () => {
    expect(ollamaProtocol.encodeError(new CoreError('rate_limited', 'Slow down.'))).toEqual({ error: 'Slow down.' });
  });
});

describe('non-chat routes', () => {
  const listing: ModelListing[] = [
    { id: 'auto', kind: 'auto', label: 'Routed', engines: [], supportsTools: true, canEmbed: true },
    {
      id: 'tinyllama',
      kind: 'local',
      label: 'TinyLlama 1.1B Chat',
      engines: ['llamacpp'],
      supportsTools: false,
      canEmbed: true,
      paramsB: 1.1,
      contextLength: 2048,
      quantization: 'Q4_K_M',
      sizeBytes: 668_788_096,
    },
    { id: 'claude-sonnet', kind: 'cloud', label: 'Claude Sonnet 4.6', engines: ['anthropic'], supportsTools: true, canEmbed: false },
  ];
  const embedded: string[][] = [];
  const services: ProtocolServices = {
    version: '0.1.0',
    startedAt: NOW,
    now: () => NOW,
    models: async () => listing,
    embed: async (texts, model) => {
      embedded.push([...texts]);
      return { model: model === 'auto' ? 'tinyllama' : model, engine: 'llamacpp', embeddings: texts.map(() => [0.6, 0.8]), inputTokens: 3 };
    },
  };
  const route = (url: string) => ollamaProtocol.extraRoutes!.find((r) => r.url === url)!;
  const call = (url: string, body?: unknown) => route(url).handle({ body, signal: new AbortController().signal }, services);

  it('/api/version', async () => {
    expect(await call('/api/version')).toEqual({ version: OLLAMA_API_VERSION });
  });

  it('/api/tags lists every model with Ollama details', async () => {
    const r = (await call('/api/tags')) as { models: Array<Record<string, unknown>> };
    expect(r.models.map((m) => m.name)).toEqual(['auto:latest', 'tinyllama:latest', 'claude-sonnet:latest']);
    expect(r.models[1]).toEqual({
      name: 'tinyllama:latest',
      model: 'tinyllama:latest',
      modified_at: ISO,
      size: 668_788_096,
      digest: '9fecc3b3cd76bba89d504f29b616eedf7da85b96540e490ca5824d3f7d2776a0',
      details: {
        parent_model: '',
        format: 'gguf',
        family: 'tinyllama',
        families: ['tinyllama'],
        parameter_size: '1.1B',
        quantization_level: 'Q4_K_M',
      },
    });
  });

  it('/api/show: capabilities, model info, and a 404 for unknown names (legacy `name` accepted)', async () => {
    const r = (await call('/api/show', { name: 'tinyllama:latest' })) as Record<string, unknown>;
    expect(r).toMatchObject({
      capabilities: ['completion'],
      model_info: { 'general.architecture': 'tinyllama', 'general.parameter_count': 1_100_000_000, 'tinyllama.context_length': 2048 },
      license: 'Apache-2.0',
    });
    expect(((await call('/api/show', { model: 'claude-sonnet' })) as { capabilities: string[] }).capabilities).toEqual([
      'completion',
      'tools',
    ]);
    await expect(call('/api/show', { model: 'llama9' })).rejects.toMatchObject({ type: 'not_found', details: { value: 'llama9' } });
    await expect(call('/api/show', {})).rejects.toMatchObject({ type: 'invalid_request' });
  });

  it('/api/embed and the legacy /api/embeddings', async () => {
    expect(await call('/api/embed', { model: 'auto', input: ['a', 'b'] })).toEqual({
      model: 'auto',
      embeddings: [
        [0.6, 0.8],
        [0.6, 0.8],
      ],
      total_duration: 0,
      load_duration: 0,
      prompt_eval_count: 3,
    });
    expect(embedded.at(-1)).toEqual(['a', 'b']);
    // An empty input preloads a model in Ollama: nothing is computed.
    const before = embedded.length;
    expect(await call('/api/embed', { model: 'auto', input: [] })).toMatchObject({ embeddings: [] });
    expect(embedded.length).toBe(before);
    expect(await call('/api/embeddings', { model: 'tinyllama', prompt: 'a' })).toEqual({ embedding: [0.6, 0.8] });
    await expect(call('/api/embed', { model: 'auto', input: 'a', dimensions: 3 })).rejects.toMatchObject({ type: 'invalid_request' });
    await expect(call('/api/embed', { model: 'auto' })).rejects.toMatchObject({ type: 'invalid_request' });
  });
});

describe('humanNumber', () => {
  it("writes parameter counts as Ollama's format.HumanNumber does", () => {
    expect(humanNumber(8_000_000_000)).toBe('8B');
    expect(humanNumber(1_543_714_304)).toBe('1.5B');
    expect(humanNumber(494_032_768)).toBe('494.03M');
    expect(humanNumber(7_000_000)).toBe('7M');
    expect(humanNumber(513_048)).toBe('513K');
    expect(humanNumber(999)).toBe('999');
  });
});

describe('think on a model without thinking', () => {
  // The catalog marks thinking (hybridThinking): Qwen3 can, TinyLlama cannot; Claude's and auto's are not known here.
  const a: Availability = {
    engines: {
      llamacpp: { ok: true, models: ['qwen3-1.7b', 'tinyllama'] },
      anthropic: { ok: true, models: ['claude-sonnet'] },
    },
  };
  const services = { models: async () => listModels(a, ['llamacpp']) } as unknown as ProtocolServices;
  const chatRoute: ChatRoute = { method: 'POST', url: '/api/chat', variant: 'chat' };
  const ask = (model: string, think: unknown) => {
    const decoded = ollamaProtocol.decode({ model, think, messages: [{ role: 'user', content: 'hi' }] }, chatRoute);
    return ollamaProtocol.prepare!(decoded, services, {});
  };

  it("is refused for a catalog model known not to think, in Ollama's words, and passes for one that can", async () => {
    await expect(ask('tinyllama:latest', true)).rejects.toMatchObject({
      type: 'invalid_request',
      message: '"tinyllama:latest" does not support thinking',
    });
    await expect(ask('tinyllama', 'high')).rejects.toMatchObject({ message: '"tinyllama" does not support thinking' });
    await expect(ask('qwen3-1.7b', true)).resolves.toMatchObject({ options: { think: true } });
    for (const model of ['auto', 'claude-sonnet']) await expect(ask(model, true)).resolves.toBeDefined();
    await expect(ask('tinyllama', false)).resolves.toBeDefined();
  });

  it('/api/show lists thinking for the catalog models that can think', async () => {
    const show = ollamaProtocol.extraRoutes!.find((r) => r.url === '/api/show')!;
    const caps = async (model: string) =>
      (
        (await show.handle({ body: { model }, signal: new AbortController().signal }, { ...services, startedAt: 0 })) as {
          capabilities: string[];
        }
      ).capabilities;
    expect(await caps('qwen3-1.7b')).toEqual(['completion', 'thinking']);
    expect(await caps('tinyllama')).toEqual(['completion']);
  });
});
