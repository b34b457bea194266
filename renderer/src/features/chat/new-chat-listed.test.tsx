// @vitest-environment jsdom
// A new chat is listed (sidebar, title) as soon as it is created, while its first answer still streams.
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useConversations } from '../../api/queries';
import { useChatStream } from './useChatStream';

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const conversation = { id: 'c1', title: 'write a long story', created_at: 1, updated_at: 1, message_count: 0 };
/** The conversations the core holds. */
let listed: (typeof conversation)[];
/** Stops the streaming answer (the test's cleanup). */
let end: () => void;

beforeEach(() => {
  listed = [];
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    if (url === '/api/v1/conversations' && method === 'POST') {
      listed = [conversation];
      return json(201, { conversation });
    }
    if (url === '/api/v1/conversations' && method === 'GET') return json(200, { history_enabled: true, conversations: listed });
    if (url === '/api/v1/chat') {
      // An answer that streams until the test ends it.
      const route = { id: 'req-1', route: 'small', model: 'slow', engine: 'llamacpp', complexity: 0.1, reasons: [], fallback_from: [] };
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(`event: route\ndata: ${JSON.stringify(route)}\n\nevent: delta\ndata: {"text":"Once"}\n\n`));
          end = () => c.close();
          init?.signal?.addEventListener('abort', () => c.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
    }
    if (url.startsWith('/api/v1/conversations/')) return json(200, { conversation, messages: [] });
    return json(404, { error: { type: 'not_found', message: 'no' } });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('a new chat', () => {
  it('is in the conversation list while its first answer streams', async () => {
    const { result } = renderHook(() => ({ list: useConversations(''), chat: useChatStream(null, true, () => {}) }));
    await waitFor(() => expect(result.current.list.data?.conversations).toEqual([]));
    act(() => {
      void result.current.chat.send('write a long story', 'auto');
    });
    await waitFor(() => expect(result.current.chat.messages.at(-1)?.content).toBe('Once'));
    expect(result.current.chat.messages.at(-1)?.state).toBe('streaming');
    await waitFor(() => expect(result.current.list.data?.conversations.map((c) => c.id)).toEqual(['c1']));
    expect(result.current.chat.messages.at(-1)?.state).toBe('streaming');
    act(() => end());
    await waitFor(() => expect(result.current.chat.streaming).toBe(false));
  });
});
