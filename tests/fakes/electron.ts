// Stand-in for the `electron` module (its binary cannot be downloaded here), used through vi.mock('electron'): the API the shell calls, recording what it did.
//
// Usage in a test file:  vi.mock('electron', () => import('../fakes/electron.js'));  then drive it through `fake`.
// Objects are singletons (modules bind them at import); fake.reset() clears their state between tests.
import { EventEmitter } from 'node:events';

/** An Electron-style event: preventDefault() is recorded. */
export interface FakeEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}
export const newEvent = (): FakeEvent => {
  const e = {
    defaultPrevented: false,
    preventDefault() {
      e.defaultPrevented = true;
    },
  };
  return e;
};

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

let nextId = 1;

/** webContents of a fake window. */
export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  url = '';
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  windowOpenHandler?: (d: { url: string }) => { action: 'allow' | 'deny' };
  destroyed = false;
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = h;
  }
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Simulate the page navigating to `url`; returns whether the shell cancelled it. */
  navigate(url: string): { prevented: boolean } {
    const e = newEvent();
    this.emit('will-navigate', e, url);
    if (!e.defaultPrevented) this.url = url;
    return { prevented: e.defaultPrevented };
  }
  /** Simulate window.open(url); returns the handler's answer. */
  open(url: string): { action: 'allow' | 'deny' } {
    return this.windowOpenHandler ? this.windowOpenHandler({ url }) : { action: 'allow' };
  }
  /** Simulate a key press reaching the page. */
  key(key: string): { prevented: boolean } {
    const e = newEvent();
    this.emit('before-input-event', e, { type: 'keyDown', key });
    return { prevented: e.defaultPrevented };
  }
}

