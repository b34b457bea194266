// Time-based routing: local-only hours (or cloud-only hours) on chosen weekdays, in the user's time zone.
import { useState } from 'react';
import type { ScheduleDto, ScheduleNowDto, ScheduleWindowDto } from '../../api/types';
import { Button } from '../../components/Button';
import { Switch } from '../../components/Switch';

const DAYS: Array<{ id: ScheduleWindowDto['days'][number]; label: string }> = [
  { id: 'mon', label: 'Mon' },
  { id: 'tue', label: 'Tue' },
  { id: 'wed', label: 'Wed' },
  { id: 'thu', label: 'Thu' },
  { id: 'fri', label: 'Fri' },
  { id: 'sat', label: 'Sat' },
  { id: 'sun', label: 'Sun' },
];

/** The browser's own zone, the default for a new schedule. */
function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * Edits one weekly window (the API takes several; a schedule made elsewhere with more windows is shown read-only and
 * can be turned off or replaced here).
 */
export function ScheduleForm({
  schedule,
  now,
  onSave,
}: {
  schedule: ScheduleDto | null;
  now: ScheduleNowDto | null;
  onSave(schedule: ScheduleDto | null): Promise<void>;
}) {
  const w = schedule?.windows[0];
  const [mode, setMode] = useState<ScheduleDto['mode']>(schedule?.mode ?? 'local-only');
  const [zone, setZone] = useState(schedule?.time_zone ?? localZone());
  const [days, setDays] = useState<Set<string>>(new Set(w?.days ?? ['mon', 'tue', 'wed', 'thu', 'fri']));
  const [from, setFrom] = useState(w?.from ?? '09:00');
  const [to, setTo] = useState(w?.to ?? '18:00');
  const [saving, setSaving] = useState(false);
  const more = (schedule?.windows.length ?? 0) > 1;
  const valid = days.size > 0 && from !== to && zone.trim() !== '';

  const save = (next: ScheduleDto | null) => {
    setSaving(true);
    void onSave(next).finally(() => setSaving(false));
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!valid) return;
        const picked = DAYS.filter((d) => days.has(d.id)).map((d) => d.id);
        save({ enabled: true, mode, time_zone: zone.trim(), windows: [{ days: picked, from, to }] });
      }}
    >
      {now && (
        <p className="muted small" data-testid="schedule-now">
          Now: {now.reason}
        </p>
      )}
      <Switch
        label="Use a schedule"
        description="Keep everything on this computer during working hours, or allow the cloud only off-peak."
        checked={schedule?.enabled ?? false}
        onChange={(v) =>
          save(
            v
              ? { enabled: true, mode, time_zone: zone.trim(), windows: [{ days: [...days] as ScheduleWindowDto['days'], from, to }] }
              : null,
          )
        }
      />
      <div className="grid-2">
        <div className="money-field">
          <label htmlFor="schedule-mode">During these hours</label>
          <select id="schedule-mode" value={mode} onChange={(e) => setMode(e.target.value as ScheduleDto['mode'])}>
            <option value="local-only">stay local (no cloud)</option>
            <option value="cloud-only">allow the cloud (local at other times)</option>
          </select>
        </div>
        <div className="money-field">
          <label htmlFor="schedule-zone">Time zone</label>
          <input id="schedule-zone" value={zone} onChange={(e) => setZone(e.target.value)} placeholder="Europe/Paris" />
        </div>
      </div>
      <fieldset className="schedule-days">
        <legend>Days</legend>
        {DAYS.map((d) => (
          <label key={d.id} className="checkbox-line">
            <input
              type="checkbox"
              checked={days.has(d.id)}
              onChange={(e) => {
                const next = new Set(days);
                if (e.target.checked) next.add(d.id);
                else next.delete(d.id);
                setDays(next);
              }}
            />
            {d.label}
          </label>
        ))}
      </fieldset>
      <div className="grid-2">
        <div className="money-field">
          <label htmlFor="schedule-from">From</label>
          <input id="schedule-from" type="time" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="money-field">
          <label htmlFor="schedule-to">To</label>
          <input id="schedule-to" type="time" value={to} onChange={(e) => setTo(e.target.value)} />
          <p className="muted small">An end before the start runs overnight (22:00 to 06:00).</p>
        </div>
      </div>
      {more && (
        <p className="muted small">
          This schedule has {schedule!.windows.length} windows (set through the API); saving here replaces them with this one.
        </p>
      )}
      {days.size === 0 && <p className="error-text small">Choose at least one day.</p>}
      {from === to && <p className="error-text small">The start and end must differ.</p>}
      <div className="form-actions">
        <Button type="submit" variant="primary" disabled={!valid || saving}>
          Save schedule
        </Button>
      </div>
    </form>
  );
}
