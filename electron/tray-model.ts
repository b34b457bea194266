// Pure: the tray's tooltip and menu items (labels, enabled, checked) from today's stats, settings and the core's state.
import type { CoreState, ShortcutStatus } from './ipc-contract.js';

/** Today's numbers from GET /api/v1/stats?range=today (integer micro-dollars). */
export interface TrayStats {
  spentMicros: number;
  savedMicros: number;
  requests: number;
}

/** Everything the menu depends on; `null` = not known yet (the core is not running or has not answered). */
export interface TrayInputs {
  core: CoreState;
  stats: TrayStats | null;
  localOnly: boolean | null;
  /** Epoch ms until which the cloud is paused (set by "Pause cloud"), if paused. */
  cloudPausedUntil?: number;
  shortcut: ShortcutStatus;
  startAtLogin: boolean;
  /** The clock, for the pause's remaining time. */
  now: number;
  platform: NodeJS.Platform;
}

/** Menu item ids, so tray.ts maps each to its action. */
export type TrayItemId =
  | 'quick-ask'
  | 'open'
  | 'today'
  | 'local-only'
  | 'pause-cloud'
  | 'start-at-login'
  | 'restart-core'
  | 'core-status'
  | 'shortcut-problem'
  | 'quit';

/** One menu entry; separators carry no id. */
export type TrayItem =
  | { type: 'separator' }
  | { type: 'normal' | 'checkbox'; id: TrayItemId; label: string; enabled: boolean; checked?: boolean; accelerator?: string };

/** The tooltip and the menu. */
export interface TrayModel {
  tooltip: string;
  items: TrayItem[];
}

/** How long "Pause cloud" lasts: one hour covers a meeting or a sensitive task without forgetting to resume. */
export const CLOUD_PAUSE_MS = 60 * 60 * 1000;

/** Micro-dollars → "$0.0123" (4 decimals below $1, where single requests live; 2 above). */
export function formatUsd(micros: number): string {
  const usd = micros / 1_000_000;
  return usd !== 0 && Math.abs(usd) < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** "in 42 min" style remaining time, rounded up to whole minutes. */
function minutesLeft(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 60_000))} min`;
}

/** The menu for these inputs. */
export function trayMenuModel(i: TrayInputs): TrayModel {
  const running = i.core.status === 'running';
  const paused = i.cloudPausedUntil !== undefined && i.cloudPausedUntil > i.now;
  const items: TrayItem[] = [];

  const coreLine = ((): string | null => {
    switch (i.core.status) {
      case 'running':
        return null;
      case 'starting':
        return i.core.attempt > 0 ? `Core restarting (attempt ${i.core.attempt + 1})…` : 'Core starting…';
      case 'restarting':
        return `Core stopped; restarting in ${Math.ceil((i.core.retryInMs ?? 0) / 1000)} s`;
      case 'failed':
        return 'Core stopped: it failed to restart';
      case 'stopping':
        return 'Core stopping…';
      case 'stopped':
        return 'Core stopped';
    }
  })();

  items.push({
    type: 'normal',
    id: 'quick-ask',
    label: 'Quick ask',
    enabled: running,
    ...(i.shortcut.registered ? { accelerator: i.shortcut.accelerator } : {}),
  });
  items.push({ type: 'normal', id: 'open', label: 'Open Hybrid AI', enabled: true });
  if (!i.shortcut.registered && i.shortcut.message) {
    items.push({ type: 'normal', id: 'shortcut-problem', label: `Shortcut ${i.shortcut.label} unavailable`, enabled: false });
  }
  items.push({ type: 'separator' });
  if (coreLine) items.push({ type: 'normal', id: 'core-status', label: coreLine, enabled: false });
  items.push({
    type: 'normal',
    id: 'today',
    label:
      running && i.stats
        ? `Today: ${formatUsd(i.stats.spentMicros)} spent · ${formatUsd(i.stats.savedMicros)} saved`
        : 'Today: spend and savings unavailable',
    enabled: false,
  });
  items.push({
    type: 'checkbox',
    id: 'local-only',
    label: 'Local only',
    // While paused, local-only is the pause's doing: resume through "Pause cloud".
    enabled: running && i.localOnly !== null && !paused,
    checked: i.localOnly === true,
  });
  items.push({
    type: 'checkbox',
    id: 'pause-cloud',
    label: paused ? `Cloud paused (${minutesLeft(i.cloudPausedUntil! - i.now)} left) — click to resume` : 'Pause cloud for 1 hour',
    enabled: running && (paused || i.localOnly === false),
    checked: paused,
  });
  items.push({ type: 'separator' });
  // Electron can set login items on macOS and Windows only; Linux desktops keep them in their own autostart settings.
  items.push({
    type: 'checkbox',
    id: 'start-at-login',
    label: i.platform === 'linux' ? 'Start at login (set it in your desktop’s autostart settings)' : 'Start at login',
    enabled: i.platform !== 'linux',
    checked: i.startAtLogin,
  });
  if (i.core.status === 'failed' || i.core.status === 'stopped') {
    items.push({ type: 'normal', id: 'restart-core', label: 'Restart core', enabled: true });
  }
  items.push({ type: 'normal', id: 'quit', label: 'Quit Hybrid AI', enabled: true });

  const tooltip = [
    'Hybrid AI',
    coreLine ?? (i.stats ? `today ${formatUsd(i.stats.spentMicros)} spent, ${formatUsd(i.stats.savedMicros)} saved` : 'running'),
    paused ? 'cloud paused' : i.localOnly ? 'local only' : null,
  ]
    .filter(Boolean)
    .join(' — ');
  return { tooltip, items };
}
