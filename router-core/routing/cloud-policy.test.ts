// Cloud as a kind: any provider answers the cloud route; the first choice, then the others; what blocks the cloud says which.
import { describe, expect, it } from 'vitest';
import type { Availability } from '../contracts/decision.js';
import type { ChatRequest } from '../contracts/chat.js';
import { estimateCloudCostMicros } from './budget.js';
import { cloudEngineIds, isCloudEngine, providerOf } from './cloud.js';
import { cloudStatus, decideRoute, type RoutingConfig } from './policy.js';
import { priceOf } from './pricing.js';

const ALL_CLOUD = { medium: 0, cloud: 0 };
const nothingSpent = { todayMicros: 0, monthMicros: 0 };

const config = (over: Partial<RoutingConfig> = {}): RoutingConfig => ({
  thresholds: ALL_CLOUD,
  localOnly: false,
  cloudModel: 'claude-sonnet',
  budget: {},
  localEnginePreference: ['llamacpp'],
  ...over,
});
const req = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'auto',
  messages: [{ role: 'user', content }],
  params: {},
  ...extra,
});
const up = (models: string[]) => ({ ok: true, models, tools: true, structuredOutput: true });
const all: Availability = {
  engines: {
    llamacpp: { ok: true, models: ['tinyllama', 'phi2'] },
    anthropic: up(['claude-sonnet']),
    openai: up(['gpt-5.4']),
    gemini: up(['gemini-2.5-flash']),
    'cloud-compat': up(['deepseek-chat', 'llama-3.3-70b']),
  },
};
const gptFirst = config({
  cloudModel: 'gpt-5.4',
  cloudEngine: 'openai',
  cloudFallbacks: [
    { model: 'gemini-2.5-flash', engine: 'gemini' },
    { model: 'claude-sonnet', engine: 'anthropic' },
  ],
});

describe('engine kinds', () => {
  it('every cloud engine is a cloud with a provider; local engines are not', () => {
    expect([...cloudEngineIds].sort()).toEqual(['anthropic', 'cloud-compat', 'gemini', 'openai']);
    expect(isCloudEngine('openai-compat')).toBe(false);
    expect(isCloudEngine('llamacpp')).toBe(false);
    expect(isCloudEngine(null)).toBe(false);
    expect(providerOf('cloud-compat')).toBe('compat');
    expect(providerOf('ollama')).toBeUndefined();
  });
});

