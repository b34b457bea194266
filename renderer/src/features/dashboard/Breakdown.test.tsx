// @vitest-environment jsdom
// The dashboard's breakdown cards: spend by model, by route and by cloud provider, a row each as the stats API returns them.
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatsDto, StatsSlice } from '../../api/types';
import { Breakdown } from './DashboardView';

afterEach(cleanup);

const slice = (requests: number, cost_micros: number, savings_micros = 0): StatsSlice => ({
  requests,
  errors: 0,
  input_tokens: requests * 100,
  output_tokens: requests * 20,
  cost_micros,
  all_cloud_micros: cost_micros + savings_micros,
  savings_micros,
});

const stats = (over: Partial<StatsDto> = {}): StatsDto => ({
  from: 0,
  to: 1,
  totals: { ...slice(8, 1_500_000, 2_000_000), local: 5, cloud: 3, local_share: 0.625, savings_pct: 0.57, avg_latency_ms: 900 },
  by_model: [
    { ...slice(5, 0, 1_250_000), model: 'qwen3-4b', engine: 'llamacpp' },
    { ...slice(3, 1_500_000), model: 'claude-sonnet-4-5', engine: 'anthropic' },
  ],
  by_provider: [
    { ...slice(2, 1_000_000), provider: 'anthropic' },
    { ...slice(1, 500_000), provider: 'gemini' },
  ],
  by_route: [
    { ...slice(6, 0), route: 'small' },
    { ...slice(2, 1_500_000), route: 'cloud' },
  ],
  by_day: [],
  by_app: [],
  budget: { daily_cap_micros: null, monthly_cap_micros: null, spent_today_micros: 0, spent_month_micros: 0 },
  ...over,
});

/** A card's table as text: the header row, then each row's cells. */
function tableOf(heading: string): string[][] {
  const card = screen.getByRole('heading', { name: heading }).closest('section')!;
  return within(card)
    .getAllByRole('row')
    .map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent ?? ''));
}

describe('Breakdown', () => {
  it('one row per model, route and provider, with requests, tokens, spend, savings and share', () => {
    render(<Breakdown stats={stats()} />);
    expect(tableOf('By model')).toEqual([
      ['Model', 'Requests', 'Tokens', 'Spent', 'Saved'],
      ['qwen3-4bllama.cpp (embedded)', '5', '600', '$0', '$1.25'],
      ['claude-sonnet-4-5Anthropic', '3', '360', '$1.50', '$0'],
    ]);
    expect(tableOf('By route')).toEqual([
      ['Route', 'Requests', 'Share', 'Spent'],
      ['small', '6', '75%', '$0'],
      ['cloud', '2', '25%', '$1.50'],
    ]);
    expect(tableOf('Cloud spend by provider')).toEqual([
      ['Provider', 'Requests', 'Tokens', 'Spent'],
      ['Claude (Anthropic)', '2', '240', '$1.00'],
      ['Google Gemini', '1', '120', '$0.5000'],
    ]);
    expect(screen.getByTestId('spend-by-provider').querySelector('h2')?.id).toBe('by-provider');
  });

  it('an empty range says so in each card instead of an empty table; an older core without by_provider too', () => {
    render(<Breakdown stats={stats({ by_model: [], by_route: [], by_provider: undefined })} />);
    expect(screen.queryAllByRole('table')).toEqual([]);
    expect(screen.getAllByText('No requests in this range.')).toHaveLength(2);
    expect(screen.getByText('No cloud answers in this range.')).toBeTruthy();
  });
});
