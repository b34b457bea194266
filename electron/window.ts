// The main window: secure webPreferences, remembered size and position, the core's UI, hide-on-close.
import { BrowserWindow, type Rectangle, type WebPreferences } from 'electron';
import type { Bounds, SettingsStore } from './shell-settings.js';

/** First-run size: fits a 1366×768 laptop with room for the taskbar, and shows chat beside the navigation rail. */
export const DEFAULT_SIZE = { width: 1200, height: 760 };
/** Smallest usable size: the chat composer and the rail still fit. */
export const MIN_SIZE = { width: 720, height: 480 };
/** Saving bounds on every move/resize event would write dozens of times a second: wait until it settles. */
const SAVE_DEBOUNCE_MS = 500;
/** A restored window must show at least this much of itself on some display, or it could not be grabbed back. */
const MIN_VISIBLE = { width: 120, height: 60 };

/**
 * The webPreferences of every window the shell opens. Tested (tests/electron/window.test.ts): each of these must
 * stay as it is: the page is a web app talking HTTP to the core and gets nothing else than the preload's ShellApi.
 */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    // Off: Chromium's spellchecker downloads dictionaries from a Google server (a third party) on Windows and Linux.
    spellcheck: false,
  };
}

/** Overlap of two rectangles. */
function overlap(a: Rectangle, b: Rectangle): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/**
 * Pure: the bounds to open with. The saved ones when enough of them is on a display that still exists (a monitor
 * may have been unplugged), shrunk to fit that display; otherwise the default size centred on the primary display.
 */
export function restoreBounds(saved: Bounds | undefined, workAreas: Rectangle[], primary: Rectangle): Bounds {
  if (saved) {
    const area = workAreas.find((w) => {
      const o = overlap(saved, w);
      return o.width >= MIN_VISIBLE.width && o.height >= MIN_VISIBLE.height;
    });
    if (area) {
      const width = Math.max(MIN_SIZE.width, Math.min(saved.width, area.width));
      const height = Math.max(MIN_SIZE.height, Math.min(saved.height, area.height));
      return { x: saved.x, y: saved.y, width, height };
    }
  }
  const width = Math.min(DEFAULT_SIZE.width, primary.width);
  const height = Math.min(DEFAULT_SIZE.height, primary.height);
  return {
    x: primary.x + Math.round((primary.width - width) / 2),
    y: primary.y + Math.round((primary.height - height) / 2),
    width,
    height,
  };
}

/** Options of {@link createMainWindow}. */
export interface MainWindowOptions {
  preload: string;
  settings: SettingsStore;
  /** Work areas of the connected displays, and the primary one's. */
  displays(): { workAreas: Rectangle[]; primary: Rectangle };
  /** True once the app is quitting: then close really closes; before, it hides to the tray. */
  isQuitting(): boolean;
  /**
   * Whether closing hides the window to the tray (default) or quits the app: with no tray to bring it back
   * (electron/lifecycle.ts trayIsReliable), a hidden window would leave the app running invisibly.
   */
  closeAction?(): 'hide' | 'quit';
  /** Called when closing the window quits the app. */
  onQuit?(): void;
  title?: string;
}

/** The main window controller. */
export interface MainWindow {
  readonly window: BrowserWindow;
  /** Load the UI at `url` (plus an optional hash route, e.g. "#/chat/<id>"). */
  load(url: string, hash?: string): Promise<void>;
  showAndFocus(): void;
}

/** Create the main window (hidden; main.ts shows it at once, or leaves it in the tray when started at login). */
export function createMainWindow(o: MainWindowOptions): MainWindow {
  const { workAreas, primary } = o.displays();
  const saved = o.settings.get().windowBounds;
  const bounds = restoreBounds(saved, workAreas, primary);
  const window = new BrowserWindow({
    ...bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: o.title ?? 'Hybrid AI',
    backgroundColor: '#111318',
    autoHideMenuBar: false,
    webPreferences: secureWebPreferences(o.preload),
  });
  if (saved?.maximized) window.maximize();

  let timer: NodeJS.Timeout | undefined;
  const save = (): void => {
    if (window.isDestroyed()) return;
    const maximized = window.isMaximized();
    // Keep the normal bounds while maximized, so un-maximizing after a restart returns to them.
    const b = maximized ? (o.settings.get().windowBounds ?? window.getBounds()) : window.getBounds();
    o.settings.update({ windowBounds: { x: b.x, y: b.y, width: b.width, height: b.height, maximized } });
  };
  const saveSoon = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, SAVE_DEBOUNCE_MS);
  };
  window.on('resize', saveSoon);
  window.on('move', saveSoon);
  window.on('close', (event) => {
    if (timer) clearTimeout(timer);
    save();
    // A tray app: closing the window keeps the app (and the core) running; Quit is in the tray and the menu.
    if (o.isQuitting()) return;
    if ((o.closeAction?.() ?? 'hide') === 'hide') {
      event.preventDefault();
      window.hide();
      return;
    }
    o.onQuit?.();
  });

  return {
    window,
    async load(url, hash = '') {
      await window.loadURL(`${url.replace(/\/$/, '')}/${hash}`);
    },
    showAndFocus() {
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    },
  };
}
