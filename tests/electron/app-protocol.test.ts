// The app:// handler against a real loopback "core": UI files from disk, the relay with our token, streams and their cancellation, path traversal.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_ORIGIN, createAppProtocolHandler, startingPage, uiFileFor } from '../../electron/app-protocol.js';
import type { CoreState, GatewayInfo } from '../../electron/ipc-contract.js';

const TOKEN = 'hai_app-protocol-token-0123456789';

let tmp: string;
let server: Server;
let coreUrl: string;
let onRequest: (req: IncomingMessage, res: ServerResponse) => void;
const closed: string[] = [];

beforeEach(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hai-app-protocol-'));
  mkdirSync(path.join(tmp, 'assets'));
  writeFileSync(path.join(tmp, 'index.html'), '<!doctype html><title>ui</title>');
  writeFileSync(path.join(tmp, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(path.join(tmp, '..', `secret-${path.basename(tmp)}.txt`), 'outside');
  closed.length = 0;
  server = createServer((req, res) => onRequest(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  coreUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(path.join(tmp, '..', `secret-${path.basename(tmp)}.txt`), { force: true });
  rmSync(tmp, { recursive: true, force: true });
});

function handler(g: () => GatewayInfo | null, state: CoreState = { status: 'running', attempt: 0 }) {
  const tokens: string[] = [];
  const h = createAppProtocolHandler({ gateway: g, coreState: () => state, uiDir: tmp, onToken: (t) => tokens.push(t) });
  return { h, tokens };
}

describe('app:// protocol', () => {
  it('serves the UI from the app’s files with the CSP, even while the core is down', async () => {
    const { h } = handler(() => null, { status: 'starting', attempt: 0 });
    const index = await h(new Request(`${APP_ORIGIN}/`));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await index.text()).toContain('<title>ui</title>');
    const js = await h(new Request(`${APP_ORIGIN}/assets/app-1234.js`));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
  });

  it('never serves a file outside the UI folder, however the path is spelled', async () => {
    const outside = `secret-${path.basename(tmp)}.txt`;
    for (const p of [`/../${outside}`, `/%2e%2e/${outside}`, `/assets/..%2f..%2f${outside}`, '/.hidden', '/assets/%00x'])
      expect(uiFileFor(tmp, p), p).toBeNull();
    const { h } = handler(() => null, { status: 'starting', attempt: 0 });
    const r = await h(new Request(`${APP_ORIGIN}/%2e%2e/${outside}`));
    expect(r.status).toBe(503);
    expect(await r.text()).not.toContain('outside');
  });

  it('answers only its own host', async () => {
    const { h } = handler(() => ({ url: coreUrl, token: TOKEN }));
    const r = await h(new Request('app://elsewhere/api/v1/stats'));
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: { type: 'not_found' } });
  });

  it('relays API calls with our token and the body, without the page’s origin or credentials', async () => {
    let got: { method?: string; url?: string; auth?: string; origin?: string; cookie?: string; body: string } | undefined;
    onRequest = (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got = {
          method: req.method,
          url: req.url,
          auth: req.headers.authorization,
          origin: req.headers.origin,
          cookie: req.headers.cookie,
          body,
        };
        res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'r1' }).end('{"ok":true}');
      });
    };
    const { h } = handler(() => ({ url: coreUrl, token: TOKEN }));
    const r = await h(
      new Request(`${APP_ORIGIN}/api/v1/chat?x=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: APP_ORIGIN, cookie: 'a=b', authorization: 'Bearer page-token' },
        body: '{"prompt":"hi"}',
      }),
    );
    expect(r.status).toBe(201);
    expect(r.headers.get('x-request-id')).toBe('r1');
    expect(await r.json()).toEqual({ ok: true });
    expect(got).toEqual({
      method: 'POST',
      url: '/api/v1/chat?x=1',
      auth: `Bearer ${TOKEN}`,
      origin: undefined,
      cookie: undefined,
      body: '{"prompt":"hi"}',
    });
  });

  it('streams an answer as it comes, and a reader that stops closes the connection to the core', async () => {
    let sent = 0;
    onRequest = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write(`data: ${sent++}\n\n`), 10);
      req.socket.on('close', () => {
        clearInterval(timer);
        closed.push('closed');
      });
    };
    const { h } = handler(() => ({ url: coreUrl, token: TOKEN }));
    const r = await h(new Request(`${APP_ORIGIN}/api/v1/chat`, { method: 'POST', body: '{}' }));
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const reader = r.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^data: \d+/);
    await reader.cancel();
    await expect.poll(() => closed, { timeout: 5_000 }).toEqual(['closed']);
    const after = sent;
    await new Promise((res) => setTimeout(res, 100));
    expect(sent).toBe(after);
  });

  it('a dead core: a JSON 503 for the API, the starting page for a navigation; nothing is sent anywhere', async () => {
    const { h } = handler(() => null, { status: 'restarting', attempt: 1, retryInMs: 1000, reason: 'exit code 139' });
    const api = await h(new Request(`${APP_ORIGIN}/api/v1/stats`));
    expect(api.status).toBe(503);
    expect(await api.json()).toEqual({ error: { type: 'upstream_unavailable', message: expect.stringMatching(/starting/) } });
    const nav = await h(new Request(`${APP_ORIGIN}/#/chat`, { headers: { 'sec-fetch-dest': 'document' } }));
    // uiDir has index.html, so the UI itself loads (it shows the core's state); without it, the starting page.
    expect(await nav.text()).toContain('<title>ui</title>');
    expect(startingPage({ status: 'restarting', attempt: 1, reason: '<script>x</script>' })).toMatch(
      /restarting[\s\S]*&#60;script&#62;x&#60;\/script&#62;/,
    );
    expect(startingPage({ status: 'failed', attempt: 5 })).not.toContain('http-equiv="refresh"');
  });

  it('a core that stopped answering (connection refused) is a 503, not a crash', async () => {
    const { h } = handler(() => ({ url: 'http://127.0.0.1:9', token: TOKEN }));
    const r = await h(new Request(`${APP_ORIGIN}/api/v1/stats`));
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ error: { type: 'upstream_unavailable' } });
  });
});
