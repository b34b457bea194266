// Budget guard: once a daily or monthly cloud cap is reached, requests stay local until the period resets.

/** Cloud spend caps in micro-dollars; undefined = no cap. */
export interface BudgetCaps {
  dailyMicros?: number;
  monthlyMicros?: number;
}

/** Cloud spend so far, computed by the ledger for "today" and "this month" in the user's time zone. */
export interface SpendSoFar {
  todayMicros: number;
  monthMicros: number;
}

export type BudgetVerdict = { allowCloud: true } | { allowCloud: false; reason: string };

/** Decide whether the cloud may still be used given spend so far. */
export function budgetGuard(spend: SpendSoFar, caps: BudgetCaps): BudgetVerdict {
  if (caps.dailyMicros !== undefined && spend.todayMicros >= caps.dailyMicros) {
    return {
      allowCloud: false,
      reason: `daily cloud budget of ${usd(caps.dailyMicros)} reached (${usd(spend.todayMicros)} spent today): local only until midnight`,
    };
  }
  if (caps.monthlyMicros !== undefined && spend.monthMicros >= caps.monthlyMicros) {
    return {
      allowCloud: false,
      reason: `monthly cloud budget of ${usd(caps.monthlyMicros)} reached (${usd(spend.monthMicros)} spent this month): local only until the 1st`,
    };
  }
  return { allowCloud: true };
}

function usd(micros: number): string {
  return `$${(micros / 1_000_000).toFixed(2)}`;
}
