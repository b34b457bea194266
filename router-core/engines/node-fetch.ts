// A minimal fetch over node:http with a keep-alive agent, for official clients that accept a `fetch` option.
//
// Why: Node 20's global fetch (undici + WHATWG streams + AbortSignal.any) costs ~300-400 µs of CPU per local
// request in our profile, more than the rest of the gateway together. Local engines (Ollama on loopback) only
// need POST/GET with a JSON body, a status, headers, json()/text() and a streaming body read with getReader().
import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';

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

/** Keep-alive agents: one TCP connection per concurrent request, reused across requests. */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxFreeSockets: 16 }),
  'https:': new https.Agent({ keepAlive: true, maxFreeSockets: 16 }),
};

function abortError(): Error {
  const e = new Error('The operation was aborted.');
  e.name = 'AbortError';
  return e;
}

/**
 * fetch(url, init) over node:http; rejects like fetch (TypeError 'fetch failed' with the socket error as cause).
 * `extraSignals` abort it too: plain listeners, cheaper than AbortSignal.any (which showed up in profiles).
 */
export function nodeFetch(
  input: string | URL | Request,
  init: RequestInit = {},
  extraSignals: readonly AbortSignal[] = [],
): Promise<MinimalResponse> {
  const target = requestTarget(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const signals = init.signal ? [init.signal, ...extraSignals] : extraSignals;
  if (signals.some((s) => s.aborted)) return Promise.reject(abortError());
  const lib = target.protocol === 'https:' ? https : http;
  const headers = plainHeaders(init.headers);
  const body = typeof init.body === 'string' ? init.body : init.body == null ? undefined : String(init.body);
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));

  return new Promise<MinimalResponse>((resolve, reject) => {
    const req = lib.request({ ...target, method: init.method ?? 'GET', headers, agent: agents[target.protocol] });
    let response: http.IncomingMessage | undefined;
    // Before the response: fail the request like fetch does. After it: just close the body; a pending read
    // ends with a premature-close error for its reader instead of an error event nobody listens to.
    const onAbort = (): void => {
      if (response) response.destroy();
      else req.destroy(abortError());
    };
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => {
      for (const s of signals) s.removeEventListener('abort', onAbort);
    };
    // 'on', not 'once': an abort after the response started emits a second error, which must not go unhandled.
    req.on('error', (err) => {
      cleanup();
      reject(err.name === 'AbortError' ? err : Object.assign(new TypeError('fetch failed'), { cause: err }));
    });
    req.once('response', (res) => {
      response = res;
      // Errors after an abort surface through the reader when someone reads; never as an unhandled event.
      res.on('error', () => undefined);
      res.once('close', cleanup);
      const reader = chunkReader(res);
      // Whole body, decoded once (a character split across chunks stays whole).
      const readAll = async (): Promise<string> => {
        const parts: Buffer[] = [];
        for (;;) {
          const r = await reader.read();
          if (r.done) return Buffer.concat(parts).toString('utf8');
          parts.push(r.value as Buffer);
        }
      };
      resolve(new NodeResponse(res, reader, readAll));
    });
    req.end(body);
  });
}

type RequestTarget = ReturnType<typeof urlToHttpOptions> & { protocol: 'http:' | 'https:' };

/**
 * The request options of a URL (what http.request derives from a URL itself), parsed once per URL string.
 * why: a client calls the same few URLs over and over, and parsing one plus converting it cost ~8 µs a request.
 */
function requestTarget(href: string): RequestTarget {
  let t = targets.get(href);
  if (t === undefined) {
    // Another protocol passes through: http.request refuses it, and the promise rejects as before.
    t = urlToHttpOptions(new URL(href)) as RequestTarget;
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
  private h: Headers | undefined = undefined;

  constructor(
    private readonly res: http.IncomingMessage,
    reader: ChunkReader,
    private readonly readAll: () => Promise<string>,
  ) {
    this.status = res.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.statusText = res.statusMessage ?? '';
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
    return JSON.parse(await this.readAll()) as unknown;
  }

  text(): Promise<string> {
    return this.readAll();
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
 * A reader over a response's 'data' events. Why not the stream's async iterator: on a loopback answer of a few
 * chunks, the iterator's machinery (Readable.read, per-chunk promises and listeners) costs more than the HTTP
 * parsing itself. Semantics match a fetch body reader: chunks in order, `done` after 'end', and a read pending
 * or made after the response was closed early (abort, socket error) rejects with the cause.
 */
export function chunkReader(res: http.IncomingMessage): ChunkReader {
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
