import { describe, expect, it } from 'vitest';
import { isCoreError } from '../../errors.js';
import type { ChatRoute } from '../protocol.js';
import { protocols } from './index.js';

/** Bodies each protocol refuses, with the field the refusal must name and words saying what is valid there. */
const cases: Array<{ protocol: string; variant?: string; body: unknown; field: string; valid: RegExp }> = [
  { protocol: 'openai', variant: 'completions', body: { model: 'auto', prompt: 5 }, field: 'prompt', valid: /a string or an array/ },
  { protocol: 'openai', variant: 'completions', body: { model: 'auto' }, field: 'prompt', valid: /required: a string or an array/ },
  { protocol: 'openai', variant: 'completions', body: { model: 'auto', prompt: ['a', 'b'] }, field: 'prompt', valid: /exactly one/ },
  {
    protocol: 'openai',
    variant: 'completions',
    body: { model: 'auto', prompt: 'x', stop: 5 },
    field: 'stop',
    valid: /a string or an array/,
  },
  {
    protocol: 'openai',
    body: { model: 'auto', messages: [{ role: 'user', content: 5 }] },
    field: 'messages[0].content',
    valid: /a string/,
  },
  {
    protocol: 'openai',
    body: { model: 'auto', messages: [{ role: 'user', content: 'x' }], tool_choice: 'x' },
    field: 'tool_choice',
    valid: /"auto"/,
  },
  { protocol: 'openai-responses', body: { model: 'auto', input: 5 }, field: 'input', valid: /a string or an array/ },
  { protocol: 'openai-responses', body: { model: 'auto' }, field: 'input', valid: /required/ },
  {
    protocol: 'openai-responses',
    body: { model: 'auto', input: [{ role: 'user', content: 5 }] },
    field: 'input[0].content',
    valid: /a string/,
  },
  {
    protocol: 'openai-responses',
    body: { model: 'auto', input: [{ type: 'function_call_output', call_id: 'c', output: 5 }] },
    field: 'input[0].output',
    valid: /a string/,
  },
  { protocol: 'openai-responses', body: { model: 'auto', input: 'x', tool_choice: 'x' }, field: 'tool_choice', valid: /"auto"/ },
  {
    protocol: 'anthropic',
    body: { model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'image' }] }] },
    field: 'messages[0].content[0].type',
    valid: /\(valid: text, tool_use, tool_result, thinking, redacted_thinking\)/,
  },
  {
    protocol: 'anthropic',
    body: { model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], system: 5 },
    field: 'system',
    valid: /a string/,
  },
  { protocol: 'native', body: { prompt: 'x', stop: 5 }, field: 'stop', valid: /a string or an array/ },
  {
    protocol: 'ollama',
    variant: 'generate',
    body: { model: 'auto', prompt: 'x', options: { stop: 5 } },
    field: 'options.stop',
    valid: /a string/,
  },
];

describe('every refusal of a body names the field and what is valid there (never just "Invalid input")', () => {
  it.each(cases)('$protocol $variant: $field', ({ protocol, variant, body, field, valid }) => {
    const p = protocols.find((x) => x.name === protocol)!;
    const route: ChatRoute = p.chatRoutes.find((r) => r.variant === variant) ?? p.chatRoutes[0]!;
    let thrown: unknown;
    try {
      p.decode(body, route);
    } catch (e) {
      thrown = e;
    }
    expect(isCoreError(thrown) && thrown.type).toBe('invalid_request');
    const message = (thrown as Error).message;
    expect(message).toContain(`Invalid "${field}":`);
    expect(message).not.toMatch(/Invalid input\.?$/);
    expect(message).toMatch(valid);
  });
});
