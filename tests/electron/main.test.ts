// The shell's lifecycle against the faked electron module: single instance, core → window → tray → shortcut, crash and restart, quit.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { channels } from '../../electron/ipc-contract.js';
import { startShell, type Shell, type ShellOptions } from '../../electron/main.js';
import { BrowserWindow, fake, Tray } from '../fakes/electron.js';
import { fakeSpawner, type FakeCoreChild } from '../fakes/core-child.js';

vi.mock('electron', () => import('../fakes/electron.js'));

const TOKEN = 'shell-main-token-0123456789';
const URL1 = 'http://127.0.0.1:40101';
const SHORTCUT = 'CommandOrControl+Shift+Space';

let tmp: string;
let children: FakeCoreChild[];
let spawn: ReturnType<typeof fakeSpawner>['spawn'];
let shell: Shell | null;

/** Wait until `cond` holds (state changes ride on microtasks and the fake spawner's queueMicrotask). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

const mainWin = () => BrowserWindow.all[0]!;
const tray = () => Tray.all[0]!;

async function start(opts: { readyUrl?: string | null; core?: ShellOptions['core'] } = {}): Promise<Shell | null> {
  const readyUrl = opts.readyUrl === undefined ? URL1 : opts.readyUrl;
  ({ spawn, children } = fakeSpawner((c) => {
    if (readyUrl) c.ready(readyUrl, TOKEN);
    else c.exit(2);
  }));
  shell = await startShell({
    spawn,
    env: { XDG_DATA_HOME: path.join(tmp, 'data'), PATH: process.env.PATH },
    core: { initialBackoffMs: 10, ...opts.core },
  });
  return shell;
}

beforeEach(() => {
  fake.reset();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-shell-main-'));
  fake.app.paths.userData = path.join(tmp, 'userData');
  fake.app.appPath = '/repo';
  shell = null;
});
afterEach(async () => {
  // Let a started core stop so no timer outlives the test.
  if (shell && shell.core.state().status !== 'stopped') {
    const stopping = shell.core.stop();
    for (const c of children) c.exit(0);
    await stopping;
  }
  shell?.tray.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

describe('single instance', () => {
  it('a second instance quits at once and starts no core', async () => {
    fake.app.lockAvailable = false;
    expect(await start()).toBeNull();
    expect(fake.app.quitCalls).toBe(1);
    expect(children).toEqual([]);
    expect(BrowserWindow.all).toEqual([]);
  });

  it('the first instance brings its window forward when another launch is attempted', async () => {
    await start();
    mainWin().hide();
    fake.app.emit('second-instance', {}, [], '/');
    expect(mainWin().isVisible()).toBe(true);
    expect(mainWin().focused).toBe(true);
  });
});

describe('start-up', () => {
  it('starts the core from router-core/server/main.ts, then shows the window on its URL, with tray, menu, shortcut and IPC', async () => {
    await start();
    const c = children[0]!;
    expect(c.entry).toBe(path.join('/repo', 'router-core', 'server', 'main.ts'));
    expect(c.opts.execArgv).toEqual(['--import', 'tsx']);
    expect(c.args).toEqual(['--host', '127.0.0.1', '--data-dir', path.join(tmp, 'data', 'hybrid-ai'), '--port', '0']);
    expect(BrowserWindow.all).toHaveLength(1);
    expect(mainWin().loads).toEqual([`${URL1}/`]);
    expect(mainWin().isVisible()).toBe(true);
    expect(mainWin().options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(mainWin().options.webPreferences.preload).toBe(path.join('/repo', 'dist', 'electron', 'preload.cjs'));
    expect(tray().tooltip).toMatch(/^Hybrid AI/);
    expect(fake.globalShortcut.isRegistered(SHORTCUT)).toBe(true);
    expect(fake.Menu.applicationMenu?.items.map((i) => i.label ?? i.role)).toEqual(['File', 'Edit', 'View', 'windowMenu', 'help']);
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(
      Object.values(channels)
        .filter((ch) => ch !== channels.coreState)
        .sort(),
    );
  });

  it('IPC answers the app origin only: the token never reaches another page', async () => {
    await start();
    expect(await fake.ipcMain.invoke(channels.getGateway, `${URL1}/#/chat`)).toEqual({ url: URL1, token: TOKEN });
    await expect(fake.ipcMain.invoke(channels.getGateway, 'https://evil.example/')).rejects.toThrow(/not the Hybrid AI app/);
    await expect(fake.ipcMain.invoke(channels.getGateway, 'http://127.0.0.1:40102/')).rejects.toThrow(/not the Hybrid AI app/);
    expect(await fake.ipcMain.invoke(channels.getCoreState, `${URL1}/`)).toMatchObject({ status: 'running', url: URL1 });
  });

  it('permissions are denied and navigation / window.open stay on the app origin', async () => {
    await start();
    const denied: boolean[] = [];
    fake.session.defaultSession.permissionRequestHandler!({}, 'media', (ok) => denied.push(ok));
    fake.session.defaultSession.permissionRequestHandler!({}, 'notifications', (ok) => denied.push(ok));
    expect(denied).toEqual([false, false]);
    expect(fake.session.defaultSession.permissionCheckHandler!({}, 'clipboard-read')).toBe(false);
    const wc = mainWin().webContents;
    expect(wc.navigate(`${URL1}/#/dashboard`).prevented).toBe(false);
    expect(wc.navigate('https://docs.example.com/page').prevented).toBe(true);
    expect(wc.open('https://docs.example.com/other')).toEqual({ action: 'deny' });
    expect(wc.open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(fake.shell.opened).toEqual(['https://docs.example.com/page', 'https://docs.example.com/other']);
  });

  it('a core that cannot start: an error dialog with the reason and the log file, then quit', async () => {
    expect(await start({ readyUrl: null, core: { maxAttempts: 1 } })).toBeNull();
    expect(fake.dialog.errors).toHaveLength(1);
    expect(fake.dialog.errors[0]!.title).toBe('Hybrid AI could not start');
    expect(fake.dialog.errors[0]!.content).toMatch(/exited before it was ready \(exit code 2\)[\s\S]*core\.log/);
    expect(BrowserWindow.all).toEqual([]);
    expect(fake.app.quitCalls).toBeGreaterThan(0);
  });
});

describe('quick ask and the shortcut', () => {
  it('the shortcut toggles the frameless quick-ask window near the tray; Esc hides it', async () => {
    await start();
    fake.globalShortcut.press(SHORTCUT);
    const qa = BrowserWindow.all[1]!;
    expect(qa.options).toMatchObject({ frame: false, skipTaskbar: true, alwaysOnTop: true, show: false });
    expect(qa.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(qa.loads).toEqual([`${URL1}/#/quick-ask`]);
    expect(qa.isVisible()).toBe(true);
    expect(qa.webContents.key('Escape').prevented).toBe(true);
    expect(qa.isVisible()).toBe(false);
    fake.globalShortcut.press(SHORTCUT);
    expect(qa.isVisible()).toBe(true);
    fake.globalShortcut.press(SHORTCUT);
    expect(qa.isVisible()).toBe(false);
    // "Open in the main window": the conversation opens there and quick ask hides.
    fake.globalShortcut.press(SHORTCUT);
    await fake.ipcMain.invoke(channels.openConversation, `${URL1}/#/quick-ask`, 'c0ffee-123');
    expect(qa.isVisible()).toBe(false);
    expect(mainWin().loads.at(-1)).toBe(`${URL1}/#/chat/c0ffee-123`);
    await expect(fake.ipcMain.invoke(channels.openConversation, `${URL1}/`, '../../etc')).rejects.toThrow(/conversation id/);
  });

  it('a shortcut held by another app: a clear message, shown in the tray; another one can be chosen', async () => {
    fake.globalShortcut.heldElsewhere.add(SHORTCUT);
    await start();
    const s = (await fake.ipcMain.invoke(channels.getShortcut, `${URL1}/`)) as { registered: boolean; message: string };
    expect(s.registered).toBe(false);
    expect(s.message).toMatch(/Ctrl\+Shift\+Space is already used by another application.*Choose another one/);
    expect(tray().item('shortcut-problem')?.label).toBe('Shortcut Ctrl+Shift+Space unavailable');
    const next = await fake.ipcMain.invoke(channels.setShortcut, `${URL1}/`, 'CommandOrControl+Alt+K');
    expect(next).toEqual({ accelerator: 'CommandOrControl+Alt+K', label: 'Ctrl+Alt+K', registered: true });
    expect(tray().item('shortcut-problem')).toBeUndefined();
    // Remembered for the next start.
    const { openSettings } = await import('../../electron/shell-settings.js');
    expect(openSettings(path.join(tmp, 'userData', 'shell-settings.json')).get().quickAskShortcut).toBe('CommandOrControl+Alt+K');
  });
});

describe('the core dies and comes back', () => {
  it('tells the UI, restarts with backoff, and keeps the window on the same URL', async () => {
    await start();
    children[0]!.exit(139);
    const sent = mainWin()
      .webContents.sent.filter((m) => m.channel === channels.coreState)
      .map((m) => m.args[0]);
    expect(sent.at(-1)).toMatchObject({ status: 'restarting', attempt: 1 });
    expect(tray().item('core-status')?.label).toMatch(/Core stopped; restarting in 1 s/);
    await until(() => children.length === 2 && shell!.core.state().status === 'running', 'the restart');
    expect(children[1]!.port).toBe('40101');
    const states = mainWin()
      .webContents.sent.filter((m) => m.channel === channels.coreState)
      .map((m) => (m.args[0] as { status: string }).status);
    expect(states.slice(-3)).toEqual(['restarting', 'starting', 'running']);
    expect(mainWin().loads).toEqual([`${URL1}/`]);
  });

  it('reloads the windows when the restarted core had to take another port', async () => {
    const { spawn: s2, children: kids } = fakeSpawner((c, i) => c.ready(i === 0 ? URL1 : 'http://127.0.0.1:40199', TOKEN));
    spawn = s2;
    children = kids;
    shell = await startShell({ spawn, env: { XDG_DATA_HOME: path.join(tmp, 'data') }, core: { initialBackoffMs: 10 } });
    kids[0]!.exit(1);
    await until(() => mainWin().loads.length === 2, 'the reload');
    expect(mainWin().loads[1]).toBe('http://127.0.0.1:40199/');
  });
});

describe('quit', () => {
  it('closing the window only hides it (the app lives in the tray)', async () => {
    await start();
    mainWin().close();
    expect(mainWin().isDestroyed()).toBe(false);
    expect(mainWin().isVisible()).toBe(false);
  });

  it('Quit stops the core first (graceful message), then lets the app exit and frees the shortcut', async () => {
    await start();
    tray().click('quit');
    expect(fake.app.quitted).toBe(false);
    expect(children[0]!.shutdowns).toBe(1);
    expect(shell!.core.state().status).toBe('stopping');
    children[0]!.exit(0);
    await until(() => fake.app.quitted, 'the quit');
    expect(fake.globalShortcut.isRegistered(SHORTCUT)).toBe(false);
    expect(tray().destroyed).toBe(true);
    // After quit, windows really close.
    mainWin().close();
    expect(mainWin().isDestroyed()).toBe(true);
  });
});
