// Typed fetch over the gateway (same origin + bearer token from the #token= link or the prompt); errors → ApiError.
import type { ErrorKind, ErrorType } from './types';

const TOKEN_KEY = 'hybrid-ai.token';

/** A failed API call with the gateway's error type and its human message. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: ErrorType | 'network';
  /** The refusal's typed cause, when the core gave one (the UI acts on this, never on the message's words). */
  readonly kind?: ErrorKind;
  constructor(status: number, type: ErrorType | 'network', message: string, kind?: ErrorKind) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    if (kind !== undefined) this.kind = kind;
  }
}

/** Any thrown value as an ApiError: an ApiError as it is (its `kind` kept), anything else as an 'internal' one with its text. */
export function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'internal', String(e));
}

type TokenListener = (token: string | null) => void;
const listeners = new Set<TokenListener>();
let memoryToken: string | null = null;

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** The current API token (sessionStorage: it survives reloads of this tab, not the browser). */
export function getToken(): string | null {
  return memoryToken ?? storage()?.getItem(TOKEN_KEY) ?? null;
}

/** Save (or clear with null) the token and tell subscribers. */
export function setToken(token: string | null): void {
  memoryToken = token;
  const s = storage();
  if (token === null) s?.removeItem(TOKEN_KEY);
  else s?.setItem(TOKEN_KEY, token);
  for (const l of listeners) l(token);
}

export function onTokenChange(l: TokenListener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/**
 * Take the token from a `#token=...` link, keep it, and remove it from the address bar (and history),
 * so it is not left on screen or in a screenshot. Returns true when one was found.
 */
export function adoptTokenFromLocation(loc: Location = window.location, hist: History = window.history): boolean {
  const m = /(?:^#|[#&])token=([^&]+)/.exec(loc.hash);
  if (!m?.[1]) return false;
  setToken(decodeURIComponent(m[1]));
  hist.replaceState(null, '', `${loc.pathname}${loc.search}`);
  return true;
}

/** Parse an error response into an ApiError with the gateway's message. */
async function toApiError(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { type?: ErrorType; message?: string; kind?: ErrorKind } };
    if (body.error?.message) return new ApiError(res.status, body.error.type ?? 'internal', body.error.message, body.error.kind);
  } catch {
    // Not JSON: fall through to a generic message with the status.
  }
  return new ApiError(res.status, 'internal', `The server answered ${res.status} ${res.statusText}.`);
}

/** Headers for an authenticated call; a JSON content type only when there is a body. */
export function authHeaders(json: boolean): Record<string, string> {
  const h: Record<string, string> = {};
  const t = getToken();
  if (t) h.authorization = `Bearer ${t}`;
  if (json) h['content-type'] = 'application/json';
  return h;
}

/** One API call. A 401 clears the token so the app asks for a new one. */
export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: authHeaders(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Cannot reach the Hybrid AI server. Is it still running?');
  }
  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401) setToken(null);
    throw err;
  }
  return (await res.json()) as T;
}

/** Try a token without adopting it: true when the core accepts it; throws ApiError for anything but a 401. */
export async function checkToken(token: string): Promise<boolean> {
  let res: Response;
  try {
    res = await fetch('/api/v1/settings', { headers: { authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the Hybrid AI server. Is it still running?');
  }
  if (res.status === 401) return false;
  if (!res.ok) throw await toApiError(res);
  return true;
}

export { toApiError };
