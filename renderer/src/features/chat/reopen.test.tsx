// @vitest-environment jsdom
// A reopened conversation shows each answer as it was live: the pressed thumb, "cached" / "escalated", the Claude-retry note; a retry stores its link.
import { act, cleanup, render, renderHook, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageDto, RoutingInfo } from '../../api/types';
import { MessageList } from './MessageList';
import { fromDto, useChatStream } from './useChatStream';

/** Requests made, in order (stands in for the core's HTTP API in jsdom). */
let calls: Array<{ method: string; url: string; body: Record<string, unknown> | undefined }>;
/** What GET /api/v1/conversations/:id answers. */
let stored: MessageDto[];
let chatId = 0;

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function sse(model: string, engine: string, text: string, id: string): string {
  const route = { id, route: engine === 'anthropic' ? 'cloud' : 'small', model, engine, complexity: 0.1, reasons: [], fallback_from: [] };
  const summary = {
    usage: { input_tokens: 2, output_tokens: 3 },
    cost_micros: 0,
    all_cloud_cost_micros: 60,
    savings_micros: 60,
    latency_seconds: 0.1,
    ttft_ms: 5,
  };
  return [
    `event: route\ndata: ${JSON.stringify(route)}\n\n`,
    `event: delta\ndata: ${JSON.stringify({ text })}\n\n`,
    `event: summary\ndata: ${JSON.stringify(summary)}\n\n`,
    `event: done\ndata: {"finish_reason":"stop"}\n\n`,
  ].join('');
}

const routing = (over: Partial<RoutingInfo>): RoutingInfo => ({
  route: 'small',
  model: 'tinyllama',
  engine: 'llamacpp',
  complexity: 0.1,
  reasons: ['short prompt'],
  fallback_from: [],
  ...over,
});
const summary = {
  usage: { input_tokens: 2, output_tokens: 3 },
  cost_micros: 0,
  all_cloud_cost_micros: 60,
  savings_micros: 60,
  latency_seconds: 0.1,
  ttft_ms: 5,
};
const message = (id: string, role: 'user' | 'assistant', content: string, over: Partial<MessageDto> = {}): MessageDto => ({
  id,
  role,
  content,
  created_at: 1,
  request_id: `req-${id}`,
  status: 'ok',
  error_type: null,
  routing: null,
  summary: role === 'assistant' ? summary : null,
  rating: null,
  retried_from: null,
  ...over,
});

