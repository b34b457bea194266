// IPC sender validation and argument checks, and the session / web-contents guards of electron/security.ts.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { checkSender, registerIpc, type IpcHandlers } from '../../electron/ipc.js';
import { channels } from '../../electron/ipc-contract.js';
import {
  carriesSecret,
  FALLBACK_CSP,
  guardWebContents,
  hardenSession,
  isAppUrl,
  isSafeExternalUrl,
  originOf,
  permissionAllowed,
} from '../../electron/security.js';
import { BrowserWindow, fake } from '../fakes/electron.js';

vi.mock('electron', () => import('../fakes/electron.js'));

const APP = 'app://hybrid-ai';

function handlers(): IpcHandlers & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    getGateway: () => ({ url: APP, token: 'tok-0123456789abcdef' }),
    openExternal: (u) => void calls.push(`open ${u}`),
    hideQuickAsk: () => void calls.push('hide'),
    openConversation: (id) => void calls.push(`conv ${id}`),
    getCoreState: () => ({ status: 'running', url: APP, attempt: 0 }),
    getShortcut: () => ({ accelerator: 'A', label: 'A', registered: true }),
    setShortcut: (a) => ({ accelerator: a, label: a, registered: true }),
  };
}

describe('ipc.ts', () => {
  beforeEach(() => fake.reset());

  it('registers one handler per invoke channel, and unregisters them all', () => {
    const off = registerIpc(fake.ipcMain as never, () => APP, handlers());
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(
      Object.values(channels)
        .filter((c) => c !== channels.coreState)
        .sort(),
    );
    off();
    expect(fake.ipcMain.handlers.size).toBe(0);
  });

  it.each([
    ['a foreign site', 'https://evil.example/'],
    ['the port the core had (whoever holds it now)', 'http://127.0.0.1:8787/'],
    ['another host on the app scheme', 'app://evil/'],
    ['a look-alike scheme', 'apps://hybrid-ai/'],
    ['a file: page', 'file:///tmp/x.html'],
    ['about:blank', 'about:blank'],
    ['no frame', ''],
  ])('refuses %s on every channel', async (_name, sender) => {
    const h = handlers();
    registerIpc(fake.ipcMain as never, () => APP, h);
    for (const ch of fake.ipcMain.handlers.keys()) {
      await expect(fake.ipcMain.invoke(ch, sender, 'x')).rejects.toThrow(/not the Hybrid AI app/);
    }
    expect(h.calls).toEqual([]);
  });

  it('refuses everyone while the app origin is unknown (core not running)', () => {
    expect(() => checkSender({ senderFrame: { url: `${APP}/` } } as never, null)).toThrow(/not the Hybrid AI app/);
  });

  it('answers the app origin (any path or hash)', async () => {
    const h = handlers();
    registerIpc(fake.ipcMain as never, () => APP, h);
    expect(await fake.ipcMain.invoke(channels.getGateway, `${APP}/#/settings`)).toEqual({ url: APP, token: 'tok-0123456789abcdef' });
    await fake.ipcMain.invoke(channels.hideQuickAsk, `${APP}/#/quick-ask`);
    await fake.ipcMain.invoke(channels.openExternal, `${APP}/`, 'https://console.anthropic.com/settings/keys');
    await fake.ipcMain.invoke(channels.openConversation, `${APP}/`, 'abc-123_X');
    expect(h.calls).toEqual(['hide', 'open https://console.anthropic.com/settings/keys', 'conv abc-123_X']);
  });

  it.each([
    [channels.openExternal, 'javascript:alert(1)', /http\(s\) or mailto/],
    [channels.openExternal, 'file:///etc/passwd', /http\(s\) or mailto/],
    [channels.openExternal, 42, /http\(s\) or mailto/],
    [channels.openExternal, `https://x.example/${'a'.repeat(3000)}`, /http\(s\) or mailto/],
    [channels.openConversation, '../../secret', /conversation id/],
    [channels.openConversation, { id: 1 }, /conversation id/],
    [channels.setShortcut, '', /accelerator string/],
    [channels.setShortcut, 'A'.repeat(65), /accelerator string/],
  ])('%s refuses the argument %j', async (ch, arg, msg) => {
    const h = handlers();
    registerIpc(fake.ipcMain as never, () => APP, h);
    await expect(fake.ipcMain.invoke(ch, `${APP}/`, arg)).rejects.toThrow(msg);
    expect(h.calls).toEqual([]);
  });
});

