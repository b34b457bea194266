// Desktop shell lifecycle only: single-instance lock, whenReady → core, window, tray, shortcut; quit → stop the core.
import { createUpdater } from './updater.js';
import { createWriteStream, mkdirSync, statSync, truncateSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, dialog, globalShortcut, ipcMain, Menu, screen, session, shell } from 'electron';
import { createCoreProcess, nodeSpawner, spawnUtilityProcess, type CoreProcess, type SpawnCore } from './core-process.js';
import { registerIpc } from './ipc.js';
import { channels, type CoreState } from './ipc-contract.js';
import { menuTemplate } from './menu.js';
import {
  coreDataDir,
  coreEntry,
  coreLogFile,
  coreResourcesDir,
  preloadPath,
  shellSettingsFile,
  trayIconPath,
  type AppLocation,
} from './paths.js';
import { createQuickAsk, type QuickAsk } from './quick-ask.js';
import { guardWebContents, hardenSession, isSafeExternalUrl, originOf } from './security.js';
import { openSettings } from './shell-settings.js';
import { createShortcutManager, DEFAULT_QUICK_ASK_SHORTCUT, type ShortcutManager } from './shortcuts.js';
import { createTray, type AppTray } from './tray.js';
import { createMainWindow, type MainWindow } from './window.js';

/** The core log is cut back to empty at start once it passes 5 MB: enough for days of JSON lines, small on disk. */
const MAX_LOG_BYTES = 5 * 1024 * 1024;

/** Options of {@link startShell} (tests replace the process spawner and the environment). */
export interface ShellOptions {
  spawn?: SpawnCore;
  env?: NodeJS.ProcessEnv;
  /** Core supervisor settings (timeouts, backoff) passed through. */
  core?: Partial<Pick<Parameters<typeof createCoreProcess>[0], 'readyTimeoutMs' | 'stopTimeoutMs' | 'initialBackoffMs' | 'maxAttempts'>>;
}

/** The running shell (returned for tests and for the Playwright _electron test). */
export interface Shell {
  core: CoreProcess;
  mainWindow(): MainWindow | undefined;
  quickAsk: QuickAsk;
  tray: AppTray;
  shortcuts: ShortcutManager;
}

function openLog(file: string): WriteStream | undefined {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      if (statSync(file).size > MAX_LOG_BYTES) truncateSync(file, 0);
    } catch {
      // no log yet
    }
    const stream = createWriteStream(file, { flags: 'a' });
    // The log is a convenience: a full disk or a removed folder must not take the app down.
    stream.on('error', () => undefined);
    return stream;
  } catch {
    return undefined;
  }
}

/**
 * Start the desktop app. Returns null in a second instance (which hands over to the first and quits) and when the
 * core cannot start (after telling the user why).
 */