beforeEach(() => {
  calls = [];
  chatId = 0;
  stored = [];
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined;
    calls.push({ method, url, body });
    if (url === '/api/v1/chat') {
      const id = `req-${++chatId}`;
      const cloud = String(body?.model).startsWith('claude');
      const [model, engine, text] = cloud ? ['claude-sonnet', 'anthropic', 'cloud answer'] : ['tinyllama', 'llamacpp', 'local'];
      const prompt = (body?.messages as Array<{ content: string }>).at(-1)!.content;
      stored.push(
        message(`u${chatId}`, 'user', prompt, { request_id: id }),
        message(`a${chatId}`, 'assistant', text, { request_id: id, routing: routing({ model, engine: engine as RoutingInfo['engine'] }) }),
      );
      return new Response(sse(model, engine, text, id), { headers: { 'content-type': 'text/event-stream' } });
    }
    if (url === '/api/v1/conversations' && method === 'POST') {
      return json(201, { conversation: { id: 'c1', title: 't', created_at: 1, updated_at: 1, message_count: 0 } });
    }
    if (url.startsWith('/api/v1/conversations/c1/messages/') && method === 'DELETE') {
      const i = stored.findIndex((m) => m.id === url.split('/').at(-1));
      return json(200, { deleted: stored.splice(i).length });
    }
    if (url.startsWith('/api/v1/conversations/')) return json(200, { conversation: { id: 'c1' }, messages: stored });
    if (url === '/api/v1/feedback') return json(201, { request_id: body?.request_id, rating: body?.rating, stored: true });
    return json(404, { error: { type: 'not_found', message: 'no' } });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** The chat as ChatView wires it: the hook's messages in the list. */
function Chat({ id }: { id: string }) {
  const chat = useChatStream(id, true, () => {});
  return (
    <MessageList
      messages={chat.messages}
      retry={{ cloud: true, local: true }}
      actions={{ onRetry: () => {}, onEdit: () => {}, onSwitch: () => {}, onDelete: () => {} }}
      busy={false}
    />
  );
}

describe('a reopened conversation', () => {
  it('presses the stored thumb, shows "cached" and "escalated", and the note of the Claude retry, as the live answers did', async () => {
    stored = [
      message('q1', 'user', 'first'),
      message('a1', 'assistant', 'cloud answer', {
        routing: routing({
          route: 'cloud',
          model: 'claude-sonnet',
          engine: 'anthropic',
          provider: 'anthropic',
          escalated: { from: 'tinyllama', reason: 'the model declined or said it does not know' },
        }),
        rating: 'up',
        retried_from: { request_id: 'req-old', model: 'tinyllama', rating: 'retry' },
      }),
      message('q2', 'user', 'second'),
      message('a2', 'assistant', 'cached answer', { routing: routing({ cached: true }), rating: 'down' }),
      message('q3', 'user', 'third'),
      message('a3', 'assistant', 'plain answer', { routing: routing({}) }),
    ];
    render(<Chat id="c9" />);
    await waitFor(() => expect(screen.getAllByRole('article', { name: 'Answer' })).toHaveLength(3));
    expect(calls).toEqual([{ method: 'GET', url: '/api/v1/conversations/c9', body: undefined }]);
    const [first, second, third] = screen.getAllByRole('article', { name: 'Answer' }).map((a) => within(a));

    expect(first!.getByRole('button', { name: 'Thumbs up' }).getAttribute('aria-pressed')).toBe('true');
    expect(first!.getByRole('button', { name: 'Thumbs down' }).getAttribute('aria-pressed')).toBe('false');
    expect(first!.getByTestId('badge-escalated').textContent).toBe(
      'Escalated from tinyllama: its answer looked weak (the model declined or said it does not know), so claude-sonnet answered instead.',
    );
    expect(first!.getByTestId('retry-note').textContent).toBe(
      'Asked Claude again: tinyllama’s answer was recorded as a miss for the router.',
    );
    expect(first!.queryByTestId('badge-cached')).toBeNull();

    expect(second!.getByTestId('badge-cached').textContent).toBe('cached');
    expect(second!.getByRole('button', { name: 'Thumbs down' }).getAttribute('aria-pressed')).toBe('true');
    expect(second!.queryByTestId('badge-escalated')).toBeNull();
    expect(second!.queryByTestId('retry-note')).toBeNull();

    for (const name of ['Thumbs up', 'Thumbs down'])
      expect(third!.getByRole('button', { name }).getAttribute('aria-pressed')).toBe('false');
    expect(third!.queryByTestId('badge-cached')).toBeNull();
    expect(third!.queryByTestId('badge-escalated')).toBeNull();
  });

  it('maps what the server knows onto each answer; a replaced answer without a stored verdict says so', () => {
    const base = message('a', 'assistant', 'x', { routing: routing({}) });
    expect(fromDto({ ...base, rating: 'up' })).toMatchObject({ rating: 'up', retriedFrom: undefined });
    expect(fromDto({ ...base, retried_from: { request_id: 'r0', model: 'phi2', rating: 'down' } }).retriedFrom).toEqual({
      model: 'phi2',
      recorded: false,
      error: 'the server holds no "retry" verdict on it.',
    });
    // A replaced answer the server no longer knows (no model) gets no note; an older core sends neither field.
    expect(fromDto({ ...base, retried_from: { request_id: 'r0', model: null, rating: null } }).retriedFrom).toBeUndefined();
    const { rating: _r, retried_from: _f, ...older } = base;
    expect(fromDto(older)).toMatchObject({ rating: undefined, retriedFrom: undefined });
  });

  it('an answer itself rated "retry" (still stored) presses no thumb and says it was retried', async () => {
    stored = [message('q', 'user', 'q'), message('a', 'assistant', 'local', { routing: routing({}), rating: 'retry' })];
    render(<Chat id="c9" />);
    expect((await screen.findByTestId('retried-note')).textContent).toMatch(/recorded as a miss for the router/);
    for (const name of ['Thumbs up', 'Thumbs down'])
      expect(screen.getByRole('button', { name }).getAttribute('aria-pressed')).toBe('false');
  });
});

describe('Retry with Claude in a stored conversation', () => {
  it('sends retry_of and version_of beside conversation_id (nothing is deleted), so the reopened answer keeps its note', async () => {
    let created: string | null = null;
    const hook = renderHook(({ id }) => useChatStream(id, true, (c) => (created = c.id)), {
      initialProps: { id: null as string | null },
    });
    await act(() => hook.result.current.send('What is 2 + 2?', 'auto'));
    expect(created).toBe('c1');
    // The chat view navigates to the new conversation; retry then learns the stored ids it needs.
    hook.rerender({ id: created });
    calls = [];
    await act(() => hook.result.current.retry(hook.result.current.messages[1]!.key, 'cloud', 'claude-sonnet'));
    expect(calls.filter((c) => c.method !== 'GET').map((c) => [c.method, c.url, c.body])).toEqual([
      [
        'POST',
        '/api/v1/chat',
        {
          messages: [{ role: 'user', content: 'What is 2 + 2?' }],
          model: 'claude-sonnet',
          conversation_id: 'c1',
          retry_of: 'req-1',
          version_of: 'a1',
          stream: true,
        },
      ],
      ['POST', '/api/v1/feedback', { request_id: 'req-1', rating: 'retry' }],
    ]);
    // Retrying locally replaces no local answer with Claude's: no link.
    calls = [];
    await act(() => hook.result.current.retry(hook.result.current.messages[1]!.key, 'local', 'claude-sonnet'));
    expect(calls.find((c) => c.url === '/api/v1/chat')!.body).not.toHaveProperty('retry_of');
  });
});

describe('a follow-up in a reopened conversation', () => {
  it('names the message it follows (the last on screen), so another window moving the stored leaf cannot re-parent it', async () => {
    stored = [message('q1', 'user', 'first'), message('a1', 'assistant', 'local', { routing: routing({}) })];
    const { result } = renderHook(() => useChatStream('c1', true, () => {}));
    await waitFor(() => expect(result.current.messages.map((m) => m.serverId)).toEqual(['q1', 'a1']));
    await act(async () => {
      await result.current.send('second', 'auto');
    });
    const chat = calls.filter((c) => c.url === '/api/v1/chat');
    expect(chat).toHaveLength(1);
    expect(chat[0]!.body).toMatchObject({ conversation_id: 'c1', parent_id: 'a1' });
    expect(chat[0]!.body).not.toHaveProperty('version_of');

    // A regenerate is a version of its answer: it names that, not a parent.
    const answerKey = result.current.messages.at(-1)!.key;
    await act(async () => {
      await result.current.retry(answerKey, 'auto', 'claude-sonnet');
    });
    const regen = calls.filter((c) => c.url === '/api/v1/chat').at(-1)!;
    expect(regen.body).toHaveProperty('version_of');
    expect(regen.body).not.toHaveProperty('parent_id');
  });
});
