// Where the shell finds things per platform: the core's data dir and entry, the preload, tray icons, the bundled Ollama.
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
 * (router-core/server/config.ts), so desktop and `npm run serve` share models and history.
 * Linux: $XDG_DATA_HOME or ~/.local/share; macOS: ~/Library/Application Support; Windows: %APPDATA%.
 */
export function coreDataDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string {
  if (platform === 'win32') return path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), 'hybrid-ai');
  if (platform === 'darwin')
    return path.posix.join(env.XDG_DATA_HOME || path.posix.join(home, 'Library', 'Application Support'), 'hybrid-ai');
  return path.posix.join(env.XDG_DATA_HOME || path.posix.join(home, '.local', 'share'), 'hybrid-ai');
}

/** How to start the core: the module to fork and the runtime flags it needs. */
export interface CoreEntry {
  entry: string;
  execArgv: string[];
}

/**
 * The core's entry point. Packaged: the compiled server (`npm run build:server` → dist/server) inside the app.
 * Development: the TypeScript source through tsx, the same file `npm run serve` runs.
 */
export function coreEntry(loc: AppLocation): CoreEntry {
  if (loc.isPackaged) return { entry: path.join(loc.appPath, 'dist', 'server', 'router-core', 'server', 'main.js'), execArgv: [] };
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
