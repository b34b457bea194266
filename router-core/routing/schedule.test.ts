// Time-based routing: windows, overnight spans, the week's wrap, and the policy's use of the state with its reason.
import { describe, expect, it } from 'vitest';
import { scheduleState, type LocalClock, type RoutingSchedule } from './schedule.js';

const at = (weekday: number, hhmm: string): LocalClock => {
  const [h, m] = hhmm.split(':').map(Number);
  return { weekday, minute: h! * 60 + m! };
};
const MON = 1;
const FRI = 5;
const SAT = 6;
const SUN = 0;

const officeLocal: RoutingSchedule = {
  enabled: true,
  mode: 'local-only',
  timeZone: 'Europe/Paris',
  windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }],
};
const offPeakCloud: RoutingSchedule = {
  enabled: true,
  mode: 'cloud-only',
  timeZone: 'America/New_York',
  windows: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], from: '22:00', to: '06:00' }],
};

describe('scheduleState', () => {
  it('local-only hours: blocked inside, with when they end; open outside, with when they start', () => {
    expect(scheduleState(officeLocal, at(MON, '10:15'))).toEqual({
      cloudBlocked: true,
      reason: 'local-only hours until 18:00 (Europe/Paris)',
      until: '18:00',
    });
    expect(scheduleState(officeLocal, at(MON, '09:00'))!.cloudBlocked).toBe(true);
    // The end is exclusive: at 18:00 the cloud is back.
    expect(scheduleState(officeLocal, at(MON, '18:00'))).toMatchObject({ cloudBlocked: false, until: 'Tue 09:00' });
    expect(scheduleState(officeLocal, at(MON, '08:59'))).toMatchObject({ cloudBlocked: false, until: '09:00' });
    // Friday evening to Monday morning, across the weekend.
    expect(scheduleState(officeLocal, at(FRI, '19:00'))).toMatchObject({ cloudBlocked: false, until: 'Mon 09:00' });
    expect(scheduleState(officeLocal, at(SAT, '12:00'))!.cloudBlocked).toBe(false);
  });

  it('cloud-only windows that run overnight, wrapping Saturday into Sunday', () => {
    expect(scheduleState(offPeakCloud, at(MON, '23:30'))).toEqual({
      cloudBlocked: false,
      reason: 'cloud hours until Tue 06:00 (America/New_York)',
      until: 'Tue 06:00',
    });
    expect(scheduleState(offPeakCloud, at(SUN, '03:00'))).toMatchObject({ cloudBlocked: false, until: '06:00' });
    expect(scheduleState(offPeakCloud, at(SAT, '23:00'))).toMatchObject({ cloudBlocked: false, until: 'Sun 06:00' });
    expect(scheduleState(offPeakCloud, at(MON, '12:00'))).toEqual({
      cloudBlocked: true,
      reason: 'the cloud is allowed only in scheduled hours, next from 22:00 (America/New_York)',
      until: '22:00',
    });
  });

  it('off, empty or all-week schedules', () => {
    expect(scheduleState(null, at(MON, '10:00'))).toBeNull();
    expect(scheduleState({ ...officeLocal, enabled: false }, at(MON, '10:00'))).toBeNull();
    expect(scheduleState({ ...officeLocal, windows: [] }, at(MON, '10:00'))).toBeNull();
    const always: RoutingSchedule = {
      ...officeLocal,
      windows: [{ days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], from: '00:00', to: '24:00' }],
    };
    expect(scheduleState(always, at(FRI, '23:59'))).toEqual({
      cloudBlocked: true,
      reason: 'local-only hours (Europe/Paris)',
      until: null,
    });
  });
});
