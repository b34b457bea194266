// Display formatting for money (integer micro-dollars), token counts, durations, percentages and bytes; pure.

/** Micro-dollars in one US dollar. */
export const MICROS_PER_USD = 1_000_000;

/**
 * Micro-dollars → "$12.34", "$0.0123" or "$0".
 * Amounts of a dollar or more show cents; smaller non-zero amounts show four decimals so a $0.0004 answer is not
 * shown as "$0.00" (four decimals = 1/100 of a cent, finer than any single answer's price rounding matters).
 */
export function formatMoney(micros: number): string {
  if (!Number.isFinite(micros)) return '—';
  const m = Math.round(Math.abs(micros));
  if (m === 0) return '$0';
  const sign = micros < 0 ? '-' : '';
  // Integer arithmetic: binary fractions would turn $0.00045 into "$0.0004" and $1.005 into "$1.00".
  if (m >= 999_950) {
    const cents = Math.round(m / 10_000);
    return `${sign}$${Math.floor(cents / 100).toLocaleString('en-US')}.${String(cents % 100).padStart(2, '0')}`;
  }
  const tenThousandths = Math.round(m / 100);
  if (tenThousandths === 0) return `${sign}<$0.0001`;
  return `${sign}$0.${String(tenThousandths).padStart(4, '0')}`;
}

/** Micro-dollars → a plain dollar amount for an input box ("5", "0.5", ""). */
export function microsToUsdInput(micros: number | null | undefined): string {
  if (micros === null || micros === undefined) return '';
  return String(Math.round(micros) / MICROS_PER_USD);
}

/** A dollar amount typed by a person → micro-dollars; null for empty (no cap); undefined when not a valid amount. */
export function usdInputToMicros(text: string): number | null | undefined {
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
  if (t === '') return null;
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(t)) return undefined;
  return Math.round(Number(t) * MICROS_PER_USD);
}

/** 950 → "950", 12_345 → "12.3k", 2_400_000 → "2.4M". */
export function formatTokens(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  if (a < 1_000_000) return `${trim1(n / 1000)}k`;
  return `${trim1(n / 1_000_000)}M`;
}

/** Milliseconds → "420 ms", "1.3 s", "2 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(sec).padStart(2, '0')} s`;
}

/** 0.8234 → "82%"; values below 10% keep one decimal ("4.5%"). */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  const p = fraction * 100;
  if (p !== 0 && Math.abs(p) < 10) return `${trim1(p)}%`;
  return `${Math.round(p)}%`;
}

/** Bytes → "812 B", "1.5 MB", "4.1 GB" (decimal units, as disk tools and model pages show them). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Bytes per second → "3.2 MB/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** A complexity score in [0,1] → "0.42". */
export function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(2) : '—';
}

/** Epoch ms → "14:05" today, "Mon 14:05" this week, else "12 Mar". `now` is passed in for testability. */
export function formatWhen(ts: number, now: number): string {
  const d = new Date(ts);
  const n = new Date(now);
  const sameDay = d.toDateString() === n.toDateString();
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  if (sameDay) return time;
  // Within the last 6 days a weekday name is unambiguous.
  if (now - ts < 6 * 86_400_000 && ts <= now) return `${d.toLocaleDateString('en-GB', { weekday: 'short' })} ${time}`;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
}

function trim1(v: number): string {
  return v.toFixed(1).replace(/\.0$/, '');
}
