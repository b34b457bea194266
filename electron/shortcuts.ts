// The quick-ask global shortcut: validation, registration, and a clear message when another app holds it.
import type { GlobalShortcut } from 'electron';
import type { ShortcutStatus } from './ipc-contract.js';

/** Ctrl+Shift+Space (Cmd on macOS): free in most desktops and apps, and reachable with one hand. */
export const DEFAULT_QUICK_ASK_SHORTCUT = 'CommandOrControl+Shift+Space';

const MODIFIERS = new Set([
  'Command',
  'Cmd',
  'Control',
  'Ctrl',
  'CommandOrControl',
  'CmdOrCtrl',
  'Alt',
  'Option',
  'AltGr',
  'Shift',
  'Super',
  'Meta',
]);
const NAMED_KEYS = new Set([
  'Space',
  'Tab',
  'Backspace',
  'Delete',
  'Insert',
  'Return',
  'Enter',
  'Up',
  'Down',
  'Left',
  'Right',
  'Home',
  'End',
  'PageUp',
  'PageDown',
  'Escape',
  'Esc',
  'Plus',
]);

/**
 * True for an accelerator a global shortcut may use: at least one modifier (a bare key would swallow typing in
 * every app) and exactly one key: a letter, digit, F1–F24, punctuation or a named key.
 */
export function isValidAccelerator(accelerator: string): boolean {
  const parts = accelerator.split('+');
  if (parts.length < 2 || parts.some((p) => p === '')) return false;
  const key = parts.at(-1)!;
  const mods = parts.slice(0, -1);
  if (!mods.every((m) => MODIFIERS.has(m)) || new Set(mods).size !== mods.length) return false;
  return /^[A-Z0-9]$/i.test(key) || /^F([1-9]|1[0-9]|2[0-4])$/.test(key) || NAMED_KEYS.has(key) || /^[`\-=[\]\\;',./]$/.test(key);
}

/** The accelerator as this platform writes it: "Ctrl+Shift+Space", or "Cmd+Shift+Space" on macOS. */
export function acceleratorLabel(accelerator: string, platform: NodeJS.Platform): string {
  const mac = platform === 'darwin';
  return accelerator
    .split('+')
    .map((p) => {
      if (p === 'CommandOrControl' || p === 'CmdOrCtrl') return mac ? 'Cmd' : 'Ctrl';
      if (p === 'Command') return 'Cmd';
      if (p === 'Control') return 'Ctrl';
      if (p === 'Alt' && mac) return 'Option';
      if (p === 'Super' || p === 'Meta') return mac ? 'Cmd' : 'Super';
      return p;
    })
    .join('+');
}

/** Options of {@link createShortcutManager}. */
export interface ShortcutOptions {
  globalShortcut: Pick<GlobalShortcut, 'register' | 'unregister' | 'isRegistered'>;
  platform: NodeJS.Platform;
  /** Called on every press. */
  onPress(): void;
}

/** Holds the one quick-ask shortcut. */
export interface ShortcutManager {
  /** Register `accelerator`; on failure the previous shortcut (if any) stays active and the status says why. */
  set(accelerator: string): ShortcutStatus;
  status(): ShortcutStatus;
  unregister(): void;
}

/** Build the manager; nothing is registered until set(). */
export function createShortcutManager(opts: ShortcutOptions): ShortcutManager {
  let active: string | undefined;
  let last: ShortcutStatus | undefined;
  const label = (a: string) => acceleratorLabel(a, opts.platform);

  const tryRegister = (accelerator: string): string | undefined => {
    if (!isValidAccelerator(accelerator)) {
      return `"${accelerator}" is not a valid shortcut: use one or more modifiers (CommandOrControl, Alt, Shift, Super) and one key, e.g. ${DEFAULT_QUICK_ASK_SHORTCUT}.`;
    }
    let ok: boolean;
    try {
      ok = opts.globalShortcut.register(accelerator, opts.onPress);
    } catch (e) {
      return `"${label(accelerator)}" could not be registered (${e instanceof Error ? e.message : String(e)}). Choose another shortcut.`;
    }
    if (!ok) {
      return `${label(accelerator)} is already used by another application, so quick ask has no shortcut. Choose another one in Settings, or free ${label(accelerator)} in the other application.`;
    }
    return undefined;
  };

  return {
    set(accelerator) {
      const wanted = accelerator.trim();
      if (wanted === active && active !== undefined) return (last = { accelerator: wanted, label: label(wanted), registered: true });
      // Free our own old shortcut first only when the new one is different, so re-registering never fails on ourselves.
      const previous = active;
      if (previous !== undefined) opts.globalShortcut.unregister(previous);
      const problem = tryRegister(wanted);
      if (problem === undefined) {
        active = wanted;
        return (last = { accelerator: wanted, label: label(wanted), registered: true });
      }
      // Keep the old one working (it was ours a moment ago, so it registers again).
      if (previous !== undefined && tryRegister(previous) === undefined) {
        return (last = { accelerator: previous, label: label(previous), registered: true, message: problem });
      }
      active = undefined;
      return (last = { accelerator: wanted, label: label(wanted), registered: false, message: problem });
    },
    status() {
      return last ?? { accelerator: DEFAULT_QUICK_ASK_SHORTCUT, label: label(DEFAULT_QUICK_ASK_SHORTCUT), registered: false };
    },
    unregister() {
      if (active !== undefined) opts.globalShortcut.unregister(active);
      active = undefined;
    },
  };
}
