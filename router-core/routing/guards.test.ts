// Guards decide on their typed kind, not on their words: the privacy kind, and the error a named cloud model gets per kind.
import { describe, expect, it } from 'vitest';
import type { Availability } from '../contracts/decision.js';
import { decideRouteWithGuard, type RouteInput } from './policy.js';

const awsKey = ['AKIA', 'IOSFODNN7', 'EXAMPLQ'].join('');
const local = { ok: true, models: ['tinyllama', 'phi2'] };
const input = (content: string, model = 'auto', availability?: Availability, dailyMicros?: number): RouteInput => ({
  request: { model, messages: [{ role: 'user', content }], params: {} },
  config: {
    thresholds: { medium: 0, cloud: 0 },
    localOnly: false,
    cloudModel: 'claude-sonnet',
    budget: { dailyMicros },
    localEnginePreference: ['llamacpp'],
  },
  tier: 2,
  availability: availability ?? { engines: { llamacpp: local, anthropic: { ok: true, models: ['claude-sonnet'] } } },
  spend: { todayMicros: 0, monthMicros: 0 },
});

describe('typed cloud guards', () => {
  it('a secret keeps the request local and says so by kind (the pipeline counts it from the kind)', () => {
    const g = decideRouteWithGuard(input(`my key is ${awsKey}, why does boto fail?`));
    expect(g.cloudBlock?.kind).toBe('privacy');
    expect(g.outcome.ok && g.outcome.decision.engine).toBe('llamacpp');
    expect(decideRouteWithGuard(input('prove the theorem')).cloudBlock).toBeNull();
  });

  it('Claude unavailable with "budget" in its words is not a budget cap: a named cloud model gets no_model_available', () => {
    const claudeDown = { engines: { llamacpp: local, anthropic: { ok: false, models: [], reason: 'the account budget is used up' } } };
    const g = decideRouteWithGuard(input('hello', 'claude-sonnet', claudeDown));
    expect(g.outcome).toMatchObject({ ok: false, error: { type: 'no_model_available' } });
  });

  it('a budget cap is rate_limited, whatever its words say', () => {
    const g = decideRouteWithGuard(input('hello', 'claude-sonnet', undefined, 1));
    expect(g.outcome).toMatchObject({ ok: false, error: { type: 'rate_limited' } });
  });
});
