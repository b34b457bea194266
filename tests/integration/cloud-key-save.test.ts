// Saving a cloud key tries it first: a key the provider refuses as unauthorized (401/403) is a 400 and nothing is
// written (the key saved before stays); one that cannot be checked now (5xx, rate limited, unreachable) is saved with a
// warning. A key set in the environment cannot be deleted over HTTP: 409 naming the variable. Claude and OpenAI
// stand-ins behind the official SDKs; the real file store in a temp data dir.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startOpenAIStandIn, type OpenAIStandIn } from '../stand-ins/openai-cloud.js';
import { startTestServer, type TestServer } from './helpers.js';

const CLAUDE_KEY = 'sk-ant-api03-key-save-test-good-0000000000';
const CLAUDE_WRONG = 'sk-ant-api03-key-save-test-wrong-111111111';
const OPENAI_KEY = 'sk-proj-key-save-test-good-00000000000';
const OPENAI_WRONG = 'sk-proj-key-save-test-wrong-1111111111';
const GEMINI_ENV_KEY = 'AIzaSyKeySaveTestGeminiEnvKey000000000';

async function call(srv: TestServer, method: string, url: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${srv.url}${url}`, {
    method,
    headers: { ...srv.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

/** The saved key's file (HYBRID_AI_KEYCHAIN=off in tests: the file store), or undefined when none is written. */
function savedKey(srv: TestServer, name: string): string | undefined {
  const file = path.join(srv.dataDir, `${name}.secret`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('saving a key: tried before it is written', () => {
  let srv: TestServer;
  let claude: AnthropicStandIn;
  let openai: OpenAIStandIn;
  beforeAll(async () => {
    claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 0 });
    openai = await startOpenAIStandIn({ apiKey: OPENAI_KEY, deltaDelayMs: 0 });
    srv = await startTestServer({ env: { ANTHROPIC_BASE_URL: claude.url, OPENAI_BASE_URL: openai.url } });
  });
  afterAll(async () => {
    await srv?.close();
    await claude?.close();
    await openai?.close();
  });

  const endpoints = [
    {
      label: 'PUT /api/v1/settings/claude-key',
      url: '/api/v1/settings/claude-key',
      name: 'claude-key',
      good: CLAUDE_KEY,
      wrong: CLAUDE_WRONG,
      provider: 'Claude',
    },
    {
      label: 'PUT /api/v1/cloud/keys/anthropic',
      url: '/api/v1/cloud/keys/anthropic',
      name: 'claude-key',
      good: CLAUDE_KEY,
      wrong: CLAUDE_WRONG,
      provider: 'Claude',
    },
    {
      label: 'PUT /api/v1/cloud/keys/openai',
      url: '/api/v1/cloud/keys/openai',
      name: 'openai-key',
      good: OPENAI_KEY,
      wrong: OPENAI_WRONG,
      provider: 'OpenAI',
    },
  ];

  it.each(endpoints)('$label: a key refused as unauthorized (401, 403) is a 400 and is not written; the saved key stays', async (e) => {
    const standIn = e.provider === 'Claude' ? claude : openai;
    const asked = standIn.requests.length;
    const refused = await call(srv, 'PUT', `${e.url}?store=file`, { key: e.wrong });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      error: {
        type: 'invalid_request',
        message: expect.stringMatching(new RegExp(`${e.provider} rejected it as unauthorized.*It was not saved`)),
      },
    });
    // It was tried (one token) before being refused, and is written nowhere and echoed nowhere.
    expect(standIn.requests.length).toBeGreaterThan(asked);
    expect(refused.text).not.toContain(e.wrong);
    expect(savedKey(srv, e.name)).toBeUndefined();
    expect((await call(srv, 'GET', e.url)).json).toMatchObject({ configured: false });

    const saved = await call(srv, 'PUT', `${e.url}?store=file`, { key: e.good });
    expect(saved.status).toBe(200);
    expect(saved.json).toEqual({ configured: true, last4: e.good.slice(-4), store: 'file', test: { ok: true } });
    expect(savedKey(srv, e.name)).toBe(e.good);

    // A wrong key over a working one: refused, and the working one is still the saved one.
    expect((await call(srv, 'PUT', `${e.url}?store=file`, { key: e.wrong })).status).toBe(400);
    expect(savedKey(srv, e.name)).toBe(e.good);
    expect((await call(srv, 'GET', e.url)).json).toMatchObject({ configured: true, last4: e.good.slice(-4) });

    // 403 (no permission) is a refusal too.
    await call(srv, 'DELETE', e.url);
    standIn.setMode({ kind: 'error', status: 403 });
    try {
      const forbidden = await call(srv, 'PUT', `${e.url}?store=file`, { key: e.good });
      expect(forbidden.status).toBe(400);
      expect(forbidden.json.error.message).toMatch(/rejected it as unauthorized/);
      expect(savedKey(srv, e.name)).toBeUndefined();
    } finally {
      standIn.setMode({ kind: 'normal' });
    }
  });

  it.each([
    { label: 'Claude answers 500', url: '/api/v1/settings/claude-key', name: 'claude-key', key: CLAUDE_KEY, status: 500 as const },
    {
      label: 'Claude is rate limiting (429)',
      url: '/api/v1/cloud/keys/anthropic',
      name: 'claude-key',
      key: CLAUDE_KEY,
      status: 429 as const,
    },
    { label: 'OpenAI answers 503', url: '/api/v1/cloud/keys/openai', name: 'openai-key', key: OPENAI_KEY, status: 503 as const },
  ])('$label: the key cannot be checked, so it is saved with a warning saying so', async (c) => {
    const standIn = c.name === 'claude-key' ? claude : openai;
    standIn.setMode({ kind: 'error', status: c.status, retryAfter: '0' } as never);
    try {
      const r = await call(srv, 'PUT', `${c.url}?store=file`, { key: c.key });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ configured: true, last4: c.key.slice(-4), store: 'file', test: { ok: false } });
      expect(r.json.test.error_type).not.toBe('upstream_auth');
      expect(r.json.warning).toMatch(/saved but could not be checked/);
      expect(r.text).not.toContain(c.key);
      expect(savedKey(srv, c.name)).toBe(c.key);
    } finally {
      standIn.setMode({ kind: 'normal' });
      expect((await call(srv, 'DELETE', c.url)).status).toBe(200);
    }
    expect(savedKey(srv, c.name)).toBeUndefined();
  });

  it('the provider cannot be reached: the key is saved with a warning', async () => {
    const port = await closedPort();
    const offline = await startTestServer({ env: { ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` } });
    try {
      const r = await call(offline, 'PUT', '/api/v1/cloud/keys/anthropic?store=file', { key: CLAUDE_KEY });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ configured: true, test: { ok: false, error_type: 'upstream_unavailable' } });
      expect(r.json.warning).toMatch(/saved but could not be checked/);
      expect(savedKey(offline, 'claude-key')).toBe(CLAUDE_KEY);
    } finally {
      await offline.close();
    }
  });
});

