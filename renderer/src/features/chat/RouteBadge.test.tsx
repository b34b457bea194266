// @vitest-environment jsdom
// RouteBadge: everything the person needs to judge an answer: route, model, engine, complexity, reasons, money, time.
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnswerSummary, RoutingInfo } from '../../api/types';
import { plainSummary, RouteBadge } from './RouteBadge';

afterEach(cleanup);

const local: RoutingInfo = {
  route: 'small',
  model: 'tinyllama',
  engine: 'llamacpp',
  complexity: 0.123,
  reasons: ['complexity 0.12 (small band)', 'short prompt (~2 words)'],
  fallback_from: [],
};
const summary: AnswerSummary = {
  usage: { input_tokens: 12, output_tokens: 1_530 },
  cost_micros: 0,
  all_cloud_cost_micros: 22_986,
  savings_micros: 22_986,
  latency_seconds: 1.25,
  ttft_ms: 80,
};

describe('RouteBadge', () => {
  it('shows route, model, engine, complexity, tokens, cost, the all-Claude cost and latency', () => {
    render(<RouteBadge routing={local} summary={summary} />);
    const badge = screen.getByTestId('route-badge');
    expect(badge.querySelector('.route-pill')?.textContent).toBe('small');
    expect(screen.getByTestId('badge-model').textContent).toBe('tinyllama');
    expect(badge.textContent).toContain('llama.cpp (embedded)');
    expect(badge.textContent).toContain('complexity 0.12');
    expect(badge.textContent).toContain('1.5k tokens');
    expect(screen.getByTestId('badge-cost').textContent).toBe('$0');
    expect(screen.getByTestId('badge-all-cloud').textContent).toBe('on Claude $0.0230');
    expect(badge.textContent).toContain('1.3 s');
    expect(screen.queryByTestId('badge-fallback')).toBeNull();
  });

  it('lists the reasons under "Why this model?"', () => {
    render(<RouteBadge routing={local} summary={summary} />);
    fireEvent.click(screen.getByText('Why this model?'));
    const items = screen.getAllByRole('listitem').map((li) => li.textContent);
    expect(items).toEqual(local.reasons);
  });

  it('while streaming it keeps its row and says it is answering; cost appears with the summary', () => {
    const { rerender } = render(<RouteBadge routing={local} streaming />);
    expect(screen.getByText('answering…')).toBeTruthy();
    expect(screen.queryByTestId('badge-cost')).toBeNull();
    rerender(<RouteBadge routing={local} summary={summary} />);
    expect(screen.queryByText('answering…')).toBeNull();
    expect(screen.getByTestId('badge-cost').textContent).toBe('$0');
  });

  it('a cloud answer shows its real cost, and a fallback says what failed', () => {
    render(
      <RouteBadge
        routing={{
          ...local,
          route: 'cloud',
          model: 'claude-sonnet',
          engine: 'anthropic',
          provider: 'anthropic',
          fallback_from: ['phi2 on ollama: upstream_unavailable'],
        }}
        summary={{ ...summary, cost_micros: 1_234_567, all_cloud_cost_micros: 1_234_567, savings_micros: 0 }}
      />,
    );
    expect(screen.getByTestId('badge-cost').textContent).toBe('$1.23');
    expect(screen.getByTestId('badge-cost').className).toBe('badge-cost-cloud');
    expect(screen.getByTestId('badge-fallback').textContent).toBe('Fell back: phi2 on ollama: upstream_unavailable');
    expect(screen.getByTestId('route-badge').textContent).toContain('Anthropic');
  });

  it('an answer from the response cache says "cached", that it cost nothing and what it saved', () => {
    render(
      <RouteBadge
        routing={{ ...local, cached: true, reasons: ['cache hit: the same request was answered 2 min ago by tinyllama'] }}
        summary={summary}
      />,
    );
    expect(screen.getByTestId('badge-cached').textContent).toBe('cached');
    expect(screen.getByTestId('badge-cost').textContent).toBe('$0');
    expect(screen.getByTestId('badge-cache-saved').textContent).toBe('free from the cache, saved $0.0230 vs Claude');
    expect(screen.queryByTestId('badge-escalated')).toBeNull();
  });

  it('a cached cloud answer is shown as free, not as a cloud charge', () => {
    render(
      <RouteBadge
        routing={{ ...local, route: 'cloud', model: 'claude-sonnet', engine: 'anthropic', provider: 'anthropic', cached: true }}
        summary={{ ...summary, cost_micros: 0, all_cloud_cost_micros: 9_000, savings_micros: 9_000 }}
      />,
    );
    expect(screen.getByTestId('badge-cost').className).toBe('badge-cost-free');
    expect(screen.getByTestId('badge-cache-saved').textContent).toBe('free from the cache, saved $0.0090 vs Claude');
  });

  it('a cascade escalation says "escalated", from which model and why', () => {
    render(
      <RouteBadge
        routing={{
          ...local,
          route: 'medium',
          model: 'phi2',
          escalated: { from: 'tinyllama', reason: 'the model declined or said it does not know' },
        }}
        summary={summary}
      />,
    );
    const badge = screen.getByTestId('route-badge');
    expect(badge.querySelector('.flag-escalated')?.textContent).toBe('escalated');
    expect(screen.getByTestId('badge-escalated').textContent).toBe(
      'Escalated from tinyllama: its answer looked weak (the model declined or said it does not know), so phi2 answered instead.',
    );
    expect(screen.queryByTestId('badge-cached')).toBeNull();
  });

  it('an ordinary answer has neither flag', () => {
    render(<RouteBadge routing={local} summary={summary} />);
    expect(screen.queryByTestId('badge-cached')).toBeNull();
    expect(screen.queryByTestId('badge-cache-saved')).toBeNull();
    expect(screen.queryByTestId('badge-escalated')).toBeNull();
    expect(screen.getByTestId('route-badge').querySelector('.flag-pill')).toBeNull();
  });

  it('says first, in plain words, where the answer came from and what it cost or saved', () => {
    render(<RouteBadge routing={local} summary={summary} />);
    expect(screen.getByTestId('badge-plain').textContent).toBe('Answered free on this computer · saved $0.0230 vs Claude');
    const cloud: RoutingInfo = { ...local, route: 'cloud', model: 'claude-sonnet', engine: 'anthropic', provider: 'anthropic' };
    expect(plainSummary(cloud, { ...summary, cost_micros: 14_000, savings_micros: 0 })).toBe('Answered by Claude · $0.0140');
    expect(plainSummary({ ...cloud, cached: true }, { ...summary, cost_micros: 0 })).toBe(
      'Answered free from the cache · saved $0.0230 vs Claude',
    );
    expect(plainSummary(cloud, undefined)).toBe('Answering with Claude…');
    expect(plainSummary(local, undefined)).toBe('Answering on this computer…');
  });
});
