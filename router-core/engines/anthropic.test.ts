// Pure tests of the Anthropic converters and error mapping (no network).
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../contracts/chat.js';
import type { StreamEvent } from '../contracts/stream.js';
import {
  ANSWER_TOOL,
  answerText,
  answerToolFor,
  DEFAULT_MAX_TOKENS,
  type AnthropicWireEvent,
  createAnthropicEngine,
  fromAnthropicEvent,
  initialAnthropicState,
  loadAnthropicSdk,
  mapAnthropicError,
  toAnthropicModel,
  toAnthropicParams,
} from './anthropic.js';

const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'auto',
  messages: [{ role: 'user', content: 'hi' }],
  params: {},
  ...over,
});

describe('toAnthropicParams', () => {
  it('moves system messages to `system` and merges consecutive same-role turns', () => {
    const p = toAnthropicParams({
      model: 'claude-sonnet',
      request: req({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
          { role: 'system', content: 'Be kind.' },
          { role: 'assistant', content: 'c' },
          { role: 'user', content: '' },
          { role: 'user', content: 'd' },
        ],
      }),
    });
    expect(p.system).toBe('Be brief.\n\nBe kind.');
    expect(p.messages).toEqual([
      { role: 'user', content: 'a\n\nb' },
      { role: 'assistant', content: 'c' },
      { role: 'user', content: 'd' },
    ]);
    expect(p.stream).toBe(true);
  });

  it('maps catalog ids and aliases to provider ids; raw claude-* ids pass through', () => {
    expect(toAnthropicParams({ model: 'claude-sonnet', request: req() }).model).toBe('claude-sonnet-4-6');
    expect(toAnthropicParams({ model: 'claude', request: req() }).model).toBe('claude-sonnet-4-6');
    expect(toAnthropicModel('claude-3-7-sonnet-20250219')).toBe('claude-3-7-sonnet-20250219');
  });

  it('refuses a local model, naming the valid ones', () => {
    expect(() => toAnthropicModel('tinyllama')).toThrow(/claude-haiku, claude-sonnet, claude-opus/);
    try {
      toAnthropicModel('tinyllama');
    } catch (e) {
      expect((e as { type: string }).type).toBe('no_model_available');
    }
  });

  it('applies max_tokens default and maps sampling params', () => {
    const d = toAnthropicParams({ model: 'claude-haiku', request: req() });
    expect(d.max_tokens).toBe(DEFAULT_MAX_TOKENS);
    expect(d).not.toHaveProperty('temperature');
    expect(d).not.toHaveProperty('stop_sequences');
    const p = toAnthropicParams({
      model: 'claude-haiku',
      request: req({ params: { maxTokens: 50, temperature: 1.7, topP: 0.9, stop: ['END', ''], seed: 3 } }),
    });
    expect(p.max_tokens).toBe(50);
    expect(p.temperature).toBe(1); // clamped to Claude's [0,1]
    expect(p).not.toHaveProperty('top_p'); // not both: Claude 4.5 refuses the pair
    expect(p.stop_sequences).toEqual(['END']);
    expect(p).not.toHaveProperty('seed');
    expect(toAnthropicParams({ model: 'claude-haiku', request: req({ params: { topP: 0.5 } }) }).top_p).toBe(0.5);
  });

  it('trims trailing whitespace of a final assistant prefill and rejects an empty conversation', () => {
    const p = toAnthropicParams({
      model: 'claude-haiku',
      request: req({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: 'The answer is ' },
        ],
      }),
    });
    expect(p.messages.at(-1)).toEqual({ role: 'assistant', content: 'The answer is' });
    expect(() => toAnthropicParams({ model: 'claude-haiku', request: req({ messages: [{ role: 'system', content: 's' }] }) })).toThrow(
      /at least one/,
    );
  });
});

