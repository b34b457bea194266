// The shell's lifecycle against the faked electron module: single instance, window at once → core → tray → shortcut, crash and restart, quit.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
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
const APP = 'app://hybrid-ai';
const SHORTCUT = 'CommandOrControl+Alt+Shift+Space';

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

/** The orphan pid file, recorded instead of probing real pids (the fake children's pids may exist on this machine). */
const pidCalls: string[] = [];
const pidFile = {
  reap: async () => (pidCalls.push('reap'), []),
  record: async (pid: number, what: string) => void pidCalls.push(`record ${pid} ${what}`),
  forget: async (pid: number) => void pidCalls.push(`forget ${pid}`),
};

async function start(
  opts: { readyUrl?: string | null; core?: ShellOptions['core']; env?: NodeJS.ProcessEnv; argv?: string[] } = {},
): Promise<Shell | null> {
  const readyUrl = opts.readyUrl === undefined ? URL1 : opts.readyUrl;
  ({ spawn, children } = fakeSpawner((c) => {
    if (readyUrl) c.ready(readyUrl, TOKEN);
    else c.exit(2);
  }));
  shell = await startShell({
    spawn,
    env: { XDG_DATA_HOME: path.join(tmp, 'data'), PATH: process.env.PATH, ...opts.env },
    argv: opts.argv ?? [],
    core: { initialBackoffMs: 10, ...opts.core },
    pidFile,
  });
  return shell;
}

