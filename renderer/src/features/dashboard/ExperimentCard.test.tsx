// @vitest-environment jsdom
// The routing experiment's comparison: each arm's counts, rates and intervals as the stats API returns them; adopt and stop.
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ArmStatsDto, ExperimentStatsDto } from '../../api/types';
import { describeVariant, ExperimentComparison } from './ExperimentCard';

afterEach(cleanup);

const p = (count: number, total: number, low: number, high: number) => ({ count, total, rate: total ? count / total : 0, low, high });
const arm = (over: Partial<ArmStatsDto> & Pick<ArmStatsDto, 'arm'>): ArmStatsDto => ({
  policy: over.arm === 'A' ? 'main' : 'variant',
  requests: 8,
  cloud_share: p(2, 8, 0.0715, 0.5907),
  cost_micros: 9_600,
  mean_cost_micros: { mean: 1_200, low: 0, high: 3_000 },
  thumbs_down: p(0, 8, 0, 0.3244),
  retry_with_claude: p(1, 8, 0.0224, 0.4709),
  ...over,
});
const stats = (status: 'running' | 'stopped' = 'running'): ExperimentStatsDto => ({
  experiment: {
    id: 'e1',
    name: 'cheaper',
    status,
    share: 0.5,
    variant: { thresholds: { medium: 0.4, cloud: 0.9 }, estimator: 'rules' },
    started_at: 1,
    stopped_at: status === 'running' ? null : 2,
    adopted: status === 'running' ? null : 'B',
  },
  confidence: 0.95,
  winner: { arm: null, reason: 'no clear winner yet: the 95% intervals overlap' },
  arms: [arm({ arm: 'A' }), arm({ arm: 'B', requests: 1, mean_cost_micros: { mean: 500, low: null, high: null }, cost_micros: 500 })],
});

describe('ExperimentComparison', () => {
  it('shows each arm’s counts, rates and 95% intervals, and the variant in words', () => {
    render(<ExperimentComparison stats={stats()} busy={false} onAdopt={() => undefined} onStop={() => undefined} />);
    expect(screen.getByTestId('experiment-summary').textContent).toContain(
      'The variant (thresholds medium 0.4, cloud 0.9 · estimator rules) decides 50% of conversations',
    );
    expect(screen.getByTestId('exp-A-requests').textContent).toBe('8');
    expect(screen.getByTestId('exp-B-requests').textContent).toBe('1');
    expect(screen.getByTestId('exp-A-cloud').textContent).toBe('25%');
    expect(screen.getByTestId('exp-A-cloud-detail').textContent).toBe('2 of 8 · 95% CI 7.1%–59%');
    expect(screen.getByTestId('exp-A-cost').textContent).toBe('$0.0012');
    expect(screen.getByTestId('exp-A-cost-detail').textContent).toBe('95% CI $0–$0.0030 · total $0.0096');
    expect(screen.getByTestId('exp-B-cost-detail').textContent).toBe('too few requests for an interval · total $0.0005');
    expect(screen.getByTestId('exp-A-down-detail').textContent).toBe('0 of 8 · 95% CI 0%–32%');
    expect(screen.getByTestId('exp-A-retry').textContent).toBe('13%');
    expect(screen.getByTestId('experiment-winner').textContent).toBe('No clear winner yet (the 95% intervals overlap).');
  });

  it('names the suggested arm and makes its adopt button the primary one', () => {
    const s = { ...stats(), winner: { arm: 'A' as const, reason: 'A costs clearly less per request and is not rated worse' } };
    render(<ExperimentComparison stats={s} busy={false} onAdopt={() => undefined} onStop={() => undefined} />);
    expect(screen.getByTestId('experiment-winner').textContent).toBe(
      'Suggested: adopt A (A costs clearly less per request and is not rated worse).',
    );
    expect(screen.getByRole('button', { name: 'Adopt A: keep the main policy' }).className).toContain('btn-primary');
    expect(screen.getByRole('button', { name: 'Adopt B: make the variant the main policy' }).className).toContain('btn-secondary');
  });

  it('one click adopts an arm; stop is its own button; a stopped experiment has no actions', () => {
    const onAdopt = vi.fn();
    const onStop = vi.fn();
    render(<ExperimentComparison stats={stats()} busy={false} onAdopt={onAdopt} onStop={onStop} />);
    fireEvent.click(screen.getByRole('button', { name: 'Adopt B: make the variant the main policy' }));
    expect(onAdopt).toHaveBeenCalledWith('B');
    fireEvent.click(screen.getByRole('button', { name: 'Adopt A: keep the main policy' }));
    expect(onAdopt).toHaveBeenLastCalledWith('A');
    fireEvent.click(screen.getByRole('button', { name: 'Stop the experiment' }));
    expect(onStop).toHaveBeenCalledTimes(1);
    cleanup();
    render(<ExperimentComparison stats={stats('stopped')} busy={false} onAdopt={onAdopt} onStop={onStop} />);
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.getByTestId('experiment-summary').textContent).toContain('Adopted: the variant is now the main policy.');
  });

  it('describes any variant field, including ones added later', () => {
    expect(describeVariant({ cloud_share: 0.3 })).toBe('cloud_share 0.3');
  });
});
