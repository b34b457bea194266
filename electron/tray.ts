// The tray icon and its menu (built from the pure trayMenuModel); reads today's stats and settings from the core over HTTP.
import { Menu, nativeImage, nativeTheme, Tray, type MenuItemConstructorOptions, type Rectangle } from 'electron';
import type { CoreState, GatewayInfo, ShortcutStatus } from './ipc-contract.js';
import type { SettingsStore } from './shell-settings.js';
import { CLOUD_PAUSE_MS, trayMenuModel, type TrayItemId, type TrayStats } from './tray-model.js';

/** Stats refresh: every 30 s is fresh enough for a "today" figure and costs one indexed query. */
const REFRESH_MS = 30_000;
/** A core that does not answer a tray query within 5 s is busy or gone; the next refresh tries again. */
const REQUEST_TIMEOUT_MS = 5_000;

/** Options of {@link createTray}. */
export interface TrayOptions {
  /** Icon file for the panel's colour (dark panel → light icon). */
  iconPath(darkPanel: boolean): string;
  /** Whether the panel the icon sits on is dark now (electron/lifecycle.ts trayPanelIsDark); default: the app theme. */
  panelIsDark?(): boolean;
  platform: NodeJS.Platform;
  gateway(): GatewayInfo | null;
  coreState(): CoreState;
  shortcut(): ShortcutStatus;
  settings: SettingsStore;
  startAtLogin(): boolean;
  setStartAtLogin(on: boolean): void;
  actions: { quickAsk(): void; open(): void; restartCore(): void; quit(): void };
  fetch?: typeof fetch;
  now?: () => number;
}

/** The tray controller. */
export interface AppTray {
  /** Re-read stats and settings from the core and rebuild the menu. */
  refresh(): Promise<void>;
  /** Rebuild the menu from what is known (core state or shortcut changed). */
  render(): void;
  bounds(): Rectangle | null;
  destroy(): void;
}

/** Create the tray icon; call refresh() once the core runs. */
export function createTray(o: TrayOptions): AppTray {
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? Date.now;
  const image = () => {
    const img = nativeImage.createFromPath(o.iconPath(o.panelIsDark ? o.panelIsDark() : nativeTheme.shouldUseDarkColors));
    if (o.platform === 'darwin') img.setTemplateImage(true);
    return img;
  };
  const tray = new Tray(image());
  let stats: TrayStats | null = null;
  let localOnly: boolean | null = null;
  let resumeTimer: NodeJS.Timeout | undefined;

  const api = async (method: 'GET' | 'PUT', path: string, body?: unknown): Promise<unknown> => {
    const g = o.gateway();
    if (!g) throw new Error('the core is not running');
    const res = await doFetch(`${g.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${g.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
    return res.json();
  };

  const setLocalOnly = async (on: boolean): Promise<void> => {
    const s = (await api('PUT', '/api/v1/settings', { local_only: on })) as { local_only?: boolean };
    localOnly = s.local_only ?? on;
  };

  const pausedUntil = () => o.settings.get().cloudPausedUntil;
  const scheduleResume = (): void => {
    if (resumeTimer) clearTimeout(resumeTimer);
    const until = pausedUntil();
    if (until === undefined) return;
    resumeTimer = setTimeout(() => void resume(), Math.max(0, until - now()));
    resumeTimer.unref?.();
  };
  const pause = async (): Promise<void> => {
    await setLocalOnly(true);
    o.settings.update({ cloudPausedUntil: now() + CLOUD_PAUSE_MS });
    scheduleResume();
  };
  const resume = async (): Promise<void> => {
    if (resumeTimer) clearTimeout(resumeTimer);
    try {
      await setLocalOnly(false);
      o.settings.update({ cloudPausedUntil: undefined });
    } catch {
      // The core is down: the pause ends on the next refresh that reaches it.
    }
    render();
  };

  const actOn = (id: TrayItemId, checked: boolean): void => {
    const run = (p: Promise<void>) => void p.catch(() => undefined).finally(() => render());
    switch (id) {
      case 'quick-ask':
        return o.actions.quickAsk();
      case 'open':
        return o.actions.open();
      case 'local-only':
        return run(setLocalOnly(checked));
      case 'pause-cloud':
        return run(checked ? pause() : resume());
      case 'start-at-login':
        o.setStartAtLogin(checked);
        return render();
      case 'restart-core':
        return o.actions.restartCore();
      case 'quit':
        return o.actions.quit();
      default:
        return;
    }
  };

  function render(): void {
    const model = trayMenuModel({
      core: o.coreState(),
      stats,
      localOnly,
      cloudPausedUntil: pausedUntil(),
      shortcut: o.shortcut(),
      startAtLogin: o.startAtLogin(),
      now: now(),
      platform: o.platform,
    });
    const template: MenuItemConstructorOptions[] = model.items.map((item) =>
      item.type === 'separator'
        ? { type: 'separator' }
        : {
            id: item.id,
            type: item.type,
            label: item.label,
            enabled: item.enabled,
            ...(item.checked === undefined ? {} : { checked: item.checked }),
            ...(item.accelerator ? { accelerator: item.accelerator, registerAccelerator: false } : {}),
            click: (mi: { checked?: boolean }) => actOn(item.id, mi.checked === true),
          },
    );
    tray.setToolTip(model.tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(template));
  }

  const refresh = async (): Promise<void> => {
    if (o.coreState().status !== 'running') {
      stats = null;
      render();
      return;
    }
    try {
      const [s, settings] = (await Promise.all([api('GET', '/api/v1/stats?range=today'), api('GET', '/api/v1/settings')])) as [
        { totals?: { cost_micros?: number; savings_micros?: number; requests?: number } },
        { local_only?: boolean },
      ];
      stats = {
        spentMicros: s.totals?.cost_micros ?? 0,
        savedMicros: s.totals?.savings_micros ?? 0,
        requests: s.totals?.requests ?? 0,
      };
      localOnly = typeof settings.local_only === 'boolean' ? settings.local_only : null;
      // A pause that ran out while the app was closed (or asleep) ends now.
      const until = pausedUntil();
      if (until !== undefined && until <= now()) await resume();
    } catch {
      stats = null;
    }
    render();
  };

  const timer = setInterval(() => void refresh(), REFRESH_MS);
  timer.unref?.();
  const onTheme = () => tray.setImage(image());
  nativeTheme.on('updated', onTheme);
  // Left click (Windows, macOS; some Linux trays) opens quick ask; the menu is on right click.
  tray.on('click', () => o.actions.quickAsk());
  scheduleResume();
  render();

  return {
    refresh,
    render,
    bounds() {
      const b = tray.getBounds?.();
      return b && b.width > 0 ? b : null;
    },
    destroy() {
      clearInterval(timer);
      if (resumeTimer) clearTimeout(resumeTimer);
      nativeTheme.removeListener('updated', onTheme);
      tray.destroy();
    },
  };
}
