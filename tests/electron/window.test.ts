// Windows: the security-critical webPreferences, remembered bounds, the quick-ask placement; plus paths and the settings file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  builtCoreIsFresh,
  coreDataDir,
  coreEntry,
  coreResourcesDir,
  preloadPath,
  trayIconPath,
  type AppLocation,
} from '../../electron/paths.js';
import { createQuickAsk, quickAskPosition, QUICK_ASK_SIZE } from '../../electron/quick-ask.js';
import { openSettings, sanitizeSettings } from '../../electron/shell-settings.js';
import { createMainWindow, DEFAULT_SIZE, restoreBounds, secureWebPreferences } from '../../electron/window.js';
import { bundledOllamaPath } from '../../router-core/host/ollama-process.js';
import { BrowserWindow, fake } from '../fakes/electron.js';

vi.mock('electron', () => import('../fakes/electron.js'));

const primary = { x: 0, y: 0, width: 1920, height: 1040 };
let tmp: string;
beforeEach(() => {
  fake.reset();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-window-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('secure webPreferences (every window the shell opens)', () => {
  const required = {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    // Chromium's spellchecker downloads dictionaries from a third party.
    spellcheck: false,
  };

  it('secureWebPreferences() has every protection on', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({ ...required, preload: '/p.cjs' });
    expect(secureWebPreferences('/p.cjs')).not.toHaveProperty('enableRemoteModule');
  });

  it('the main window and the quick-ask window are built with them', () => {
    const settings = openSettings(path.join(tmp, 's.json'));
    createMainWindow({ preload: '/p.cjs', settings, displays: () => ({ workAreas: [primary], primary }), isQuitting: () => false });
    const qa = createQuickAsk({
      preload: '/p.cjs',
      url: () => 'http://127.0.0.1:1',
      placement: () => ({ tray: null, cursor: { x: 5, y: 5 }, workArea: primary }),
    });
    qa.show();
    expect(BrowserWindow.all).toHaveLength(2);
    for (const w of BrowserWindow.all) expect(w.options.webPreferences).toMatchObject(required);
  });
});

describe('main window bounds', () => {
  it('first run: the default size, centred', () => {
    expect(restoreBounds(undefined, [primary], primary)).toEqual({ x: 360, y: 140, ...DEFAULT_SIZE });
  });

  it('restores saved bounds on a display that still exists, shrunk to fit it', () => {
    expect(restoreBounds({ x: 100, y: 50, width: 900, height: 700 }, [primary], primary)).toEqual({
      x: 100,
      y: 50,
      width: 900,
      height: 700,
    });
    expect(restoreBounds({ x: 0, y: 0, width: 4000, height: 3000 }, [primary], primary)).toEqual({ x: 0, y: 0, width: 1920, height: 1040 });
  });

  it('a window left on an unplugged monitor comes back to the primary display', () => {
    expect(restoreBounds({ x: 3000, y: 100, width: 900, height: 700 }, [primary], primary)).toEqual({ x: 360, y: 140, ...DEFAULT_SIZE });
  });

  it('saves bounds on close and reopens there; close hides unless quitting', () => {
    const file = path.join(tmp, 'shell-settings.json');
    let quitting = false;
    const mw = createMainWindow({
      preload: '/p.cjs',
      settings: openSettings(file),
      displays: () => ({ workAreas: [primary], primary }),
      isQuitting: () => quitting,
    });
    mw.window.setBounds({ x: 200, y: 100, width: 1000, height: 700 });
    mw.window.close();
    expect(mw.window.isDestroyed()).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8')).windowBounds).toEqual({ x: 200, y: 100, width: 1000, height: 700, maximized: false });
    quitting = true;
    mw.window.close();
    expect(mw.window.isDestroyed()).toBe(true);
    const again = createMainWindow({
      preload: '/p.cjs',
      settings: openSettings(file),
      displays: () => ({ workAreas: [primary], primary }),
      isQuitting: () => true,
    });
    expect(again.window.getBounds()).toEqual({ x: 200, y: 100, width: 1000, height: 700 });
  });

  it('load() opens the URL (with an optional hash route); showing is up to the caller (hidden start at login)', async () => {
    const mw = createMainWindow({
      preload: '/p.cjs',
      settings: openSettings(path.join(tmp, 's.json')),
      displays: () => ({ workAreas: [primary], primary }),
      isQuitting: () => false,
    });
    expect(mw.window.isVisible()).toBe(false);
    await mw.load('app://hybrid-ai/');
    await mw.load('app://hybrid-ai', '#/chat/abc');
    expect((mw.window as unknown as BrowserWindow).loads).toEqual(['app://hybrid-ai/', 'app://hybrid-ai/#/chat/abc']);
    expect(mw.window.isVisible()).toBe(false);
    mw.showAndFocus();
    expect(mw.window.isVisible()).toBe(true);
  });

  it('with no tray to come back from, closing quits instead of hiding', () => {
    let quits = 0;
    const mw = createMainWindow({
      preload: '/p.cjs',
      settings: openSettings(path.join(tmp, 's.json')),
      displays: () => ({ workAreas: [primary], primary }),
      isQuitting: () => false,
      closeAction: () => 'quit',
      onQuit: () => quits++,
    });
    mw.showAndFocus();
    (mw.window as unknown as BrowserWindow).close();
    expect(quits).toBe(1);
    expect(mw.window.isDestroyed()).toBe(true);
  });
});

describe('quick-ask placement', () => {
  it('below a tray at the top (macOS menu bar, GNOME), centred on the icon', () => {
    expect(
      quickAskPosition({ x: 1700, y: 0, width: 24, height: 24 }, { x: 0, y: 0 }, QUICK_ASK_SIZE, {
        x: 0,
        y: 25,
        width: 1920,
        height: 1055,
      }),
    ).toEqual({
      x: 1352,
      y: 33,
    });
  });

  it('above a tray at the bottom (Windows taskbar), kept inside the screen at the right edge', () => {
    expect(quickAskPosition({ x: 1890, y: 1050, width: 24, height: 30 }, { x: 0, y: 0 }, QUICK_ASK_SIZE, primary)).toEqual({
      x: 1920 - 560 - 8,
      y: 1040 - 420 - 8,
    });
  });

  it('native Wayland (no cursor, no tray bounds): centred in the upper third of the work area', () => {
    expect(quickAskPosition(null, null, QUICK_ASK_SIZE, { x: 0, y: 32, width: 1920, height: 1048 })).toEqual({
      x: 680,
      y: 32 + Math.round((1048 - QUICK_ASK_SIZE.height) / 3),
    });
  });

  it('Linux trays without bounds: next to the cursor', () => {
    expect(quickAskPosition({ x: 0, y: 0, width: 0, height: 0 }, { x: 400, y: 300 }, QUICK_ASK_SIZE, primary)).toEqual({ x: 120, y: 308 });
  });

  it('does nothing while the core is down; reloads only when the core moved', () => {
    let url: string | null = null;
    const qa = createQuickAsk({
      preload: '/p.cjs',
      url: () => url,
      placement: () => ({ tray: null, cursor: { x: 5, y: 5 }, workArea: primary }),
    });
    qa.show();
    expect(BrowserWindow.all).toHaveLength(0);
    url = 'http://127.0.0.1:1';
    qa.show();
    qa.hide();
    qa.show();
    const w = BrowserWindow.all[0]!;
    expect(w.loads).toEqual(['http://127.0.0.1:1/#/quick-ask']);
    w.emit('blur');
    expect(qa.isVisible()).toBe(false);
    url = 'http://127.0.0.1:2';
    qa.reset();
    qa.show();
    expect(w.loads.at(-1)).toBe('http://127.0.0.1:2/#/quick-ask');
  });
});

describe('paths', () => {
  const dev: AppLocation = { platform: 'linux', isPackaged: false, appPath: '/repo', resourcesPath: '/usr/lib/electron/resources' };
  const packed: AppLocation = {
    platform: 'linux',
    isPackaged: true,
    appPath: '/opt/Hybrid AI/resources/app.asar',
    resourcesPath: '/opt/Hybrid AI/resources',
  };

  it('the core data dir matches the headless server’s default per platform', () => {
    expect(coreDataDir('linux', {}, '/home/u')).toBe('/home/u/.local/share/hybrid-ai');
    expect(coreDataDir('linux', { XDG_DATA_HOME: '/x' }, '/home/u')).toBe('/x/hybrid-ai');
    expect(coreDataDir('darwin', {}, '/Users/u')).toBe('/Users/u/Library/Application Support/hybrid-ai');
    // Windows: Local, never Roaming (multi-GB models must not follow a roaming profile).
    const winEnv = { APPDATA: 'C:\\Users\\u\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' };
    expect(coreDataDir('win32', winEnv, 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\hybrid-ai');
    expect(coreDataDir('win32', { APPDATA: winEnv.APPDATA }, 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\hybrid-ai');
  });

  it('development uses the built server only while it is at least as new as every router-core source', () => {
    const repo = path.join(tmp, 'repo');
    const put = (rel: string, ageS: number): void => {
      const f = path.join(repo, rel);
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, '');
      const t = Date.now() / 1000 - ageS;
      utimesSync(f, t, t);
    };
    put('router-core/server/main.ts', 100);
    put('router-core/routing/policy.ts', 100);
    expect(builtCoreIsFresh(repo)).toBe(false); // never built
    put('dist/server/router-core/server/main.js', 10);
    expect(builtCoreIsFresh(repo)).toBe(false); // half a build: no core.cjs
    put('dist/server/router-core/server/core.cjs', 10);
    expect(builtCoreIsFresh(repo)).toBe(true);
    put('router-core/routing/policy.ts', 1); // edited after the build
    expect(builtCoreIsFresh(repo)).toBe(false);
  });

  it('core entry, preload and icons in development and packaged', () => {
    expect(coreEntry(dev)).toEqual({ entry: '/repo/router-core/server/main.ts', execArgv: ['--import', 'tsx'] });
    expect(coreEntry(packed)).toEqual({ entry: '/opt/Hybrid AI/resources/app.asar/dist/server/router-core/server/main.js', execArgv: [] });
    expect(coreEntry(dev, true)).toEqual({ entry: '/repo/dist/server/router-core/server/main.js', execArgv: [] });
    expect(preloadPath(packed)).toBe('/opt/Hybrid AI/resources/app.asar/dist/electron/preload.cjs');
    expect(trayIconPath(dev, true)).toBe('/repo/resources/tray/tray-light.png');
    expect(trayIconPath(packed, false)).toBe('/opt/Hybrid AI/resources/tray/tray-dark.png');
    expect(trayIconPath({ ...packed, platform: 'darwin' }, false)).toBe('/opt/Hybrid AI/resources/tray/trayTemplate.png');
  });

  it('the packaged core finds the bundled Ollama where electron-builder puts it', () => {
    expect(coreResourcesDir(dev)).toBeUndefined();
    const dir = coreResourcesDir(packed)!;
    expect(bundledOllamaPath(dir, 'linux', 'x64')).toBe('/opt/Hybrid AI/resources/ollama/linux-x64/ollama');
    // The Linux release archive (scripts/fetch-ollama.ts) unpacks to bin/ollama: that layout is found too.
    const bin = '/opt/Hybrid AI/resources/ollama/linux-x64/bin/ollama';
    expect(bundledOllamaPath(dir, 'linux', 'x64', (p) => p === bin)).toBe(bin);
    expect(bundledOllamaPath(dir, 'win32', 'x64')).toBe('/opt/Hybrid AI/resources/ollama/win32-x64/ollama.exe');
  });

  it('the dev tray icons exist as valid PNGs', () => {
    for (const f of ['tray-light.png', 'tray-dark.png', 'trayTemplate.png', 'tray-light@2x.png']) {
      const buf = readFileSync(path.join(process.cwd(), 'resources', 'tray', f));
      expect(buf.subarray(0, 8).toString('hex'), f).toBe('89504e470d0a1a0a');
    }
  });
});

describe('shell settings file', () => {
  it('keeps only well-formed fields; a corrupt file counts as empty', () => {
    expect(
      sanitizeSettings({ windowBounds: { x: 1, y: 2, width: 0, height: 3 }, quickAskShortcut: 5, cloudPausedUntil: 'soon', extra: 1 }),
    ).toEqual({});
    const file = path.join(tmp, 'shell-settings.json');
    writeFileSync(file, '{"windowBounds": {"x": 1');
    const s = openSettings(file);
    expect(s.get()).toEqual({});
    s.update({ quickAskShortcut: 'Alt+K' });
    expect(openSettings(file).get()).toEqual({ quickAskShortcut: 'Alt+K' });
  });
});
