// The named periods of the stats APIs (/api/v1/stats, /api/v1/routing/stats): one table, one error.
import { CoreError } from '../errors.js';

const DAY = 86_400_000;

/** The named periods, in the order errors and the OpenAPI document list them. */
export const rangeNames = ['today', '7d', '30d', 'month', 'all'] as const;

/**
 * Where `range` starts, ms: today, the last 7 or 30 days (today included), this month, or everything. An unknown
 * range is a 400 listing the valid ones.
 */
export function rangeStart(range: unknown, starts: { day: number; month: number }): number {
  const ranges: Record<(typeof rangeNames)[number], number> = {
    today: starts.day,
    '7d': starts.day - 6 * DAY,
    '30d': starts.day - 29 * DAY,
    month: starts.month,
    all: 0,
  };
  // Own keys only: "constructor" or "__proto__" must not read the object prototype.
  const from = typeof range === 'string' && Object.hasOwn(ranges, range) ? ranges[range as keyof typeof ranges] : undefined;
  if (from === undefined) throw new CoreError('invalid_request', `Invalid "range": "${String(range)}". Valid: ${rangeNames.join(', ')}.`);
  return from;
}
