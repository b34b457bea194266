// Budget guard: once a daily or monthly cloud cap would be exceeded, requests stay local until the period resets.
import type { ChatRequest } from '../contracts/chat.js';
import type { Price } from '../data/prices.js';
import { estimatePromptTokens } from './tokens.js';

export { estimatePromptTokens };

/** Cloud spend caps in micro-dollars; undefined = no cap. */
export interface BudgetCaps {
  dailyMicros?: number;
  monthlyMicros?: number;
}

/** Cloud spend so far, computed by the ledger for "today" and "this month" in the user's time zone (plus in-flight reservations). */
export interface SpendSoFar {
  todayMicros: number;
  monthMicros: number;
}

export type BudgetVerdict = { allowCloud: true } | { allowCloud: false; reason: string };

/**
 * Decide whether the cloud may still be used given spend so far and, when known, this request's estimated cost:
 * a request that would push spend over a cap stays local, so concurrent requests that each reserve their estimate
 * first (see pipeline) can overspend a cap by at most the error of one estimate.
 */
export function budgetGuard(spend: SpendSoFar, caps: BudgetCaps, estimateMicros = 0): BudgetVerdict {
  const over = (spent: number, cap: number | undefined): boolean => cap !== undefined && (spent >= cap || spent + estimateMicros > cap);
  if (over(spend.todayMicros, caps.dailyMicros)) {
    return {
      allowCloud: false,
      reason:
        spend.todayMicros >= caps.dailyMicros!
          ? `daily cloud budget of ${usd(caps.dailyMicros!)} reached (${usd(spend.todayMicros)} spent today): local only until midnight`
          : `daily cloud budget of ${usd(caps.dailyMicros!)} would be exceeded (${usd(spend.todayMicros)} spent or reserved today, this request ≈ ${usd(estimateMicros)}): local only`,
    };
  }
  if (over(spend.monthMicros, caps.monthlyMicros)) {
    return {
      allowCloud: false,
      reason:
        spend.monthMicros >= caps.monthlyMicros!
          ? `monthly cloud budget of ${usd(caps.monthlyMicros!)} reached (${usd(spend.monthMicros)} spent this month): local only until the 1st`
          : `monthly cloud budget of ${usd(caps.monthlyMicros!)} would be exceeded (${usd(spend.monthMicros)} spent or reserved this month, this request ≈ ${usd(estimateMicros)}): local only`,
    };
  }
  return { allowCloud: true };
}

/**
 * Output tokens assumed when the caller sets no limit. why: the Anthropic engine sends max_tokens 1024 when none
 * is given (engines/anthropic.ts DEFAULT_MAX_TOKENS), so 1024 is the most such a call can be billed for.
 */
export const DEFAULT_CLOUD_OUTPUT_TOKENS = 1024;
/**
 * Upper estimate of what a cloud call for `request` costs, in micro-dollars, before it is made: the prompt (the quick
 * estimate, routing/tokens.ts) plus the most output it may produce, at `price`. The real cost replaces it afterwards.
 */
export function estimateCloudCostMicros(request: ChatRequest, price: Price): number {
  const input = estimatePromptTokens(request);
  const output = request.params.maxTokens ?? DEFAULT_CLOUD_OUTPUT_TOKENS;
  return Math.ceil((input * price.inputPerMTok + output * price.outputPerMTok) / 1_000_000);
}

function usd(micros: number): string {
  return `$${(micros / 1_000_000).toFixed(micros > 0 && micros < 10_000 ? 4 : 2)}`;
}
