// Smaller holes from the server probe: /metrics label values from the catalog only, a body-read timeout, refused
// charsets, framework errors in our shape. Real server on loopback, Claude stand-in behind the official SDK.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

const CLAUDE_KEY = 'sk-ant-api03-hardening-key';
let claude: AnthropicStandIn;
let srv: TestServer;

beforeAll(async () => {
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY });
  srv = await startTestServer({
    env: { ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_BODY_TIMEOUT_S: '1' },
    args: ['--tier', '2'],
  });
}, 60_000);

afterAll(async () => {
  await srv?.close();
  await claude?.close();
});

describe('/metrics', () => {
  it('labels a raw claude-* model name as "other": callers cannot mint label values', async () => {
    const res = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify({ prompt: 'hi', model: 'claude-zz-1820222162', max_tokens: 5 }),
    });
    expect(res.status).toBe(200);
    const metrics = await (await fetch(`${srv.url}/metrics`, { headers: srv.auth })).text();
    expect(metrics).not.toContain('claude-zz-1820222162');
    expect(metrics).toMatch(/api_gateway_requests_total\{model="other",backend="anthropic",status="success"\} 1/);
  });
});

describe('request body', () => {
  it('a client that sends its body too slowly is cut off after the body-read timeout, in our error shape', async () => {
    const socket = net.connect(srv.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(
      `POST /api/v1/chat HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"prompt":`,
    );
    // Never send the rest: the server must not wait forever (HYBRID_AI_BODY_TIMEOUT_S=1 here).
    const timer = setTimeout(() => socket.destroy(), 10_000);
    await closed;
    clearTimeout(timer);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"type":"timeout"');
  }, 15_000);

  it('a long streamed answer is not cut by the body-read timeout (it covers receiving the request only)', async () => {
    claude.setDeltaDelay(300);
    try {
      const t0 = Date.now();
      const res = await fetch(`${srv.url}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...srv.auth },
        body: JSON.stringify({ prompt: 'hi', model: 'claude-sonnet', stream: true, max_tokens: 50 }),
      });
      const text = await res.text();
      expect(Date.now() - t0).toBeGreaterThan(1_500);
      expect(text).toContain('event: done');
    } finally {
      claude.setDeltaDelay(0);
    }
  }, 30_000);

  it('a body in a charset other than UTF-8 is refused with 415 naming the charset', async () => {
    const res = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-16', ...srv.auth },
      body: new Uint8Array(Buffer.from('{"model":"auto","messages":[{"role":"user","content":"hi"}]}', 'utf16le')),
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.message).toMatch(/charset "utf-16".*UTF-8/);
  });
});

describe('framework errors', () => {
  it('a URL that does not decode and an over-long id are answered in our shape, not Fastify’s', async () => {
    for (const path of ['/api/v1/keys/%FF', '/api/v1/keys/%ED%A0%80', `/api/v1/keys/${'x'.repeat(5000)}`]) {
      const res = await fetch(`${srv.url}${path}`, { method: 'DELETE', headers: srv.auth });
      expect(res.status).toBe(400);
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error).toMatchObject({ type: 'invalid_request', message: expect.stringMatching(/path/) });
    }
    // A protocol's own path gets that protocol's shape (Ollama: a plain string).
    const ollama = await fetch(`${srv.url}/api/chat/%FF`, { method: 'POST', headers: srv.auth });
    expect(ollama.status).toBeGreaterThanOrEqual(400);
    expect(ollama.status).toBeLessThan(500);
  });
});

describe('history off and the response cache', () => {
  it('switching history off empties the cache: the next identical request is answered afresh', async () => {
    const put = (body: unknown) =>
      fetch(`${srv.url}/api/v1/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...srv.auth },
        body: JSON.stringify(body),
      });
    const ask = () =>
      fetch(`${srv.url}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...srv.auth },
        body: JSON.stringify({ prompt: 'Name one prime number.', model: 'claude-sonnet', max_tokens: 1000, temperature: 0 }),
      }).then((r) => r.status);
    expect((await put({ history_enabled: true })).status).toBe(200);
    const before = claude.requests.length;
    expect(await ask()).toBe(200);
    expect(await ask()).toBe(200);
    // The repeat came from the cache.
    expect(claude.requests.length).toBe(before + 1);
    expect((await put({ history_enabled: false })).status).toBe(200);
    expect(await ask()).toBe(200);
    expect(claude.requests.length).toBe(before + 2);
  });
});
