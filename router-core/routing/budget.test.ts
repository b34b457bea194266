// Budget guard: caps reached or about to be exceeded by this request's estimate; the estimate is an upper bound of the real cost.
import { describe, expect, it } from 'vitest';
import { prices } from '../data/prices.js';
import { budgetGuard, DEFAULT_CLOUD_OUTPUT_TOKENS, estimateCloudCostMicros } from './budget.js';
import { costOf } from './pricing.js';

const spend = (today: number, month = today) => ({ todayMicros: today, monthMicros: month });

describe('budgetGuard', () => {
  it('allows while spend plus the estimate stays within every cap', () => {
    expect(budgetGuard(spend(0), {}, 10_000)).toEqual({ allowCloud: true });
    expect(budgetGuard(spend(990_000), { dailyMicros: 1_000_000 }, 10_000)).toEqual({ allowCloud: true });
  });

  it('refuses once a cap is reached, and once this request would exceed it', () => {
    const reached = budgetGuard(spend(1_000_000), { dailyMicros: 1_000_000 });
    expect(reached).toMatchObject({ allowCloud: false, reason: /daily cloud budget of \$1\.00 reached/ });
    const exceed = budgetGuard(spend(995_000), { dailyMicros: 1_000_000 }, 10_000);
    expect(exceed).toMatchObject({ allowCloud: false, reason: /would be exceeded.*≈ \$0\.0100/ });
    const monthly = budgetGuard(spend(0, 49_999_000), { monthlyMicros: 50_000_000 }, 2_000);
    expect(monthly).toMatchObject({ allowCloud: false, reason: /monthly cloud budget of \$50\.00 would be exceeded/ });
  });
});

describe('estimateCloudCostMicros', () => {
  const request = (content: string, maxTokens?: number) => ({
    model: 'auto',
    messages: [{ role: 'user' as const, content }],
    params: { maxTokens },
  });

  it('prices the prompt and the most output the call may produce', () => {
    const e = estimateCloudCostMicros(request('x'.repeat(300), 100), prices['claude-sonnet']);
    // 300 chars / 3 + 8 = 108 input tokens at $3/M, 100 output tokens at $15/M.
    expect(e).toBe(Math.ceil((108 * 3_000_000 + 100 * 15_000_000) / 1e6));
    const noLimit = estimateCloudCostMicros(request('hi'), prices['claude-sonnet']);
    expect(noLimit).toBeGreaterThanOrEqual(DEFAULT_CLOUD_OUTPUT_TOKENS * 15);
  });

  it('is never below the real cost of an answer within the limit (4 chars per token prose)', () => {
    const prompt = 'Explain the causes of the French Revolution in detail. '.repeat(20);
    const real = costOf({ inputTokens: Math.ceil(prompt.length / 4), outputTokens: 500 }, prices['claude-sonnet']);
    expect(estimateCloudCostMicros(request(prompt, 500), prices['claude-sonnet'])).toBeGreaterThanOrEqual(real);
  });
});
