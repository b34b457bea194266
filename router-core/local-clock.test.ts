// The wall clock in a time zone: weekday and minute, daylight saving included, unknown zones refused.
import { describe, expect, it } from 'vitest';
import { isValidTimeZone, localClock } from './local-clock.js';

describe('localClock', () => {
  it('reads weekday and minute in the zone, across midnight and daylight saving', () => {
    // Monday 7 December 2026, 08:30 UTC = 09:30 in Paris (CET, UTC+1) = 03:30 in New York (EST).
    const t = Date.UTC(2026, 11, 7, 8, 30);
    expect(localClock(t, 'Europe/Paris')).toEqual({ weekday: 1, minute: 9 * 60 + 30 });
    expect(localClock(t, 'America/New_York')).toEqual({ weekday: 1, minute: 3 * 60 + 30 });
    // 23:30 UTC on Monday is already Tuesday in Tokyo.
    expect(localClock(Date.UTC(2026, 11, 7, 23, 30), 'Asia/Tokyo')).toEqual({ weekday: 2, minute: 8 * 60 + 30 });
    // Summer: Paris is UTC+2.
    expect(localClock(Date.UTC(2026, 6, 6, 8, 30), 'Europe/Paris').minute).toBe(10 * 60 + 30);
  });

  it('knows IANA zones and refuses others', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
