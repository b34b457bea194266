// The only ipcMain.handle registrations: one handler per 'app:' channel, each refusing senders outside the app's origin.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { channels, type CoreState, type GatewayInfo, type ShortcutStatus } from './ipc-contract.js';
import { isAppUrl, isSafeExternalUrl } from './security.js';

/** What the handlers do; main.ts supplies them. */
export interface IpcHandlers {
  getGateway(): GatewayInfo | null;
  openExternal(url: string): void;
  hideQuickAsk(): void;
  openConversation(conversationId: string): void;
  getCoreState(): CoreState;
  getShortcut(): ShortcutStatus;
  setShortcut(accelerator: string): ShortcutStatus;
}

/** Raised to the renderer (ipcRenderer.invoke rejects with its message). */
export class IpcRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpcRefused';
  }
}

/** Conversation ids are UUIDs or similar tokens: nothing that could become a path or a script. */
const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Longest accelerator accepted: "CommandOrControl+Alt+Shift+Super+PageDown" is 41 characters. */
const MAX_ACCELERATOR = 64;
/** Longest URL handed to the system browser; longer ones are not links a user clicked. */
const MAX_URL = 2048;

/**
 * The sender must be a frame of the app's own origin (the core's UI). Messages from any other page (a link that
 * slipped through, an iframe, a devtools-injected frame) are refused: only our UI may ask for the token.
 */
export function checkSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, appOrigin: string | null): void {
  const url = event.senderFrame?.url ?? '';
  if (!isAppUrl(url, appOrigin)) throw new IpcRefused('IPC refused: the sender is not the Hybrid AI app.');
}

/** Register every channel on `ipcMain`; returns a function that removes them all. */
export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  appOrigin: () => string | null,
  h: IpcHandlers,
): () => void {
  const handle = <A extends unknown[], R>(channel: string, fn: (...args: A) => R): void => {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      checkSender(event, appOrigin());
      return fn(...(args as A));
    });
  };
  handle(channels.getGateway, () => h.getGateway());
  handle(channels.openExternal, (url: unknown) => {
    if (typeof url !== 'string' || url.length > MAX_URL || !isSafeExternalUrl(url))
      throw new IpcRefused('openExternal takes an http(s) or mailto URL.');
    h.openExternal(url);
  });
  handle(channels.hideQuickAsk, () => h.hideQuickAsk());
  handle(channels.openConversation, (id: unknown) => {
    if (typeof id !== 'string' || !CONVERSATION_ID.test(id))
      throw new IpcRefused('openConversation takes a conversation id (letters, digits, "-" and "_").');
    h.openConversation(id);
  });
  handle(channels.getCoreState, () => h.getCoreState());
  handle(channels.getShortcut, () => h.getShortcut());
  handle(channels.setShortcut, (accelerator: unknown) => {
    if (typeof accelerator !== 'string' || accelerator.length === 0 || accelerator.length > MAX_ACCELERATOR)
      throw new IpcRefused(`setShortcut takes an accelerator string of 1 to ${MAX_ACCELERATOR} characters.`);
    return h.setShortcut(accelerator);
  });
  const registered = Object.values(channels).filter((c) => c !== channels.coreState);
  return () => registered.forEach((c) => ipcMain.removeHandler(c));
}