beforeEach(() => {
  fake.reset();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-shell-main-'));
  fake.app.paths.userData = path.join(tmp, 'userData');
  fake.app.appPath = '/repo';
  shell = null;
  pidCalls.length = 0;
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
  it('in development starts the built server (no TypeScript loader) when npm run build:server output is newer than the sources', async () => {
    const repo = path.join(tmp, 'repo');
    const built = path.join(repo, 'dist', 'server', 'router-core', 'server');
    mkdirSync(path.join(repo, 'router-core', 'server'), { recursive: true });
    mkdirSync(built, { recursive: true });
    writeFileSync(path.join(repo, 'router-core', 'server', 'main.ts'), '');
    const old = Date.now() / 1000 - 60;
    utimesSync(path.join(repo, 'router-core', 'server', 'main.ts'), old, old);
    writeFileSync(path.join(built, 'main.js'), '');
    writeFileSync(path.join(built, 'core.cjs'), '');
    fake.app.appPath = repo;
    await start();
    expect(children[0]!.entry).toBe(path.join(built, 'main.js'));
    expect(children[0]!.opts.execArgv).toEqual([]);
  });

  it('opens the window at once on app://hybrid-ai (starting state), starts the core, and reloads the page once it runs', async () => {
    ({ spawn, children } = fakeSpawner());
    const starting = startShell({ spawn, env: { XDG_DATA_HOME: path.join(tmp, 'data') }, argv: [], pidFile });
    await until(() => children.length === 1, 'the core to be spawned');
    // Before the core is ready: the window is up, on the app's own origin, and its page says the core is starting.
    expect(pidCalls[0]).toBe('reap');
    expect(mainWin().isVisible()).toBe(true);
    expect(mainWin().loads).toEqual([`${APP}/`]);
    const page = await fake.protocol.handlers.get('app')!(new Request(`${APP}/`, { headers: { 'sec-fetch-dest': 'document' } }));
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/data-state="starting"[\s\S]*Starting the local AI core/);
    const api = await fake.protocol.handlers.get('app')!(new Request(`${APP}/api/v1/stats`));
    expect(api.status).toBe(503);
    expect(await api.json()).toMatchObject({ error: { type: 'upstream_unavailable' } });
    // Tray "Open" works while the core is down.
    mainWin().hide();
    tray().click('open');
    expect(mainWin().isVisible()).toBe(true);
    children[0]!.ready(URL1, TOKEN);
    shell = await starting;
    const c = children[0]!;
    expect(c.entry).toBe(path.join('/repo', 'router-core', 'server', 'main.ts'));
    expect(c.opts.execArgv).toEqual(['--import', 'tsx']);
    expect(c.args).toEqual(['--host', '127.0.0.1', '--data-dir', path.join(tmp, 'data', 'hybrid-ai'), '--port', '0']);
    expect(pidCalls).toContain(`record ${c.pid} core process`);
    expect(BrowserWindow.all).toHaveLength(1);
    expect(mainWin().loads).toEqual([`${APP}/`, `${APP}/`]);
    expect(mainWin().options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      spellcheck: false,
    });
    expect(mainWin().options.webPreferences.preload).toBe(path.join('/repo', 'dist', 'electron', 'preload.cjs'));
    expect(fake.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
    ]);
    expect(tray().tooltip).toMatch(/^Hybrid AI/);
    expect(fake.globalShortcut.isRegistered(SHORTCUT)).toBe(true);
    expect(fake.Menu.applicationMenu?.items.map((i) => i.label ?? i.role)).toEqual(['File', 'Edit', 'View', 'windowMenu', 'help']);
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(
      Object.values(channels)
        .filter((ch) => ch !== channels.coreState)
        .sort(),
    );
  });

  it('IPC answers the app origin only; the page is told app://hybrid-ai, never the core’s port', async () => {
    await start();
    expect(await fake.ipcMain.invoke(channels.getGateway, `${APP}/#/chat`)).toEqual({ url: APP, token: TOKEN });
    await expect(fake.ipcMain.invoke(channels.getGateway, 'https://evil.example/')).rejects.toThrow(/not the Hybrid AI app/);
    // Whoever holds the core's port now is not the app.
    await expect(fake.ipcMain.invoke(channels.getGateway, `${URL1}/`)).rejects.toThrow(/not the Hybrid AI app/);
    expect(await fake.ipcMain.invoke(channels.getCoreState, `${APP}/`)).toMatchObject({ status: 'running', url: URL1 });
  });

  it('permissions are denied (but the app’s clipboard write); navigation and window.open never open the system browser; links with the token are refused', async () => {
    await start();
    const answers: boolean[] = [];
    fake.session.defaultSession.permissionRequestHandler!({}, 'media', (ok) => answers.push(ok), { requestingUrl: `${APP}/` });
    fake.session.defaultSession.permissionRequestHandler!({}, 'notifications', (ok) => answers.push(ok), { requestingUrl: `${APP}/` });
    fake.session.defaultSession.permissionRequestHandler!({}, 'clipboard-sanitized-write', (ok) => answers.push(ok), {
      requestingUrl: `${APP}/`,
    });
    expect(answers).toEqual([false, false, true]);
    expect(fake.session.defaultSession.permissionCheckHandler!({}, 'clipboard-read')).toBe(false);
    const wc = mainWin().webContents;
    expect(wc.navigate(`${APP}/#/dashboard`).prevented).toBe(false);
    expect(wc.navigate(`https://collect.example/?t=${TOKEN}`).prevented).toBe(true);
    expect(wc.navigate('https://docs.example.com/page').prevented).toBe(true);
    expect(wc.open('https://docs.example.com/other')).toEqual({ action: 'deny' });
    expect(wc.open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(fake.shell.opened).toEqual([]);
    // A link the user clicked (the preload checked the gesture) goes out; one carrying the token never does.
    await fake.ipcMain.invoke(channels.openExternal, `${APP}/`, 'https://docs.example.com/page');
    await fake.ipcMain.invoke(channels.openExternal, `${APP}/`, `https://collect.example/?t=${encodeURIComponent(TOKEN)}`);
    expect(fake.shell.opened).toEqual(['https://docs.example.com/page']);
  });

  it('a core that cannot start: an error dialog with the reason, the window stays with it, and "Restart core" tries again', async () => {
    const s = await start({ readyUrl: null, core: { maxAttempts: 1 } });
    expect(s).not.toBeNull();
    expect(fake.dialog.errors).toHaveLength(1);
    expect(fake.dialog.errors[0]!.title).toBe('Hybrid AI could not start its core');
    expect(fake.dialog.errors[0]!.content).toMatch(/exited before it was ready \(exit code 2\)[\s\S]*core\.log[\s\S]*Restart core/);
    expect(fake.app.quitted).toBe(false);
    expect(mainWin().isVisible()).toBe(true);
    const page = await s!.handleAppRequest(new Request(`${APP}/`));
    expect(await page.text()).toMatch(/data-state="failed"[\s\S]*Restart core[\s\S]*exit code 2/);
    tray().click('restart-core');
    await until(() => children.length === 2, 'the restart');
  });
});

