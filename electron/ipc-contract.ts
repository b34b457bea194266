// The typed IPC surface between the shell's main process and its windows: 'app:' channel names, payloads, ShellApi.
// Types and string constants only: the renderer (`import type`) and the sandboxed preload both use this file.

/** Every IPC channel; ipc.ts registers exactly these, preload.ts exposes one function per channel. */
export const channels = {
  /** invoke → GatewayInfo | null: where the core listens and its token (null while it is not running). */
  getGateway: 'app:get-gateway',
  /** invoke(url) → void: open an http(s)/mailto link in the system browser. */
  openExternal: 'app:open-external',
  /** invoke → void: hide the quick-ask window (Esc does the same). */
  hideQuickAsk: 'app:hide-quick-ask',
  /** invoke(conversationId) → void: show the main window on that conversation and hide quick ask. */
  openConversation: 'app:open-conversation',
  /** invoke → CoreState: the core process's state now. */
  getCoreState: 'app:get-core-state',
  /** main → renderer event (CoreState): the core process changed state (crashed, restarting, running again). */
  coreState: 'app:core-state',
  /** invoke → ShortcutStatus: the quick-ask shortcut and whether it is registered. */
  getShortcut: 'app:get-shortcut',
  /** invoke(accelerator) → ShortcutStatus: change the quick-ask shortcut (kept unchanged when the new one is taken). */
  setShortcut: 'app:set-shortcut',
} as const;

/** A channel name. */
export type Channel = (typeof channels)[keyof typeof channels];

/** Where the renderer reaches the core: the gateway URL and the bearer token. */
export interface GatewayInfo {
  url: string;
  token: string;
}

/*
 * The core process, as the shell runs it (electron/core-process.ts):
 *
 *   starting ──ready──► running ──exit (not asked)──► restarting ──backoff elapsed──► starting
 *      │                                                  ▲
 *      └──exit or no ready in time────────────────────────┘
 *   restarting ──too many failures in a row──► failed ──"Restart core" (tray)──► starting
 *   any ──stop() (quit)──► stopping ──exited, or killed after the timeout──► stopped
 */
export type CoreStatus = 'starting' | 'running' | 'restarting' | 'failed' | 'stopping' | 'stopped';

/** A snapshot of the core process for the UI and the tray (never the token). */
export interface CoreState {
  status: CoreStatus;
  /** Gateway URL while running. */
  url?: string;
  /** Consecutive failed starts/crashes; 0 once it has been running for a while. */
  attempt: number;
  /** While restarting: how long until the next start, in ms. */
  retryInMs?: number;
  /** Why it last stopped or failed, in words (the last lines of its output when it crashed). */
  reason?: string;
}

/** The quick-ask global shortcut. */
export interface ShortcutStatus {
  /** Electron accelerator, e.g. "CommandOrControl+Shift+Space". */
  accelerator: string;
  /** How to show it on this platform, e.g. "Ctrl+Shift+Space". */
  label: string;
  registered: boolean;
  /** Why it is not registered (taken by another app, invalid), and what to do. */
  message?: string;
}

/** What the preload exposes as `window.shell`: one function per channel, nothing else. */
export interface ShellApi {
  getGateway(): Promise<GatewayInfo | null>;
  openExternal(url: string): Promise<void>;
  hideQuickAsk(): Promise<void>;
  openConversation(conversationId: string): Promise<void>;
  getCoreState(): Promise<CoreState>;
  /** Subscribe to core state changes; returns the unsubscribe function. */
  onCoreState(listener: (state: CoreState) => void): () => void;
  getShortcut(): Promise<ShortcutStatus>;
  setShortcut(accelerator: string): Promise<ShortcutStatus>;
}
