// Pure helpers for the dashboard: the ranges offered, and a day-by-day series with the empty days filled in.
import type { StatsDto } from '../../api/types';

/** Ranges the dashboard offers (values of /api/v1/stats?range=). */
export const dashboardRanges = [
  { value: 'today', label: 'Today' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
] as const;

export type DashboardRange = (typeof dashboardRanges)[number]['value'];

/** One bar group of the spend chart; money in micro-dollars. */
export interface DayPoint {
  /** YYYY-MM-DD (local time, as the ledger groups it). */
  day: string;
  /** Short axis label, e.g. "3 Mar". */
  label: string;
  costMicros: number;
  allCloudMicros: number;
  savingsMicros: number;
  requests: number;
}

function ymd(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Every local day from `from` up to (not including) `to`, with zeros where the ledger has no rows. */
export function daySeries(stats: Pick<StatsDto, 'from' | 'to' | 'by_day'>): DayPoint[] {
  const byDay = new Map(stats.by_day.map((d) => [d.day, d]));
  const out: DayPoint[] = [];
  const start = new Date(stats.from);
  const cursor = new Date(start.getFullYear(), start.getMonth(), start.getDate());
  // Bounded loop: a range is at most a few hundred days; 400 guards against a bad `from`.
  for (let i = 0; i < 400 && cursor.getTime() < stats.to; i++) {
    const key = ymd(cursor);
    const d = byDay.get(key);
    out.push({
      day: key,
      label: cursor.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' }),
      costMicros: d?.cost_micros ?? 0,
      allCloudMicros: d?.all_cloud_micros ?? 0,
      savingsMicros: d?.savings_micros ?? 0,
      requests: d?.requests ?? 0,
    });
    cursor.setDate(cursor.getDate() + 1);
  }
  return out;
}

/** Budget bar state: how full, and whether the cap is reached (then the cloud is off until the period resets). */
export function budgetProgress(spentMicros: number, capMicros: number | null): { fraction: number; reached: boolean } | null {
  if (capMicros === null) return null;
  if (capMicros === 0) return { fraction: 1, reached: true };
  return { fraction: Math.min(1, spentMicros / capMicros), reached: spentMicros >= capMicros };
}
