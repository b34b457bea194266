// The process's routing state: Node's native code-unit copy equals the pure loop, and a decision keeps its caches in the state it is given.
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from './contracts/chat.js';
import { createNodeRoutingState } from './routing-state.js';
import { CodeUnits } from './routing/code-units.js';
import { decideRoute, type RouteInput } from './routing/policy.js';

const units = (scratch: CodeUnits, text: string): number[] => Array.from(scratch.of(text).subarray(0, text.length));

describe('the native code-unit copy', () => {
  it('copies exactly what the plain loop copies: one- and two-byte, sliced, lone surrogates, past the shared scratch', () => {
    const native = createNodeRoutingState().text.units;
    const loop = new CodeUnits();
    const base = 'Plain ASCII, “quotes”, 中文, an astral 𐐀, a lone \ud801 half. ';
    const texts = [base, base.repeat(50).slice(3, 2500), `${base.slice(0, 9)}\n${base.slice(-9)}`, 'x9“'.repeat(30_000), 'short after'];
    for (const t of texts) expect(units(native, t), `${t.length} units`).toEqual(units(loop, t));
  });
});

describe('a routing state given to decisions', () => {
  const history = `The quarterly report covers revenue, churn and hiring plans in some detail. `.repeat(12);
  const request = (last: string): ChatRequest => ({
    model: 'auto',
    params: {},
    messages: [
      { role: 'user', content: history },
      { role: 'assistant', content: `Summary: ${history}` },
      { role: 'user', content: last },
    ],
  });
  const input = (r: ChatRequest, state?: RouteInput['state']): RouteInput => ({
    request: r,
    config: {
      thresholds: { medium: 0.3, cloud: 0.6 },
      localOnly: false,
      cloudModel: 'claude-sonnet',
      budget: {},
      localEnginePreference: ['llamacpp'],
    },
    tier: 3,
    availability: {
      engines: { llamacpp: { ok: true, models: ['tinyllama', 'phi2', 'mistral-7b'] }, anthropic: { ok: true, models: ['claude-sonnet'] } },
    },
    spend: { todayMicros: 0, monthMicros: 0 },
    state,
  });

  it('keeps the privacy history, the turn estimates and the token counts there, and decides as a stateless call does', () => {
    const state = createNodeRoutingState();
    for (const last of ['And what about churn?', 'Thanks. Now prove that there are infinitely many primes.']) {
      const withState = decideRoute(input(request(last), state));
      expect(withState).toEqual(decideRoute(input(request(last))));
    }
    // Two long earlier messages, read once each and remembered by fingerprint.
    expect(state.privacy.history.size).toBe(2);
    expect([...state.turns.byKey.values()].reduce((n, m) => n + m.size, 0)).toBe(3);
    expect(state.tokens.byText.size).toBe(2);
  });
});
