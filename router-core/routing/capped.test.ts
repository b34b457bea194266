// The decision after a refused cloud reservation: local with the cap's reason, a named cloud model refused, nothing local refused.
import { describe, expect, it } from 'vitest';
import type { Availability } from '../contracts/decision.js';
import { decideWithoutCloud } from './capped.js';
import { decideRoute, type RouteInput } from './policy.js';

const everything: Availability = {
  engines: {
    llamacpp: { ok: true, models: ['tinyllama', 'phi2'] },
    anthropic: { ok: true, models: ['claude-sonnet'] },
  },
};
const input = (model = 'auto', availability = everything): RouteInput => ({
  request: { model, messages: [{ role: 'user', content: 'prove the theorem' }], params: {} },
  config: {
    thresholds: { medium: 0, cloud: 0 },
    localOnly: false,
    cloudModel: 'claude-sonnet',
    budget: { dailyMicros: 1_000_000 },
    localEnginePreference: ['llamacpp'],
  },
  tier: 2,
  availability,
  spend: { todayMicros: 0, monthMicros: 0 },
});
const first = (i: RouteInput) => {
  const o = decideRoute(i);
  if (!o.ok) throw new Error(o.error.message);
  return o.decision;
};

describe('decideWithoutCloud', () => {
  it('the spend the ledger saw reaches the cap: the policy keeps it local, no cloud fallback, the cap is the reason', () => {
    const i = input();
    expect(first(i).engine).toBe('anthropic');
    const o = decideWithoutCloud(i, { todayMicros: 1_000_000, monthMicros: 1_000_000 }, first(i), 500);
    expect(o.ok && o.decision).toMatchObject({ engine: 'llamacpp', model: 'phi2' });
    expect(o.ok && o.decision.fallbacks.every((c) => c.engine !== 'anthropic')).toBe(true);
    expect(o.ok && o.decision.reasons.join(' ')).toMatch(/daily cloud budget of \$1\.00 reached/);
  });

  it('the policy would still pick the cloud (its estimate used a cheaper model): the best local model, with why', () => {
    const i = input();
    const o = decideWithoutCloud(i, { todayMicros: 0, monthMicros: 0 }, first(i), 500);
    expect(o.ok && o.decision).toMatchObject({ engine: 'llamacpp', model: 'phi2' });
    expect(o.ok && o.decision.reasons.at(-1)).toBe(
      'cloud disabled (the cloud budget was taken by concurrent requests) → best local model phi2 instead',
    );
  });

  it('a cloud model named by the caller, dearer than the one the policy priced, is refused as rate limited, naming why', () => {
    const i = { ...input('claude-opus'), config: { ...input().config, cloudModel: 'claude-haiku' } };
    expect(first(i).model).toBe('claude-opus');
    const o = decideWithoutCloud(i, { todayMicros: 0, monthMicros: 0 }, first(i), 2_000_000);
    expect(o).toMatchObject({ ok: false, error: { type: 'rate_limited' } });
    expect(!o.ok && o.error.message).toMatch(
      /^Model "claude-opus" is a cloud model and the cloud is unavailable: daily cloud budget of \$1\.00 would be exceeded/,
    );
  });

  it('no local model at all: no_model_available', () => {
    const onlyCloud: Availability = { engines: { anthropic: everything.engines.anthropic } };
    const i = input('auto', onlyCloud);
    const o = decideWithoutCloud(i, { todayMicros: 0, monthMicros: 0 }, first(i), 500);
    expect(o).toMatchObject({ ok: false, error: { type: 'no_model_available' } });
  });
});
