// The quick-ask global shortcut: validation, registration, and a clear message when another app holds it.
import type { GlobalShortcut } from 'electron';
import type { ShortcutStatus } from './ipc-contract.js';

/**
 * Ctrl+Alt+Shift+Space (Cmd+Option+Shift+Space on macOS): in none of the tables below, so the default takes nothing
 * away from another app (registration succeeds even over an app-local shortcut, so no conflict would ever be shown).
 * The user changes it in Settings (app:set-shortcut).
 */
export const DEFAULT_QUICK_ASK_SHORTCUT = 'CommandOrControl+Alt+Shift+Space';

/**
 * Shortcuts common apps and desktops use that a global registration would silently take from them: registering
 * succeeds (they are app-local or the desktop does not claim them), so the user would only notice the other app broke.
 * Keys are normalised accelerators (see {@link normalizeAccelerator}); values name who uses it.
 */
export const WELL_KNOWN_SHORTCUTS: Readonly<Record<string, string>> = {
  'Ctrl+Shift+Space': 'VS Code (parameter hints) and IntelliJ IDEs (smart completion)',
  'Ctrl+Space': 'code completion in most editors and IDEs, and input-method switching',
  'Ctrl+Alt+Space': 'IntelliJ IDEs (class name completion)',
  'Alt+Space': 'the window menu (Windows, GNOME, KDE) and PowerToys Run',
  'Cmd+Space': 'Spotlight (macOS)',
  'Cmd+Alt+Space': 'Finder search (macOS)',
  'Ctrl+Cmd+Space': 'the emoji picker (macOS)',
  'Super+Space': 'input source switching (GNOME, Windows)',
  'Ctrl+Shift+P': 'the command palette (VS Code, browsers)',
  'Ctrl+Shift+K': 'VS Code (delete line) and Firefox (web console)',
};

/** An accelerator with CommandOrControl resolved for `platform` and modifiers in a fixed order: "Ctrl+Alt+Shift+Space". */
export function normalizeAccelerator(accelerator: string, platform: NodeJS.Platform): string {
  const mac = platform === 'darwin';
  const parts = accelerator.split('+');
  const key = parts.at(-1) ?? '';
  const mods = new Set(
    parts.slice(0, -1).map((m) => {
      if (m === 'CommandOrControl' || m === 'CmdOrCtrl') return mac ? 'Cmd' : 'Ctrl';
      if (m === 'Command' || m === 'Cmd' || (mac && (m === 'Super' || m === 'Meta'))) return 'Cmd';
      if (m === 'Control') return 'Ctrl';
      if (m === 'Option') return 'Alt';
      if (m === 'Meta') return 'Super';
      return m;
    }),
  );
  const order = ['Ctrl', 'Cmd', 'Alt', 'AltGr', 'Shift', 'Super'];
  return [...order.filter((m) => mods.has(m)), key.length === 1 ? key.toUpperCase() : key].join('+');
}

/** Who else uses `accelerator` on `platform`, or undefined. */
export function knownConflict(accelerator: string, platform: NodeJS.Platform): string | undefined {
  return WELL_KNOWN_SHORTCUTS[normalizeAccelerator(accelerator, platform)];
}

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
        const clash = knownConflict(wanted, opts.platform);
        return (last = {
          accelerator: wanted,
          label: label(wanted),
          registered: true,
          ...(clash
            ? {
                message: `${label(wanted)} now opens quick ask everywhere, so ${clash} no longer get it. Choose another one in Settings to give it back.`,
              }
            : {}),
        });
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
