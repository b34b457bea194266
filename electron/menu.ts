// The application menu: the usual Edit/View/Window roles (copy, paste, zoom, reload) plus Quick ask and Help.
import type { MenuItemConstructorOptions } from 'electron';

/** Options of {@link menuTemplate}. */
export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Devtools only in development builds. */
  isPackaged: boolean;
  appName: string;
  quickAskAccelerator?: string;
  onQuickAsk(): void;
  /** Show the data folder (models, ledger) in the file manager. */
  onOpenDataDir(): void;
  /** Open the core's log file (what to attach to a bug report). */
  onOpenLog(): void;
}

/** The menu template (pure; main.ts passes it to Menu.buildFromTemplate). */
export function menuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: o.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push({
    label: 'File',
    submenu: [
      { label: 'Quick ask', accelerator: o.quickAskAccelerator, click: () => o.onQuickAsk() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  });
  template.push({
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'pasteAndMatchStyle' },
      { role: 'delete' },
      { role: 'selectAll' },
    ],
  });
  template.push({
    label: 'View',
    submenu: [
      { role: 'reload' },
      ...(o.isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions]),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });
  template.push({ role: 'windowMenu' });
  template.push({
    role: 'help',
    submenu: [
      { label: 'Open data folder', click: () => o.onOpenDataDir() },
      { label: 'Open core log', click: () => o.onOpenLog() },
    ],
  });
  return template;
}