describe('the app:// relay to a real core', () => {
  let core: Server;
  let coreUrl: string;
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  let currentToken = TOKEN;
  const NEW_TOKEN = 'hai_regenerated-token-0123456789abcdef';

  beforeEach(async () => {
    seen.length = 0;
    currentToken = TOKEN;
    core = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      if (req.headers.authorization !== `Bearer ${currentToken}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"type":"unauthorized","message":"bad token"}}');
        return;
      }
      if (req.method === 'POST' && req.url === '/api/v1/settings/token/regenerate') {
        currentToken = NEW_TOKEN;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: NEW_TOKEN, address: coreUrl }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
    });
    await new Promise<void>((r) => core.listen(0, '127.0.0.1', r));
    const a = core.address() as { port: number };
    coreUrl = `http://127.0.0.1:${a.port}`;
  });
  afterEach(async () => {
    core.closeAllConnections();
    await new Promise((r) => core.close(r));
  });

  it('adds the token itself (the page never needs the port), drops the page’s origin, and adopts a regenerated token for the tray too', async () => {
    await start({ readyUrl: coreUrl });
    const relay = (p: string, init?: RequestInit) => shell!.handleAppRequest(new Request(`${APP}${p}`, init));
    const r = await relay('/api/v1/stats?range=today', { headers: { origin: APP, authorization: 'Bearer stale' } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ path: '/api/v1/stats?range=today' });
    expect(seen.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen.at(-1)!.headers.origin).toBeUndefined();
    // Settings → Regenerate: the answer's token becomes the shell's at once (the tray's next call uses it).
    const regen = await relay('/api/v1/settings/token/regenerate', { method: 'POST' });
    expect(((await regen.json()) as { token: string }).token).toBe(NEW_TOKEN);
    expect(shell!.core.gateway()?.token).toBe(NEW_TOKEN);
    expect((await relay('/api/v1/settings')).status).toBe(200);
    expect(seen.at(-1)!.headers.authorization).toBe(`Bearer ${NEW_TOKEN}`);
    expect(await fake.ipcMain.invoke(channels.getGateway, `${APP}/`)).toEqual({ url: APP, token: NEW_TOKEN });
  });

  it('a token regenerated by another client: the refused request re-reads the data dir’s token file and is retried once', async () => {
    await start({ readyUrl: coreUrl });
    currentToken = NEW_TOKEN;
    mkdirSync(path.join(tmp, 'data', 'hybrid-ai'), { recursive: true });
    writeFileSync(path.join(tmp, 'data', 'hybrid-ai', 'api-token'), `${NEW_TOKEN}\n`);
    const r = await shell!.handleAppRequest(new Request(`${APP}/api/v1/stats`));
    expect(r.status).toBe(200);
    // (The tray's own stats calls go to the core too; only this request's are counted.)
    expect(seen.filter((x) => x.url === '/api/v1/stats').map((x) => x.headers.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${NEW_TOKEN}`,
    ]);
    expect(shell!.core.gateway()?.token).toBe(NEW_TOKEN);
  });

  it('after the core dies nothing is relayed to its old port (someone else may hold it now)', async () => {
    await start({ readyUrl: coreUrl, core: { initialBackoffMs: 60_000 } });
    children[0]!.exit(139);
    const r = await shell!.handleAppRequest(new Request(`${APP}/api/v1/stats?relay-probe=1`));
    expect(r.status).toBe(503);
    // The shell's own polls (the tray's spend) may have reached the core while it lived; this request must not.
    expect(seen.filter((q) => q.url.includes('relay-probe'))).toEqual([]);
  });
});

describe('core.log never keeps the token', () => {
  it('lines printed before and after the ready message are scrubbed; the rest is kept', async () => {
    ({ spawn, children } = fakeSpawner((c) => {
      c.print(`Open the app: ${URL1}/#token=hai_printed-before-ready-0123456789`);
      c.ready(URL1, TOKEN);
      c.print(`debug: Authorization: Bearer ${TOKEN}`);
      c.print(`echo ${TOKEN} and an ordinary line`);
    }));
    shell = await startShell({ spawn, env: { XDG_DATA_HOME: path.join(tmp, 'data') }, argv: [], pidFile });
    const file = path.join(tmp, 'userData', 'logs', 'core.log');
    // The write stream flushes asynchronously: wait for the last line.
    await until(() => {
      try {
        return readFileSync(file, 'utf8').includes('and an ordinary line');
      } catch {
        return false;
      }
    }, 'the log lines');
    const log = readFileSync(file, 'utf8');
    expect(log).toContain('Open the app: http://127.0.0.1:40101/#token=[redacted]');
    expect(log).toContain('and an ordinary line');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain('hai_printed-before-ready');
  });
});

