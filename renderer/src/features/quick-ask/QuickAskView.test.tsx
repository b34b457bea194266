// @vitest-environment jsdom
// Quick ask rates its answer like the chat does: thumbs under the finished answer send the verdict on its request.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import QuickAskView from './QuickAskView';

/** Requests made, in order (stands in for the core's HTTP API in jsdom). */
let calls: Array<{ method: string; url: string; body: Record<string, unknown> | undefined }>;

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const route = { id: 'req-7', route: 'small', model: 'tinyllama', engine: 'llamacpp', complexity: 0.1, reasons: [], fallback_from: [] };
const summary = {
  usage: { input_tokens: 2, output_tokens: 3 },
  cost_micros: 0,
  all_cloud_cost_micros: 60,
  savings_micros: 60,
  latency_seconds: 0.1,
  ttft_ms: 5,
};

beforeEach(() => {
  calls = [];
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined;
    calls.push({ method: init?.method ?? 'GET', url, body });
    if (url === '/api/v1/chat' && body?.messages && JSON.stringify(body.messages).includes('long story')) {
      // An answer that streams until the caller stops it (Esc).
      const head = `event: route\ndata: ${JSON.stringify(route)}\n\nevent: delta\ndata: {"text":"Once upon"}\n\n`;
      const signal = init?.signal;
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(head));
          signal?.addEventListener('abort', () => c.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
    }
    if (url === '/api/v1/chat') {
      const frames = [
        `event: route\ndata: ${JSON.stringify(route)}\n\n`,
        `event: delta\ndata: {"text":"Four."}\n\n`,
        `event: summary\ndata: ${JSON.stringify(summary)}\n\n`,
        `event: done\ndata: {"finish_reason":"stop"}\n\n`,
      ];
      return new Response(frames.join(''), { headers: { 'content-type': 'text/event-stream' } });
    }
    if (url === '/api/v1/settings') return json(200, { history_enabled: false });
    if (url === '/api/v1/feedback') return json(201, { request_id: body?.request_id, rating: body?.rating, stored: true });
    return json(404, { error: { type: 'not_found', message: 'no' } });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('QuickAskView', () => {
  it('shows thumbs under the finished answer (none while it streams); a thumb stores the verdict on its request', async () => {
    render(<QuickAskView />);
    expect(screen.queryByRole('button', { name: 'Thumbs up' })).toBeNull();
    const box = screen.getByLabelText('Ask a quick question');
    fireEvent.change(box, { target: { value: 'What is 2 + 2?' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    const up = await screen.findByRole('button', { name: 'Thumbs up' });
    expect(screen.getByTestId('badge-model').textContent).toBe('tinyllama');
    expect(up.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(up);
    await waitFor(() => expect(up.getAttribute('aria-pressed')).toBe('true'));
    expect(calls.filter((c) => c.url === '/api/v1/feedback')).toEqual([
      { method: 'POST', url: '/api/v1/feedback', body: { request_id: 'req-7', rating: 'up' } },
    ]);
  });

  it('an answer stopped with Esc says it stopped, not that it is still answering', async () => {
    render(<QuickAskView />);
    const box = screen.getByLabelText('Ask a quick question');
    fireEvent.change(box, { target: { value: 'write a long story' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId('badge-plain').textContent).toBe('Answering on this computer…'));
    await screen.findByText('Once upon');
    fireEvent.keyDown(window, { key: 'Escape' });
    await screen.findByText('Stopped.');
    expect(screen.getByTestId('badge-plain').textContent).toBe('Stopped on this computer before the end');
  });
});
