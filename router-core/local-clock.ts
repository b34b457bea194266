// The wall clock in a time zone (Intl): what time-based routing (routing/schedule.ts) needs from "now".
import type { LocalClock } from './routing/schedule.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `tz` is an IANA time zone this runtime knows ("Europe/Paris", "UTC"). */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Weekday (0 = Sunday) and minute of the day at `ms` in `timeZone`; an unknown zone reads as UTC. */
export function localClock(ms: number, timeZone: string): LocalClock {
  const tz = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday ?? 'Sun');
  return { weekday: Math.max(0, weekday), minute: Number(parts.hour) * 60 + Number(parts.minute) };
}
