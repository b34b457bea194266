// Pure tests of the OpenAI cloud converters and error mapping (no network).
import { APIConnectionError, APIError, APIUserAbortError, AuthenticationError, RateLimitError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../contracts/chat.js';
import type { StreamEvent } from '../contracts/stream.js';
import {
  endOfOpenAIStream,
  fromOpenAIChunk,
  initialOpenAIState,
  isStrictSchema,
  loadOpenAISdk,
  mapOpenAIError,
  toOpenAICloudParams,
  toOpenAIModel,
  type OpenAIStreamState,
} from './openai.js';

const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'auto',
  messages: [{ role: 'user', content: 'hi' }],
  params: {},
  ...over,
});
const chunk = (choice: Partial<ChatCompletionChunk.Choice> | undefined, usage?: ChatCompletionChunk['usage']): ChatCompletionChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices: choice ? [{ index: 0, delta: {}, finish_reason: null, ...choice }] : [],
  ...(usage ? { usage } : {}),
});

function run(chunks: ChatCompletionChunk[]): StreamEvent[] {
  let state: OpenAIStreamState = initialOpenAIState('gpt-5.4');
  const out: StreamEvent[] = [];
  for (const c of chunks) {
    const r = fromOpenAIChunk(c, state);
    state = r.state;
    out.push(...r.events);
  }
  return [...out, ...endOfOpenAIStream(state)];
}

describe('toOpenAICloudParams', () => {
  it('maps catalog ids to OpenAI ids, passes raw gpt-* ids, refuses others naming the valid ones', () => {
    expect(toOpenAIModel('gpt-5.4-mini')).toBe('gpt-5.4-mini');
    expect(toOpenAIModel('GPT5.4-nano')).toBe('gpt-5.4-nano');
    expect(toOpenAIModel('gpt-4.1')).toBe('gpt-4.1');
    expect(() => toOpenAIModel('gemini-2.5-pro')).toThrow(/valid: gpt-5\.4, gpt-5\.4-mini, gpt-5\.4-nano/);
    expect(toOpenAIModel('deepseek-chat', 'cloud-compat')).toBe('deepseek-chat');
    expect(() => toOpenAIModel('qwen3-4b', 'cloud-compat')).toThrow(/cannot serve/);
  });

  it('OpenAI gets max_completion_tokens, a compat cloud max_tokens; temperature is clamped to [0, 2], at most 4 stops', () => {
    const call = { model: 'gpt-5.4', request: req({ params: { maxTokens: 9, temperature: 3, stop: ['a', 'b', 'c', 'd', 'e'] } }) };
    expect(toOpenAICloudParams(call)).toMatchObject({ max_completion_tokens: 9, temperature: 2, stop: ['a', 'b', 'c', 'd'] });
    expect(toOpenAICloudParams(call).max_tokens).toBeUndefined();
    const compat = toOpenAICloudParams({ ...call, model: 'llama-3.3-70b' }, 'cloud-compat');
    expect(compat).toMatchObject({ model: 'llama-3.3-70b', max_tokens: 9 });
    expect(compat.max_completion_tokens).toBeUndefined();
  });

  it('tool turns both ways: assistant tool_calls (content null when empty) and tool results by call id', () => {
    const p = toOpenAICloudParams({
      model: 'gpt-5.4',
      request: req({
        messages: [
          { role: 'user', content: 'w?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'f', arguments: '' }] },
          { role: 'tool', toolCallId: 'call_1', content: '42' },
        ],
        tools: [{ name: 'f', parameters: { properties: {} } }],
        toolChoice: 'required',
      }),
    });
    expect(p.messages).toEqual([
      { role: 'user', content: 'w?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '42' },
    ]);
    expect(p.tools).toEqual([{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }]);
    expect(p.tool_choice).toBe('required');
  });

  it("strict json_schema only for schemas in OpenAI's strict subset", () => {
    const strict = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    expect(isStrictSchema(strict)).toBe(true);
    expect(isStrictSchema({ ...strict, required: [] })).toBe(false);
    expect(isStrictSchema({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] })).toBe(false);
    expect(isStrictSchema({ ...strict, properties: { a: { type: 'object', properties: { b: { type: 'integer' } } } } })).toBe(false);
  });
});

describe('fromOpenAIChunk', () => {
  it('start first, text deltas, then usage (cached tokens kept) and done', () => {
    const events = run([
      chunk({ delta: { role: 'assistant', content: '' } }),
      chunk({ delta: { content: 'Hel' } }),
      chunk({ delta: { content: 'lo' } }),
      chunk({ delta: {}, finish_reason: 'stop' }),
      chunk(undefined, { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, prompt_tokens_details: { cached_tokens: 6 } }),
    ]);
    expect(events).toEqual([
      { type: 'start', model: 'gpt-5.4', engine: 'openai' },
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 6 } },
      { type: 'done', finishReason: 'stop' },
    ]);
  });

  it('joins tool-call pieces by index and emits each call whole at finish_reason, in index order', () => {
    const events = run([
      chunk({ delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x"' } }] } }),
      chunk({ delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] } }),
      chunk({ delta: {}, finish_reason: 'tool_calls' }),
    ]);
    expect(events.filter((e) => e.type === 'tool-call')).toEqual([
      { type: 'tool-call', call: { id: 'call_a', name: 'a', arguments: '{"x":1}' } },
      { type: 'tool-call', call: { id: 'call_b', name: 'b', arguments: '{}' } },
    ]);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });
  });

  it('a stream that never finished is an error, not a done', () => {
    expect(run([chunk({ delta: { content: 'x' } })]).at(-1)).toMatchObject({ type: 'error', error: { type: 'upstream_error' } });
  });
});

