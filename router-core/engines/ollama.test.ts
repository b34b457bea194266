// Pure tests of the Ollama converters, host parsing and error mapping (no network).
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../contracts/chat.js';
import { fromOllamaChunk, mapOllamaError, normalizeOllamaHost, ollamaContextLength, tagMatches, toOllamaChat } from './ollama.js';

const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'auto',
  messages: [{ role: 'user', content: 'hi' }],
  params: {},
  ...over,
});

describe('normalizeOllamaHost', () => {
  it.each([
    ['127.0.0.1:11434', 'http://127.0.0.1:11434'],
    ['localhost', 'http://localhost:11434'],
    [':9999', 'http://127.0.0.1:9999'],
    ['0.0.0.0', 'http://127.0.0.1:11434'],
    ['http://example.com:8080/', 'http://example.com:8080'],
    ['https://ollama.example.com', 'https://ollama.example.com'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeOllamaHost(input)).toBe(expected);
  });
});

describe('tagMatches', () => {
  it('matches exact tags, :latest variants and registry prefixes', () => {
    expect(tagMatches('tinyllama:1.1b', 'tinyllama:1.1b')).toBe(true);
    expect(tagMatches('mistral', 'mistral:latest')).toBe(true);
    expect(tagMatches('mistral:latest', 'mistral')).toBe(true);
    expect(tagMatches('phi:2.7b', 'registry.example.com/library/phi:2.7b')).toBe(true);
    expect(tagMatches('phi:2.7b', 'phi:latest')).toBe(false);
  });
});

describe('toOllamaChat', () => {
  it('maps messages and generation params to Ollama options', () => {
    const r = toOllamaChat(
      {
        model: 'tinyllama',
        request: req({
          messages: [
            { role: 'system', content: 's' },
            { role: 'user', content: 'u' },
          ],
          params: { maxTokens: 5, temperature: 0.2, topP: 0.9, stop: ['\n\n'], seed: 42 },
        }),
      },
      'tinyllama:1.1b',
      { keepAlive: '10m' },
    );
    expect(r).toEqual({
      model: 'tinyllama:1.1b',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
      ],
      stream: true,
      options: { num_predict: 5, temperature: 0.2, top_p: 0.9, stop: ['\n\n'], seed: 42 },
      keep_alive: '10m',
    });
  });

  it('runs a catalog model with a known context: num_ctx 4,096 (or its trained context) where Ollama might default lower', () => {
    const opts = (model: string) => toOllamaChat({ model, request: req() }, 'tag').options;
    expect(opts('mistral-7b')).toEqual({ num_ctx: 4096 });
    expect(opts('qwen2.5-1.5b')).toEqual({ num_ctx: 4096 });
    // Trained for 2,048: every Ollama release runs it at that already, so no num_ctx (and no model reload).
    expect(opts('tinyllama')).toEqual({});
    expect(ollamaContextLength('tinyllama')).toBe(2048);
    expect(ollamaContextLength('mistral-7b')).toBe(4096);
    expect(ollamaContextLength('llama3.1:8b')).toBeUndefined();
  });

  it('switches thinking off (think: false) for hybrid-thinking catalog models only', () => {
    expect(toOllamaChat({ model: 'qwen3-4b', request: req() }, 'qwen3:4b').think).toBe(false);
    expect(toOllamaChat({ model: 'smollm3-3b', request: req() }, 'hf.co/ggml-org/SmolLM3-3B-GGUF:Q4_K_M').think).toBe(false);
    expect(toOllamaChat({ model: 'granite-4.0-micro', request: req() }, 'granite4:micro')).not.toHaveProperty('think');
    expect(toOllamaChat({ model: 'llama3.1:8b', request: req() }, 'llama3.1:8b')).not.toHaveProperty('think');
  });

  it('omits unset options and keep_alive', () => {
    const r = toOllamaChat({ model: 'x', request: req() }, 'x');
    expect(r.options).toEqual({});
    expect(r).not.toHaveProperty('keep_alive');
  });
});

