// Golden frames for the Anthropic adapter: decode (blocks, tools), the SSE event sequence, error shapes, count_tokens.
import { describe, expect, it } from 'vitest';
import { CoreError } from '../../errors.js';
import type { PipelineEvent, PipelineRun, Summary } from '../../pipeline.js';
import type { ProtocolServices } from '../protocol.js';
import { anthropicProtocol, estimateInputTokens } from './anthropic.js';

const route = anthropicProtocol.chatRoutes[0]!;
const run: PipelineRun = {
  requestId: '3f2a-9b1c',
  decision: { route: 'small', model: 'tinyllama', engine: 'llamacpp', complexity: 0.1, reasons: [], fallbacks: [] },
  fallbackFrom: [],
  events: (async function* () {})(),
};
const summary: Summary = {
  requestId: '3f2a-9b1c',
  usage: { inputTokens: 9, outputTokens: 2 },
  costMicros: 0,
  allCloudMicros: 57,
  savingsMicros: 57,
  latencyMs: 40,
  ttftMs: 10,
};
const base = { model: 'auto', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] };

function refuse(body: unknown): string {
  try {
    anthropicProtocol.decode(body, route);
  } catch (e) {
    expect(e).toBeInstanceOf(CoreError);
    return (e as CoreError).message;
  }
  throw new Error('expected a refusal');
}

function stream(events: PipelineEvent[], body: Record<string, unknown> = { ...base, stream: true }): string {
  const enc = anthropicProtocol.createStreamEncoder(run, anthropicProtocol.decode(body, route));
  return enc.begin() + events.map((e) => enc.encode(e)).join('') + enc.end();
}
const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

describe('decode', () => {
  it('system blocks, content blocks, tool_use and tool_result become neutral messages; thinking blocks are dropped', () => {
    const d = anthropicProtocol.decode(
      {
        model: 'claude-sonnet',
        max_tokens: 100,
        system: [{ type: 'text', text: 'be brief' }],
        stop_sequences: ['END'],
        temperature: 0.4,
        tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } }],
        tool_choice: { type: 'tool', name: 'get_weather' },
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hmm', signature: 'x' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] },
              { type: 'text', text: 'and tomorrow?' },
            ],
          },
        ],
      },
      route,
    );
    expect(d).toEqual({
      stream: false,
      request: {
        model: 'claude-sonnet',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: 'Checking.', toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
          { role: 'tool', content: 'sunny', toolCallId: 'toolu_1', name: 'get_weather' },
          { role: 'user', content: 'and tomorrow?' },
        ],
        params: { maxTokens: 100, temperature: 0.4, topP: undefined, stop: ['END'] },
        tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' } }],
        toolChoice: { name: 'get_weather' },
      },
    });
  });

  it('tool_choice any → required; an error tool_result is marked', () => {
    const d = anthropicProtocol.decode(
      {
        ...base,
        tools: [{ name: 'f', input_schema: { type: 'object' } }],
        tool_choice: { type: 'any' },
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'boom', is_error: true }] },
        ],
      },
      route,
    );
    expect(d.request.toolChoice).toBe('required');
    expect(d.request.messages.at(-1)).toEqual({ role: 'tool', content: 'Error: boom', toolCallId: 't1', name: 'f' });
  });

  it('refuses bad bodies naming the field', () => {
    expect(refuse({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })).toMatch(/Invalid "max_tokens"/);
    expect(refuse({ ...base, temperature: 1.5 })).toMatch(/Invalid "temperature"/);
    expect(refuse({ ...base, messages: [{ role: 'system', content: 'x' }] })).toMatch(/Invalid "messages\[0\]\.role"/);
    expect(refuse({ ...base, messages: [{ role: 'user', content: [{ type: 'image', source: {} }] }] })).toMatch(/messages\[0\]\.content/);
    expect(refuse({ ...base, tools: [{ name: 'f', input_schema: {} }], tool_choice: { type: 'tool', name: 'g' } })).toMatch(
      /no tool named "g"/,
    );
    expect(refuse({ ...base, max_tokens: 2_000_000 })).toMatch(/Invalid "max_tokens"/);
  });

  it('output_config.format (and the beta output_format) asks for a JSON schema; one that cannot be enforced is a 400', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const d = anthropicProtocol.decode({ ...base, output_config: { format: { type: 'json_schema', schema } } }, route);
    expect(d.request.responseFormat).toMatchObject({ type: 'json_schema', schema: { type: 'object', required: ['a'] } });
    const beta = anthropicProtocol.decode({ ...base, output_format: { type: 'json_schema', schema } }, route);
    expect(beta.request.responseFormat).toMatchObject({ type: 'json_schema' });
    expect(anthropicProtocol.decode(base, route).request.responseFormat).toBeUndefined();
    expect(
      refuse({ ...base, output_config: { format: { type: 'json_schema', schema: { type: 'object', patternProperties: { x: {} } } } } }),
    ).toMatch(/Invalid "output_config\.format\.schema"/);
  });

  it("max_tokens up to a model's own ceiling (the AI SDK sends 64,000-128,000) is clamped to 32,768, not refused", () => {
    expect(anthropicProtocol.decode({ ...base, max_tokens: 128_000 }, route).request.params.maxTokens).toBe(32_768);
    expect(anthropicProtocol.decode({ ...base, max_tokens: 100 }, route).request.params.maxTokens).toBe(100);
  });
});