export async function startShell(options: ShellOptions = {}): Promise<Shell | null> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  const env = options.env ?? process.env;
  const loc: AppLocation = {
    platform: process.platform,
    isPackaged: app.isPackaged,
    appPath: app.getAppPath(),
    resourcesPath: process.resourcesPath ?? app.getAppPath(),
  };
  // Development: the Vite dev server serves the UI (hot reload); the core still answers the API.
  const devUiUrl = !loc.isPackaged && env.HYBRID_AI_UI_DEV_URL ? env.HYBRID_AI_UI_DEV_URL : undefined;
  /** Set once the core is ready (the window shows the core's UI, so it cannot exist before). */
  const ui: { main?: MainWindow } = {};
  let quitting = false;
  let stopped = false;

  const userData = app.getPath('userData');
  const settings = openSettings(shellSettingsFile(userData));
  const dataDir = coreDataDir(process.platform, env, os.homedir());
  const logFile = coreLogFile(userData);
  const log = openLog(logFile);
  const { entry, execArgv } = coreEntry(loc);
  const resources = coreResourcesDir(loc);
  const core = createCoreProcess({
    // Packaged: Electron's utility process. Development: the system `node` (HYBRID_AI_NODE to pick another), so the
    // native modules `npm ci` built for Node load without an Electron rebuild.
    spawn: options.spawn ?? (loc.isPackaged ? spawnUtilityProcess : nodeSpawner(env.HYBRID_AI_NODE || 'node')),
    entry,
    execArgv,
    args: ['--host', '127.0.0.1', '--data-dir', dataDir],
    env: {
      ...env,
      ...(resources ? { HYBRID_AI_RESOURCES_DIR: resources } : {}),
      ...(devUiUrl ? { HYBRID_AI_ALLOWED_ORIGINS: [env.HYBRID_AI_ALLOWED_ORIGINS, originOf(devUiUrl)].filter(Boolean).join(',') } : {}),
    },
    onOutput: (line) => log?.write(`${line}\n`),
    ...options.core,
  });

  const appOrigin = (): string | null => {
    if (devUiUrl) return originOf(devUiUrl);
    const g = core.gateway();
    return g ? originOf(g.url) : null;
  };
  const openExternal = (url: string): void => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
  };

  app.on('second-instance', () => ui.main?.showAndFocus());
  // Every web contents (windows, and anything they might spawn) gets the navigation and window.open guards.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, { appOrigin, openExternal }));

  await app.whenReady();
  hardenSession(session.defaultSession, appOrigin);
  // Off until the build has a publish target (app-update.yml); see electron/updater.ts for how it turns on.
  void createUpdater({ isPackaged: app.isPackaged, resourcesPath: process.resourcesPath }).start();
  const preload = preloadPath(loc);

  const quickAsk = createQuickAsk({
    preload,
    url: () => devUiUrl ?? core.gateway()?.url ?? null,
    placement: () => {
      const cursor = screen.getCursorScreenPoint();
      const trayBounds = tray.bounds();
      const display = screen.getDisplayNearestPoint(trayBounds ? { x: trayBounds.x, y: trayBounds.y } : cursor);
      return { tray: trayBounds, cursor, workArea: display.workArea };
    },
  });
  const shortcuts = createShortcutManager({ globalShortcut, platform: process.platform, onPress: () => quickAsk.toggle() });
  const openMain = (hash?: string): void => {
    const url = devUiUrl ?? core.gateway()?.url;
    if (!ui.main || !url) return;
    if (hash) void ui.main.load(url, hash);
    ui.main.showAndFocus();
  };
  const quit = (): void => {
    quitting = true;
    app.quit();
  };

  const tray = createTray({
    iconPath: (dark) => trayIconPath(loc, dark),
    platform: process.platform,
    gateway: () => core.gateway(),
    coreState: () => core.state(),
    shortcut: () => shortcuts.status(),
    settings,
    startAtLogin: () => app.getLoginItemSettings().openAtLogin,
    setStartAtLogin: (on) => app.setLoginItemSettings({ openAtLogin: on }),
    actions: { quickAsk: () => quickAsk.show(), open: () => openMain(), restartCore: () => core.restart(), quit },
  });

  const status = shortcuts.set(settings.get().quickAskShortcut ?? DEFAULT_QUICK_ASK_SHORTCUT);
  if (!status.registered && status.message) log?.write(`shell: ${status.message}\n`);

  const buildMenu = (): void => {
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          platform: process.platform,
          isPackaged: loc.isPackaged,
          appName: app.getName(),
          quickAskAccelerator: shortcuts.status().registered ? shortcuts.status().accelerator : undefined,
          onQuickAsk: () => quickAsk.show(),
          onOpenDataDir: () => void shell.openPath(dataDir),
          onOpenLog: () => void shell.openPath(logFile),
        }),
      ),
    );
  };
  buildMenu();

  registerIpc(ipcMain, appOrigin, {
    getGateway: () => core.gateway(),
    openExternal,
    hideQuickAsk: () => quickAsk.hide(),
    openConversation: (id) => {
      quickAsk.hide();
      openMain(`#/chat/${id}`);
    },
    getCoreState: () => core.state(),
    getShortcut: () => shortcuts.status(),
    setShortcut: (accelerator) => {
      const s = shortcuts.set(accelerator);
      if (s.registered && s.accelerator === accelerator.trim()) settings.update({ quickAskShortcut: s.accelerator });
      buildMenu();
      tray.render();
      return s;
    },
  });

  // The UI learns about crashes and restarts; a restart on another port reloads the windows there.
  let lastUrl: string | undefined;
  core.onState((s: CoreState) => {
    for (const w of BrowserWindow.getAllWindows()) if (!w.isDestroyed()) w.webContents.send(channels.coreState, s);
    tray.render();
    if (s.status === 'running') {
      if (lastUrl !== undefined && s.url !== lastUrl && !devUiUrl && ui.main && s.url) {
        void ui.main.load(s.url);
        quickAsk.reset();
      }
      lastUrl = s.url;
      void tray.refresh();
    }
  });

  app.on('before-quit', (event) => {
    quitting = true;
    if (stopped) return;
    // Hold the quit until the core (and any Ollama it started) has stopped; core-process kills it after its timeout.
    event.preventDefault();
    void core.stop().finally(() => {
      stopped = true;
      shortcuts.unregister();
      tray.destroy();
      log?.end();
      app.quit();
    });
  });
  // A tray app: closing every window leaves it running.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => ui.main?.showAndFocus());

  let gateway;
  try {
    gateway = await core.start();
  } catch (e) {
    if (!quitting) {
      dialog.showErrorBox(
        'Hybrid AI could not start',
        `${e instanceof Error ? e.message : String(e)}\n\nThe core's full output is in ${logFile}.`,
      );
      quit();
    }
    return null;
  }

  const displays = () => ({ workAreas: screen.getAllDisplays().map((d) => d.workArea), primary: screen.getPrimaryDisplay().workArea });
  ui.main = createMainWindow({ preload, settings, displays, isQuitting: () => quitting });
  await ui.main.load(devUiUrl ?? gateway.url);
  return { core, mainWindow: () => ui.main, quickAsk, tray, shortcuts };
}

// Electron runs this file as the main process; under tests (plain Node, electron faked) it only exports.
if (process.versions.electron !== undefined && process.type === 'browser') void startShell();