/** A fake BrowserWindow. */
export class BrowserWindow extends EventEmitter {
  static all: BrowserWindow[] = [];
  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.all.filter((w) => !w.destroyed);
  }
  readonly options: Record<string, any>;
  readonly webContents = new FakeWebContents();
  bounds: Rect;
  visible = false;
  destroyed = false;
  maximized = false;
  minimized = false;
  focused = false;
  readonly loads: string[] = [];
  constructor(options: Record<string, any> = {}) {
    super();
    this.options = options;
    this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width ?? 800, height: options.height ?? 600 };
    BrowserWindow.all.push(this);
    app.emit('web-contents-created', newEvent(), this.webContents);
  }
  async loadURL(url: string): Promise<void> {
    this.loads.push(url);
    this.webContents.url = url;
  }
  show(): void {
    this.visible = true;
    this.emit('show');
  }
  hide(): void {
    this.visible = false;
    this.emit('hide');
  }
  focus(): void {
    this.focused = true;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getBounds(): Rect {
    return { ...this.bounds };
  }
  setBounds(b: Partial<Rect>): void {
    this.bounds = { ...this.bounds, ...b };
    this.emit('resize');
  }
  /** Like a user closing it: 'close' may be prevented, else the window is destroyed. */
  close(): void {
    const e = newEvent();
    this.emit('close', e);
    if (!e.defaultPrevented) this.destroy();
  }
  destroy(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

class FakeApp extends EventEmitter {
  lockAvailable = true;
  isPackaged = false;
  appPath = '/app';
  paths: Record<string, string> = { userData: '/tmp/hybrid-ai-fake-userdata' };
  loginItem: { openAtLogin: boolean; wasOpenedAtLogin?: boolean; args?: string[] } = { openAtLogin: false };
  quitCalls = 0;
  /** True once a quit went through (no before-quit handler prevented it). */
  quitted = false;
  requestSingleInstanceLock(): boolean {
    return this.lockAvailable;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  quit(): void {
    this.quitCalls++;
    const e = newEvent();
    this.emit('before-quit', e);
    if (e.defaultPrevented) return;
    this.quitted = true;
    this.emit('will-quit', newEvent());
  }
  getAppPath(): string {
    return this.appPath;
  }
  getPath(name: string): string {
    const p = this.paths[name];
    if (!p) throw new Error(`fake app.getPath: no path for "${name}"`);
    return p;
  }
  getName(): string {
    return 'Hybrid AI';
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  getLoginItemSettings(): { openAtLogin: boolean; wasOpenedAtLogin?: boolean } {
    return { ...this.loginItem };
  }
  setLoginItemSettings(s: { openAtLogin: boolean; args?: string[] }): void {
    this.loginItem = { openAtLogin: s.openAtLogin, ...(s.args ? { args: s.args } : {}) };
  }
}
export const app = new FakeApp();

/** Global shortcuts; `heldElsewhere` are accelerators another application owns. */
export const globalShortcut = {
  registered: new Map<string, () => void>(),
  heldElsewhere: new Set<string>(),
  register(accelerator: string, cb: () => void): boolean {
    if (this.heldElsewhere.has(accelerator) || this.registered.has(accelerator)) return false;
    this.registered.set(accelerator, cb);
    return true;
  },
  unregister(accelerator: string): void {
    this.registered.delete(accelerator);
  },
  unregisterAll(): void {
    this.registered.clear();
  },
  isRegistered(accelerator: string): boolean {
    return this.registered.has(accelerator);
  },
  /** Simulate the user pressing it. */
  press(accelerator: string): void {
    const cb = this.registered.get(accelerator);
    if (!cb) throw new Error(`fake globalShortcut: ${accelerator} is not registered`);
    cb();
  },
};

/** ipcMain; `invoke` simulates a renderer frame at `senderUrl` calling a channel. */
export const ipcMain = {
  handlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
  handle(channel: string, fn: (event: unknown, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, fn);
  },
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  },
  async invoke(channel: string, senderUrl: string, ...args: unknown[]): Promise<unknown> {
    const fn = this.handlers.get(channel);
    if (!fn) throw new Error(`No handler registered for '${channel}'`);
    return fn({ senderFrame: { url: senderUrl } }, ...args);
  },
};

export const shell = {
  opened: [] as string[],
  openedPaths: [] as string[],
  async openExternal(url: string): Promise<void> {
    this.opened.push(url);
  },
  async openPath(p: string): Promise<string> {
    this.openedPaths.push(p);
    return '';
  },
};

export const dialog = {
  errors: [] as Array<{ title: string; content: string }>,
  showErrorBox(title: string, content: string): void {
    this.errors.push({ title, content });
  },
};

/** A built menu: the template, kept for inspection. */
export interface FakeMenu {
  items: Array<Record<string, any>>;
}
export const Menu = {
  applicationMenu: null as FakeMenu | null,
  buildFromTemplate(template: Array<Record<string, any>>): FakeMenu {
    return { items: template };
  },
  setApplicationMenu(menu: FakeMenu | null): void {
    this.applicationMenu = menu;
  },
};

export const nativeImage = {
  createFromPath(p: string) {
    return {
      path: p,
      template: false,
      setTemplateImage(this: { template: boolean }, on: boolean) {
        this.template = on;
      },
    };
  },
};

class FakeNativeTheme extends EventEmitter {
  shouldUseDarkColors = false;
  shouldUseDarkColorsForSystemIntegratedUI = false;
}
export const nativeTheme = new FakeNativeTheme();

/** A fake Tray; `menu` is the last context menu set. */
export class Tray extends EventEmitter {
  static all: Tray[] = [];
  image: unknown;
  tooltip = '';
  menu: FakeMenu | null = null;
  destroyed = false;
  bounds: Rect = { x: 0, y: 0, width: 0, height: 0 };
  constructor(image: unknown) {
    super();
    this.image = image;
    Tray.all.push(this);
  }
  setToolTip(t: string): void {
    this.tooltip = t;
  }
  setContextMenu(m: FakeMenu): void {
    this.menu = m;
  }
  setImage(i: unknown): void {
    this.image = i;
  }
  getBounds(): Rect {
    return { ...this.bounds };
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** The current menu item with this id. */
  item(id: string): Record<string, any> | undefined {
    return this.menu?.items.find((i) => i.id === id);
  }
  /** Click a menu item (checkbox items flip, as Electron does before calling click). */
  click(id: string): void {
    const it = this.item(id);
    if (!it) throw new Error(`fake Tray: no menu item "${id}"`);
    const checked = it.type === 'checkbox' ? !it.checked : it.checked;
    it.click?.({ checked });
  }
}

const workArea = { x: 0, y: 0, width: 1920, height: 1040 };
export const screen = {
  displays: [{ id: 1, workArea, bounds: { x: 0, y: 0, width: 1920, height: 1080 } }],
  cursor: { x: 960, y: 540 },
  getAllDisplays() {
    return this.displays;
  },
  getPrimaryDisplay() {
    return this.displays[0]!;
  },
  getDisplayNearestPoint(_p: { x: number; y: number }) {
    return this.displays[0]!;
  },
  getCursorScreenPoint() {
    return { ...this.cursor };
  },
};

/** The default session: the handlers the shell installs are kept to be called by tests. */
export const session = {
  defaultSession: {
    permissionRequestHandler: undefined as
      undefined | ((wc: unknown, permission: string, cb: (ok: boolean) => void, details?: unknown) => void),
    permissionCheckHandler: undefined as undefined | ((wc: unknown, permission: string) => boolean),
    headersHandler: undefined as undefined | ((details: any, cb: (r: any) => void) => void),
    setPermissionRequestHandler(h: any) {
      this.permissionRequestHandler = h;
    },
    setPermissionCheckHandler(h: any) {
      this.permissionCheckHandler = h;
    },
    webRequest: {
      onHeadersReceived(h: (details: any, cb: (r: any) => void) => void) {
        session.defaultSession.headersHandler = h;
      },
    },
  },
};

/** protocol: the privileged schemes declared before ready, and the handlers registered after. */
export const protocol = {
  privileged: [] as Array<{ scheme: string; privileges: Record<string, boolean> }>,
  handlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
  registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges: Record<string, boolean> }>): void {
    this.privileged.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    if (this.handlers.has(scheme)) throw new Error(`fake protocol: ${scheme} is already handled`);
    this.handlers.set(scheme, handler);
  },
};

/** powerMonitor: tests emit 'shutdown'. */
export const powerMonitor = new EventEmitter();

/** A fake utility process: tests make it ready, crash or exit. */
export class FakeUtilityProcess extends EventEmitter {
  static forks: FakeUtilityProcess[] = [];
  pid: number | undefined = 40_000 + nextId++;
  readonly posted: unknown[] = [];
  killed = 0;
  stdout = new EventEmitter();
  stderr = new EventEmitter();
  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: Record<string, any>,
  ) {
    super();
    FakeUtilityProcess.forks.push(this);
  }
  postMessage(m: unknown): void {
    this.posted.push(m);
  }
  kill(): boolean {
    this.killed++;
    return true;
  }
  /** Exit with `code`, as the real one reports it. */
  exit(code: number): void {
    this.pid = undefined;
    this.emit('exit', code);
  }
}
export const utilityProcess = {
  fork(modulePath: string, args: string[] = [], options: Record<string, any> = {}): FakeUtilityProcess {
    return new FakeUtilityProcess(modulePath, args, options);
  },
};

/** Preload side: what the preload exposed, and the channels it invoked. */
export const contextBridge = {
  exposed: {} as Record<string, unknown>,
  exposeInMainWorld(key: string, api: unknown): void {
    this.exposed[key] = api;
  },
};
class FakeIpcRenderer extends EventEmitter {
  readonly invoked: Array<{ channel: string; args: unknown[] }> = [];
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return { channel, args };
  }
}
export const ipcRenderer = new FakeIpcRenderer();

