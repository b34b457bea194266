// A minimal fetch over node:http with a keep-alive agent, for official clients that accept a `fetch` option.
//
// Why: Node 20's global fetch (undici + WHATWG streams + AbortSignal.any) costs ~300-400 µs of CPU per local
// request in our profile, more than the rest of the gateway together. Local engines (Ollama on loopback) only
// need POST/GET with a JSON body, a status, headers, json()/text() and a streaming body read with getReader().
import http from 'node:http';
import https from 'node:https';

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
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const signals = init.signal ? [init.signal, ...extraSignals] : extraSignals;
  if (signals.some((s) => s.aborted)) return Promise.reject(abortError());
  const lib = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => (headers[k] = v));
  const body = typeof init.body === 'string' ? init.body : init.body == null ? undefined : String(init.body);
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));

  return new Promise<MinimalResponse>((resolve, reject) => {
    const req = lib.request(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol as 'http:' | 'https:'] });
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
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
      // Errors after an abort surface through the iterator when someone reads; never as an unhandled event.
      res.on('error', () => undefined);
      const iterator = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      res.once('close', cleanup);
      const readAll = async (): Promise<string> => {
        let s = '';
        for (;;) {
          const r = await iterator.next();
          if (r.done) return s;
          s += r.value.toString('utf8');
        }
      };
      resolve({
        ok: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300,
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers: h,
        body: {
          getReader: () => ({
            read: async () => {
              const r = await iterator.next();
              return r.done ? { done: true } : { done: false, value: r.value };
            },
            releaseLock: () => undefined,
            cancel: async () => {
              res.destroy();
            },
          }),
        },
        json: async () => JSON.parse(await readAll()) as unknown,
        text: readAll,
      });
    });
    req.end(body);
  });
}