describe('quick ask and the shortcut', () => {
  it('the shortcut toggles the frameless quick-ask window near the tray; Esc hides it', async () => {
    await start();
    fake.globalShortcut.press(SHORTCUT);
    const qa = BrowserWindow.all[1]!;
    expect(qa.options).toMatchObject({ frame: false, skipTaskbar: true, alwaysOnTop: true, show: false });
    expect(qa.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(qa.loads).toEqual([`${APP}/#/quick-ask`]);
    expect(qa.isVisible()).toBe(true);
    expect(qa.webContents.key('Escape').prevented).toBe(true);
    expect(qa.isVisible()).toBe(false);
    fake.globalShortcut.press(SHORTCUT);
    expect(qa.isVisible()).toBe(true);
    fake.globalShortcut.press(SHORTCUT);
    expect(qa.isVisible()).toBe(false);
    // "Open in the main window": the conversation opens there and quick ask hides.
    fake.globalShortcut.press(SHORTCUT);
    await fake.ipcMain.invoke(channels.openConversation, `${APP}/#/quick-ask`, 'c0ffee-123');
    expect(qa.isVisible()).toBe(false);
    expect(mainWin().loads.at(-1)).toBe(`${APP}/#/chat/c0ffee-123`);
    await expect(fake.ipcMain.invoke(channels.openConversation, `${APP}/`, '../../etc')).rejects.toThrow(/conversation id/);
  });

  it('a shortcut held by another app: a clear message, shown in the tray; another one can be chosen', async () => {
    fake.globalShortcut.heldElsewhere.add(SHORTCUT);
    await start();
    const s = (await fake.ipcMain.invoke(channels.getShortcut, `${APP}/`)) as { registered: boolean; message: string };
    expect(s.registered).toBe(false);
    expect(s.message).toMatch(/Ctrl\+Alt\+Shift\+Space is already used by another application.*Choose another one/);
    expect(tray().item('shortcut-problem')?.label).toBe('Shortcut Ctrl+Alt+Shift+Space unavailable');
    const next = await fake.ipcMain.invoke(channels.setShortcut, `${APP}/`, 'CommandOrControl+Alt+K');
    expect(next).toEqual({ accelerator: 'CommandOrControl+Alt+K', label: 'Ctrl+Alt+K', registered: true });
    expect(tray().item('shortcut-problem')).toBeUndefined();
    // Remembered for the next start.
    const { openSettings } = await import('../../electron/shell-settings.js');
    expect(openSettings(path.join(tmp, 'userData', 'shell-settings.json')).get().quickAskShortcut).toBe('CommandOrControl+Alt+K');
  });
});

describe('the core dies and comes back', () => {
  it('tells the UI, restarts with backoff; IPC keeps answering and the window stays where it is', async () => {
    await start();
    children[0]!.exit(139);
    const sent = mainWin()
      .webContents.sent.filter((m) => m.channel === channels.coreState)
      .map((m) => m.args[0]);
    expect(sent.at(-1)).toMatchObject({ status: 'restarting', attempt: 1 });
    expect(tray().item('core-status')?.label).toMatch(/Core stopped; restarting in 1 s/);
    // The shell stays usable during the restart: IPC answers, in-app navigation stays in the app.
    expect(await fake.ipcMain.invoke(channels.getCoreState, `${APP}/`)).toMatchObject({ status: 'restarting' });
    expect(mainWin().webContents.navigate(`${APP}/#/models`).prevented).toBe(false);
    await until(() => children.length === 2 && shell!.core.state().status === 'running', 'the restart');
    expect(children[1]!.port).toBe('40101');
    const states = mainWin()
      .webContents.sent.filter((m) => m.channel === channels.coreState)
      .map((m) => (m.args[0] as { status: string }).status);
    expect(states.slice(-3)).toEqual(['restarting', 'starting', 'running']);
    expect(mainWin().loads).toEqual([`${APP}/`, `${APP}/`]);
  });

  it('a restarted core on another port changes nothing for the windows: the relay follows it', async () => {
    const { spawn: s2, children: kids } = fakeSpawner((c, i) => c.ready(i === 0 ? URL1 : 'http://127.0.0.1:40199', TOKEN));
    spawn = s2;
    children = kids;
    shell = await startShell({ spawn, env: { XDG_DATA_HOME: path.join(tmp, 'data') }, argv: [], core: { initialBackoffMs: 10 }, pidFile });
    kids[0]!.exit(1);
    await until(() => shell!.core.gateway()?.url === 'http://127.0.0.1:40199', 'the new port');
    expect(mainWin().loads).toEqual([`${APP}/`, `${APP}/`]);
  });
});

describe('quit', () => {
  it('closing the window only hides it where a tray brings it back', async () => {
    await start({ env: { XDG_CURRENT_DESKTOP: 'KDE' } });
    mainWin().close();
    expect(mainWin().isDestroyed()).toBe(false);
    expect(mainWin().isVisible()).toBe(false);
  });

  it('GNOME (no tray without an extension): closing the window quits the app instead of leaving it invisible', async () => {
    await start({ env: { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' } });
    mainWin().close();
    expect(fake.app.quitCalls).toBeGreaterThan(0);
    expect(shell!.core.state().status).toBe('stopping');
    children[0]!.exit(0);
    await until(() => fake.app.quitted, 'the quit');
  });

  it('started at login: the window stays in the tray until opened; the login item passes the flag', async () => {
    await start({ argv: ['/opt/hybrid-ai', '--hidden'], env: { XDG_CURRENT_DESKTOP: 'KDE' } });
    expect(mainWin().isVisible()).toBe(false);
    tray().click('start-at-login');
    expect(fake.app.loginItem).toEqual({ openAtLogin: true, args: ['--hidden'] });
    tray().click('open');
    expect(mainWin().isVisible()).toBe(true);
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

  it('system shutdown or restart: the app quits at once (the core is told to stop, nobody waits for it)', async () => {
    await start();
    fake.powerMonitor.emit('shutdown', { preventDefault: () => undefined });
    expect(fake.app.quitted).toBe(true);
    expect(children[0]!.shutdowns).toBe(1);
    expect(fake.globalShortcut.isRegistered(SHORTCUT)).toBe(false);
  });

  it('Windows logoff or shutdown (the window’s session-end): the same immediate quit', async () => {
    await start();
    mainWin().emit('session-end', {});
    expect(fake.app.quitted).toBe(true);
    expect(children[0]!.shutdowns).toBe(1);
  });
});
