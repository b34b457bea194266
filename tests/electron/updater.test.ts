// The auto-update hooks: off without a publish target, a clear "not installed" state without electron-updater (a stand-in autoUpdater replaces the package).
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUpdater, type AutoUpdaterLike, type UpdaterState } from '../../electron/updater.js';

const RES = '/opt/hybrid-ai/resources';
const withConfig = (f: string): boolean => f === path.join(RES, 'app-update.yml');

/** Stands in for electron-updater's autoUpdater: checkForUpdates plays the events `script` names. */
function fakeAutoUpdater(script: Array<'checking-for-update' | 'update-available' | 'update-not-available' | 'update-downloaded'>) {
  const em = new EventEmitter();
  const au: AutoUpdaterLike & { checks: number } = {
    autoDownload: false,
    checks: 0,
    on: (event: string, l: (e: Error) => void) => em.on(event, l),
    checkForUpdates: async () => {
      au.checks++;
      for (const e of script) em.emit(e);
    },
  };
  return au;
}

describe('updater', () => {
  it('stays off in a development build and loads nothing', async () => {
    let loads = 0;
    const u = createUpdater({
      isPackaged: false,
      resourcesPath: RES,
      fileExists: withConfig,
      load: async () => (loads++, { autoUpdater: fakeAutoUpdater([]) }),
    });
    expect(await u.start()).toEqual({ status: 'off', message: 'Updates are off in development builds.' });
    expect(loads).toBe(0);
  });

  it('stays off while the build has no publish target (no app-update.yml)', async () => {
    let loads = 0;
    const u = createUpdater({
      isPackaged: true,
      resourcesPath: RES,
      fileExists: () => false,
      load: async () => (loads++, { autoUpdater: fakeAutoUpdater([]) }),
    });
    const s = await u.start();
    expect(s.status).toBe('off');
    expect(s.message).toContain('no publish target');
    expect(s.message).toContain(path.join(RES, 'app-update.yml'));
    expect(loads).toBe(0);
  });

  it('reports "not installed" clearly when electron-updater cannot be loaded', async () => {
    const missing = Object.assign(new Error("Cannot find package 'electron-updater'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const u = createUpdater({
      isPackaged: true,
      resourcesPath: RES,
      fileExists: withConfig,
      load: async () => {
        throw missing;
      },
    });
    const s = await u.start();
    expect(s.status).toBe('not-installed');
    expect(s.message).toMatch(/^Updates are off: the electron-updater package is not installed \(.*electron-updater/);
  });

  it('checks and downloads in the background once on, reporting each state', async () => {
    const au = fakeAutoUpdater(['checking-for-update', 'update-available', 'update-downloaded']);
    const seen: UpdaterState[] = [];
    const u = createUpdater({
      isPackaged: true,
      resourcesPath: RES,
      fileExists: withConfig,
      load: async () => ({ autoUpdater: au }),
      onState: (s) => seen.push(s),
    });
    expect((await u.start()).status).toBe('downloaded');
    expect(au.autoDownload).toBe(true);
    expect(seen.map((s) => s.status)).toEqual(['checking', 'checking', 'downloading', 'downloaded']);
  });

  it('turns a failed check into an error state, and a later start checks again', async () => {
    const au = fakeAutoUpdater([]);
    let fail = true;
    au.checkForUpdates = async () => {
      au.checks++;
      if (fail) throw new Error('net::ERR_INTERNET_DISCONNECTED');
    };
    const u = createUpdater({ isPackaged: true, resourcesPath: RES, fileExists: withConfig, load: async () => ({ autoUpdater: au }) });
    expect(await u.start()).toEqual({ status: 'error', message: 'Update check failed: net::ERR_INTERNET_DISCONNECTED' });
    fail = false;
    await u.start();
    expect(au.checks).toBe(2);
  });
});
