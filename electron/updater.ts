// Auto-update hooks (electron-updater), off until a publish target exists; the package is loaded lazily and may be absent.
import { existsSync } from 'node:fs';
import path from 'node:path';

/*
 * How it turns on: (1) `npm install electron-updater` (a runtime dependency, so it ships in the asar); (2) give
 * electron-builder.yml a real `publish:` target (github, s3, generic URL) instead of `publish: null`; electron-builder
 * then writes `<resources>/app-update.yml`, which is both electron-updater's configuration and our "a publish target
 * exists" switch; (3) build with `--publish always` (or upload the files by hand). Until all three hold, this stays off.
 *
 *   off (dev build, or no app-update.yml) ── start() ──► off
 *   not-installed (no electron-updater) ── start() ──► not-installed
 *   idle ── start() ──► checking ──► up-to-date | downloading ──► downloaded (installed on quit)
 *                          └────────────► error (kept; the next start() checks again)
 */
export type UpdaterStatus = 'off' | 'not-installed' | 'idle' | 'checking' | 'up-to-date' | 'downloading' | 'downloaded' | 'error';

/** The updater's state, with the reason in words for the states a person may ask about. */
export interface UpdaterState {
  status: UpdaterStatus;
  message?: string;
}

/** The part of electron-updater's `autoUpdater` this module uses. */
export interface AutoUpdaterLike {
  autoDownload: boolean;
  on(event: 'checking-for-update' | 'update-available' | 'update-not-available' | 'update-downloaded', l: () => void): unknown;
  on(event: 'error', l: (e: Error) => void): unknown;
  checkForUpdates(): Promise<unknown>;
}

/** What {@link createUpdater} needs: Electron's app (packaged or not), the resources folder, and the loader. */
export interface UpdaterOptions {
  isPackaged: boolean;
  /** process.resourcesPath in the packaged app. */
  resourcesPath: string;
  /** Load electron-updater; default a dynamic import (a missing package rejects). */
  load?: () => Promise<{ autoUpdater: AutoUpdaterLike }>;
  fileExists?: (file: string) => boolean;
  onState?: (s: UpdaterState) => void;
}

/** The auto-updater as the shell uses it. */
export interface Updater {
  state(): UpdaterState;
  /** Check for an update (downloads it in the background when there is one); resolves with the resulting state. */
  start(): Promise<UpdaterState>;
}

/** The package name in a variable: TypeScript must not require its types while it is not installed. */
const PACKAGE = 'electron-updater';

/** Create the updater; nothing is loaded or checked until start(). */
export function createUpdater(o: UpdaterOptions): Updater {
  const load = o.load ?? (async () => (await import(PACKAGE)) as { autoUpdater: AutoUpdaterLike });
  const exists = o.fileExists ?? existsSync;
  let current: UpdaterState = { status: 'idle' };
  let au: AutoUpdaterLike | null = null;
  const set = (s: UpdaterState): UpdaterState => {
    current = s;
    o.onState?.(s);
    return s;
  };

  return {
    state: () => current,
    async start() {
      if (!o.isPackaged) return set({ status: 'off', message: 'Updates are off in development builds.' });
      const config = path.join(o.resourcesPath, 'app-update.yml');
      if (!exists(config)) {
        return set({
          status: 'off',
          message: `Updates are off: this build has no publish target (${config} is absent; set "publish" in electron-builder.yml).`,
        });
      }
      if (!au) {
        try {
          au = (await load()).autoUpdater;
        } catch (e) {
          return set({
            status: 'not-installed',
            message: `Updates are off: the electron-updater package is not installed (${e instanceof Error ? e.message : String(e)}).`,
          });
        }
        au.autoDownload = true;
        au.on('checking-for-update', () => set({ status: 'checking' }));
        au.on('update-available', () => set({ status: 'downloading' }));
        au.on('update-not-available', () => set({ status: 'up-to-date' }));
        au.on('update-downloaded', () => set({ status: 'downloaded', message: 'An update is ready; it installs when you quit.' }));
        au.on('error', (e) => set({ status: 'error', message: `Update check failed: ${e.message}` }));
      }
      set({ status: 'checking' });
      try {
        await au.checkForUpdates();
      } catch (e) {
        return set({ status: 'error', message: `Update check failed: ${e instanceof Error ? e.message : String(e)}` });
      }
      return current;
    },
  };
}
