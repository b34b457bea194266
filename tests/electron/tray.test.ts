// The tray against a real core (in-process gateway on loopback): today's stats in the menu, Local only and Pause cloud through the settings API.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import type { CoreState } from '../../electron/ipc-contract.js';
import { openSettings, type SettingsStore } from '../../electron/shell-settings.js';
import * as lifecycle from '../../electron/lifecycle.js';
import { createTray, type AppTray } from '../../electron/tray.js';
import { CLOUD_PAUSE_MS } from '../../electron/tray-model.js';
import { createFakeEngine } from '../fakes/engines.js';
import { fake, Tray } from '../fakes/electron.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';

vi.mock('electron', () => import('../fakes/electron.js'));

let srv: TestServer;
let tmp: string;
let settings: SettingsStore;
let core: CoreState;
let tray: AppTray;
let now: number;
const actions = { quickAsk: vi.fn(), open: vi.fn(), restartCore: vi.fn(), quit: vi.fn() };

beforeAll(async () => {
  const engines = new Map<EngineId, Engine>([
    ['llamacpp', createFakeEngine({ id: 'llamacpp', models: ['tinyllama', 'phi2'] })],
    ['anthropic', createFakeEngine({ id: 'anthropic', models: ['claude-haiku', 'claude-sonnet', 'claude-opus'] })],
  ]);
  srv = await startTestServer({ engines, env: { ANTHROPIC_API_KEY: 'sk-ant-api03-tray-test-key-000000000000' } });
});
afterAll(async () => {
  tray?.destroy();
  await srv.close();
});
beforeEach(() => {
  fake.reset();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-tray-'));
  settings = openSettings(path.join(tmp, 'shell-settings.json'));
  core = { status: 'running', url: srv.url, attempt: 0 };
  now = Date.now();
  tray?.destroy();
  tray = createTray({
    iconPath: (dark) => `/icons/${dark ? 'light' : 'dark'}.png`,
    platform: 'linux',
    gateway: () => (core.status === 'running' ? { url: srv.url, token: TOKEN } : null),
    coreState: () => core,
    shortcut: () => ({ accelerator: 'CommandOrControl+Shift+Space', label: 'Ctrl+Shift+Space', registered: true }),
    settings,
    startAtLogin: () => false,
    setStartAtLogin: () => undefined,
    actions,
    now: () => now,
  });
  return () => rmSync(tmp, { recursive: true, force: true });
});

const t = () => Tray.all[0]!;
const label = (id: string) => t().item(id)?.label as string | undefined;
async function localOnly(): Promise<boolean> {
  const r = await fetch(`${srv.url}/api/v1/settings`, { headers: srv.auth });
  return ((await r.json()) as { local_only: boolean }).local_only;
}
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('timed out');
}

describe('tray', () => {
  it('shows the icon for the panel colour and follows theme changes', () => {
    expect((t().image as { path: string }).path).toBe('/icons/dark.png');
    fake.nativeTheme.shouldUseDarkColors = true;
    fake.nativeTheme.emit('updated');
    expect((t().image as { path: string }).path).toBe('/icons/light.png');
  });

  it('Windows: the icon follows the taskbar’s system theme, not the app theme', () => {
    tray.destroy();
    const { trayPanelIsDark } = lifecycle;
    const win = createTray({
      iconPath: (dark) => `/icons/${dark ? 'light' : 'dark'}.png`,
      panelIsDark: () => trayPanelIsDark('win32', fake.nativeTheme),
      platform: 'win32',
      gateway: () => null,
      coreState: () => core,
      shortcut: () => ({ accelerator: 'Alt+K', label: 'Alt+K', registered: true }),
      settings,
      startAtLogin: () => false,
      setStartAtLogin: () => undefined,
      actions,
    });
    const icon = () => (Tray.all.at(-1)!.image as { path: string }).path;
    // A dark app theme on a light taskbar: the dark icon.
    fake.nativeTheme.shouldUseDarkColors = true;
    fake.nativeTheme.shouldUseDarkColorsForSystemIntegratedUI = false;
    fake.nativeTheme.emit('updated');
    expect(icon()).toBe('/icons/dark.png');
    fake.nativeTheme.shouldUseDarkColorsForSystemIntegratedUI = true;
    fake.nativeTheme.emit('updated');
    expect(icon()).toBe('/icons/light.png');
    win.destroy();
  });

  it('reads today’s spend and savings from the core; the label follows new requests', async () => {
    await tray.refresh();
    const before = label('today');
    expect(before).toMatch(/^Today: \$[\d.]+ spent · \$[\d.]+ saved$/);
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${srv.url}/api/v1/chat`, {
        method: 'POST',
        headers: { ...srv.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'hi there' }),
      });
      expect(r.status).toBe(200);
    }
    await tray.refresh();
    const stats = (await (await fetch(`${srv.url}/api/v1/stats?range=today`, { headers: srv.auth })).json()) as {
      totals: { cost_micros: number; savings_micros: number };
    };
    expect(stats.totals.savings_micros).toBeGreaterThan(0);
    const fmt = (m: number) => (m !== 0 && m < 1_000_000 ? `$${(m / 1e6).toFixed(4)}` : `$${(m / 1e6).toFixed(2)}`);
    expect(label('today')).toBe(`Today: ${fmt(stats.totals.cost_micros)} spent · ${fmt(stats.totals.savings_micros)} saved`);
    expect(t().tooltip).toContain('saved');
  });

  it('Local only toggles the core’s setting', async () => {
    await tray.refresh();
    expect(t().item('local-only')).toMatchObject({ checked: false, enabled: true });
    t().click('local-only');
    await until(async () => (await localOnly()) === true);
    await until(() => t().item('local-only')?.checked === true);
    t().click('local-only');
    await until(async () => (await localOnly()) === false);
  });

  it('Pause cloud: local-only for an hour, remembered, and resumed by a click (or when it runs out)', async () => {
    await tray.refresh();
    t().click('pause-cloud');
    await until(async () => (await localOnly()) === true);
    await until(() => t().item('pause-cloud')?.checked === true);
    expect(settings.get().cloudPausedUntil).toBe(now + CLOUD_PAUSE_MS);
    expect(label('pause-cloud')).toBe('Cloud paused (60 min left) — click to resume');
    t().click('pause-cloud');
    await until(async () => (await localOnly()) === false);
    expect(settings.get().cloudPausedUntil).toBeUndefined();

    // A pause that ran out while the app was closed ends on the next refresh.
    t().click('pause-cloud');
    await until(async () => (await localOnly()) === true);
    now += CLOUD_PAUSE_MS + 1;
    await tray.refresh();
    expect(await localOnly()).toBe(false);
    expect(settings.get().cloudPausedUntil).toBeUndefined();
  });

  it('a stopped core: no stats, a status line, and "Restart core" calls the supervisor', async () => {
    core = { status: 'failed', attempt: 5, reason: 'crash' };
    await tray.refresh();
    expect(label('today')).toBe('Today: spend and savings unavailable');
    expect(label('core-status')).toBe('Core stopped: it failed to restart');
    t().click('restart-core');
    expect(actions.restartCore).toHaveBeenCalledTimes(1);
    t().click('quick-ask');
    t().click('quit');
    expect(actions.quickAsk).toHaveBeenCalledTimes(1);
    expect(actions.quit).toHaveBeenCalledTimes(1);
  });
});
