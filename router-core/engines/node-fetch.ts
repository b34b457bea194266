// A minimal fetch over undici's request API with a keep-alive agent, for official clients that accept a `fetch` option.
//
// Why: Node 20's global fetch (undici's fetch + WHATWG streams + AbortSignal.any) costs ~300-400 µs of CPU per local
// request in our profile, more than the rest of the gateway together, and node:http's client (ClientRequest, Agent
// bookkeeping) another ~40 µs more than undici's request(). Local engines (Ollama on loopback) only need POST/GET with
// a JSON body, a status, headers, json()/text() and a streaming body read with getReader().
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/**
 * What can abort a request: an AbortSignal, or anything with the same three members that undici reads (the Ollama
 * engine's close switch, whose listeners sit in a Set rather than on an EventTarget).
 */
export interface AbortSource {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** The subset of the Fetch API Response the `ollama` client reads. */
export interface MinimalResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: Headers;
  body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; releaseLock(): void; cancel(): Promise<void> } } | null;
  json(): Promise<unknown>;
  text(): Promise<string>;
}

/**
 * One keep-alive agent (a connection pool per origin, one connection per concurrent request).
 * why no timeouts: undici's defaults (300 s to the headers, 300 s between body chunks) would cut off a slow local
 * model loading or answering without streaming; callers set their own deadline with a signal.
 */
let dispatcher: Dispatcher | undefined;
/** undici (~100 modules) loads on the first request, not when the core starts. */
let dispatcherLoading: Promise<Dispatcher> | undefined;
function loadDispatcher(): Promise<Dispatcher> {
  return (dispatcherLoading ??= import('undici').then(({ Agent }) => (dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 }))));
}

function abortError(): Error {
  const e = new Error('The operation was aborted.');
  e.name = 'AbortError';
  return e;
}

/**
 * fetch(url, init) over undici's request(); rejects like fetch (TypeError 'fetch failed' with the socket error as
 * cause, an AbortError when aborted). `extraSignals` abort it too: plain listeners, cheaper than AbortSignal.any
 * (which showed up in profiles).
 */
