// The rest of Ollama's API through the real gateway: /api/ps, /api/pull (our downloads as Ollama's NDJSON progress),
// /api/delete, /api/copy, preload/unload, unknown /api/* paths, `curl -d` bodies, and the Ollama CLI's tokenless opt-in.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemDto } from '../../router-core/contracts/api.js';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { createFakeEngine, type FakeEngine } from '../fakes/engines.js';
import { buildTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startFileServer, type FileServer } from '../fixtures/gguf-server.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

const TINY = 'tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf';
const gguf = buildTinyGguf(7);
const sha = createHash('sha256').update(gguf).digest('hex');
let files: FileServer;
let srv: TestServer;
let dir: string;
let local: FakeEngine;

beforeAll(async () => {
  files = await startFileServer();
  files.put(TINY, gguf);
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-ollama-surface-'));
  const catalog = path.join(dir, 'catalog.json');
  writeFileSync(catalog, JSON.stringify({ tinyllama: { url: `${files.url}/${TINY}`, sizeBytes: gguf.length, sha256: sha } }));
  local = createFakeEngine({ id: 'llamacpp', models: ['tinyllama', 'phi2'], words: () => ['Hello', ' world'] });
  const engines = new Map<EngineId, Engine>([['llamacpp', local]]);
  srv = await startTestServer({ engines, env: { HYBRID_AI_MODEL_CATALOG: catalog } });
});
afterAll(async () => {
  await srv.close();
  await files.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = () => new Ollama({ host: srv.url, headers: { Authorization: `Bearer ${TOKEN}` } });
const modelFile = () => path.join(srv.dataDir, 'models', TINY);

/** A raw request: `body` is sent as given, with its Content-Length and exactly the headers named (no Content-Type added). */
function raw(
  method: string,
  url: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | undefined; text: string; json: any }> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(`${srv.url}${url}`, { method, headers: { ...length, ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, type: res.headers['content-type'], text, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
const auth = { authorization: `Bearer ${TOKEN}` };
const jsonHeaders = { ...auth, 'content-type': 'application/json' };

describe('/api/pull and /api/delete over our downloads', () => {
  it('pull streams Ollama progress lines ending in success, and the GGUF lands on disk', async () => {
    const stream = await client().pull({ model: 'tinyllama', stream: true });
    const lines = [];
    for await (const l of stream) lines.push(l);
    const statuses = lines.map((l) => l.status);
    expect(statuses[0]).toBe('pulling manifest');
    expect(statuses.slice(-3)).toEqual(['verifying sha256 digest', 'writing manifest', 'success']);
    const pulling = lines.filter((l) => l.status === `pulling ${sha.slice(0, 12)}`);
    expect(pulling.length).toBeGreaterThan(0);
    expect(pulling.every((l) => l.digest === `sha256:${sha}` && l.total === gguf.length)).toBe(true);
    expect(pulling.at(-1)!.completed).toBe(gguf.length);
    expect(existsSync(modelFile())).toBe(true);
  });

  it('stream:false answers once with the last status; an unknown model is a 404 naming the local models', async () => {
    expect(await client().pull({ model: 'tinyllama:latest' })).toEqual({ status: 'success' });
    const e = await client()
      .pull({ model: 'llama9' })
      .catch((err: unknown) => err);
    expect(e).toMatchObject({
      status_code: 404,
      // Only downloadable (local) models are named, the catalog's first (best) one first.
      error: expect.stringMatching(/^model 'llama9' not found; available models: qwen3-1\.7b:latest, .*tinyllama:latest/),
    });
    // The router and Claude models have no file: nothing to fetch, success at once.
    expect(await client().pull({ model: 'auto' })).toEqual({ status: 'success' });
  });

  it('a failed download ends the stream with an {"error"} line', async () => {
    rmSync(modelFile(), { force: true });
    files.set({ status: 404 });
    try {
      const res = await raw('POST', '/api/pull', JSON.stringify({ model: 'tinyllama' }), jsonHeaders);
      expect(res.status).toBe(200);
      const lines = res.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { status?: string; error?: string });
      expect(lines[0]).toEqual({ status: 'pulling manifest' });
      expect(lines.at(-1)!.error).toMatch(/^pull tinyllama: /);
      expect(lines.some((l) => l.status === 'success')).toBe(false);
    } finally {
      files.set({});
    }
    expect(await client().pull({ model: 'tinyllama' })).toEqual({ status: 'success' });
  });

  it('delete removes the file (an empty 200, as Ollama); again → 404; the router cannot be deleted', async () => {
    expect(existsSync(modelFile())).toBe(true);
    expect(await client().delete({ model: 'tinyllama:latest' })).toEqual({ status: 'success' });
    expect(existsSync(modelFile())).toBe(false);
    const again = await client()
      .delete({ model: 'tinyllama' })
      .catch((err: unknown) => err);
    expect(again).toMatchObject({ status_code: 404, error: expect.stringMatching(/not on disk/) });
    const router = await client()
      .delete({ model: 'auto' })
      .catch((err: unknown) => err);
    expect(router).toMatchObject({ status_code: 400, error: expect.stringMatching(/nothing to delete/) });
    // The Ollama CLI's own request: DELETE with {"model"}.
    const cli = await raw('DELETE', '/api/delete', JSON.stringify({ model: 'nope' }), jsonHeaders);
    expect(cli.status).toBe(404);
    expect(cli.json.error).toMatch(/^model 'nope' not found/);
  });

  it('copy: to its own name is a no-op 200; to another name a 400 saying why; an unknown source 404', async () => {
    expect(await client().copy({ source: 'auto', destination: 'auto:latest' })).toEqual({ status: 'success' });
    const other = await client()
      .copy({ source: 'tinyllama', destination: 'mine' })
      .catch((err: unknown) => err);
    expect(other).toMatchObject({
      status_code: 400,
      error: expect.stringMatching(/Cannot copy "tinyllama" to "mine".*call it "tinyllama:latest"/),
    });
    const missing = await client()
      .copy({ source: 'llama9', destination: 'x' })
      .catch((err: unknown) => err);
    expect(missing).toMatchObject({ status_code: 404 });
  });
});

describe('preload, unload and /api/ps', () => {
  it('chat with messages: [] loads, keep_alive 0 unloads; generate with no prompt the same; no model runs', async () => {
    const calls = local.calls.length;
    const load = await client().chat({ model: 'tinyllama', messages: [] });
    expect(load).toMatchObject({ model: 'tinyllama', message: { role: 'assistant', content: '' }, done: true, done_reason: 'load' });
    const unload = await client().chat({ model: 'auto', messages: [], keep_alive: 0 });
    expect(unload).toMatchObject({ done: true, done_reason: 'unload' });
    const gen = await raw('POST', '/api/generate', JSON.stringify({ model: 'phi2' }), jsonHeaders);
    expect(gen.json).toMatchObject({ model: 'phi2', response: '', done: true, done_reason: 'load' });
    const genUnload = await raw('POST', '/api/generate', JSON.stringify({ model: 'phi2', keep_alive: '0s' }), jsonHeaders);
    expect(genUnload.json).toMatchObject({ response: '', done_reason: 'unload' });
    expect(local.calls.length).toBe(calls);
    expect(srv.core.ledger.recent(50).filter((r) => r.protocol === 'ollama')).toHaveLength(0);
    const unknown = await client()
      .chat({ model: 'llama9', messages: [] })
      .catch((err: unknown) => err);
    expect(unknown).toMatchObject({ status_code: 404, error: expect.stringMatching(/^model 'llama9' not found/) });
  });

  it('/api/ps answers in Ollama shape (no model is held in memory by scripted engines)', async () => {
    expect(await client().ps()).toEqual({ models: [] });
  });
});

describe('errors and bodies as Ollama clients send them', () => {
  it('unknown /api/* paths answer {"error": "..."} (ollama-js shows the message); /api/v1/* keeps the native shape', async () => {
    const r = await raw('GET', '/api/nothing', undefined, auth);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: expect.stringMatching(/^No route GET \/api\/nothing/) });
    const noToken = await raw('POST', '/api/nothing', '{}', { 'content-type': 'application/json' });
    expect(noToken.status).toBe(401);
    expect(typeof noToken.json.error).toBe('string');
    const native = await raw('GET', '/api/v1/nothing', undefined, auth);
    expect(native.json.error).toMatchObject({ type: 'not_found' });
  });

  it('curl -d (form-urlencoded, or no Content-Type) is read as JSON on the Ollama routes only', async () => {
    const body = JSON.stringify({ model: 'auto', stream: false, messages: [{ role: 'user', content: 'hi' }] });
    const form = await raw('POST', '/api/chat', body, { ...auth, 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(200);
    expect(form.json.message.content).toBe('Hello world');
    const none = await raw('POST', '/api/chat', body, auth);
    expect(none.status).toBe(200);
    // text/plain too (a client that labels its JSON as text): Ollama reads it as JSON, and so does this.
    const text = await raw('POST', '/api/chat', body, { ...auth, 'content-type': 'text/plain; charset=utf-8' });
    expect(text.status).toBe(200);
    expect(text.json.message.content).toBe('Hello world');
    const textGenerate = await raw('POST', '/api/generate', JSON.stringify({ model: 'auto', stream: false, prompt: 'hi' }), {
      ...auth,
      'content-type': 'text/plain',
    });
    expect(textGenerate.status).toBe(200);
    // Elsewhere a text/plain body is still refused: JSON must be declared as JSON there.
    const textOpenai = await raw('POST', '/v1/chat/completions', body, { ...auth, 'content-type': 'text/plain' });
    expect(textOpenai.status).toBe(400);
    expect(textOpenai.json.error.message).toMatch(/Content-Type: application\/json/);
    const bad = await raw('POST', '/api/chat', '{"model":', { ...auth, 'content-type': 'application/x-www-form-urlencoded' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/not valid JSON/);
    const openai = await raw('POST', '/v1/chat/completions', body, { ...auth, 'content-type': 'application/x-www-form-urlencoded' });
    expect(openai.status).toBe(415);
  });

  it('an unknown /api/* path sent with curl -d is a 404 in Ollama shape, not a 415', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const r = await raw('POST', '/api/nothing', '{"model":"auto"}', { ...auth, 'content-type': type });
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ error: expect.stringMatching(/^No route POST \/api\/nothing/) });
    }
    const unknownNative = await raw('POST', '/api/v1/nothing', 'a=b', { ...auth, 'content-type': 'application/x-www-form-urlencoded' });
    expect(unknownNative.status).toBe(404);
    expect(unknownNative.json.error).toMatchObject({ type: 'not_found' });
  });
});

describe('the Ollama CLI opt-in: loopback clients without a token', () => {
  const put = (v: boolean) => raw('PUT', '/api/v1/settings', JSON.stringify({ ollama_without_token: v }), jsonHeaders);

  it('off by default: no token → 401 in Ollama shape', async () => {
    const r = await raw('GET', '/api/tags');
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ error: expect.stringMatching(/Missing API token/) });
    expect((await raw('GET', '/api/v1/settings', undefined, auth)).json.api).toMatchObject({
      ollama_without_token: false,
      ollama_without_token_warning: null,
    });
  });

  it('on: Ollama routes answer loopback clients without a token, nothing else does; Settings and /system warn', async () => {
    expect((await put(true)).status).toBe(200);
    try {
      expect((await raw('GET', '/api/tags')).status).toBe(200);
      const chat = await raw(
        'POST',
        '/api/chat',
        JSON.stringify({ model: 'auto', stream: false, messages: [{ role: 'user', content: 'hi' }] }),
      );
      expect(chat.json.message.content).toBe('Hello world');
      // Other protocols and the native API still need the token; so does a request a proxy passed on.
      expect((await raw('GET', '/v1/models')).status).toBe(401);
      expect((await raw('GET', '/api/v1/stats')).status).toBe(401);
      expect((await raw('GET', '/api/tags', undefined, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(401);
      // A wrong token is still wrong.
      expect((await raw('GET', '/api/tags', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
      const settings = (await raw('GET', '/api/v1/settings', undefined, auth)).json;
      expect(settings.api.ollama_without_token).toBe(true);
      expect(settings.api.ollama_without_token_warning).toMatch(/without a token/);
      const system = (await raw('GET', '/api/v1/system', undefined, auth)).json as SystemDto;
      expect(system.warnings).toEqual([{ id: 'ollama-without-token', message: expect.stringMatching(/any program on this computer/) }]);
    } finally {
      await put(false);
    }
    expect((await raw('GET', '/api/tags')).status).toBe(401);
    expect(((await raw('GET', '/api/v1/system', undefined, auth)).json as SystemDto).warnings).toEqual([]);
  });

  it('app keys may chat on the Ollama routes but not pull or delete models', async () => {
    const created = await raw('POST', '/api/v1/keys', JSON.stringify({ name: 'editor' }), jsonHeaders);
    const key = created.json.key as string;
    const appKey = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    expect((await raw('GET', '/api/tags', undefined, appKey)).status).toBe(200);
    const pull = await raw('POST', '/api/pull', JSON.stringify({ model: 'tinyllama' }), appKey);
    expect(pull.status).toBe(403);
    expect(pull.json.error).toMatch(/App key "editor" may not download or delete models/);
    expect((await raw('DELETE', '/api/delete', JSON.stringify({ model: 'tinyllama' }), appKey)).status).toBe(403);
  });
});
