// Pure chat helpers: titles from prompts, matching stored ids after a stream, the model picker's options.
import { describe, expect, it } from 'vitest';
import type { MessageDto, ModelsDto } from '../../api/types';
import { modelOptions } from './Composer';
import { mergeServerIds, titleFromPrompt, type UiMessage } from './useChatStream';

describe('titleFromPrompt', () => {
  it('uses the first line, collapses spaces, cuts long ones at a word', () => {
    expect(titleFromPrompt('  What is   TCP?\nmore')).toBe('What is TCP?');
    const long = titleFromPrompt('Explain in detail how the TCP congestion control algorithm slow start interacts with fast retransmit');
    expect(long.length).toBeLessThanOrEqual(61);
    expect(long.endsWith('…')).toBe(true);
    expect(long).toMatch(/^Explain in detail how the TCP congestion control algorithm\s?\S*…$/);
    expect(titleFromPrompt('   ')).toBe('New chat');
  });
});

const dto = (id: string, role: 'user' | 'assistant', content: string, request_id: string | null): MessageDto => ({
  id,
  role,
  content,
  created_at: 0,
  request_id,
  status: 'ok',
  error_type: null,
  routing: null,
  summary: null,
});
const ui = (key: string, role: 'user' | 'assistant', content: string, requestId?: string): UiMessage => ({
  key,
  role,
  content,
  state: 'done',
  requestId,
});

describe('mergeServerIds', () => {
  it('matches by request id even when a stopped answer differs in its last words', () => {
    const local = [
      ui('a', 'user', 'q1', 'r1'),
      ui('b', 'assistant', 'partial ans', 'r1'),
      ui('c', 'user', 'q2', 'r2'),
      ui('d', 'assistant', 'full', 'r2'),
    ];
    const server = [
      dto('1', 'user', 'q1', 'r1'),
      dto('2', 'assistant', 'partial answer', 'r1'),
      dto('3', 'user', 'q2', 'r2'),
      dto('4', 'assistant', 'full', 'r2'),
    ];
    expect(mergeServerIds(local, server).map((m) => m.serverId)).toEqual(['1', '2', '3', '4']);
  });
  it('falls back to role and text; leaves what the server did not keep alone', () => {
    const local = [ui('a', 'user', 'q1'), { ...ui('b', 'assistant', ''), state: 'error' as const }, ui('c', 'user', 'q1')];
    const server = [dto('1', 'user', 'q1', null), dto('3', 'user', 'q1', null)];
    expect(mergeServerIds(local, server).map((m) => m.serverId)).toEqual(['1', undefined, '3']);
  });
});

describe('modelOptions', () => {
  const models: ModelsDto = {
    tier: 2,
    tier_reason: 'x',
    ladder: {},
    engines: {},
    models: [
      { id: 'tinyllama', label: 'TinyLlama', kind: 'local', routes: ['small'], available_on: ['llamacpp'] },
      { id: 'phi2', label: 'Phi-2', kind: 'local', routes: ['medium'], available_on: [] },
      { id: 'claude-sonnet', label: 'Claude Sonnet', kind: 'cloud', routes: ['cloud'], available_on: [] },
    ],
  };
  it('offers Auto, local-only Auto, each local model (missing ones disabled) and Claude (disabled with the reason)', () => {
    const o = modelOptions(models, 'no Claude key');
    expect(o.map((x) => [x.value, x.disabled])).toEqual([
      ['auto', false],
      ['local', false],
      ['tinyllama', false],
      ['phi2', true],
      ['claude-sonnet', true],
    ]);
    expect(o.find((x) => x.value === 'phi2')!.label).toBe('Phi-2 (not installed)');
    expect(o.find((x) => x.value === 'claude-sonnet')!.label).toBe('Claude Sonnet (no Claude key)');
    expect(modelOptions(models, null).find((x) => x.value === 'claude-sonnet')!.disabled).toBe(false);
  });
});