describe('fromAnthropicEvent', () => {
  const run = (events: AnthropicWireEvent[]) => {
    let state = initialAnthropicState('claude-sonnet');
    const out: StreamEvent[] = [];
    for (const e of events) {
      const r = fromAnthropicEvent(e, state);
      state = r.state;
      out.push(...r.events);
    }
    return { out, state };
  };

  it('turns the wire order into start, deltas, one usage, done', () => {
    const { out, state } = run([
      {
        type: 'message_start',
        message: { model: 'claude-sonnet-4-5', usage: { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: null } },
      },
      { type: 'content_block_start', index: 0 },
      { type: 'ping' },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } },
      { type: 'message_stop' },
    ]);
    expect(out).toEqual([
      { type: 'start', model: 'claude-sonnet', engine: 'anthropic' },
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      // Cache reads are input tokens too, and reported apart for their own (cheaper) price.
      { type: 'usage', usage: { inputTokens: 15, outputTokens: 2, cachedInputTokens: 5 } },
      { type: 'done', finishReason: 'stop' },
    ]);
    expect(state.ended).toBe(true);
  });

  it('reports max_tokens as length', () => {
    const { out } = run([
      { type: 'message_start', message: { model: 'm', usage: { input_tokens: 1 } } },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 3, input_tokens: 4 } },
      { type: 'message_stop' },
    ]);
    expect(out.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 4, outputTokens: 3 } },
      { type: 'done', finishReason: 'length' },
    ]);
  });

  it('passes on which stop sequence Claude stopped on', () => {
    const { out } = run([
      { type: 'message_start', message: { model: 'm', usage: { input_tokens: 1 } } },
      { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: '###' }, usage: { output_tokens: 3 } },
      { type: 'message_stop' },
    ]);
    expect(out.at(-1)).toEqual({ type: 'done', finishReason: 'stop', stopSequence: '###' });
  });

  it('maps an SSE error event to an error event of our catalogue', () => {
    const { out } = run([{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]);
    expect(out).toEqual([{ type: 'error', error: { type: 'upstream_overloaded', message: expect.stringContaining('overloaded_error') } }]);
  });
});

describe('mapAnthropicError', () => {
  // The engine loads the SDK on first use; errors can only come from it once it is loaded.
  beforeAll(async () => {
    await loadAnthropicSdk();
  });
  const KEY = 'sk-ant-api03-SECRET-never-show';
  const ctx = { apiKey: KEY, baseURL: 'http://127.0.0.1:9', started: false };
  const apiErr = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
    APIError.generate(status, { type: 'error', error: { type, message } }, undefined, new Headers({ 'x-api-key': KEY, ...headers }));

  it.each([
    [401, 'authentication_error', 'upstream_auth'],
    [403, 'permission_error', 'upstream_auth'],
    [429, 'rate_limit_error', 'upstream_rate_limited'],
    [529, 'overloaded_error', 'upstream_overloaded'],
    [500, 'api_error', 'upstream_error'],
    [400, 'invalid_request_error', 'upstream_error'],
  ])('HTTP %i %s → %s, without the key', (status, type, expected) => {
    const e = mapAnthropicError(apiErr(status, type, `bad thing ${KEY}`), ctx);
    expect(e.type).toBe(expected);
    expect(e.message).not.toContain(KEY);
    expect(JSON.stringify(e.cause ?? null)).not.toContain(KEY);
  });

  it('keeps Claude’s message for a 400 and carries retry-after for a 429', () => {
    expect(mapAnthropicError(apiErr(400, 'invalid_request_error', 'max_tokens: too large'), ctx).message).toContain(
      'max_tokens: too large',
    );
    expect(mapAnthropicError(apiErr(429, 'rate_limit_error', 'slow down', { 'retry-after': '7' }), ctx).retryAfter).toBe(7);
    expect(mapAnthropicError(apiErr(401, 'authentication_error', 'x'), ctx).message).toBe('Claude rejected the API key.');
  });

  it('maps connection, timeout, abort and broken-stream errors', () => {
    expect(mapAnthropicError(new APIConnectionError({ message: 'Connection error.' }), ctx).type).toBe('upstream_unavailable');
    expect(mapAnthropicError(new APIConnectionTimeoutError(), ctx).type).toBe('timeout');
    expect(mapAnthropicError(new APIUserAbortError(), ctx).type).toBe('aborted');
    expect(mapAnthropicError(new TypeError('terminated'), { ...ctx, started: true })).toMatchObject({
      type: 'upstream_error',
      message: expect.stringMatching(/^Claude stream ended unexpectedly/),
    });
    expect(mapAnthropicError(undefined, { ...ctx, stopCause: 'first-token-timeout', firstTokenTimeoutMs: 2000 })).toMatchObject({
      type: 'timeout',
    });
    expect(mapAnthropicError(new Error('x'), { ...ctx, stopCause: 'caller' }).type).toBe('aborted');
  });
});