describe('security.ts', () => {
  beforeEach(() => fake.reset());

  it('origins and external URLs', () => {
    expect(originOf('app://hybrid-ai/x#y')).toBe(APP);
    expect(originOf('http://127.0.0.1:8787/x#y')).toBe('http://127.0.0.1:8787');
    expect(originOf('about:blank')).toBeNull();
    expect(originOf('file:///etc/passwd')).toBeNull();
    expect(originOf('not a url')).toBeNull();
    expect(isAppUrl(`${APP}/assets/a.js`, APP)).toBe(true);
    expect(isAppUrl('http://127.0.0.1:8788/', APP)).toBe(false);
    expect(isAppUrl('app://hybrid-ai.evil.example/', APP)).toBe(false);
    expect(isAppUrl(`${APP}/`, null)).toBe(false);
    expect(isSafeExternalUrl('https://example.com')).toBe(true);
    expect(isSafeExternalUrl('mailto:a@b.c')).toBe(true);
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'vscode://x', 'data:text/html,hi', 'http://', 'nonsense'])
      expect(isSafeExternalUrl(bad), bad).toBe(false);
  });

  it('guards: same-origin navigation passes, anything else is cancelled and never opened outside, window.open always denied, no <webview>', () => {
    const w = new BrowserWindow();
    guardWebContents(w.webContents as never, { appOrigin: () => APP });
    expect(w.webContents.navigate(`${APP}/#/models`).prevented).toBe(false);
    expect(w.webContents.navigate('https://evil.example/phish').prevented).toBe(true);
    expect(w.webContents.navigate('file:///etc/passwd').prevented).toBe(true);
    expect(w.webContents.open(`${APP}/#/chat`)).toEqual({ action: 'deny' });
    expect(w.webContents.open('https://docs.anthropic.com/')).toEqual({ action: 'deny' });
    expect(w.webContents.open('javascript:alert(1)')).toEqual({ action: 'deny' });
    // A scripted `location = 'https://x/?t=' + token` must not reach the system browser: nothing is opened here.
    expect(w.webContents.navigate('https://collect.example/?t=tok-0123456789abcdef').prevented).toBe(true);
    expect(fake.shell.opened).toEqual([]);
    const redirect = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    w.webContents.emit('will-redirect', redirect, 'https://elsewhere.example/');
    expect(redirect.defaultPrevented).toBe(true);
    const webview = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    w.webContents.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
  });

  it('links carrying the token are recognised (as is and URL-encoded)', () => {
    const tok = 'hai_abc/def+0123456789';
    expect(carriesSecret(`https://x.example/?t=${tok}`, [tok])).toBe(true);
    expect(carriesSecret(`https://x.example/?t=${encodeURIComponent(tok)}`, [tok])).toBe(true);
    expect(carriesSecret('https://docs.anthropic.com/', [tok])).toBe(false);
  });

  it('session: every permission denied but clipboard-sanitized-write for the app; a CSP is added to app pages that lack one', () => {
    const s = fake.session.defaultSession;
    hardenSession(s as never, () => APP);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      let answer: boolean | undefined;
      s.permissionRequestHandler!({}, p, (ok) => (answer = ok), { requestingUrl: `${APP}/` });
      expect(answer, p).toBe(false);
      expect((s.permissionCheckHandler as (...a: unknown[]) => boolean)({}, p, APP), p).toBe(false);
    }
    // Quick ask's and chat's Copy buttons write plain text; only the app's own pages may.
    let copy: boolean | undefined;
    s.permissionRequestHandler!({}, 'clipboard-sanitized-write', (ok) => (copy = ok), { requestingUrl: `${APP}/#/quick-ask` });
    expect(copy).toBe(true);
    s.permissionRequestHandler!({}, 'clipboard-sanitized-write', (ok) => (copy = ok), { requestingUrl: 'https://evil.example/' });
    expect(copy).toBe(false);
    expect((s.permissionCheckHandler as (...a: unknown[]) => boolean)({}, 'clipboard-sanitized-write', APP)).toBe(true);
    expect(permissionAllowed('clipboard-sanitized-write', 'http://127.0.0.1:8787/', APP)).toBe(false);
    const run = (url: string, headers: Record<string, string[]>) => {
      let out: Record<string, string[]> | undefined;
      s.headersHandler!({ url, responseHeaders: headers }, (r: { responseHeaders: Record<string, string[]> }) => (out = r.responseHeaders));
      return out!;
    };
    expect(run(`${APP}/`, {})['Content-Security-Policy']).toEqual([FALLBACK_CSP]);
    expect(run(`${APP}/`, { 'content-security-policy': ["default-src 'self'"] })).toEqual({
      'content-security-policy': ["default-src 'self'"],
    });
    expect(run('https://other.example/', {})).toEqual({});
    expect(FALLBACK_CSP).toMatch(/script-src 'self'/);
    expect(FALLBACK_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
  });
});