describe('deleting a key set in the environment', () => {
  let srv: TestServer;
  let claude: AnthropicStandIn;
  let openai: OpenAIStandIn;
  beforeAll(async () => {
    claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 0 });
    openai = await startOpenAIStandIn({ apiKey: OPENAI_KEY, deltaDelayMs: 0 });
    srv = await startTestServer({
      env: { ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, GEMINI_API_KEY: GEMINI_ENV_KEY, OPENAI_BASE_URL: openai.url },
    });
  });
  afterAll(async () => {
    await srv?.close();
    await claude?.close();
    await openai?.close();
  });

  it.each([
    ['/api/v1/settings/claude-key', 'ANTHROPIC_API_KEY', CLAUDE_KEY],
    ['/api/v1/cloud/keys/anthropic', 'ANTHROPIC_API_KEY', CLAUDE_KEY],
    ['/api/v1/cloud/keys/gemini', 'GEMINI_API_KEY', GEMINI_ENV_KEY],
  ])('DELETE %s → 409 naming %s; the key stays in effect', async (url, variable, key) => {
    const r = await call(srv, 'DELETE', url);
    expect(r.status).toBe(409);
    expect(r.json).toEqual({ error: { type: 'conflict', message: expect.stringContaining(`environment variable ${variable}`) } });
    expect(r.json.error.message).toMatch(new RegExp(`unset ${variable}`));
    expect(r.text).not.toContain(key);
    expect((await call(srv, 'GET', url)).json).toMatchObject({ configured: true, store: 'env', last4: key.slice(-4) });
  });

  it('a DELETE with a JSON Content-Type and no body is answered like one without (clients add the header by default)', async () => {
    const res = await fetch(`${srv.url}/api/v1/cloud/keys/gemini`, {
      method: 'DELETE',
      headers: { ...srv.auth, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('conflict');
    // A DELETE that does send a body still has it parsed (and a broken one refused).
    const broken = await fetch(`${srv.url}/api/v1/cloud/keys/gemini`, {
      method: 'DELETE',
      headers: { ...srv.auth, 'content-type': 'application/json' },
      body: '{',
    });
    expect(broken.status).toBe(400);
  });

  it('the Claude key from the environment still answers after the refused DELETE', async () => {
    await call(srv, 'DELETE', '/api/v1/settings/claude-key');
    const asked = claude.requests.length;
    const chat = await call(srv, 'POST', '/api/v1/chat', { prompt: 'Say hi', model: 'claude-sonnet' });
    expect(chat.status).toBe(200);
    expect(chat.json.routing.engine).toBe('anthropic');
    expect(claude.requests.length).toBe(asked + 1);
  });

  it('a saved copy shadowed by the environment is kept too (nothing is deleted)', async () => {
    const put = await call(srv, 'PUT', '/api/v1/settings/claude-key?store=file', { key: CLAUDE_KEY });
    expect(put.status).toBe(200);
    expect(put.json.warning).toMatch(/ANTHROPIC_API_KEY is set in the core's environment and takes precedence/);
    expect((await call(srv, 'DELETE', '/api/v1/settings/claude-key')).status).toBe(409);
    expect(savedKey(srv, 'claude-key')).toBe(CLAUDE_KEY);
  });

  it('a stored key (not from the environment) still deletes with 200', async () => {
    const put = await call(srv, 'PUT', '/api/v1/cloud/keys/openai?store=file', { key: OPENAI_KEY });
    expect(put.json).toMatchObject({ configured: true, store: 'file', test: { ok: true } });
    const del = await call(srv, 'DELETE', '/api/v1/cloud/keys/openai');
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ configured: false, store: 'file' });
    expect(savedKey(srv, 'openai-key')).toBeUndefined();
  });
});
