// Runs the protocol contract for every adapter in the registry; a registered protocol without a fixture fails here.
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../../router-core/contracts/chat.js';
import { protocols } from '../../router-core/gateway/protocols/index.js';
import { runProtocolContract, type ProtocolFixture, type StreamFrame } from './protocol.contract.js';

/** SSE text → [{event, data}] (data lines joined). */
function sse(raw: string): Array<{ event: string | null; data: string }> {
  expect(raw.endsWith('\n\n')).toBe(true);
  return raw
    .split('\n\n')
    .filter((f) => f !== '')
    .map((f) => {
      const lines = f.split('\n');
      for (const l of lines) expect(l).toMatch(/^(event|data): /);
      return {
        event: lines.find((l) => l.startsWith('event: '))?.slice(7) ?? null,
        data: lines
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n'),
      };
    });
}

const native: ProtocolFixture = {
  body: (_r, stream) => ({
    model: 'auto',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
    ],
    max_tokens: 20,
    stop: ['END'],
    temperature: 0.5,
    stream,
  }),
  invalid: () => ({ body: { prompt: 42 }, field: 'prompt' }),
  textOf: (r) => (r as { response: string }).response,
  parseStream: (raw) =>
    sse(raw).map(({ event, data }): StreamFrame => {
      const d = JSON.parse(data);
      if (event === 'delta') return { kind: 'text', text: d.text };
      if (event === 'done') return { kind: 'done', finish: d.finish_reason };
      if (event === 'error') return { kind: 'error', text: d.error.message };
      return { kind: 'other' };
    }),
  errorMessageOf: (b) => {
    expect(b).toEqual({ error: { type: expect.any(String), message: expect.any(String) } });
    return (b as { error: { message: string } }).error.message;
  },
};

const openai: ProtocolFixture = {
  body: (r, stream) =>
    r.variant === 'completions'
      ? { model: 'auto', prompt: 'hi', max_tokens: 20, stop: ['END'], temperature: 0.5, stream }
      : {
          model: 'auto',
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: 'hi' },
          ],
          max_tokens: 20,
          stop: ['END'],
          temperature: 0.5,
          stream,
        },
  // The legacy completions API has a prompt and no system turn.
  systemOf: (r) => (r.variant === 'completions' ? [] : ['be brief']),
  invalid: (r) =>
    r.variant === 'completions'
      ? { body: { model: 'auto', prompt: 'hi', temperature: 5 }, field: 'temperature' }
      : { body: { model: 'auto', messages: [{ role: 'user', content: 'hi' }], temperature: 5 }, field: 'temperature' },
  textOf: (r) => {
    const c = (r as { choices: Array<{ message?: { content: string }; text?: string }> }).choices[0]!;
    return c.message?.content ?? c.text!;
  },
  toolCallsOf: (r) =>
    (
      r as { choices: Array<{ message: { tool_calls: Array<{ type: string; function: { name: string; arguments: string } }> } }> }
    ).choices[0]!.message.tool_calls.map((t) => {
      expect(t.type).toBe('function');
      return { name: t.function.name, arguments: JSON.parse(t.function.arguments) };
    }),
  parseStream: (raw) =>
    sse(raw).flatMap(({ event, data }): StreamFrame[] => {
      expect(event).toBeNull();
      if (data === '[DONE]') return [{ kind: 'other' }];
      const d = JSON.parse(data);
      if (d.error) return [{ kind: 'error', text: d.error.message }];
      const c = d.choices[0];
      if (!c) return [{ kind: 'other' }];
      const out: StreamFrame[] = [];
      const text = c.delta?.content ?? c.text;
      if (text) out.push({ kind: 'text', text });
      for (const t of c.delta?.tool_calls ?? []) out.push({ kind: 'tool', tool: t.function.name });
      if (c.finish_reason) out.push({ kind: 'done', finish: c.finish_reason });
      return out.length ? out : [{ kind: 'other' }];
    }),
  errorMessageOf: (b) => {
    expect(b).toEqual({ error: { message: expect.any(String), type: expect.any(String), param: null, code: expect.any(String) } });
    return (b as { error: { message: string } }).error.message;
  },
};