export function nodeFetch(
  input: string | URL | Request,
  init: RequestInit = {},
  extraSignals: readonly AbortSource[] = [],
): Promise<MinimalResponse> {
  let target: RequestTarget;
  try {
    target = requestTarget(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  } catch (e) {
    return Promise.reject(e as Error);
  }
  const signals: readonly AbortSource[] = init.signal ? [init.signal, ...extraSignals] : extraSignals;
  if (signals.some((s) => s.aborted)) return Promise.reject(abortError());
  const headers = plainHeaders(init.headers);
  const body = typeof init.body === 'string' ? init.body : init.body == null ? undefined : String(init.body);
  const options: Dispatcher.RequestOptions = {
    origin: target.origin,
    path: target.path,
    method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
    headers,
    body,
    // Before the response an abort fails the request; after it, it destroys the body, so a pending read rejects.
    // One source goes as it is (undici reads only `aborted` and the two listener methods); several through anyOf.
    signal: signals.length === 0 ? undefined : signals.length === 1 ? (signals[0] as AbortSignal) : anyOf(signals),
  };
  return (dispatcher ? dispatcher.request(options) : loadDispatcher().then((d) => d.request(options))).then(
    (res) => new NodeResponse(res),
    (err: Error) => {
      throw err.name === 'AbortError' ? err : Object.assign(new TypeError('fetch failed'), { cause: err });
    },
  );
}

/**
 * An abort source for several signals: undici listens through addEventListener, so the listener goes on each of
 * them (no AbortController and no AbortSignal.any per request). undici reads only `aborted` and the two methods.
 */
function anyOf(signals: readonly AbortSource[]): AbortSignal {
  const source = {
    aborted: false,
    addEventListener(type: 'abort', listener: () => void) {
      for (const s of signals) s.addEventListener(type, listener, { once: true });
    },
    removeEventListener(type: 'abort', listener: () => void) {
      for (const s of signals) s.removeEventListener(type, listener);
    },
  };
  return source as unknown as AbortSignal;
}

/** Where a URL's requests go: the origin (the agent's pool) and the path with the query. */
interface RequestTarget {
  origin: string;
  path: string;
}

/**
 * The origin and path of a URL, parsed once per URL string.
 * why: a client calls the same few URLs over and over, and parsing one cost ~5 µs a request.
 */
function requestTarget(href: string): RequestTarget {
  let t = targets.get(href);
  if (t === undefined) {
    const url = new URL(href);
    // Like fetch: only http(s); anything else fails as a fetch failure, not a crash inside the agent.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`fetch failed: unsupported protocol ${url.protocol}`);
    t = { origin: url.origin, path: `${url.pathname}${url.search}` };
    // why a bound: URLs with per-request query strings must not grow the map forever.
    if (targets.size >= 64) targets.clear();
    targets.set(href, t);
  }
  return t;
}
const targets = new Map<string, RequestTarget>();

/**
 * The Response-like result of nodeFetch. A class, not an object literal: a literal's lazy `headers` getter would close
 * over the call and give every response its own hidden class (old-space garbage that outlives scavenges).
 */
class NodeResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly body: { getReader: () => ChunkReader };
  private readonly reader: ChunkReader;
  private h: Headers | undefined = undefined;

  constructor(private readonly res: Dispatcher.ResponseData) {
    this.status = res.statusCode;
    this.ok = this.status >= 200 && this.status < 300;
    this.statusText = res.statusText || STATUS_CODES[this.status] || '';
    // Errors after an abort surface through the reader when someone reads; never as an unhandled event.
    res.body.on('error', () => undefined);
    const reader = chunkReader(res.body);
    this.reader = reader;
    this.body = { getReader: () => reader };
  }

  /** Built on first use: clients read headers only on the error path, and a Headers object costs a noticeable share of a local request. */
  get headers(): Headers {
    if (!this.h) {
      this.h = new Headers();
      for (const [k, v] of Object.entries(this.res.headers)) if (v !== undefined) this.h.set(k, Array.isArray(v) ? v.join(', ') : v);
    }
    return this.h;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  /** The whole body, decoded once (a character split across chunks stays whole). */
  async text(): Promise<string> {
    const parts: Buffer[] = [];
    for (;;) {
      const r = await this.reader.read();
      if (r.done) return parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8');
      parts.push(r.value as Buffer);
    }
  }
}

/** Request headers as a plain lowercase-keyed object; a plain object (what the `ollama` client passes) skips Headers. */
function plainHeaders(init: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (init == null) return out;
  if (init instanceof Headers || Array.isArray(init)) {
    new Headers(init).forEach((v, k) => (out[k] = v));
    return out;
  }
  for (const k of Object.keys(init)) {
    const v = (init as Record<string, string | undefined>)[k];
    if (v !== undefined) out[k.toLowerCase()] = String(v);
  }
  return out;
}

/** What body.getReader() returns: the subset of a ReadableStreamDefaultReader the clients use. */
export interface ChunkReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  releaseLock(): void;
  cancel(): Promise<void>;
}

/** why: past 16 unread chunks the socket is paused (backpressure), and it resumes once the reader has drained half. */
const HIGH_WATER_CHUNKS = 16;

/**
 * A reader over a response body's 'data' events. Why not the stream's async iterator: on a loopback answer of a few
 * chunks, the iterator's machinery (Readable.read, per-chunk promises and listeners) costs more than the HTTP
 * parsing itself. Semantics match a fetch body reader: chunks in order, `done` after 'end', and a read pending
 * or made after the response was closed early (abort, socket error) rejects with the cause.
 */
export function chunkReader(res: Readable): ChunkReader {
  const queue: Buffer[] = [];
  let head = 0;
  let ended = false;
  let failure: Error | undefined;
  let waiter: { resolve(r: { done: boolean; value?: Uint8Array }): void; reject(e: Error): void } | undefined;
  res.on('data', (chunk: Buffer) => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w.resolve({ done: false, value: chunk });
      return;
    }
    queue.push(chunk);
    if (queue.length - head >= HIGH_WATER_CHUNKS) res.pause();
  });
  res.once('end', () => {
    ended = true;
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w.resolve({ done: true });
    }
  });
  res.once('close', () => {
    if (ended) return;
    failure ??= Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w.reject(failure);
    }
  });
  res.on('error', (err) => {
    if (!ended) failure ??= err;
  });
  return {
    read() {
      if (head < queue.length) {
        const value = queue[head]!;
        queue[head++] = EMPTY;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        }
        if (res.isPaused() && queue.length - head <= HIGH_WATER_CHUNKS / 2) res.resume();
        return Promise.resolve({ done: false, value });
      }
      if (ended) return Promise.resolve({ done: true });
      if (failure) return Promise.reject(failure);
      if (res.isPaused()) res.resume();
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    releaseLock: () => undefined,
    cancel: async () => {
      res.destroy();
    },
  };
}

const EMPTY = Buffer.alloc(0);
