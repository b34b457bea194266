// @vitest-environment jsdom
// The Models screen keeps its "Answers at once" card current: what answers and what waits changes while the screen is open.
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ParallelDto } from '../../api/types';
import ModelsView, { SYSTEM_REFRESH_MS } from './ModelsView';

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** What the core's engine is doing now; the test changes it between two reads of GET /api/v1/system. */
let busy = { running: 0, queued: 0 };

const parallel = (): ParallelDto => ({
  sequences: 2,
  sequences_from: '--parallel / HYBRID_AI_PARALLEL',
  queue_limit: 16,
  running: busy.running,
  queued: busy.queued,
  queue: [],
  models: [
    {
      model: 'slow',
      sequences: 2,
      requested_sequences: 2,
      busy: busy.running,
      queued: busy.queued,
      context_size: 4096,
      bytes_per_sequence: 25_000_000,
      context_bytes: 56_000_000,
      flash_attention: true,
    },
  ],
  ollama: { num_parallel: null, keep_alive: '30m' },
});

beforeEach(() => {
  busy = { running: 0, queued: 0 };
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  vi.stubGlobal('fetch', async (url: string) => {
    if (url === '/api/v1/system') {
      return json(200, {
        tier: { tier: 2, reason: 'test machine', overridden: false },
        detected_tier: { tier: 2, reason: 'test machine' },
        hardware: null,
        engines: [],
        parallel: parallel(),
      });
    }
    return json(404, { error: { type: 'not_found', message: 'no such route' } });
  });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('Models screen, answers at once', () => {
  it('shows answers that start after the screen opened, and shows them gone when they end', async () => {
    render(<ModelsView />);
    const row = await screen.findByTestId('parallel-slow');
    expect(row.textContent).toContain('0 answering, 0 waiting');

    busy = { running: 2, queued: 1 };
    await act(async () => {
      vi.advanceTimersByTime(SYSTEM_REFRESH_MS);
    });
    await waitFor(() => expect(screen.getByTestId('parallel-slow').textContent).toContain('2 answering, 1 waiting'));
    expect(screen.getByTestId('parallel-card').textContent).toContain('Now: 2 answering, 1 waiting.');

    busy = { running: 0, queued: 0 };
    await act(async () => {
      vi.advanceTimersByTime(SYSTEM_REFRESH_MS);
    });
    await waitFor(() => expect(screen.getByTestId('parallel-slow').textContent).toContain('0 answering, 0 waiting'));
  });
});
