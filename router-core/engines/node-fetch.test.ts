// nodeFetch (undici) against a real node:http server on loopback: bodies, streaming reads, backpressure, early close, abort.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch, type AbortSource } from './node-fetch.js';

let server: http.Server;
let base: string;
/** What the last request carried, for the header assertions. */
let lastHeaders: http.IncomingHttpHeaders = {};
let lastBody = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    lastHeaders = req.headers;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      lastBody = body;
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/json') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-extra': 'yes' });
        res.end(JSON.stringify({ echo: body, snowman: '☃' }));
      } else if (url.pathname === '/chunks') {
        // n chunks written as fast as possible: more than the reader's high-water mark, so backpressure must engage.
        const n = Number(url.searchParams.get('n'));
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        let i = 0;
        const write = (): void => {
          while (i < n) {
            const ok = res.write(`${JSON.stringify({ i })}\n`);
            i++;
            if (!ok) return void res.once('drain', write);
          }
          res.end();
        };
        write();
      } else if (url.pathname === '/split-utf8') {
        // A three-byte character split across two writes.
        const bytes = Buffer.from('a☃b');
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write(bytes.subarray(0, 2));
        setTimeout(() => res.end(bytes.subarray(2)), 20);
      } else if (url.pathname === '/break') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"first":true}\n');
        setTimeout(() => res.socket?.destroy(), 30);
      } else if (url.pathname === '/hang') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"first":true}\n');
      } else if (url.pathname === '/slow-head') {
        setTimeout(() => res.end('late'), 5_000);
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":"nope"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('nodeFetch', () => {
  it('sends the method, plain-object headers (lowercased) and the body with its length; json() and headers work', async () => {
    const res = await nodeFetch(`${base}/json`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Thing': 'a' },
      body: 'héllo',
    });
    expect(res.ok).toBe(true);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-extra')).toBe('yes');
    expect(await res.json()).toEqual({ echo: 'héllo', snowman: '☃' });
    expect(lastHeaders['x-thing']).toBe('a');
    expect(lastHeaders['content-length']).toBe(String(Buffer.byteLength('héllo')));
    expect(lastBody).toBe('héllo');
  });

  it('accepts a Headers object and an array of pairs too', async () => {
    await (await nodeFetch(`${base}/json`, { headers: new Headers({ 'X-A': '1' }) })).text();
    expect(lastHeaders['x-a']).toBe('1');
    await (await nodeFetch(`${base}/json`, { headers: [['X-B', '2']] })).text();
    expect(lastHeaders['x-b']).toBe('2');
  });

  it('reports a non-2xx status as not ok, with its body readable', async () => {
    const res = await nodeFetch(`${base}/missing`);
    expect(res.ok).toBe(false);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"error":"nope"}');
  });

  it('text() decodes a character split across chunks', async () => {
    expect(await (await nodeFetch(`${base}/split-utf8`)).text()).toBe('a☃b');
  });

  it('streams every chunk in order through getReader(), also when the reader lags behind (backpressure)', async () => {
    const n = 2_000;
    const res = await nodeFetch(`${base}/chunks?n=${n}`);
    const reader = res.body!.getReader();
    // Let the server run ahead so many chunks queue (the socket gets paused), then drain.
    await new Promise((r) => setTimeout(r, 50));
    let text = '';
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      text += Buffer.from(r.value!).toString();
    }
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(n);
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('a body that breaks midway rejects the pending read (premature close), after the chunks that arrived', async () => {
    const res = await nodeFetch(`${base}/break`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe('{"first":true}\n');
    await expect(reader.read()).rejects.toThrow(/premature close|aborted|socket hang up|ECONNRESET|other side closed/i);
  });

  it('an abort before the response rejects with an AbortError; a pre-aborted signal never connects', async () => {
    const ac = new AbortController();
    const p = nodeFetch(`${base}/slow-head`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    const done = new AbortController();
    done.abort();
    await expect(nodeFetch(`${base}/json`, { signal: done.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an abort during the body (also from an extra signal) ends a pending read with an error', async () => {
    const extra = new AbortController();
    const res = await nodeFetch(`${base}/hang`, {}, [extra.signal]);
    const reader = res.body!.getReader();
    await reader.read();
    const pending = reader.read();
    extra.abort();
    await expect(pending).rejects.toThrow();
  });

  it('an abort source that is not an AbortSignal works beside one: it aborts, and keeps no listener after the answer', async () => {
    /** A switch like the Ollama engine's: listeners in a Set. */
    const source = (): AbortSource & { listeners: Set<() => void>; fire(): void } => {
      const listeners = new Set<() => void>();
      const s = {
        aborted: false,
        listeners,
        addEventListener: (_t: 'abort', l: () => void) => void listeners.add(l),
        removeEventListener: (_t: 'abort', l: () => void) => void listeners.delete(l),
        fire: () => {
          s.aborted = true;
          for (const l of [...listeners]) l();
        },
      };
      return s;
    };
    const done = source();
    const signal = new AbortController().signal;
    await (await nodeFetch(`${base}/json`, { signal }, [done])).text();
    expect(done.listeners.size).toBe(0);
    // Alone, too: handed to undici as it is.
    await (await nodeFetch(`${base}/json`, {}, [done])).text();
    expect(done.listeners.size).toBe(0);
    const closing = source();
    const pending = nodeFetch(`${base}/slow-head`, {}, [closing]);
    await new Promise((r) => setTimeout(r, 30));
    expect(closing.listeners.size).toBe(1);
    closing.fire();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a refused connection rejects like fetch: TypeError "fetch failed" with the socket error as cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = (await nodeFetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)) as TypeError & { cause?: { code?: string } };
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('fetch failed');
    expect(err.cause?.code).toBe('ECONNREFUSED');
  });
});