describe('the cloud route on any provider', () => {
  it('the first choice answers, the other providers follow it as fallbacks before the local models', () => {
    const o = decideRoute({ request: req('prove it'), config: gptFirst, tier: 2, availability: all, spend: nothingSpent });
    expect(o.ok && o.decision).toMatchObject({ route: 'cloud', model: 'gpt-5.4', engine: 'openai' });
    expect(o.ok && o.decision.fallbacks.map((f) => f.engine)).toEqual(['gemini', 'anthropic', 'llamacpp', 'llamacpp']);
  });

  it('a first choice that is down gives way to the next provider, not to the local models', () => {
    const availability: Availability = {
      engines: { ...all.engines, openai: { ok: false, models: [], reason: 'no OpenAI API key configured' } },
    };
    const o = decideRoute({ request: req('prove it'), config: gptFirst, tier: 2, availability, spend: nothingSpent });
    expect(o.ok && o.decision).toMatchObject({ route: 'cloud', model: 'gemini-2.5-flash', engine: 'gemini' });
  });

  it('no cloud up: the reason is the first choice’s', () => {
    const availability: Availability = { engines: { llamacpp: all.engines.llamacpp } };
    const s = cloudStatus({ config: gptFirst, tier: 2, availability, spend: nothingSpent });
    expect(s).toEqual({ available: false, kind: 'unavailable', reason: 'no OpenAI API key configured', engine: null, model: null });
    const o = decideRoute({ request: req('prove it'), config: gptFirst, tier: 2, availability, spend: nothingSpent });
    expect(o.ok && o.decision.engine).toBe('llamacpp');
    expect(o.ok && o.decision.reasons.join(' ')).toContain('cloud disabled (no OpenAI API key configured)');
  });

  it('an OpenAI-compatible cloud with no model named answers with the first model it lists', () => {
    const cfg = config({ cloudModel: '', cloudEngine: 'cloud-compat' });
    const o = decideRoute({ request: req('prove it'), config: cfg, tier: 2, availability: all, spend: nothingSpent });
    expect(o.ok && o.decision).toMatchObject({ route: 'cloud', model: 'deepseek-chat', engine: 'cloud-compat' });
    expect(cloudStatus({ config: cfg, tier: 2, availability: all, spend: nothingSpent })).toMatchObject({
      available: true,
      engine: 'cloud-compat',
      model: 'deepseek-chat',
    });
  });

  it('tools: only the clouds whose engine passes tools stay in the chain', () => {
    const availability: Availability = { engines: { ...all.engines, openai: { ok: true, models: ['gpt-5.4'] } } };
    const tools = [{ name: 'get_time', description: 'now', parameters: { type: 'object', properties: {} } }];
    const o = decideRoute({ request: req('prove it', { tools }), config: gptFirst, tier: 2, availability, spend: nothingSpent });
    expect(o.ok && o.decision).toMatchObject({ engine: 'gemini' });
    expect(o.ok && o.decision.fallbacks.map((f) => f.engine)).toEqual(['anthropic']);
  });

  it('the budget is checked at the price of the cloud that would answer', () => {
    // A cap between the two estimates: Claude Opus's price is over it, Gemini Flash-Lite's under it.
    const long = 'Summarise the following. ' + 'word '.repeat(300);
    const opusEstimate = estimateCloudCostMicros(req(long), priceOf('claude-opus'));
    const liteEstimate = estimateCloudCostMicros(req(long), priceOf('gemini-2.5-flash-lite'));
    expect(liteEstimate).toBeLessThan(opusEstimate);
    const cap = { dailyMicros: Math.floor((opusEstimate + liteEstimate) / 2) };
    const opus = decideRoute({
      request: req(long),
      config: config({ cloudModel: 'claude-opus', budget: cap }),
      tier: 2,
      availability: all,
      spend: nothingSpent,
    });
    const nano = decideRoute({
      request: req(long),
      config: config({ cloudModel: 'gemini-2.5-flash-lite', cloudEngine: 'gemini', budget: cap }),
      tier: 2,
      availability: { engines: { ...all.engines, gemini: up(['gemini-2.5-flash-lite']) } },
      spend: nothingSpent,
    });
    expect(opus.ok && opus.decision.engine).toBe('llamacpp');
    expect(nano.ok && nano.decision.engine).toBe('gemini');
  });

  it('a caller naming another provider’s model gets that provider; a raw id its cloud lists goes there too', () => {
    const g = decideRoute({
      request: req('hi', { model: 'gemini-2.5-flash' }),
      config: config(),
      tier: 2,
      availability: all,
      spend: nothingSpent,
    });
    expect(g.ok && g.decision).toMatchObject({ route: 'cloud', engine: 'gemini', model: 'gemini-2.5-flash' });
    const c = decideRoute({
      request: req('hi', { model: 'llama-3.3-70b' }),
      config: config(),
      tier: 2,
      availability: all,
      spend: nothingSpent,
    });
    expect(c.ok && c.decision).toMatchObject({ route: 'cloud', engine: 'cloud-compat', model: 'llama-3.3-70b' });
    const down: Availability = { engines: { ...all.engines, gemini: { ok: false, models: [], reason: 'no Gemini API key configured' } } };
    const refused = decideRoute({
      request: req('hi', { model: 'gemini-2.5-flash' }),
      config: config(),
      tier: 2,
      availability: down,
      spend: nothingSpent,
    });
    expect(!refused.ok && refused.error.message).toContain('no Gemini API key configured');
  });
});
