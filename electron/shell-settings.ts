// The shell's own small settings (window bounds, quick-ask shortcut, cloud pause), a JSON file in userData.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A window rectangle in screen coordinates. */
export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Everything the shell remembers between runs. */
export interface ShellSettings {
  windowBounds?: Bounds & { maximized?: boolean };
  /** Electron accelerator of the quick-ask shortcut; absent = the default. */
  quickAskShortcut?: string;
  /** Epoch ms until which the tray's "Pause cloud" keeps the core local-only. */
  cloudPausedUntil?: number;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Keep only well-formed fields: a hand-edited or truncated file must never crash the shell. */
export function sanitizeSettings(raw: unknown): ShellSettings {
  const out: ShellSettings = {};
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  const b = r.windowBounds as Record<string, unknown> | undefined;
  if (b && isInt(b.x) && isInt(b.y) && isInt(b.width) && isInt(b.height) && b.width > 0 && b.height > 0) {
    out.windowBounds = { x: b.x, y: b.y, width: b.width, height: b.height, maximized: b.maximized === true };
  }
  if (typeof r.quickAskShortcut === 'string' && r.quickAskShortcut.length <= 64) out.quickAskShortcut = r.quickAskShortcut;
  if (isInt(r.cloudPausedUntil)) out.cloudPausedUntil = r.cloudPausedUntil;
  return out;
}

/** A settings file: read once, written atomically (temp file + rename) on every change. */
export interface SettingsStore {
  get(): ShellSettings;
  update(patch: Partial<ShellSettings>): ShellSettings;
}

/** Open (or start) the settings file; unreadable or invalid content counts as empty. */
export function openSettings(file: string): SettingsStore {
  let current: ShellSettings;
  try {
    current = sanitizeSettings(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    current = {};
  }
  return {
    get: () => current,
    update(patch) {
      current = sanitizeSettings({ ...current, ...patch });
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, `${JSON.stringify(current, null, 2)}\n`);
        renameSync(tmp, file);
      } catch {
        // Losing a window position is not worth a crash; the setting still holds for this run.
      }
      return current;
    },
  };
}
