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
    const u = new URL(url);
    // Node's URL gives custom schemes an opaque origin; Chromium gives a registered standard scheme (app://) a real
    // one: scheme + host, as here. file:, data:, blob: and about: stay without an origin.
    if (u.origin === 'null' && u.host !== '' && !['file:', 'data:', 'blob:', 'about:', 'javascript:'].includes(u.protocol)) {
      return `${u.protocol}//${u.host}`;
    }
    const o = u.origin;
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

/** True when `url` carries one of `secrets` (as is or URL-encoded): such a link never leaves the app. */
export function carriesSecret(url: string, secrets: Iterable<string>): boolean {
  for (const s of secrets) {
    if (s.length >= 8 && (url.includes(s) || url.includes(encodeURIComponent(s)))) return true;
  }
  return false;
}

/** Options of {@link guardWebContents}. */
export interface GuardOptions {
  /** The app's origin now (app://hybrid-ai; the Vite dev server's in development). */
  appOrigin(): string | null;
}

/**
 * Guard one web contents: navigation away from the app origin is cancelled, every window.open is denied, and
 * <webview> is never attached. Nothing here opens the system browser: a scripted `location = 'https://x/?t=' + token`
 * or window.open() cannot be told from a click, so outside links go only through the preload's openExternal, which
 * requires a user gesture (electron/preload.ts) and is refused for any URL carrying the token (main.ts).
 */
export function guardWebContents(contents: WebContents, opts: GuardOptions): void {
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url, opts.appOrigin())) return;
    event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (isAppUrl(url, opts.appOrigin())) return;
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/**
 * The one permission the UI uses: writing plain text to the clipboard (quick ask's and chat's Copy buttons,
 * navigator.clipboard.writeText). Reading the clipboard, camera, notifications, geolocation... stay denied.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** Pure: whether `permission` asked by a page at `requestingUrl` is granted. */
export function permissionAllowed(permission: string, requestingUrl: string, appOrigin: string | null): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl, appOrigin);
}

/**
 * Harden a session: every permission request and check is denied but {@link ALLOWED_PERMISSIONS} for the app's own
 * origin, and app-origin responses get a CSP when they lack one.
 */
export function hardenSession(session: Session, appOrigin: () => string | null): void {
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    const url = (details as { requestingUrl?: string } | undefined)?.requestingUrl ?? contents?.getURL?.() ?? '';
    callback(permissionAllowed(permission, url, appOrigin()));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    permissionAllowed(permission, requestingOrigin ?? '', appOrigin()),
  );
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    const hasCsp = Object.keys(headers).some((h) => h.toLowerCase() === 'content-security-policy');
    if (!hasCsp && isAppUrl(details.url, appOrigin())) headers['Content-Security-Policy'] = [FALLBACK_CSP];
    callback({ responseHeaders: headers });
  });
}