const ollama: ProtocolFixture = {
  body: (route, stream) =>
    route.variant === 'generate'
      ? { model: 'auto', system: 'be brief', prompt: 'hi', options: { num_predict: 20, stop: ['END'], temperature: 0.5 }, stream }
      : {
          model: 'auto',
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: 'hi' },
          ],
          options: { num_predict: 20, stop: ['END'], temperature: 0.5 },
          stream,
        },
  invalid: (route) =>
    route.variant === 'generate'
      ? { body: { model: 'auto', prompt: '' }, field: 'prompt' }
      : { body: { model: 'auto', messages: [{ role: 'user', content: 'hi' }], options: { temperature: 9 } }, field: 'options.temperature' },
  textOf: (r) => {
    const o = r as { message?: { content: string }; response?: string; done: boolean };
    expect(o.done).toBe(true);
    return o.message?.content ?? o.response ?? '';
  },
  toolCallsOf: (r) =>
    (r as { message: { tool_calls: Array<{ function: { name: string; arguments: unknown } }> } }).message.tool_calls.map((t) => ({
      name: t.function.name,
      arguments: t.function.arguments,
    })),
  parseStream: (raw) => {
    expect(raw.endsWith('\n')).toBe(true);
    return raw
      .split('\n')
      .filter((l) => l !== '')
      .flatMap((l): StreamFrame[] => {
        const d = JSON.parse(l);
        if (d.error !== undefined) return [{ kind: 'error', text: d.error }];
        expect(d.model).toBe('auto');
        const out: StreamFrame[] = [];
        const text = d.message?.content ?? d.response;
        if (text) out.push({ kind: 'text', text });
        for (const t of d.message?.tool_calls ?? []) out.push({ kind: 'tool', tool: t.function.name });
        if (d.done) out.push({ kind: 'done', finish: d.done_reason });
        return out.length ? out : [{ kind: 'other' }];
      });
  },
  errorMessageOf: (b) => {
    expect(Object.keys(b as object)).toEqual(['error']);
    return (b as { error: string }).error;
  },
};

const anthropic: ProtocolFixture = {
  body: (_r, stream) => ({
    model: 'auto',
    max_tokens: 20,
    system: 'be brief',
    messages: [{ role: 'user', content: 'hi' }],
    stop_sequences: ['END'],
    temperature: 0.5,
    stream,
  }),
  invalid: () => ({ body: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] }, field: 'max_tokens' }),
  textOf: (r) =>
    (r as { content: Array<{ type: string; text?: string }> }).content
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join(''),
  toolCallsOf: (r) =>
    (r as { content: Array<{ type: string; name?: string; input?: unknown }> }).content
      .filter((b) => b.type === 'tool_use')
      .map((b) => ({ name: b.name!, arguments: b.input })),
  parseStream: (raw) =>
    sse(raw).map(({ event, data }): StreamFrame => {
      const d = JSON.parse(data);
      expect(d.type).toBe(event);
      if (event === 'content_block_delta' && d.delta.type === 'text_delta') return { kind: 'text', text: d.delta.text };
      if (event === 'content_block_start' && d.content_block.type === 'tool_use') return { kind: 'tool', tool: d.content_block.name };
      if (event === 'message_delta') return { kind: 'done', finish: d.delta.stop_reason };
      if (event === 'error') return { kind: 'error', text: d.error.message };
      return { kind: 'other' };
    }),
  errorMessageOf: (b) => {
    expect(b).toEqual({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
    return (b as { error: { message: string } }).error.message;
  },
};

const responses: ProtocolFixture = {
  body: (_r, stream) => ({
    model: 'auto',
    instructions: 'be brief',
    input: [{ role: 'user', content: 'hi' }],
    max_output_tokens: 20,
    temperature: 0.5,
    stream,
  }),
  // The Responses API has no stop sequences.
  paramsOf: () => ({ maxTokens: 20, temperature: 0.5 }),
  invalid: () => ({ body: { model: 'auto', input: 'hi', temperature: 5 }, field: 'temperature' }),
  textOf: (r) => {
    const o = r as { object: string; output: Array<{ type: string; content?: Array<{ type: string; text: string }> }> };
    expect(o.object).toBe('response');
    return o.output
      .filter((i) => i.type === 'message')
      .flatMap((i) => i.content!.map((p) => p.text))
      .join('');
  },
  toolCallsOf: (r) =>
    (r as { output: Array<{ type: string; name?: string; arguments?: string }> }).output
      .filter((i) => i.type === 'function_call')
      .map((i) => ({ name: i.name!, arguments: JSON.parse(i.arguments!) })),
  parseStream: (raw) => {
    let seq = 0;
    return sse(raw).map(({ event, data }): StreamFrame => {
      const d = JSON.parse(data);
      expect(d.type).toBe(event);
      expect(d.sequence_number).toBe(seq++);
      if (event === 'response.output_text.delta') return { kind: 'text', text: d.delta };
      if (event === 'response.output_item.added' && d.item.type === 'function_call') return { kind: 'tool', tool: d.item.name };
      if (event === 'response.completed') return { kind: 'done', finish: d.response.status };
      if (event === 'response.incomplete') return { kind: 'done', finish: d.response.incomplete_details.reason };
      if (event === 'error') return { kind: 'error', text: d.message };
      return { kind: 'other' };
    });
  },
  errorMessageOf: openai.errorMessageOf,
};

const fixtures: Record<Protocol, ProtocolFixture | undefined> = {
  native,
  openai,
  'openai-responses': responses,
  ollama,
  anthropic,
  cli: undefined,
};

describe('protocol registry', () => {
  it('every registered protocol has a contract fixture', () => {
    expect(protocols.filter((p) => !fixtures[p.name]).map((p) => p.name)).toEqual([]);
    expect(protocols.map((p) => p.name)).toEqual(['native', 'openai', 'openai-responses', 'ollama', 'anthropic']);
  });
});

for (const adapter of protocols) {
  const fixture = fixtures[adapter.name];
  if (fixture) runProtocolContract(adapter, fixture);
}
