// A client's keep_alive on the Ollama-compatible API reaches a real Ollama backend (the wire-level stand-in): chat,
// generate, embed, preload and unload carry the caller's 0, duration or -1 to Ollama, and the gateway's 30m default
// only when the caller sent none (before, every Ollama request said 30m whatever the client sent). /api/ps shows the
// models Ollama holds, with Ollama's own expires_at. Raw HTTP on loopback; llama.cpp on the generated GGUF beside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama-server.js';
import { TOKEN } from './helpers.js';

// A tag only Ollama has: the router can send it nowhere else.
const TAG = 'qwen2.5:0.5b';
let ollama: OllamaStandIn;
let gw: RealGateway;
beforeAll(async () => {
  ollama = await startOllamaStandIn({ models: [TAG], tokenDelayMs: 0 });
  gw = await startRealGateway({ env: { OLLAMA_HOST: ollama.host } });
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await ollama?.close();
});

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${gw.srv.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  // A streamed (NDJSON) answer: its last line.
  const last = text.trim().split('\n').at(-1) ?? '{}';
  return { status: r.status, json: JSON.parse(last) as Record<string, unknown> };
}

/** The body of the last request the stand-in got on `path`. */
const lastTo = (path: string) => ollama.requests.filter((q) => q.path === path).at(-1)?.body as Record<string, unknown> | undefined;
const sent = (keepAlive: unknown) => (keepAlive === undefined ? {} : { keep_alive: keepAlive });

// What the client sends → what Ollama must get: the same value, in a form Ollama's parser takes; none → the default.
const CASES: Array<[unknown, unknown]> = [
  [0, 0],
  ['5m', '5m'],
  ['1h30m', '1h30m'],
  [-1, -1],
  ['-1', -1], // a number of seconds as text: the gateway reads it as Ollama's CLI does; Go's duration parser would refuse it
  [undefined, '30m'],
];

describe('keep_alive reaches the Ollama backend', () => {
  it.each(CASES)('/api/chat keep_alive %j → Ollama gets %j', async (client, ollamaGets) => {
    const r = await post('/api/chat', { model: TAG, stream: false, messages: [{ role: 'user', content: 'hi there' }], ...sent(client) });
    expect(r.status).toBe(200);
    expect(r.json.message).toMatchObject({ content: expect.stringContaining('Stand-in Ollama') });
    expect(lastTo('/api/chat')?.keep_alive).toEqual(ollamaGets);
  });

  it.each(CASES)('/api/generate (streamed) keep_alive %j → Ollama gets %j', async (client, ollamaGets) => {
    const r = await post('/api/generate', { model: TAG, prompt: 'hello', ...sent(client) });
    expect(r.status).toBe(200);
    expect(r.json.done).toBe(true);
    expect(lastTo('/api/chat')?.keep_alive).toEqual(ollamaGets);
  });

  it.each(CASES)('/api/embed keep_alive %j → Ollama gets %j', async (client, ollamaGets) => {
    const r = await post('/api/embed', { model: TAG, input: 'some text', ...sent(client) });
    expect(r.status).toBe(200);
    expect((r.json.embeddings as unknown[]).length).toBe(1);
    expect(lastTo('/api/embed')?.keep_alive).toEqual(ollamaGets);
  });

  it('keep_alive 0 on a chat leaves the model unloaded in Ollama; a duration keeps it loaded', async () => {
    await post('/api/chat', { model: TAG, stream: false, messages: [{ role: 'user', content: 'x' }], keep_alive: '10m' });
    expect(ollama.loaded().has(TAG)).toBe(true);
    await post('/api/chat', { model: TAG, stream: false, messages: [{ role: 'user', content: 'x' }], keep_alive: 0 });
    expect(ollama.loaded().has(TAG)).toBe(false);
  });

  it('a preload (no prompt / no messages) loads the model in Ollama with the caller’s keep_alive; keep_alive 0 unloads it', async () => {
    const before = ollama.requests.length;
    const load = await post('/api/generate', { model: TAG, keep_alive: '5m' });
    expect(load).toMatchObject({ status: 200, json: { done: true, done_reason: 'load' } });
    const got = ollama.requests.slice(before).filter((q) => q.path === '/api/generate');
    expect(got).toHaveLength(1);
    expect(got[0]!.body).toMatchObject({ model: TAG, keep_alive: '5m' });
    expect(ollama.loaded().has(TAG)).toBe(true);
    // /api/ps lists it with Ollama's own expires_at (not the gateway's "never").
    const ps = async () =>
      (
        (await (await fetch(`${gw.srv.url}/api/ps`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
          models: Array<{ name: string; expires_at: string }>;
        }
      ).models;
    expect((await ps()).find((m) => m.name === TAG)?.expires_at).toBe(new Date(ollama.loaded().get(TAG)!).toISOString());

    // `ollama stop` / the official client's chat({ model, keep_alive: 0 }).
    const unload = await post('/api/chat', { model: TAG, messages: [], keep_alive: 0 });
    expect(unload).toMatchObject({ status: 200, json: { done: true, done_reason: 'unload' } });
    expect(lastTo('/api/generate')).toMatchObject({ model: TAG, keep_alive: 0 });
    expect(ollama.loaded().has(TAG)).toBe(false);
    expect((await ps()).map((m) => m.name)).not.toContain(TAG);

    // A preload without keep_alive: the gateway's default; -1: forever.
    await post('/api/chat', { model: TAG, messages: [] });
    expect(lastTo('/api/generate')).toMatchObject({ model: TAG, keep_alive: '30m' });
    await post('/api/generate', { model: TAG, keep_alive: -1 });
    expect(lastTo('/api/generate')).toMatchObject({ model: TAG, keep_alive: -1 });
  });

  it('the OpenAI API has no keep_alive: Ollama gets the gateway’s 30m default', async () => {
    const r = await post('/v1/chat/completions', { model: TAG, messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(200);
    expect(lastTo('/api/chat')?.keep_alive).toBe('30m');
  });

  it('top_p 0 reaches Ollama as greedy decoding (temperature 0)', async () => {
    const r = await post('/api/chat', { model: TAG, stream: false, messages: [{ role: 'user', content: 'hi' }], options: { top_p: 0 } });
    expect(r.status).toBe(200);
    const options = lastTo('/api/chat')?.options as Record<string, unknown>;
    expect(options.temperature).toBe(0);
    expect(options).not.toHaveProperty('top_p');
  });
});
