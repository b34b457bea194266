// Time-based routing: weekly windows in the user's time zone that keep requests local, or allow the cloud only then.
//
// Pure: the caller turns the clock into a LocalClock (weekday and minute in the schedule's time zone); this file
// never reads the time itself.

/** Days as people write them; index = JavaScript's getDay() (0 = Sunday). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One weekly window: `from` on each listed day until `to` (the next day when `to` ≤ `from`: "22:00–06:00"). */
export interface ScheduleWindow {
  days: Weekday[];
  /** "HH:MM", 24-hour. */
  from: string;
  /** "HH:MM", 24-hour; "24:00" = the end of the day. */
  to: string;
}

/**
 * - `local-only`: inside a window nothing goes to the cloud ("local only 09:00–18:00 on weekdays").
 * - `cloud-only`: the cloud may be used only inside a window ("cloud allowed only off-peak").
 */
export type ScheduleMode = 'local-only' | 'cloud-only';

/** The schedule as saved in Settings. */
export interface RoutingSchedule {
  enabled: boolean;
  mode: ScheduleMode;
  /** IANA time zone the windows are written in (e.g. "Europe/Paris"). */
  timeZone: string;
  windows: ScheduleWindow[];
}

/** The wall clock in the schedule's time zone: what the policy needs from "now". */
export interface LocalClock {
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** Minutes since local midnight, 0..1439. */
  minute: number;
}

/** The schedule's effect right now. */
export interface ScheduleState {
  /** True when the schedule keeps the cloud off now. */
  cloudBlocked: boolean;
  /** For people: "local-only hours until 18:00 (Europe/Paris)". */
  reason: string;
  /** When this state ends, "HH:MM" local (with the weekday when not today), or null when it never changes. */
  until: string | null;
}

const WEEK = 7 * 1440;

/** "HH:MM" → minutes; "24:00" = 1440; anything else → NaN. */
export function parseHhMm(s: string): number {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(s);
  if (!m) return NaN;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v > 1440 ? NaN : v;
}

/** Each window as [start, end) minute-of-week spans (an overnight window runs into the next day, wrapping the week). */
function spans(windows: readonly ScheduleWindow[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const w of windows) {
    const from = parseHhMm(w.from);
    const to0 = parseHhMm(w.to);
    if (!Number.isFinite(from) || !Number.isFinite(to0) || from === to0) continue;
    const length = to0 > from ? to0 - from : 1440 - from + to0;
    for (const d of w.days) {
      const start = WEEKDAYS.indexOf(d) * 1440 + from;
      out.push([start, start + length]);
    }
  }
  return out;
}

/** Whether minute-of-week `t` falls inside a span (spans may run past the week's end and wrap). */
function inside(t: number, s: [number, number]): boolean {
  return (t >= s[0] && t < s[1]) || (t + WEEK >= s[0] && t + WEEK < s[1]);
}

/** The next minute-of-week at or after `t` where being inside any span changes, or null when it never does. */
function nextChange(t: number, all: Array<[number, number]>, now: boolean): number | null {
  // Step minute by minute through one week: at most 10,080 checks of a handful of spans, far below a millisecond.
  for (let d = 1; d <= WEEK; d++) {
    const u = (t + d) % WEEK;
    if (all.some((s) => inside(u, s)) !== now) return u;
  }
  return null;
}

const hhmm = (minuteOfDay: number): string =>
  `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;

/** "18:00" today, "Mon 09:00" another day. */
function when(from: number, at: number): string {
  const sameDay = Math.floor(from / 1440) === Math.floor(at / 1440) && at >= from;
  const label = hhmm(at % 1440);
  return sameDay ? label : `${WEEKDAYS[Math.floor(at / 1440)]![0]!.toUpperCase()}${WEEKDAYS[Math.floor(at / 1440)]!.slice(1)} ${label}`;
}

/** What the schedule says at `clock`; null when there is no schedule or it is off. */
export function scheduleState(schedule: RoutingSchedule | null | undefined, clock: LocalClock): ScheduleState | null {
  if (!schedule?.enabled || schedule.windows.length === 0) return null;
  const all = spans(schedule.windows);
  if (all.length === 0) return null;
  const t = clock.weekday * 1440 + clock.minute;
  const inWindow = all.some((s) => inside(t, s));
  const change = nextChange(t, all, inWindow);
  const until = change === null ? null : when(t, change);
  const tz = schedule.timeZone;
  if (schedule.mode === 'local-only') {
    return inWindow
      ? { cloudBlocked: true, reason: `local-only hours${until ? ` until ${until}` : ''} (${tz})`, until }
      : { cloudBlocked: false, reason: `outside local-only hours${until ? `; they start ${until}` : ''} (${tz})`, until };
  }
  return inWindow
    ? { cloudBlocked: false, reason: `cloud hours${until ? ` until ${until}` : ''} (${tz})`, until }
    : { cloudBlocked: true, reason: `the cloud is allowed only in scheduled hours${until ? `, next from ${until}` : ''} (${tz})`, until };
}
