// The quick-ask window: small, frameless, near the tray; shown by the global shortcut, hidden by Esc or losing focus.
import { BrowserWindow, type Point, type Rectangle } from 'electron';
import { secureWebPreferences } from './window.js';

/** Room for a question, a streamed answer of a few paragraphs and its route badge. */
export const QUICK_ASK_SIZE = { width: 560, height: 420 };
/** Gap between the window and the tray / screen edge, so it does not touch either. */
const MARGIN = 8;
/** The renderer's hash route for the quick-ask view. */
export const QUICK_ASK_ROUTE = '#/quick-ask';

/**
 * Pure: where the window goes. Anchored on the tray icon when its bounds are known (Linux trays often report zeros),
 * else on the cursor; below the anchor when it is in the top half of the screen (macOS menu bar, GNOME top bar),
 * above it otherwise (Windows taskbar); always inside the work area.
 */
export function quickAskPosition(
  tray: Rectangle | null,
  cursor: Point | null,
  size: { width: number; height: number },
  workArea: Rectangle,
): { x: number; y: number } {
  // Neither (native Wayland gives apps no cursor position and no tray bounds): the upper third of the work area.
  if (!(tray && tray.width > 0 && tray.height > 0) && !cursor) {
    return {
      x: workArea.x + Math.round((workArea.width - size.width) / 2),
      y: workArea.y + Math.round((workArea.height - size.height) / 3),
    };
  }
  const anchor = tray && tray.width > 0 && tray.height > 0 ? tray : { x: cursor!.x, y: cursor!.y, width: 0, height: 0 };
  const centreX = anchor.x + anchor.width / 2;
  const topHalf = anchor.y + anchor.height / 2 < workArea.y + workArea.height / 2;
  let x = Math.round(centreX - size.width / 2);
  let y = topHalf ? anchor.y + anchor.height + MARGIN : anchor.y - size.height - MARGIN;
  x = Math.min(Math.max(x, workArea.x + MARGIN), workArea.x + workArea.width - size.width - MARGIN);
  y = Math.min(Math.max(y, workArea.y + MARGIN), workArea.y + workArea.height - size.height - MARGIN);
  return { x, y };
}

/** Options of {@link createQuickAsk}. */
export interface QuickAskOptions {
  preload: string;
  /** The gateway URL now (null while the core is down). */
  url(): string | null;
  /** macOS gets a panel (floats over full-screen apps, on every Space); elsewhere a normal always-on-top window. */
  platform?: NodeJS.Platform;
  /** Tray icon bounds, cursor position and the work area of the display under them. */
  placement(): { tray: Rectangle | null; cursor: Point | null; workArea: Rectangle };
}

/** The quick-ask controller. */
export interface QuickAsk {
  toggle(): void;
  show(): void;
  hide(): void;
  /** Forget the loaded page (the core moved to another URL); the next show() loads it again. */
  reset(): void;
  isVisible(): boolean;
}

/** Create the controller; the window itself is made on first show. */
export function createQuickAsk(o: QuickAskOptions): QuickAsk {
  let win: BrowserWindow | undefined;
  let loadedFrom: string | undefined;

  const ensure = (): BrowserWindow => {
    if (win && !win.isDestroyed()) return win;
    const w = new BrowserWindow({
      ...QUICK_ASK_SIZE,
      show: false,
      frame: false,
      resizable: false,
      minimizable: false,
      maximizable: false,
      fullscreenable: false,
      skipTaskbar: true,
      alwaysOnTop: true,
      title: 'Quick ask',
      ...(o.platform === 'darwin' ? { type: 'panel' } : {}),
      backgroundColor: '#111318',
      webPreferences: secureWebPreferences(o.preload),
    });
    w.webContents.on('before-input-event', (event, input) => {
      if (input.type === 'keyDown' && input.key === 'Escape') {
        event.preventDefault();
        w.hide();
      }
    });
    if (o.platform === 'darwin') w.setVisibleOnAllWorkspaces?.(true, { visibleOnFullScreen: true });
    // Like a launcher: clicking elsewhere dismisses it.
    w.on('blur', () => w.hide());
    win = w;
    loadedFrom = undefined;
    return w;
  };

  const api: QuickAsk = {
    show() {
      const url = o.url();
      if (!url) return;
      const w = ensure();
      if (loadedFrom !== url) {
        loadedFrom = url;
        void w.loadURL(`${url}/${QUICK_ASK_ROUTE}`);
      }
      const p = o.placement();
      const { x, y } = quickAskPosition(p.tray, p.cursor, QUICK_ASK_SIZE, p.workArea);
      w.setBounds({ x, y, ...QUICK_ASK_SIZE });
      w.show();
      w.focus();
    },
    hide() {
      if (win && !win.isDestroyed()) win.hide();
    },
    toggle() {
      if (api.isVisible()) api.hide();
      else api.show();
    },
    reset() {
      loadedFrom = undefined;
    },
    isVisible: () => win !== undefined && !win.isDestroyed() && win.isVisible(),
  };
  return api;
}
