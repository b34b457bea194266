// Pricing: integer micro-dollar math from real usage, and the all-cloud counterfactual.
import { describe, expect, it } from 'vitest';
import { allCloudCost, costOf, formatUsd, priceOf, savings } from './pricing.js';
import { prices } from '../data/prices.js';

describe('pricing', () => {
  it('prices Sonnet at $3 in / $15 out per million tokens', () => {
    expect(costOf({ inputTokens: 1_000_000, outputTokens: 0 }, prices['claude-sonnet'])).toBe(3_000_000);
    expect(costOf({ inputTokens: 0, outputTokens: 1_000_000 }, prices['claude-sonnet'])).toBe(15_000_000);
    expect(costOf({ inputTokens: 1000, outputTokens: 500 }, prices['claude-sonnet'])).toBe(3000 + 7500);
  });

  it('prices Haiku and Opus from the table', () => {
    expect(costOf({ inputTokens: 10, outputTokens: 10 }, prices['claude-haiku'])).toBe(10 + 50);
    expect(costOf({ inputTokens: 10, outputTokens: 10 }, prices['claude-opus'])).toBe(50 + 250);
  });

  it('local models are free and unknown local tags are free', () => {
    expect(costOf({ inputTokens: 5000, outputTokens: 5000 }, priceOf('tinyllama'))).toBe(0);
    expect(costOf({ inputTokens: 5000, outputTokens: 5000 }, priceOf('llama3.2:1b'))).toBe(0);
  });

  it('raw Claude ids are priced by family, never as free', () => {
    expect(priceOf('claude-3-5-haiku-latest')).toEqual(prices['claude-haiku']);
    expect(priceOf('claude-opus-4-1')).toEqual(prices['claude-opus']);
    expect(priceOf('claude-sonnet-4-0')).toEqual(prices['claude-sonnet']);
  });

  it('all-cloud cost uses Sonnet and savings are the difference, never negative', () => {
    const usage = { inputTokens: 120, outputTokens: 80 };
    expect(allCloudCost(usage)).toBe(120 * 3 + 80 * 15);
    expect(savings(0, allCloudCost(usage))).toBe(1560);
    expect(savings(costOf(usage, prices['claude-opus']), allCloudCost(usage))).toBe(0);
  });

  it('cached input tokens cost the cached-input price where the model has one, the input price where not', () => {
    // GPT-5.4: $2.50 in, $0.25 cached in, $15 out per million.
    expect(costOf({ inputTokens: 1000, cachedInputTokens: 800, outputTokens: 100 }, prices['gpt-5.4'])).toBe(
      200 * 2.5 + 800 * 0.25 + 100 * 15,
    );
    // Gemini 2.5 Flash: $0.30 in, $0.03 cached in.
    expect(costOf({ inputTokens: 1_000_000, cachedInputTokens: 1_000_000, outputTokens: 0 }, prices['gemini-2.5-flash'])).toBe(30_000);
    // No cached-input price: cached tokens are plain input; more cached than input is capped at the input.
    expect(costOf({ inputTokens: 10, cachedInputTokens: 10, outputTokens: 0 }, { inputPerMTok: 1_000_000, outputPerMTok: 0 })).toBe(10);
    expect(costOf({ inputTokens: 10, cachedInputTokens: 50, outputTokens: 0 }, prices['claude-sonnet'])).toBe(3);
  });

  it('results are integers', () => {
    const c = costOf({ inputTokens: 7, outputTokens: 3 }, { inputPerMTok: 250_000, outputPerMTok: 1_250_000 });
    expect(Number.isInteger(c)).toBe(true);
    expect(c).toBe(Math.round((7 * 250_000 + 3 * 1_250_000) / 1e6));
  });

  it('formats micro-dollars for humans', () => {
    expect(formatUsd(1_234_500)).toBe('$1.2345');
    expect(formatUsd(15)).toBe('$0.000015');
    expect(formatUsd(0)).toBe('$0.0000');
  });
});