describe('fromOllamaChunk', () => {
  it('turns text chunks into deltas and the final chunk into usage + done', () => {
    expect(fromOllamaChunk({ message: { content: 'Hi' }, done: false })).toEqual([{ type: 'text-delta', text: 'Hi' }]);
    expect(fromOllamaChunk({ message: { content: '' }, done: false })).toEqual([]);
    expect(fromOllamaChunk({ message: { content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 7, eval_count: 3 })).toEqual([
      { type: 'usage', usage: { inputTokens: 7, outputTokens: 3 } },
      { type: 'done', finishReason: 'stop' },
    ]);
  });

  it('reports length and falls back when prompt_eval_count is absent (cached prompt)', () => {
    expect(fromOllamaChunk({ done: true, done_reason: 'length', eval_count: 2 }, 9)).toEqual([
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 2 } },
      { type: 'done', finishReason: 'length' },
    ]);
  });
});

describe('mapOllamaError', () => {
  const ctx = { baseURL: 'http://127.0.0.1:11434', tag: 'phi:2.7b', started: false, aborted: false };
  const responseError = (status: number, msg: string) => Object.assign(new Error(msg), { name: 'ResponseError', status_code: status });

  it('maps 404 to no_model_available naming the tag', () => {
    const e = mapOllamaError(responseError(404, "model 'phi:2.7b' not found, try pulling it first"), ctx);
    expect(e.type).toBe('no_model_available');
    expect(e.message).toContain('phi:2.7b');
  });

  it('maps refused connections to upstream_unavailable', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    expect(mapOllamaError(refused, ctx)).toMatchObject({
      type: 'upstream_unavailable',
      message: 'Ollama is not running at http://127.0.0.1:11434.',
    });
  });

  it('maps 500, mid-stream breaks and aborts', () => {
    expect(mapOllamaError(responseError(500, 'runner crashed'), ctx).type).toBe('upstream_error');
    expect(mapOllamaError(new TypeError('terminated'), { ...ctx, started: true }).type).toBe('upstream_error');
    expect(mapOllamaError(new Error('whatever'), { ...ctx, aborted: true }).type).toBe('aborted');
  });
});

describe('tools through Ollama', () => {
  it('toOllamaChat passes tools, assistant tool calls (as objects) and tool results (by tool name)', () => {
    const r = toOllamaChat(
      {
        model: 'qwen2.5-1.5b',
        request: {
          model: 'auto',
          messages: [
            { role: 'user', content: 'weather?' },
            { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
            { role: 'tool', content: 'sunny', toolCallId: 'c1', name: 'get_weather' },
          ],
          params: {},
          tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' } }],
        },
      },
      'qwen2.5:1.5b',
    );
    expect(r.messages).toEqual([
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: 'sunny', tool_name: 'get_weather' },
    ]);
    expect(r.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } } },
    ]);
  });

  it('toolChoice none offers no tools (Ollama has no tool_choice)', () => {
    const call = {
      model: 'x',
      request: { model: 'auto', messages: [{ role: 'user' as const, content: 'hi' }], params: {}, tools: [{ name: 'f', parameters: {} }] },
    };
    expect(toOllamaChat({ ...call, request: { ...call.request, toolChoice: 'none' } }, 'x').tools).toBeUndefined();
  });

  it('fromOllamaChunk turns tool_calls into tool-call events with ids, and finishes with tool_calls', () => {
    const chunk = { message: { content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] }, done: false };
    expect(fromOllamaChunk(chunk, 0, 2)).toEqual([{ type: 'tool-call', call: { id: 'call_2', name: 'f', arguments: '{"a":1}' } }]);
    expect(fromOllamaChunk({ done: true, done_reason: 'stop', eval_count: 1, prompt_eval_count: 3 }, 0, 1).at(-1)).toEqual({
      type: 'done',
      finishReason: 'tool_calls',
    });
  });
});

describe('toOllamaChat: structured output', () => {
  it('passes "json" or the schema as Ollama\'s format; nothing without one', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const base: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }], params: {} };
    expect(toOllamaChat({ model: 'x', request: { ...base, responseFormat: { type: 'json' } } }, 'x').format).toBe('json');
    expect(toOllamaChat({ model: 'x', request: { ...base, responseFormat: { type: 'json_schema', schema } } }, 'x').format).toEqual(schema);
    expect(toOllamaChat({ model: 'x', request: base }, 'x').format).toBeUndefined();
  });
});
