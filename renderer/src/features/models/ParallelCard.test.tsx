// @vitest-environment jsdom
// ParallelCard: the Models screen says how many answers run at once and what the extra sequences cost in memory.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParallelDto } from '../../api/types';
import { ParallelCard } from './ParallelCard';

afterEach(cleanup);

const base: ParallelDto = {
  sequences: 4,
  sequences_from: 'tier 3',
  queue_limit: 16,
  running: 2,
  queued: 1,
  queue: [{ id: 7, request_id: 'req-7', client_request_id: null, model: 'tinyllama', position: 1 }],
  models: [
    {
      model: 'tinyllama',
      sequences: 3,
      requested_sequences: 4,
      busy: 2,
      queued: 1,
      context_size: 4096,
      bytes_per_sequence: 92_000_000,
      context_bytes: 300_000_000,
      flash_attention: true,
      limited_by: 'free memory',
    },
  ],
  ollama: { num_parallel: 4, keep_alive: '30m' },
};

describe('ParallelCard', () => {
  it('shows sequences, their memory, what runs and waits, and Ollama’s settings', () => {
    render(<ParallelCard p={base} />);
    const card = screen.getByTestId('parallel-card');
    expect(card.textContent).toContain('up to 4 requests at once (tier 3)');
    expect(card.textContent).toContain('up to 16 more requests wait per model');
    expect(card.textContent).toContain('Now: 2 answering, 1 waiting.');
    const row = screen.getByTestId('parallel-tinyllama').textContent!;
    expect(row).toContain('3 sequences × 4,096 tokens');
    expect(row).toContain('92 MB each, 300 MB for the context');
    expect(row).toContain('flash attention');
    expect(row).toContain('fewer than the 4 asked: free memory');
    expect(card.textContent).toContain('keeps models loaded 30m');
    expect(card.textContent).toContain('started with 4 requests per model at once');
  });

  it('says nothing about Ollama’s parallelism when the core did not start it', () => {
    render(<ParallelCard p={{ ...base, models: [], running: 0, queued: 0, ollama: { num_parallel: null, keep_alive: '30m' } }} />);
    const text = screen.getByTestId('parallel-card').textContent!;
    expect(text).not.toContain('started with');
    expect(text).not.toContain('Now:');
  });

  it('says when a model runs plain attention', () => {
    render(<ParallelCard p={{ ...base, models: [{ ...base.models[0]!, flash_attention: false }] }} />);
    expect(screen.getByTestId('parallel-tinyllama').textContent).toContain('plain attention');
  });
});
