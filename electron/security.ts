// Session and web-contents hardening: deny permissions, keep navigation on the app's origin, no window.open, a CSP.
import type { Session, WebContents } from 'electron';

/** Schemes that may be handed to the system browser; anything else (file:, javascript:, custom) is dropped. */
const EXTERNAL_SCHEMES = new Set(['https:', 'http:', 'mailto:']);

/**
 * The page's CSP when the core did not send one (it normally does: router-core/gateway/static.ts). Same policy:
 * own scripts, styles, images and connections only, no inline script, never framed.
 */
export const FALLBACK_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** The origin of a URL ("http://127.0.0.1:8787"), or null when it has none (about:blank, data:, garbage). */
export function originOf(url: string): string | null {
  try {
    const o = new URL(url).origin;
    return o === 'null' ? null : o;
  } catch {
    return null;
  }
}

/** True when `url` belongs to the app's own origin (the core's gateway, or the Vite dev server in development). */
export function isAppUrl(url: string, appOrigin: string | null): boolean {
  return appOrigin !== null && originOf(url) === appOrigin;
}

/** True when `url` may be opened in the system browser. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return EXTERNAL_SCHEMES.has(u.protocol) && (u.protocol === 'mailto:' || u.hostname !== '');
  } catch {
    return false;
  }
}

/** Options of {@link guardWebContents}. */
export interface GuardOptions {
  /** The app's origin now (it changes when the core restarts on another port). */
  appOrigin(): string | null;
  /** Open a link outside the app (shell.openExternal). */
  openExternal(url: string): void;
}

/**
 * Guard one web contents: navigation away from the app origin is cancelled (links go to the system browser),
 * every window.open is denied (likewise), and <webview> is never attached.
 */
export function guardWebContents(contents: WebContents, opts: GuardOptions): void {
  const outside = (url: string): void => {
    if (isSafeExternalUrl(url)) opts.openExternal(url);
  };
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url, opts.appOrigin())) return;
    event.preventDefault();
    outside(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (isAppUrl(url, opts.appOrigin())) return;
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    outside(url);
    return { action: 'deny' };
  });
}

/**
 * Harden a session: every permission request and check is denied (the UI needs none: no camera, notifications,
 * geolocation, clipboard-read...), and app-origin responses get a CSP when they lack one.
 */
export function hardenSession(session: Session, appOrigin: () => string | null): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    const hasCsp = Object.keys(headers).some((h) => h.toLowerCase() === 'content-security-policy');
    if (!hasCsp && isAppUrl(details.url, appOrigin())) headers['Content-Security-Policy'] = [FALLBACK_CSP];
    callback({ responseHeaders: headers });
  });
}
