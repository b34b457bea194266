// The app:// protocol the windows load: the built UI straight from the app's files, every other request relayed to the core with the token added here.
//
// Why not load http://127.0.0.1:<port> directly: after a core crash another local user could bind that port and
// receive the token with the page's next request. Through app://hybrid-ai the page never learns a port; the token
// travels only from this process, and only while the core WE started reports running on that port (a port our own
// live process holds cannot be bound by another user).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CoreState, GatewayInfo } from './ipc-contract.js';
import { FALLBACK_CSP } from './security.js';

/** The scheme; registered as privileged before `ready` (main.ts). */
export const APP_SCHEME = 'app';
/** The one host the handler answers. */
export const APP_HOST = 'hybrid-ai';
/** The app's origin: every window's, the IPC sender check's and the navigation guard's. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * protocol.registerSchemesAsPrivileged entry. standard: relative URLs and web storage work as on http; secure: a
 * secure context (like https); supportFetchAPI: the UI's fetch() reaches it; stream: SSE answers stream. No
 * bypassCSP, no service workers, no CORS for other origins.
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true },
} as const;

/** Headers every response from the shell itself carries (the same policy router-core/gateway/static.ts sends). */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': FALLBACK_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Request headers never relayed: the page's own origin/cookies mean nothing to the core, and the token is ours to set. */
const DROPPED_REQUEST_HEADERS = new Set(['host', 'origin', 'referer', 'cookie', 'authorization', 'x-api-key', 'connection']);
/** The core's token-regeneration route: its answer carries the new token, which the shell adopts at once. */
const REGENERATE_PATH = '/api/v1/settings/token/regenerate';

/** Options of {@link createAppProtocolHandler}. */
export interface AppProtocolOptions {
  /** The core's gateway while the core this shell started is running; null otherwise. */
  gateway(): GatewayInfo | null;
  coreState(): CoreState;
  /** The built renderer (index.html, assets/): served by the shell itself, so the UI opens before the core is up. */
  uiDir?: string;
  /** The core answered a token regeneration: use this token from now on. */
  onToken(token: string): void;
  /** The core refused our token (regenerated elsewhere): the current one from the data dir, or null. */
  reloadToken?(): string | null;
  fetch?: typeof fetch;
  readFile?: (file: string) => Promise<Uint8Array>;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Pure: the page shown for a navigation while the core is not running (no UI build to show instead). */
export function startingPage(state: CoreState): string {
  const failed = state.status === 'failed';
  const text = failed
    ? `The local AI core could not start. Use "Restart core" in the tray menu; the reason is below and in core.log.`
    : state.status === 'restarting'
      ? 'The local AI core stopped and is restarting…'
      : 'Starting the local AI core…';
  // A meta refresh (no script: the CSP allows none inline) brings the app in once the core is up.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${failed ? '' : '<meta http-equiv="refresh" content="1">'}<title>Hybrid AI</title></head>
<body style="font-family: system-ui, sans-serif; background: #111318; color: #e6e8ee; padding: 2rem">
<h1 data-state="${escapeHtml(state.status)}">Hybrid AI</h1>
<p>${escapeHtml(text)}</p>
${state.reason ? `<pre>${escapeHtml(state.reason)}</pre>` : ''}
</body></html>
`;
}

/** The JSON error body the core's own API uses, for requests the shell answers itself. */
function apiError(status: number, type: string, message: string): Response {
  return new Response(JSON.stringify({ error: { type, message } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/**
 * Pure: the file under `uiDir` a request path names, or null (outside the folder, a dot-segment, or not a UI path).
 * "/" is index.html; anything else must stay inside the folder after decoding.
 */
export function uiFileFor(uiDir: string, pathname: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel === '/' || rel === '/index.html') return path.join(uiDir, 'index.html');
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const norm = path.posix.normalize(rel);
  if (norm !== rel || norm.split('/').some((seg) => seg === '..' || seg.startsWith('.'))) return null;
  return path.join(uiDir, ...norm.split('/').filter(Boolean));
}

/** Build the handler for protocol.handle(APP_SCHEME, ...). */
export function createAppProtocolHandler(o: AppProtocolOptions): (request: Request) => Promise<Response> {
  const doFetch = o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const read = o.readFile ?? ((f: string) => readFile(f));

  const serveFile = async (file: string): Promise<Response | null> => {
    let body: Uint8Array;
    try {
      body = await read(file);
    } catch {
      return null;
    }
    const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    // index.html names the hashed assets of this build: always revalidate it; the hashed assets never change.
    const cache = file.endsWith('index.html') ? 'no-cache' : 'max-age=31536000, immutable';
    return new Response(body as BodyInit, { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': cache } });
  };

  const relay = async (request: Request, url: URL, body: ArrayBuffer | undefined, g: GatewayInfo): Promise<Response> => {
    const headers = new Headers();
    request.headers.forEach((v, k) => {
      if (!DROPPED_REQUEST_HEADERS.has(k.toLowerCase())) headers.set(k, v);
    });
    headers.set('authorization', `Bearer ${g.token}`);
    return doFetch(`${g.url}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body,
      redirect: 'manual',
      signal: request.signal,
    });
  };

  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return apiError(400, 'invalid_request', 'Not a valid app URL.');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
      return apiError(404, 'not_found', `Only ${APP_ORIGIN}/ is served here.`);
    }
    const method = request.method.toUpperCase();
    if (o.uiDir && (method === 'GET' || method === 'HEAD')) {
      const file = uiFileFor(o.uiDir, url.pathname);
      const served = file ? await serveFile(file) : null;
      if (served) return served;
    }
    let g = o.gateway();
    if (!g) {
      const state = o.coreState();
      const navigation = request.headers.get('sec-fetch-dest') === 'document' || (method === 'GET' && url.pathname === '/');
      if (navigation) {
        return new Response(startingPage(state), {
          status: 503,
          headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
        });
      }
      return apiError(
        503,
        'upstream_unavailable',
        `The local AI core is ${state.status === 'failed' ? 'stopped' : 'starting'}; try again in a moment.`,
      );
    }
    const body = method === 'GET' || method === 'HEAD' ? undefined : await request.arrayBuffer();
    let res: Response;
    try {
      res = await relay(request, url, body, g);
      if (res.status === 401 && o.reloadToken) {
        // The token changed behind our back (regenerated through the API by another client): read it again, retry once.
        const fresh = o.reloadToken();
        if (fresh && fresh !== g.token) {
          o.onToken(fresh);
          await res.body?.cancel().catch(() => undefined);
          g = { ...g, token: fresh };
          res = await relay(request, url, body, g);
        }
      }
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      return apiError(503, 'upstream_unavailable', 'The local AI core is not answering; it is restarting. Try again in a moment.');
    }
    if (method === 'POST' && url.pathname === REGENERATE_PATH && res.ok) {
      const copy = res.clone();
      try {
        const j = (await copy.json()) as { token?: unknown };
        if (typeof j.token === 'string' && j.token.length >= 16) o.onToken(j.token);
      } catch {
        // Not the shape we know: the 401 path above picks the new token up on the next request.
      }
    }
    // The core's own headers (its CSP, content type, SSE framing) pass through; its body streams as it comes (a
    // page that stops reading, e.g. the Stop button, cancels this stream, which closes the connection to the core).
    // fetch() already decoded any compression, so the encoding and length headers no longer describe the body.
    const headers = new Headers(res.headers);
    for (const h of ['content-encoding', 'content-length', 'transfer-encoding', 'connection']) headers.delete(h);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}
