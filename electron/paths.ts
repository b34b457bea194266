// Where the shell finds things per platform: the core's data dir and entry, the preload, tray icons, the bundled Ollama.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the path functions need to know about the running app (from Electron's `app` and `process`). */
export interface AppLocation {
  platform: NodeJS.Platform;
  /** app.isPackaged */
  isPackaged: boolean;
  /** app.getAppPath(): the repo root in development, `<resources>/app.asar` when packaged. */
  appPath: string;
  /** process.resourcesPath: where electron-builder's extraResources land. */
  resourcesPath: string;
}

/**
 * The core's data dir (ledger, models, token): the same folder the headless server uses by default
 * (router-core/server/config.ts defaultDataDir), so desktop and `npm run serve` share models and history.
 * $XDG_DATA_HOME when set (every OS, as the core reads it); else Linux: ~/.local/share; macOS: ~/Library/Application
 * Support; Windows: %LOCALAPPDATA% (Local, not Roaming: multi-GB models must not follow a roaming profile).
 */
export function coreDataDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string {
  if (platform === 'win32' && !env.XDG_DATA_HOME)
    return path.win32.join(env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local'), 'hybrid-ai');
  if (platform === 'win32') return path.win32.join(env.XDG_DATA_HOME!, 'hybrid-ai');
  if (platform === 'darwin')
    return path.posix.join(env.XDG_DATA_HOME || path.posix.join(home, 'Library', 'Application Support'), 'hybrid-ai');
  return path.posix.join(env.XDG_DATA_HOME || path.posix.join(home, '.local', 'share'), 'hybrid-ai');
}

/** How to start the core: the module to fork and the runtime flags it needs. */
export interface CoreEntry {
  entry: string;
  execArgv: string[];
}

/** The built server's start file (`npm run build:server` → dist/server) under the app or repo root. */
export function builtCoreEntry(root: string): string {
  return path.join(root, 'dist', 'server', 'router-core', 'server', 'main.js');
}

/**
 * Development: whether the repo holds a built server (`npm run build:server`) at least as new as every router-core
 * source file, so the shell can start it instead of the sources through tsx (a second or more of TypeScript loading
 * on every start). A bundle older than any source is stale: the sources run then, so an edit is never ignored.
 */
export function builtCoreIsFresh(root: string): boolean {
  let built: number;
  try {
    // core.cjs is written after main.js; both come from the same build.
    built = Math.min(statSync(builtCoreEntry(root)).mtimeMs, statSync(path.join(path.dirname(builtCoreEntry(root)), 'core.cjs')).mtimeMs);
  } catch {
    return false;
  }
  const newer = (dir: string): boolean => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() ? newer(p) : statSync(p).mtimeMs > built) return true;
    }
    return false;
  };
  try {
    return !newer(path.join(root, 'router-core'));
  } catch {
    return false;
  }
}

/**
 * The core's entry point. Packaged: the built server (`npm run build:server` → dist/server) inside the app.
 * Development: the same built server when `useBuilt` (see {@link builtCoreIsFresh}), else the TypeScript source
 * through tsx, the file `npm run serve` runs.
 */
export function coreEntry(loc: AppLocation, useBuilt = false): CoreEntry {
  // The same file as builtCoreEntry(loc.appPath), spelled out: electron-builder.yml ships it (tests/electron/packaging).
  if (loc.isPackaged || useBuilt)
    return { entry: path.join(loc.appPath, 'dist', 'server', 'router-core', 'server', 'main.js'), execArgv: [] };
  return { entry: path.join(loc.appPath, 'router-core', 'server', 'main.ts'), execArgv: ['--import', 'tsx'] };
}

/** The compiled preload (one CommonJS file: sandboxed preloads cannot import other files). */
export function preloadPath(loc: AppLocation): string {
  return path.join(loc.appPath, 'dist', 'electron', 'preload.cjs');
}

/** Folder holding the tray icons: `resources/tray` in the repo, `<resources>/tray` when packaged (extraResources). */
export function iconsDir(loc: AppLocation): string {
  return loc.isPackaged ? path.join(loc.resourcesPath, 'tray') : path.join(loc.appPath, 'resources', 'tray');
}

/**
 * The tray icon file. macOS uses one template image that the system tints for the menu bar; elsewhere a light icon
 * for dark panels and a dark one for light panels.
 */
export function trayIconPath(loc: AppLocation, darkPanel: boolean): string {
  const file = loc.platform === 'darwin' ? 'trayTemplate.png' : darkPanel ? 'tray-light.png' : 'tray-dark.png';
  return path.join(iconsDir(loc), file);
}

/**
 * The resources folder the core gets as HYBRID_AI_RESOURCES_DIR when packaged: it finds the bundled Ollama at
 * `<resources>/ollama/<platform>-<arch>/ollama[.exe]` (router-core/host/ollama-process.ts). Undefined in development.
 */
export function coreResourcesDir(loc: AppLocation): string | undefined {
  return loc.isPackaged ? loc.resourcesPath : undefined;
}

/** The shell's own settings file (window bounds, shortcut, cloud pause) in Electron's userData folder. */
export function shellSettingsFile(userData: string): string {
  return path.join(userData, 'shell-settings.json');
}

/** Where the core's output is kept, for crash reasons and bug reports. */
export function coreLogFile(userData: string): string {
  return path.join(userData, 'logs', 'core.log');
}

/** The built renderer the app:// protocol serves: inside the app when packaged, `npm run build:ui`'s output in development. */
export function uiDir(loc: AppLocation): string {
  return loc.isPackaged ? path.join(loc.appPath, 'dist', 'server', 'dist', 'renderer') : path.join(loc.appPath, 'dist', 'renderer');
}

/** The pid file of the processes the shell started (reaped at the next start if a crash left them running). */
export function shellPidFile(userData: string): string {
  return path.join(userData, 'shell-pids.jsonl');
}

/** The core's token file in its data dir (router-core/host/data-dir.ts): re-read when the core refuses the token. */
export function coreTokenFile(dataDir: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? path.win32.join(dataDir, 'api-token') : path.posix.join(dataDir, 'api-token');
}
