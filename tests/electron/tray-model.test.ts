// Pure tray model: labels and enabled states follow today's stats, the settings and the core's state.
import { describe, expect, it } from 'vitest';
import type { CoreState, ShortcutStatus } from '../../electron/ipc-contract.js';
import { CLOUD_PAUSE_MS, formatUsd, trayMenuModel, type TrayInputs, type TrayItem } from '../../electron/tray-model.js';

const running: CoreState = { status: 'running', url: 'http://127.0.0.1:8787', attempt: 0 };
const shortcut: ShortcutStatus = { accelerator: 'CommandOrControl+Shift+Space', label: 'Ctrl+Shift+Space', registered: true };
const NOW = 1_750_000_000_000;
const base: TrayInputs = {
  core: running,
  stats: { spentMicros: 12_345, savedMicros: 456_789, requests: 7 },
  localOnly: false,
  shortcut,
  startAtLogin: false,
  now: NOW,
  platform: 'win32',
};
const item = (items: TrayItem[], id: string) =>
  items.find((i) => 'id' in i && i.id === id) as Extract<TrayItem, { id: string }> | undefined;

describe('formatUsd', () => {
  it('shows 4 decimals below a dollar and 2 above, from integer micro-dollars', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(12_345)).toBe('$0.0123');
    expect(formatUsd(999_999)).toBe('$1.0000');
    expect(formatUsd(1_234_567)).toBe('$1.23');
  });
});

describe('trayMenuModel', () => {
  it('a running core: every action enabled, today’s spend and savings in the label and the tooltip', () => {
    const m = trayMenuModel(base);
    expect(m.items.filter((i) => i.type !== 'separator').map((i) => ('id' in i ? i.id : ''))).toEqual([
      'quick-ask',
      'open',
      'today',
      'local-only',
      'pause-cloud',
      'start-at-login',
      'quit',
    ]);
    expect(item(m.items, 'today')).toMatchObject({ label: 'Today: $0.0123 spent · $0.4568 saved', enabled: false });
    expect(item(m.items, 'quick-ask')).toMatchObject({ enabled: true, accelerator: 'CommandOrControl+Shift+Space' });
    expect(item(m.items, 'local-only')).toMatchObject({ enabled: true, checked: false });
    expect(item(m.items, 'pause-cloud')).toMatchObject({ label: 'Pause cloud for 1 hour', enabled: true, checked: false });
    expect(m.tooltip).toBe('Hybrid AI — today $0.0123 spent, $0.4568 saved');
  });

  it('the labels follow the stats', () => {
    const m = trayMenuModel({ ...base, stats: { spentMicros: 2_500_000, savedMicros: 10_000_000, requests: 300 } });
    expect(item(m.items, 'today')?.label).toBe('Today: $2.50 spent · $10.00 saved');
  });

  it('local-only on: checked, and the cloud cannot be paused (it is not in use)', () => {
    const m = trayMenuModel({ ...base, localOnly: true });
    expect(item(m.items, 'local-only')).toMatchObject({ checked: true, enabled: true });
    expect(item(m.items, 'pause-cloud')?.enabled).toBe(false);
    expect(m.tooltip).toMatch(/local only$/);
  });

  it('paused: the remaining time shows, resume is offered, local-only is locked until then', () => {
    const m = trayMenuModel({ ...base, localOnly: true, cloudPausedUntil: NOW + CLOUD_PAUSE_MS - 90_000 });
    expect(item(m.items, 'pause-cloud')).toMatchObject({
      label: 'Cloud paused (59 min left) — click to resume',
      checked: true,
      enabled: true,
    });
    expect(item(m.items, 'local-only')?.enabled).toBe(false);
    expect(m.tooltip).toMatch(/cloud paused$/);
    // An expired pause is no pause.
    expect(item(trayMenuModel({ ...base, cloudPausedUntil: NOW - 1 }).items, 'pause-cloud')?.checked).toBe(false);
  });

  it('while the core restarts: a status line, no stats, actions that need it disabled', () => {
    const m = trayMenuModel({ ...base, stats: null, localOnly: null, core: { status: 'restarting', attempt: 2, retryInMs: 4_000 } });
    expect(item(m.items, 'core-status')).toMatchObject({ label: 'Core stopped; restarting in 4 s', enabled: false });
    expect(item(m.items, 'today')?.label).toBe('Today: spend and savings unavailable');
    expect(item(m.items, 'quick-ask')?.enabled).toBe(false);
    expect(item(m.items, 'local-only')?.enabled).toBe(false);
    expect(item(m.items, 'pause-cloud')?.enabled).toBe(false);
    expect(item(m.items, 'open')?.enabled).toBe(true);
    expect(item(m.items, 'restart-core')).toBeUndefined();
    expect(m.tooltip).toBe('Hybrid AI — Core stopped; restarting in 4 s');
  });

  it('a failed core offers "Restart core"; starting shows the attempt', () => {
    const failed = trayMenuModel({ ...base, core: { status: 'failed', attempt: 5, reason: 'boom' } });
    expect(item(failed.items, 'restart-core')).toMatchObject({ enabled: true });
    expect(item(failed.items, 'core-status')?.label).toBe('Core stopped: it failed to restart');
    expect(item(trayMenuModel({ ...base, core: { status: 'starting', attempt: 0 } }).items, 'core-status')?.label).toBe('Core starting…');
    expect(item(trayMenuModel({ ...base, core: { status: 'starting', attempt: 2 } }).items, 'core-status')?.label).toBe(
      'Core restarting (attempt 3)…',
    );
  });

  it('a shortcut held by another app: no accelerator on Quick ask, and a line saying so', () => {
    const m = trayMenuModel({ ...base, shortcut: { ...shortcut, registered: false, message: 'taken' } });
    expect(item(m.items, 'quick-ask')?.accelerator).toBeUndefined();
    expect(item(m.items, 'shortcut-problem')).toMatchObject({ label: 'Shortcut Ctrl+Shift+Space unavailable', enabled: false });
  });

  it('start at login: off by default, checkable on macOS and Windows, not on Linux (no API there)', () => {
    expect(item(trayMenuModel(base).items, 'start-at-login')).toMatchObject({ checked: false, enabled: true });
    expect(item(trayMenuModel({ ...base, platform: 'linux' }).items, 'start-at-login')?.enabled).toBe(false);
  });
});
