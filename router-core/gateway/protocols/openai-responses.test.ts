// The Responses API adapter, pure: input items → our messages, text.format → ResponseFormat, response objects.
import { describe, expect, it } from 'vitest';
import { isCoreError } from '../../errors.js';
import type { PipelineRun } from '../../pipeline.js';
import { itemsToMessages, responsesProtocol } from './openai-responses.js';

const route = responsesProtocol.chatRoutes[0]!;
const run = {
  requestId: 'r1',
  decision: { route: 'small', model: 'tinyllama', engine: 'llamacpp', complexity: 0.1, reasons: [], fallbacks: [] },
  fallbackFrom: [],
  events: (async function* () {})(),
} as PipelineRun;
const summary = {
  requestId: 'r1',
  usage: { inputTokens: 3, outputTokens: 4 },
  costMicros: 0,
  allCloudMicros: 1,
  savingsMicros: 1,
  latencyMs: 1,
  ttftMs: 1,
};
const refusal = (body: unknown): string => {
  try {
    responsesProtocol.decode(body, route);
  } catch (e) {
    if (isCoreError(e)) return e.message;
    throw e;
  }
  return 'accepted';
};

describe('itemsToMessages', () => {
  it('joins consecutive function calls into one assistant turn and names each result by its call', () => {
    expect(
      itemsToMessages([
        { role: 'user', content: 'weather in Paris and Rome?' },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'c2', name: 'get_weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
        { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'rain' }] },
      ]),
    ).toEqual([
      { role: 'user', content: 'weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { id: 'c2', name: 'get_weather', arguments: '{"city":"Rome"}' },
        ],
      },
      { role: 'tool', content: 'sunny', toolCallId: 'c1', name: 'get_weather' },
      { role: 'tool', content: 'rain', toolCallId: 'c2', name: 'get_weather' },
    ]);
  });

  it('refuses what it cannot read, naming the item', () => {
    expect(refusal({ model: 'auto', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'x' }] }] })).toMatch(
      /Invalid "input\[0\]\.content\.0\.type": content of type "input_image" is not supported/,
    );
    expect(refusal({ model: 'auto', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] })).toMatch(
      /Invalid "input\[0\]\.call_id"/,
    );
    expect(refusal({ model: 'auto', input: 'hi', background: true })).toMatch(/Invalid "background"/);
    expect(
      refusal({ model: 'auto', input: 'hi', tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'function', name: 'g' } }),
    ).toMatch(/no function named "g" in "tools" \(f\)/);
  });
});

describe('decode and encode', () => {
  it("text.format json_schema becomes the request's (normalised) responseFormat; json_object plain JSON", () => {
    const d = responsesProtocol.decode(
      {
        model: 'auto',
        input: 'hi',
        text: { format: { type: 'json_schema', name: 'n', schema: { type: 'object', title: 'x', properties: {} } } },
      },
      route,
    );
    expect(d.request.responseFormat).toEqual({ type: 'json_schema', name: 'n', schema: { type: 'object', properties: {} } });
    expect(
      responsesProtocol.decode({ model: 'auto', input: 'hi', text: { format: { type: 'json_object' } } }, route).request.responseFormat,
    ).toEqual({ type: 'json' });
    expect(
      responsesProtocol.decode({ model: 'auto', input: 'hi', text: { format: { type: 'text' } } }, route).request.responseFormat,
    ).toBeUndefined();
  });

  it('a length cut is an incomplete response; tool calls are function_call items after the text', () => {
    const d = responsesProtocol.decode({ model: 'auto', input: 'hi', max_output_tokens: 4 }, route);
    const cut = responsesProtocol.encodeResponse(run, { text: 'Hel', toolCalls: [], finishReason: 'length', summary }, d) as Record<
      string,
      unknown
    >;
    expect(cut).toMatchObject({
      id: 'resp_r1',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output_text: 'Hel',
      max_output_tokens: 4,
    });
    expect(cut.usage).toEqual({
      input_tokens: 3,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 4,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 7,
    });
    const calls = responsesProtocol.encodeResponse(
      run,
      { text: 'Let me look.', toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }], finishReason: 'tool_calls', summary },
      d,
    ) as { status: string; output: Array<Record<string, unknown>> };
    expect(calls.status).toBe('completed');
    expect(calls.output.map((o) => o.type)).toEqual(['message', 'function_call']);
    expect(calls.output[1]).toEqual({
      id: 'fc_r1_0',
      type: 'function_call',
      status: 'completed',
      call_id: 'c1',
      name: 'f',
      arguments: '{}',
    });
  });
});
