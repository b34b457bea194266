// Sandboxed preload: exposes `window.shell` (ShellApi), one function per 'app:' channel, never ipcRenderer itself.
// Bundled into one CommonJS file (dist/electron/preload.cjs): a sandboxed preload can require only 'electron'.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channels, type CoreState, type ShellApi } from './ipc-contract.js';

/** True while the page has transient user activation (within a few seconds of a click or key press). */
function hasUserActivation(): boolean {
  const ua = (globalThis as { navigator?: { userActivation?: { isActive?: boolean } } }).navigator?.userActivation;
  return ua?.isActive === true;
}

/** The bridge; kept a plain object of functions so contextBridge copies it as is. */
export const shellApi: ShellApi = {
  getGateway: () => ipcRenderer.invoke(channels.getGateway),
  // Only from a user gesture (a click, a key): script alone cannot send the user, or our data, to another site.
  // navigator.userActivation is the frame's own, which page script cannot fake.
  openExternal: (url) =>
    hasUserActivation()
      ? ipcRenderer.invoke(channels.openExternal, url)
      : Promise.reject(new Error('openExternal needs a user gesture (a click or a key press).')),
  hideQuickAsk: () => ipcRenderer.invoke(channels.hideQuickAsk),
  openConversation: (conversationId) => ipcRenderer.invoke(channels.openConversation, conversationId),
  getCoreState: () => ipcRenderer.invoke(channels.getCoreState),
  onCoreState: (listener) => {
    // The page gets the state only, never the IPC event (it carries the sender and ports).
    const forward = (_event: IpcRendererEvent, state: CoreState): void => listener(state);
    ipcRenderer.on(channels.coreState, forward);
    return () => {
      ipcRenderer.removeListener(channels.coreState, forward);
    };
  },
  getShortcut: () => ipcRenderer.invoke(channels.getShortcut),
  setShortcut: (accelerator) => ipcRenderer.invoke(channels.setShortcut, accelerator),
};

contextBridge.exposeInMainWorld('shell', shellApi);
