// Cache policy: eligibility (settings, per-request flag, temperature, tools), key normalisation, scope, cosine.
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../contracts/chat.js';
import { cacheEligibility, cacheKeyMaterial, cosine, defaultCacheConfig } from './cache-policy.js';

const req = (content: string, extra: Partial<ChatRequest> = {}, temperature: number | undefined = 0): ChatRequest => ({
  model: 'auto',
  messages: [{ role: 'user', content }],
  params: { temperature },
  ...extra,
});

describe('cacheEligibility', () => {
  it('caches deterministic requests by default', () => {
    expect(cacheEligibility(req('hi'), defaultCacheConfig)).toEqual({ eligible: true });
  });

  it('is off for sampled requests unless the request or the settings ask', () => {
    expect(cacheEligibility(req('hi', {}, 0.7), defaultCacheConfig).eligible).toBe(false);
    expect(cacheEligibility({ ...req('hi'), params: {} }, defaultCacheConfig).eligible).toBe(false);
    expect(cacheEligibility(req('hi', { cache: true }, 0.7), defaultCacheConfig).eligible).toBe(true);
    expect(cacheEligibility(req('hi', {}, 0.7), { ...defaultCacheConfig, includeSampled: true }).eligible).toBe(true);
  });

  it('is off when disabled, bypassed, or tools are involved', () => {
    expect(cacheEligibility(req('hi'), { ...defaultCacheConfig, enabled: false }).eligible).toBe(false);
    expect(cacheEligibility(req('hi', { cache: false }), defaultCacheConfig).eligible).toBe(false);
    expect(cacheEligibility(req('hi', { tools: [{ name: 'f', parameters: {} }] }), defaultCacheConfig).eligible).toBe(false);
  });
});

describe('cacheKeyMaterial', () => {
  it('ignores line-end and trailing-space differences but not inner spacing or case', () => {
    const a = cacheKeyMaterial(req('  def f():\n    return 1  \n'));
    expect(cacheKeyMaterial(req('def f():\r\n    return 1')).key).toBe(a.key);
    expect(cacheKeyMaterial(req('def f():\n  return 1')).key).not.toBe(a.key);
    expect(cacheKeyMaterial(req('What is Go?')).key).not.toBe(cacheKeyMaterial(req('what is go?')).key);
  });

  it('separates models, parameters and local-only', () => {
    const base = cacheKeyMaterial(req('hi')).key;
    expect(cacheKeyMaterial(req('hi', { model: 'claude-sonnet' })).key).not.toBe(base);
    expect(cacheKeyMaterial({ ...req('hi'), params: { temperature: 0, maxTokens: 10 } }).key).not.toBe(base);
    expect(cacheKeyMaterial(req('hi', { localOnly: true })).key).not.toBe(base);
  });

  it('scope is everything but the last user message', () => {
    const one = cacheKeyMaterial(req('capital of France?'));
    const two = cacheKeyMaterial(req('what is the capital of France'));
    expect(one.scope).toBe(two.scope);
    expect(one.prompt).toBe('capital of France?');
    const withSystem = cacheKeyMaterial({
      ...req('x'),
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'x' },
      ],
    });
    expect(withSystem.scope).not.toBe(one.scope);
  });
});

describe('cosine', () => {
  it('is 1 for parallel, 0 for orthogonal or mismatched vectors', () => {
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 10);
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 0], [1, 0, 0])).toBe(0);
    expect(cosine([0, 0], [1, 1])).toBe(0);
  });
});

describe('cacheKeyMaterial: structured output', () => {
  it('a JSON-format request never shares a key or a semantic scope with a free-text one; others keep their keys', () => {
    const plain = cacheKeyMaterial(req('list three colours'));
    const json = cacheKeyMaterial(req('list three colours', { responseFormat: { type: 'json' } }));
    const schema = cacheKeyMaterial(req('list three colours', { responseFormat: { type: 'json_schema', schema: { type: 'array' } } }));
    expect(new Set([plain.key, json.key, schema.key]).size).toBe(3);
    expect(new Set([plain.scope, json.scope, schema.scope]).size).toBe(3);
    expect(plain.key).not.toContain('format');
  });
});