/** Test controls. */
export const fake = {
  app,
  globalShortcut,
  ipcMain,
  shell,
  dialog,
  Menu,
  screen,
  session,
  nativeTheme,
  protocol,
  powerMonitor,
  contextBridge,
  ipcRenderer,
  windows: () => BrowserWindow.all,
  trays: () => Tray.all,
  forks: () => FakeUtilityProcess.forks,
  /** Forget everything the previous test did. */
  reset(): void {
    app.removeAllListeners();
    app.lockAvailable = true;
    app.isPackaged = false;
    app.appPath = '/app';
    app.paths = { userData: '/tmp/hybrid-ai-fake-userdata' };
    app.loginItem = { openAtLogin: false };
    app.quitCalls = 0;
    app.quitted = false;
    globalShortcut.registered.clear();
    globalShortcut.heldElsewhere.clear();
    ipcMain.handlers.clear();
    shell.opened.length = 0;
    shell.openedPaths.length = 0;
    dialog.errors.length = 0;
    Menu.applicationMenu = null;
    nativeTheme.removeAllListeners();
    nativeTheme.shouldUseDarkColors = false;
    nativeTheme.shouldUseDarkColorsForSystemIntegratedUI = false;
    protocol.handlers.clear();
    powerMonitor.removeAllListeners();
    session.defaultSession.permissionRequestHandler = undefined;
    session.defaultSession.permissionCheckHandler = undefined;
    session.defaultSession.headersHandler = undefined;
    BrowserWindow.all = [];
    Tray.all = [];
    FakeUtilityProcess.forks = [];
    contextBridge.exposed = {};
    ipcRenderer.removeAllListeners();
    ipcRenderer.invoked.length = 0;
  },
};
