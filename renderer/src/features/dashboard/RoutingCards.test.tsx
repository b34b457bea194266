// @vitest-environment jsdom
// The dashboard's cache and cascade cards: counts and money saved as the stats API returns them.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { RoutingStatsDto } from '../../api/types';
import { RoutingCards } from './DashboardView';

afterEach(cleanup);

const routing = (over: Partial<RoutingStatsDto> = {}): RoutingStatsDto => ({
  cache: { hits: 3, semantic_hits: 1, saved_micros: 45_600 },
  cascade: { runs: 8, escalated: 2, escalation_rate: 0.25, saved_micros: 1_234_567, first_attempt_cost_micros: 0 },
  privacy: { kept_local: 0 },
  feedback: { up: 4, down: 1, retry: 2, local_miss_rate: 0.5, by_route: [] },
  ...over,
});

describe('RoutingCards', () => {
  it('shows cache hits (exact and by meaning) with what they saved, and escalations of the cascade runs with its savings', () => {
    render(<RoutingCards routing={routing()} />);
    expect(screen.getByRole('heading', { name: 'Cache and cascade' })).toBeTruthy();
    expect(screen.getByTestId('stat-cache-hits').textContent).toBe('4');
    expect(screen.getByTestId('stat-cache-hits').nextElementSibling?.textContent).toBe('saved $0.0456 in repeat calls · 1 by meaning');
    expect(screen.getByTestId('stat-escalations').textContent).toBe('2');
    expect(screen.getByTestId('stat-escalations').nextElementSibling?.textContent).toBe('of 8 checked (25%) · saved $1.23');
    expect(screen.getByTestId('stat-feedback').textContent).toBe('7');
    expect(screen.getByTestId('stat-feedback').nextElementSibling?.textContent).toBe('4 up · 1 down · 2 retried · local misses 50%');
  });

  it('with nothing yet: zeros, and a hint where verdicts come from', () => {
    render(
      <RoutingCards
        routing={routing({
          cache: { hits: 0, semantic_hits: 0, saved_micros: 0 },
          cascade: { runs: 0, escalated: 0, escalation_rate: 0, saved_micros: 0, first_attempt_cost_micros: 0 },
          feedback: { up: 0, down: 0, retry: 0, local_miss_rate: 0, by_route: [] },
        })}
      />,
    );
    expect(screen.getByTestId('stat-cache-hits').nextElementSibling?.textContent).toBe('saved $0 in repeat calls');
    expect(screen.getByTestId('stat-escalations').nextElementSibling?.textContent).toBe('of 0 checked (0%) · saved $0');
    expect(screen.getByTestId('stat-feedback').nextElementSibling?.textContent).toBe('Rate answers in the chat to tune the router');
  });
});