describe('createAnthropicEngine without a key', () => {
  it('probes unavailable with a reason, and never calls out', async () => {
    const engine = createAnthropicEngine({});
    expect(await engine.probe()).toEqual({ ok: false, models: [], reason: 'no Claude API key configured' });
    const it = engine.chat({ model: 'claude-sonnet', request: req() }, new AbortController().signal)[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toMatchObject({ type: 'upstream_auth' });
  });

  it('probes available with the cloud catalog ids when a key is set', async () => {
    const engine = createAnthropicEngine({ apiKey: 'k', baseURL: 'http://127.0.0.1:9' });
    expect(await engine.probe()).toEqual({
      ok: true,
      models: ['claude-haiku', 'claude-sonnet', 'claude-opus'],
      tools: true,
      structuredOutput: true,
    });
    await engine.close();
  });
});

describe('tools through Claude', () => {
  it('toAnthropicParams: tools with object schemas, tool_choice, tool_use blocks and tool_result turns', () => {
    const p = toAnthropicParams({
      model: 'claude-sonnet',
      request: req({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: 'Checking.',
            toolCalls: [
              { id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
              { id: 'toolu_2', name: 'get_weather', arguments: '' },
            ],
          },
          { role: 'tool', content: 'sunny', toolCallId: 'toolu_1' },
          { role: 'tool', content: 'rain', toolCallId: 'toolu_2' },
          { role: 'user', content: 'Thanks, and tomorrow?' },
        ],
        tools: [{ name: 'get_weather', description: 'Weather', parameters: { properties: { city: { type: 'string' } } } }],
        toolChoice: 'required',
      }),
    });
    expect(p.tools).toEqual([
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
    ]);
    expect(p.tool_choice).toEqual({ type: 'any' });
    expect(p.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'rain' },
          { type: 'text', text: 'Thanks, and tomorrow?' },
        ],
      },
    ]);
  });

  it('tool arguments that are not a JSON object are a 400, not a silent {}', () => {
    expect(() =>
      toAnthropicParams({
        model: 'claude-sonnet',
        request: req({
          messages: [
            { role: 'user', content: 'x' },
            { role: 'assistant', content: '', toolCalls: [{ id: 't', name: 'f', arguments: '[1' }] },
          ],
        }),
      }),
    ).toThrow(/arguments of the earlier call to tool "f" are not a JSON object/);
  });

  it('fromAnthropicEvent: a tool_use block streams its input in pieces and comes out as one tool-call; stop_reason tool_use', () => {
    let state = initialAnthropicState('claude-sonnet');
    const events: StreamEvent[] = [];
    const wire: AnthropicWireEvent[] = [
      { type: 'message_start', message: { model: 'claude-sonnet-4-6', usage: { input_tokens: 20 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_9', name: 'get_weather' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 12 } },
      { type: 'message_stop' },
    ];
    for (const w of wire) {
      const r = fromAnthropicEvent(w, state);
      state = r.state;
      events.push(...r.events);
    }
    expect(events.slice(1)).toEqual([
      { type: 'text-delta', text: 'Checking.' },
      { type: 'tool-call', call: { id: 'toolu_9', name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 12 } },
      { type: 'done', finishReason: 'tool_calls' },
    ]);
  });
});

describe('structured output through Claude: a forced answer tool', () => {
  const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
  it('toAnthropicParams: the answer tool carries the schema and is forced (any when the caller has tools too)', () => {
    const p = toAnthropicParams({ model: 'claude-sonnet', request: req({ responseFormat: { type: 'json_schema', schema } }) });
    expect(p.tools).toEqual([{ name: ANSWER_TOOL, description: expect.any(String), input_schema: schema }]);
    expect(p.tool_choice).toEqual({ type: 'tool', name: ANSWER_TOOL });
    const tools = [{ name: 'f', parameters: { type: 'object', properties: {} } }];
    const both = toAnthropicParams({ model: 'claude-sonnet', request: req({ tools, responseFormat: { type: 'json' } }) });
    expect(both.tools!.map((t) => (t as { name: string }).name)).toEqual(['f', ANSWER_TOOL]);
    expect(both.tool_choice).toEqual({ type: 'any' });
  });

  it('a non-object root is wrapped as {value} and unwrapped from the answer', () => {
    const list = { type: 'array', items: { type: 'string' }, $defs: { X: { type: 'string' } } };
    const { tool, wrapped } = answerToolFor({ type: 'json_schema', schema: list });
    expect(wrapped).toBe(true);
    expect(tool.input_schema).toEqual({
      type: 'object',
      properties: { value: { type: 'array', items: { type: 'string' } } },
      required: ['value'],
      $defs: { X: { type: 'string' } },
    });
    expect(answerText('{"value":["a","b"]}', true)).toBe('["a","b"]');
    expect(answerText('{"n":1}', false)).toBe('{"n":1}');
  });
});