describe('JSON answer (golden)', () => {
  it('text and tool_use blocks, stop_reason, usage', () => {
    const d = anthropicProtocol.decode(base, route);
    expect(
      anthropicProtocol.encodeResponse(
        run,
        { text: 'Checking.', toolCalls: [{ id: 'toolu_1', name: 'f', arguments: '{"a":1}' }], finishReason: 'tool_calls', summary },
        d,
      ),
    ).toEqual({
      id: 'msg_3f2a9b1c',
      type: 'message',
      role: 'assistant',
      model: 'tinyllama',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 9, output_tokens: 2 },
    });
  });
});

describe('SSE (golden)', () => {
  const estimate = estimateInputTokens({ messages: [{ role: 'user', content: 'hi' }] });
  const start = frame('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_3f2a9b1c',
      type: 'message',
      role: 'assistant',
      model: 'tinyllama',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: estimate, output_tokens: 0 },
    },
  });

  it('text answer: message_start, content_block_start, ping, deltas, content_block_stop, message_delta, message_stop', () => {
    expect(
      stream([
        { type: 'text-delta', text: 'Hello' },
        { type: 'text-delta', text: ' world' },
        { type: 'usage', usage: summary.usage },
        { type: 'summary', summary },
        { type: 'done', finishReason: 'stop' },
      ]),
    ).toBe(
      start +
        frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
        frame('ping', { type: 'ping' }) +
        frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } }) +
        frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' world' } }) +
        frame('content_block_stop', { type: 'content_block_stop', index: 0 }) +
        frame('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { input_tokens: 9, output_tokens: 2 },
        }) +
        frame('message_stop', { type: 'message_stop' }),
    );
  });

  it('text then a tool call: the text block closes, the tool block streams its input whole', () => {
    const out = stream([
      { type: 'text-delta', text: 'Checking.' },
      { type: 'tool-call', call: { id: 'toolu_1', name: 'f', arguments: '{"a":1}' } },
      { type: 'summary', summary },
      { type: 'done', finishReason: 'tool_calls' },
    ]);
    expect(out).toContain(
      frame('content_block_stop', { type: 'content_block_stop', index: 0 }) +
        frame('content_block_start', {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
        }) +
        frame('content_block_delta', {
          type: 'content_block_delta',
          index: 1,
          delta: { type: 'input_json_delta', partial_json: '{"a":1}' },
        }) +
        frame('content_block_stop', { type: 'content_block_stop', index: 1 }) +
        frame('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'tool_use', stop_sequence: null },
          usage: { input_tokens: 9, output_tokens: 2 },
        }),
    );
    expect(out.match(/event: ping/g)).toHaveLength(1);
  });

  it('an empty answer still has one (empty) text block; an error is an `error` event in Anthropic shape', () => {
    expect(
      stream([
        { type: 'summary', summary },
        { type: 'done', finishReason: 'stop' },
      ]),
    ).toContain(
      frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
        frame('ping', { type: 'ping' }) +
        frame('content_block_stop', { type: 'content_block_stop', index: 0 }),
    );
    expect(stream([{ type: 'error', error: { type: 'upstream_overloaded', message: 'Busy.' } }])).toBe(
      start + frame('error', { type: 'error', error: { type: 'overloaded_error', message: 'Busy.' } }),
    );
  });
});

describe('errors and count_tokens', () => {
  it("error types map onto Anthropic's", () => {
    const t = (type: ConstructorParameters<typeof CoreError>[0]) =>
      (anthropicProtocol.encodeError(new CoreError(type, 'm')) as { error: { type: string } }).error.type;
    expect(t('invalid_request')).toBe('invalid_request_error');
    expect(t('authentication')).toBe('authentication_error');
    expect(t('forbidden')).toBe('permission_error');
    expect(t('not_found')).toBe('not_found_error');
    expect(t('payload_too_large')).toBe('request_too_large');
    expect(t('rate_limited')).toBe('rate_limit_error');
    expect(t('upstream_overloaded')).toBe('overloaded_error');
    expect(t('timeout')).toBe('timeout_error');
    expect(t('internal')).toBe('api_error');
  });

  it('count_tokens: an estimate that grows with the input; unknown models are not_found', async () => {
    const services = {
      models: async () => [{ id: 'auto', kind: 'auto', label: '', engines: [], supportsTools: false, canEmbed: false }],
    } as unknown as ProtocolServices;
    const count = anthropicProtocol.extraRoutes!.find((r) => r.url === '/v1/messages/count_tokens')!;
    const n = async (body: unknown) =>
      (await count.handle({ body, signal: new AbortController().signal }, services)) as { input_tokens: number };
    const short = await n({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    const long = await n({ model: 'claude-sonnet', system: 'be brief', messages: [{ role: 'user', content: 'hi '.repeat(100) }] });
    expect(short.input_tokens).toBe(estimateInputTokens({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens + 60);
    expect(await n({ model: 'claude-3-7-sonnet-latest', messages: [{ role: 'user', content: 'hi' }] })).toBeTruthy();
    await expect(n({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ type: 'not_found' });
  });
});