describe('mapOpenAIError', () => {
  beforeAll(async () => {
    await loadOpenAISdk();
  });
  const ctx = { baseURL: 'https://api.openai.com/v1', started: false, apiKey: 'sk-secret-123' };
  const h = (o: Record<string, string> = {}) => new Headers(o);

  it('maps statuses to our types, keeping retry-after', () => {
    expect(mapOpenAIError(new AuthenticationError(401, { message: 'bad sk-secret-123' }, undefined, h()), ctx)).toMatchObject({
      type: 'upstream_auth',
      message: 'OpenAI rejected the API key (HTTP 401).',
    });
    expect(mapOpenAIError(new RateLimitError(429, {}, undefined, h({ 'retry-after': '3' })), ctx)).toMatchObject({
      type: 'upstream_rate_limited',
      retryAfter: 3,
    });
    expect(mapOpenAIError(APIError.generate(503, {}, undefined, h()), ctx).type).toBe('upstream_overloaded');
    expect(mapOpenAIError(APIError.generate(500, {}, undefined, h()), ctx).type).toBe('upstream_error');
    expect(mapOpenAIError(APIError.generate(400, { error: { code: 'context_length_exceeded' } }, undefined, h()), ctx).type).toBe(
      'context_length_exceeded',
    );
    expect(mapOpenAIError(new APIUserAbortError(), ctx).type).toBe('aborted');
    expect(mapOpenAIError(new APIConnectionError({ message: 'x' }), ctx).type).toBe('upstream_unavailable');
  });

  it("a 400 quotes OpenAI's message with the key redacted", () => {
    const e = mapOpenAIError(APIError.generate(400, { error: { message: 'bad field, key sk-secret-123' } }, undefined, h()), ctx);
    expect(e.message).toBe('OpenAI refused the request (HTTP 400): bad field, key [redacted]');
  });

  it('a chat whose model the provider refuses is marked with that model; other 4xx are not', () => {
    const chat = { ...ctx, label: 'the OpenAI-compatible cloud at openrouter.ai', model: 'ghost', wireModel: 'ghost' };
    const refused = (status: number, error: Record<string, unknown>) =>
      mapOpenAIError(APIError.generate(status, { error }, undefined, h()), chat).refusedModel;
    expect(refused(404, { code: 'model_not_found', message: 'The model `ghost` does not exist.' })).toBe('ghost');
    expect(refused(400, { message: 'ghost is not a valid model ID' })).toBe('ghost');
    expect(refused(400, { message: 'Invalid model name passed in model=ghost' })).toBe('ghost');
    expect(refused(400, { code: 'model_decommissioned', message: 'gone' })).toBe('ghost');
    expect(refused(400, { param: 'model', message: 'bad' })).toBe('ghost');
    // Named without being refused, or not named at all: the model stays offered.
    expect(refused(400, { message: 'max_tokens is too large for ghost: 9000 > 8192' })).toBeUndefined();
    expect(refused(400, { message: "Invalid value for 'messages'." })).toBeUndefined();
    expect(refused(422, { message: 'unprocessable' })).toBeUndefined();
    // A model list (no chat model) is never marked.
    expect(
      mapOpenAIError(APIError.generate(404, { error: { message: 'no /models here' } }, undefined, h()), ctx).refusedModel,
    ).toBeUndefined();
    expect(mapOpenAIError(APIError.generate(404, { error: { message: 'nope' } }, undefined, h()), chat).message).toBe(
      'the OpenAI-compatible cloud at openrouter.ai refused the model "ghost" (HTTP 404): nope',
    );
  });

  it('a broken stream after the start is upstream_error, before it upstream_unavailable', () => {
    expect(mapOpenAIError(new TypeError('terminated'), { ...ctx, started: true }).type).toBe('upstream_error');
    expect(mapOpenAIError(new TypeError('fetch failed'), ctx).type).toBe('upstream_unavailable');
  });
});
