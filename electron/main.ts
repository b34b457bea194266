// Desktop shell lifecycle only: single-instance lock, whenReady → window (at once) + core, tray, shortcut; quit → stop the core.
import { createUpdater } from './updater.js';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import {
  app,
  BrowserWindow,
  dialog,
  globalShortcut,
  ipcMain,
  Menu,
  nativeTheme,
  powerMonitor,
  protocol,
  screen,
  session,
  shell,
} from 'electron';
import { APP_ORIGIN, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol.js';
import { openCoreLog } from './core-log.js';
import { createCoreProcess, nodeSpawner, spawnUtilityProcess, type CoreProcess, type SpawnCore } from './core-process.js';
import { registerIpc } from './ipc.js';
import { channels, type CoreState } from './ipc-contract.js';
import { closeAction, HIDDEN_FLAG, startedAtLogin, trayIsReliable, trayPanelIsDark } from './lifecycle.js';
import { menuTemplate } from './menu.js';
import { createPidFile, type PidFile } from './orphans.js';
import {
  coreDataDir,
  builtCoreIsFresh,
  coreEntry,
  coreLogFile,
  coreResourcesDir,
  coreTokenFile,
  preloadPath,
  shellPidFile,
  shellSettingsFile,
  trayIconPath,
  uiDir,
  type AppLocation,
} from './paths.js';
import { createQuickAsk, type QuickAsk } from './quick-ask.js';
import { carriesSecret, guardWebContents, hardenSession, isSafeExternalUrl, originOf } from './security.js';
import { openSettings } from './shell-settings.js';
import { createShortcutManager, DEFAULT_QUICK_ASK_SHORTCUT, type ShortcutManager } from './shortcuts.js';
import { createTray, type AppTray } from './tray.js';
import { createMainWindow, type MainWindow } from './window.js';

/** Options of {@link startShell} (tests replace the process spawner, the environment and the orphan pid file). */
export interface ShellOptions {
  spawn?: SpawnCore;
  env?: NodeJS.ProcessEnv;
  argv?: readonly string[];
  /** Core supervisor settings (timeouts, backoff) passed through. */
  core?: Partial<Pick<Parameters<typeof createCoreProcess>[0], 'readyTimeoutMs' | 'stopTimeoutMs' | 'initialBackoffMs' | 'maxAttempts'>>;
  pidFile?: PidFile;
}

/** The running shell (returned for tests and for the Playwright _electron test). */
export interface Shell {
  core: CoreProcess;
  mainWindow(): MainWindow | undefined;
  quickAsk: QuickAsk;
  tray: AppTray;
  shortcuts: ShortcutManager;
  /** The app:// handler (tests call it like Chromium does). */
  handleAppRequest(request: Request): Promise<Response>;
}

// Custom schemes must be declared before `ready`: app:// then behaves like https (origin, storage, fetch, streams).
if (typeof protocol?.registerSchemesAsPrivileged === 'function') protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

/**
 * Start the desktop app. Returns null in a second instance (which hands over to the first and quits). The window
 * opens at once on app://hybrid-ai (the UI from the app's own files) and follows the core as it starts, crashes
 * and restarts; a core that cannot start leaves the window (with the reason) and the tray's "Restart core".
 */
export async function startShell(options: ShellOptions = {}): Promise<Shell | null> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  const env = options.env ?? process.env;
  const argv = options.argv ?? process.argv;
  const loc: AppLocation = {
    platform: process.platform,
    isPackaged: app.isPackaged,
    appPath: app.getAppPath(),
    resourcesPath: process.resourcesPath ?? app.getAppPath(),
  };
  // Development: the Vite dev server serves the UI (hot reload); the core still answers the API.
  const devUiUrl = !loc.isPackaged && env.HYBRID_AI_UI_DEV_URL ? env.HYBRID_AI_UI_DEV_URL : undefined;
  const appUrl = devUiUrl ?? APP_ORIGIN;
  const ui: { main?: MainWindow } = {};
  let quitting = false;
  let stopped = false;

  const userData = app.getPath('userData');
  const settings = openSettings(shellSettingsFile(userData));
  const dataDir = coreDataDir(process.platform, env, os.homedir());
  const logFile = coreLogFile(userData);
  const log = openCoreLog(logFile);
  const pids = options.pidFile ?? createPidFile({ file: shellPidFile(userData), log: (l) => log.write(l) });
  // A core (and the Ollama it started) left running by a crashed shell: ended before a new one starts.
  await pids.reap().catch(() => []);
  // Development starts the built server too when `npm run build:server` output is newer than the sources.
  const { entry, execArgv } = coreEntry(loc, !loc.isPackaged && builtCoreIsFresh(loc.appPath));
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
    // Every line is scrubbed of tokens before it reaches core.log (which the Help menu offers for bug reports).
    onOutput: (line) => log.write(line),
    onSpawn: (pid) => void pids.record(pid, 'core process').catch(() => undefined),
    onGone: (pid) => void pids.forget(pid).catch(() => undefined),
    ...options.core,
  });
  /** Every token this run has seen: never written to the log, never handed to the system browser. */
  const secrets = new Set<string>();
  const adoptToken = (token: string): void => {
    secrets.add(token);
    log.addSecret(token);
    core.setToken(token);
    void tray?.refresh();
  };

  const appOrigin = (): string | null => originOf(appUrl);
  const openExternal = (url: string): void => {
    if (isSafeExternalUrl(url) && !carriesSecret(url, secrets)) void shell.openExternal(url);
  };

  app.on('second-instance', () => ui.main?.showAndFocus());
  // Every web contents (windows, and anything they might spawn) gets the navigation and window.open guards.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, { appOrigin }));

  await app.whenReady();
  hardenSession(session.defaultSession, appOrigin);
  const handleAppRequest = createAppProtocolHandler({
    gateway: () => core.gateway(),
    coreState: () => core.state(),
    uiDir: uiDir(loc),
    onToken: adoptToken,
    reloadToken: () => {
      try {
        const t = readFileSync(coreTokenFile(dataDir, process.platform), 'utf8').trim();
        return t.length >= 16 ? t : null;
      } catch {
        return null;
      }
    },
  });
  protocol.handle(APP_SCHEME, handleAppRequest);
  // Off until the build has a publish target (app-update.yml); see electron/updater.ts for how it turns on.
  void createUpdater({ isPackaged: app.isPackaged, resourcesPath: process.resourcesPath }).start();
  const preload = preloadPath(loc);

  const quickAsk = createQuickAsk({
    preload,
    url: () => appUrl,
    platform: process.platform,
    placement: () => {
      // Native Wayland: no global cursor position (Electron reports 0,0) and no tray bounds; quick ask is centred.
      const wayland = process.platform === 'linux' && env.XDG_SESSION_TYPE === 'wayland';
      const cursor = wayland ? null : screen.getCursorScreenPoint();
      const trayBounds = tray?.bounds() ?? null;
      const display = trayBounds
        ? screen.getDisplayNearestPoint({ x: trayBounds.x, y: trayBounds.y })
        : cursor
          ? screen.getDisplayNearestPoint(cursor)
          : screen.getPrimaryDisplay();
      return { tray: trayBounds, cursor, workArea: display.workArea };
    },
  });
  const shortcuts = createShortcutManager({ globalShortcut, platform: process.platform, onPress: () => quickAsk.toggle() });
  const openMain = (hash?: string): void => {
    if (!ui.main) return;
    if (hash) void ui.main.load(appUrl, hash);
    ui.main.showAndFocus();
  };
  const quit = (): void => {
    quitting = true;
    app.quit();
  };

  let tray: AppTray | undefined;
  try {
    tray = createTray({
      iconPath: (dark) => trayIconPath(loc, dark),
      panelIsDark: () => trayPanelIsDark(process.platform, nativeTheme),
      platform: process.platform,
      gateway: () => core.gateway(),
      coreState: () => core.state(),
      shortcut: () => shortcuts.status(),
      settings,
      startAtLogin: () => app.getLoginItemSettings().openAtLogin,
      // Windows passes the flag; macOS reports wasOpenedAtLogin; either way the app starts in the tray.
      setStartAtLogin: (on) => app.setLoginItemSettings({ openAtLogin: on, args: [HIDDEN_FLAG] }),
      actions: { quickAsk: () => quickAsk.show(), open: () => openMain(), restartCore: () => core.restart(), quit },
    });
  } catch (e) {
    log.write(`shell: no tray icon (${e instanceof Error ? e.message : String(e)}); closing the window quits the app`);
  }
  const keepInTray = trayIsReliable(process.platform, env, tray !== undefined);

  const status = shortcuts.set(settings.get().quickAskShortcut ?? DEFAULT_QUICK_ASK_SHORTCUT);
  if (status.message) log.write(`shell: ${status.message}`);

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
    getGateway: () => {
      const g = core.gateway();
      // The page talks to app://hybrid-ai (this process relays to the core); it never learns the core's port.
      return g ? { url: appUrl, token: g.token } : null;
    },
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
      tray?.render();
      return s;
    },
  });

  // The window opens now, before the core is ready: the UI comes from the app's files and shows the core's state.
  const displays = () => ({ workAreas: screen.getAllDisplays().map((d) => d.workArea), primary: screen.getPrimaryDisplay().workArea });
  ui.main = createMainWindow({
    preload,
    settings,
    displays,
    isQuitting: () => quitting,
    closeAction: () => (closeAction({ quitting, trayReliable: keepInTray }) === 'hide' ? 'hide' : 'quit'),
    onQuit: quit,
  });
  const hidden = keepInTray && startedAtLogin(process.platform, argv, app.getLoginItemSettings());
  if (!hidden) ui.main.showAndFocus();
  let loadedWhileDown = true;
  void ui.main.load(appUrl);

  // The UI learns about crashes and restarts; the first time the core is up, a page loaded before it reloads.
  core.onState((s: CoreState) => {
    for (const w of BrowserWindow.getAllWindows()) if (!w.isDestroyed()) w.webContents.send(channels.coreState, s);
    tray?.render();
    if (s.status === 'running') {
      const g = core.gateway();
      if (g) {
        secrets.add(g.token);
        log.addSecret(g.token);
      }
      if (loadedWhileDown && ui.main) {
        loadedWhileDown = false;
        void ui.main.load(appUrl);
      }
      void tray?.refresh();
    }
  });

  let shuttingDown = false;
  // The OS is shutting down or restarting: quit at once; the core gets its stop message and the OS (or the next
  // start's orphan reaping) ends whatever is left. Holding the quit would hold up the whole shutdown.
  const onSystemShutdown = (): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    quitting = true;
    void core.stop();
    app.quit();
  };
  // macOS and Linux: powerMonitor 'shutdown'; Windows: the window's 'session-end' (WM_ENDSESSION).
  powerMonitor?.on?.('shutdown', onSystemShutdown);
  ui.main.window.on('session-end', onSystemShutdown);

  app.on('before-quit', (event) => {
    quitting = true;
    if (stopped) return;
    if (shuttingDown) {
      stopped = true;
      shortcuts.unregister();
      tray?.destroy();
      log.end();
      return;
    }
    // Hold the quit until the core (and any Ollama it started) has stopped; core-process kills it after its timeout.
    event.preventDefault();
    void core.stop().finally(() => {
      stopped = true;
      shortcuts.unregister();
      tray?.destroy();
      log.end();
      app.quit();
    });
  });
  // A tray app: closing every window leaves it running (with no reliable tray, closing the window quits instead).
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => ui.main?.showAndFocus());

  const shellApi: Shell = {
    core,
    mainWindow: () => ui.main,
    quickAsk,
    tray: tray ?? { refresh: async () => undefined, render: () => undefined, bounds: () => null, destroy: () => undefined },
    shortcuts,
    handleAppRequest,
  };
  try {
    await core.start();
  } catch (e) {
    if (!quitting) {
      // The window stays (it shows the reason), and the tray's "Restart core" tries again.
      dialog.showErrorBox(
        'Hybrid AI could not start its core',
        `${e instanceof Error ? e.message : String(e)}\n\nThe core's output is in ${logFile}. Use "Restart core" in the tray menu to try again.`,
      );
    }
  }
  return shellApi;
}

// Electron runs this file as the main process; under tests (plain Node, electron faked) it only exports.
if (process.versions.electron !== undefined && process.type === 'browser') void startShell();
