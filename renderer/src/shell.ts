// The only file touching window.shell (the desktop shell's preload bridge); a null object in a plain browser.
import type { CoreState, ShellApi } from '../../electron/ipc-contract';

declare global {
  interface Window {
    /** Present only inside the desktop app (electron/preload.ts). */
    shell?: ShellApi;
  }
}

function bridge(): ShellApi | undefined {
  return typeof window !== 'undefined' ? window.shell : undefined;
}

/** True inside the desktop app. */
export const isDesktop = bridge() !== undefined;

/** Open `url` outside the app (desktop: the system browser; browser: a new tab). */
export function openExternal(url: string): void {
  const b = bridge();
  if (b) {
    void b.openExternal(url).catch(() => undefined);
    return;
  }
  window.open(url, '_blank', 'noopener,noreferrer');
}

/** The token the desktop shell hands over, if any (null in a browser or while the core is down). */
export async function shellToken(): Promise<string | null> {
  const b = bridge();
  if (!b) return null;
  try {
    return (await b.getGateway())?.token ?? null;
  } catch {
    return null;
  }
}

/** Hide the quick-ask window (no-op in a browser). */
export function hideQuickAsk(): void {
  void bridge()
    ?.hideQuickAsk()
    .catch(() => undefined);
}

/** Show a conversation in the main window (desktop); in a browser, go there in this tab. */
export function openConversation(id: string): void {
  const b = bridge();
  if (b) void b.openConversation(id).catch(() => undefined);
  else window.location.hash = `#/chat/${encodeURIComponent(id)}`;
}

/**
 * Follow the core process as the desktop shell runs it: the current state first, then every change. Returns the
 * unsubscribe function; in a browser (no shell) it never calls back.
 */
export function onCoreState(listener: (state: CoreState) => void): () => void {
  const b = bridge();
  if (!b) return () => undefined;
  let live = true;
  const off = b.onCoreState((s) => {
    if (live) listener(s);
  });
  void b
    .getCoreState()
    .then((s) => {
      if (live) listener(s);
    })
    .catch(() => undefined);
  return () => {
    live = false;
    off();
  };
}
