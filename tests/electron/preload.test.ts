// The preload's API surface (snapshot): one function per 'app:' channel, nothing else reaches the page.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { channels, type CoreState, type ShellApi } from '../../electron/ipc-contract.js';
import { fake } from '../fakes/electron.js';

vi.mock('electron', () => import('../fakes/electron.js'));

let api: ShellApi;
beforeAll(async () => {
  fake.reset();
  await import('../../electron/preload.js');
  api = fake.contextBridge.exposed.shell as ShellApi;
});

describe('preload', () => {
  it('exposes exactly `window.shell`, with this surface', () => {
    expect(Object.keys(fake.contextBridge.exposed)).toEqual(['shell']);
    expect(
      Object.entries(api)
        .map(([k, v]) => `${k}: ${typeof v}/${(v as (...a: unknown[]) => unknown).length}`)
        .sort(),
    ).toMatchInlineSnapshot(`
      [
        "getCoreState: function/0",
        "getGateway: function/0",
        "getShortcut: function/0",
        "hideQuickAsk: function/0",
        "onCoreState: function/1",
        "openConversation: function/1",
        "openExternal: function/1",
        "setShortcut: function/1",
      ]
    `);
  });

  it('each function invokes its channel with its argument only', async () => {
    fake.ipcRenderer.invoked.length = 0;
    vi.stubGlobal('navigator', { userActivation: { isActive: true } });
    await api.getGateway();
    await api.openExternal('https://example.com');
    await api.hideQuickAsk();
    await api.openConversation('c1');
    await api.getCoreState();
    await api.getShortcut();
    await api.setShortcut('Alt+K');
    expect(fake.ipcRenderer.invoked).toEqual([
      { channel: channels.getGateway, args: [] },
      { channel: channels.openExternal, args: ['https://example.com'] },
      { channel: channels.hideQuickAsk, args: [] },
      { channel: channels.openConversation, args: ['c1'] },
      { channel: channels.getCoreState, args: [] },
      { channel: channels.getShortcut, args: [] },
      { channel: channels.setShortcut, args: ['Alt+K'] },
    ]);
    // Every invoke channel of the contract is reachable, and all are 'app:' channels.
    const used = new Set(fake.ipcRenderer.invoked.map((i) => i.channel));
    expect(Object.values(channels).filter((c) => !used.has(c))).toEqual([channels.coreState]);
    expect(Object.values(channels).every((c) => c.startsWith('app:'))).toBe(true);
  });

  it('openExternal needs a user gesture: a scripted call is refused and never reaches the main process', async () => {
    fake.ipcRenderer.invoked.length = 0;
    for (const nav of [{ userActivation: { isActive: false } }, {}, undefined]) {
      vi.stubGlobal('navigator', nav);
      await expect(api.openExternal('https://example.com/?t=secret')).rejects.toThrow(/needs a user gesture/);
    }
    expect(fake.ipcRenderer.invoked).toEqual([]);
    vi.stubGlobal('navigator', { userActivation: { isActive: true } });
    await api.openExternal('https://example.com/docs');
    expect(fake.ipcRenderer.invoked).toEqual([{ channel: channels.openExternal, args: ['https://example.com/docs'] }]);
    vi.unstubAllGlobals();
  });

  it('onCoreState passes the state only (never the IPC event) and unsubscribes', () => {
    const seen: unknown[][] = [];
    const off = api.onCoreState((...args: unknown[]) => seen.push(args));
    const state: CoreState = { status: 'restarting', attempt: 1, retryInMs: 1000 };
    fake.ipcRenderer.emit(channels.coreState, { sender: 'secret', ports: [] }, state);
    expect(seen).toEqual([[state]]);
    off();
    fake.ipcRenderer.emit(channels.coreState, {}, state);
    expect(seen).toHaveLength(1);
    expect(fake.ipcRenderer.listenerCount(channels.coreState)).toBe(0);
  });
});
