// Ollama's unload (keep_alive 0 on /api/generate or /api/chat, and `ollama stop`'s request) frees the model in the
// embedded llama.cpp engine for real, and the next request loads it again; one HYBRID_AI_LOCAL_MODEL file is named
// the same way by the answer, /api/v1/system's `parallel` entry and /api/ps. Real llama.cpp on a generated GGUF.
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SystemDto } from '../../router-core/contracts/api.js';
import type { LlamaCppEngine } from '../../router-core/engines/llamacpp.js';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN } from './helpers.js';

let gw: RealGateway;
beforeAll(async () => {
  gw = await startRealGateway();
}, 60_000);
afterAll(async () => gw?.close());

const engine = (): LlamaCppEngine => gw.srv.core.engines.get('llamacpp') as LlamaCppEngine;
const ollama = (): Ollama => new Ollama({ host: gw.srv.url, headers: gw.srv.auth });

async function post(url: string, body: unknown): Promise<any> {
  const res = await fetch(`${gw.srv.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...gw.srv.auth },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

async function system(): Promise<SystemDto> {
  const res = await fetch(`${gw.srv.url}/api/v1/system`, { headers: gw.srv.auth });
  return (await res.json()) as SystemDto;
}

const psNames = async (): Promise<string[]> => (await ollama().ps()).models.map((m) => m.name);

describe('one HYBRID_AI_LOCAL_MODEL file, one name', () => {
  it('the answer, /api/v1/system and /api/ps all name the file (tiny.gguf → "tiny"), whatever catalog name was asked', async () => {
    const auto = await post('/api/v1/chat', { prompt: 'hi', max_tokens: 4 });
    expect(auto).toMatchObject({ backend: 'local', engine: 'llamacpp', model: 'tiny', routing: { route: 'small' } });
    const named = await post('/api/v1/chat', { prompt: 'hi', model: 'phi2', max_tokens: 4 });
    expect(named.model).toBe('tiny');
    const openai = await post('/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
    expect(openai.model).toBe('tiny');
    expect((await system()).parallel?.models.map((m) => m.model)).toEqual(['tiny']);
    expect(await psNames()).toEqual(['tiny:latest']);
    // The context the engine really opened for each request (tokens per sequence), as Ollama's num_ctx, not 0.
    const opened = engine().info().models[0]!.contextSize;
    expect(opened).toBeGreaterThan(0);
    expect((await ollama().ps()).models[0]).toMatchObject({ name: 'tiny:latest', context_length: opened });
    // The name can be sent back: it is listed, and asking for it is answered by the same file.
    expect((await ollama().list()).models.map((m) => m.name)).toContain('tiny:latest');
    expect((await post('/api/v1/chat', { prompt: 'hi', model: 'tiny', max_tokens: 4 })).model).toBe('tiny');
  });
});

describe('unload frees the model in llama.cpp; the next request loads it again', () => {
  it('`ollama stop` (generate, no prompt, keep_alive 0) frees it; /api/ps is empty; a chat loads it again', async () => {
    await post('/api/v1/chat', { prompt: 'hi', max_tokens: 4 });
    expect(await psNames()).toEqual(['tiny:latest']);
    const before = engine().info();
    const stop = await post('/api/generate', { model: 'auto', keep_alive: 0 });
    expect(stop).toMatchObject({ done: true, done_reason: 'unload' });
    // Answered once the worker confirmed the model disposed.
    expect(engine().info()).toMatchObject({ loadedModels: [], models: [], modelsFreed: before.modelsFreed + 1 });
    expect(await psNames()).toEqual([]);
    expect((await system()).parallel?.models).toEqual([]);

    await post('/api/v1/chat', { prompt: 'hi', max_tokens: 4 });
    expect(engine().info().modelLoads).toBe(before.modelLoads + 1);
    expect(await psNames()).toEqual(['tiny:latest']);
  });

  it('/api/chat with messages: [] and keep_alive "0s", naming a catalog model the file serves, frees it', async () => {
    await post('/api/v1/chat', { prompt: 'hi', max_tokens: 4 });
    const freed = engine().info().modelsFreed;
    const r = await ollama().chat({ model: 'tinyllama', messages: [], keep_alive: '0s' });
    expect(r).toMatchObject({ done: true, done_reason: 'unload' });
    expect(engine().info()).toMatchObject({ loadedModels: [], modelsFreed: freed + 1 });
    expect(await psNames()).toEqual([]);
  });

  it('keep_alive 0 on a chat that generates: answered, then freed (as Ollama unloads after the answer)', async () => {
    const { modelLoads, modelsFreed } = engine().info();
    const r = await ollama().chat({
      model: 'auto',
      messages: [{ role: 'user', content: 'hi' }],
      keep_alive: 0,
      options: { num_predict: 4 },
    });
    expect(r.done).toBe(true);
    expect(r.eval_count).toBeGreaterThan(0);
    expect(engine().info()).toMatchObject({ loadedModels: [], modelLoads: modelLoads + 1, modelsFreed: modelsFreed + 1 });
    expect(await psNames()).toEqual([]);
    // Streamed the same way: the last line comes once the model is freed.
    const stream = await ollama().generate({ model: 'auto', prompt: 'hi', stream: true, keep_alive: 0, options: { num_predict: 4 } });
    for await (const part of stream) void part;
    expect(engine().info()).toMatchObject({ loadedModels: [], modelLoads: modelLoads + 2, modelsFreed: modelsFreed + 2 });
  });

  it('load_duration: the load a request waited for, in nanoseconds, kept out of prompt_eval_duration; 0 once loaded', async () => {
    await post('/api/generate', { model: 'auto', keep_alive: 0 });
    expect(engine().info().loadedModels).toEqual([]);
    const loads = engine().info().modelLoads;
    const opts = { num_predict: 4, temperature: 0 };
    const cold = await ollama().chat({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], options: opts });
    expect(engine().info().modelLoads).toBe(loads + 1);
    expect(cold.load_duration).toBeGreaterThan(0);
    // Ollama's parts of one answer: the load, then the prompt, then the tokens, all inside the total.
    expect(cold.load_duration + cold.prompt_eval_duration + cold.eval_duration).toBeLessThanOrEqual(cold.total_duration);
    const warm = await ollama().chat({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], options: opts });
    expect(engine().info().modelLoads).toBe(loads + 1);
    expect(warm.load_duration).toBe(0);
    // Streamed (generate): the last line carries the same fields; a fresh load is reported again.
    await post('/api/generate', { model: 'auto', keep_alive: 0 });
    let last: any;
    for await (const part of await ollama().generate({ model: 'auto', prompt: 'hi', stream: true, options: opts })) last = part;
    expect(last.done).toBe(true);
    expect(last.load_duration).toBeGreaterThan(0);
    expect(last.load_duration + last.prompt_eval_duration + last.eval_duration).toBeLessThanOrEqual(last.total_duration);
    await post('/api/generate', { model: 'auto', keep_alive: 0 });
  });

  it('an unload of a model that is not loaded answers as Ollama does and frees nothing', async () => {
    expect(engine().info().loadedModels).toEqual([]);
    const freed = engine().info().modelsFreed;
    expect(await post('/api/generate', { model: 'auto', keep_alive: 0 })).toMatchObject({ done_reason: 'unload' });
    expect(engine().info().modelsFreed).toBe(freed);
  });
});

describe('a preload loads the model, as Ollama does', () => {
  it('generate with no prompt, or chat with messages: [], loads it: /api/ps lists it, the next answer waits for no load', async () => {
    const preloads: Array<() => Promise<unknown>> = [
      () => post('/api/generate', { model: 'tiny' }),
      () => ollama().chat({ model: 'tinyllama', messages: [] }),
      // The name /api/tags lists the file under.
      () => ollama().chat({ model: 'tiny:latest', messages: [], keep_alive: '10m' }),
      () => post('/api/generate', { model: 'tiny:latest' }),
    ];
    for (const preload of preloads) {
      await post('/api/generate', { model: 'auto', keep_alive: 0 });
      expect(await psNames()).toEqual([]);
      const loads = engine().info().modelLoads;
      expect(await preload()).toMatchObject({ done: true, done_reason: 'load' });
      expect(engine().info().modelLoads).toBe(loads + 1);
      expect(await psNames()).toEqual(['tiny:latest']);
      const r = await ollama().chat({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 2 } });
      expect(r.load_duration).toBe(0);
      expect(engine().info().modelLoads).toBe(loads + 1);
    }
    // Freed by the name /api/tags lists (`ollama stop tiny:latest`).
    expect(await psNames()).toEqual(['tiny:latest']);
    expect(await post('/api/generate', { model: 'tiny:latest', keep_alive: 0 })).toMatchObject({ done_reason: 'unload' });
    expect(await psNames()).toEqual([]);
    // "auto" names no one model: answered, and nothing is loaded for it.
    await post('/api/generate', { model: 'auto', keep_alive: 0 });
    expect(await post('/api/generate', { model: 'auto' })).toMatchObject({ done_reason: 'load' });
    expect(await psNames()).toEqual([]);
  });
});

describe('a chat with no messages at all is a preload or an unload too, as Ollama reads it', () => {
  it('chat({ model, keep_alive: 0 }) with no messages frees the model; chat({ model }) loads it; a null prompt the same', async () => {
    const loads = engine().info().modelLoads;
    expect(await ollama().chat({ model: 'tiny', keep_alive: 0 })).toMatchObject({ done: true, done_reason: 'unload' });
    expect(await psNames()).toEqual([]);
    expect(await ollama().chat({ model: 'tinyllama' })).toMatchObject({ done: true, done_reason: 'load' });
    expect(await psNames()).toEqual(['tiny:latest']);
    expect(engine().info().modelLoads).toBe(loads + 1);
    expect(await post('/api/chat', { model: 'tiny', messages: null, keep_alive: 0 })).toMatchObject({ done_reason: 'unload' });
    expect(await psNames()).toEqual([]);
    expect(await post('/api/generate', { model: 'tiny', prompt: null })).toMatchObject({ done_reason: 'load' });
    expect(await psNames()).toEqual(['tiny:latest']);
  });
});

describe('keep_alive on /api/embed and /api/embeddings, as on a chat', () => {
  it('0 frees the model after the vectors; a duration holds it; an invalid one is a 400 and computes nothing', async () => {
    await ollama().chat({ model: 'tiny', messages: [] });
    const r = await ollama().embed({ model: 'tinyllama', input: 'hi', keep_alive: 0 });
    expect(r.embeddings).toHaveLength(1);
    expect(await psNames()).toEqual([]);
    const legacy = await post('/api/embeddings', { model: 'tiny', prompt: 'hi', keep_alive: '0s' });
    expect(legacy.embedding.length).toBeGreaterThan(0);
    expect(await psNames()).toEqual([]);
    const sent = Date.now();
    await ollama().embed({ model: 'tiny', input: ['a', 'b'], keep_alive: '10m' });
    const at = new Date((await ollama().ps()).models[0]!.expires_at).getTime();
    expect(at).toBeGreaterThanOrEqual(sent + 600_000 - 5);
    expect(at).toBeLessThanOrEqual(Date.now() + 600_000 + 5);
    const { modelsFreed } = engine().info();
    for (const [route, body] of [
      ['/api/embed', { model: 'tiny', input: 'hi', keep_alive: 'soon' }],
      ['/api/embeddings', { model: 'tiny', prompt: 'hi', keep_alive: [] }],
    ] as const) {
      const res = await fetch(`${gw.srv.url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...gw.srv.auth },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/keep_alive .* is not a duration/);
    }
    expect(engine().info().modelsFreed).toBe(modelsFreed);
    // Without keep_alive it stays loaded (the hold ends).
    await ollama().embed({ model: 'tiny', input: 'hi' });
    expect(new Date((await ollama().ps()).models[0]!.expires_at).getUTCFullYear()).toBeGreaterThan(2200);
  });
});

describe('keep_alive durations: the model stays loaded that long after the request, then is freed', () => {
  const expiresAt = async (): Promise<number | undefined> => {
    const m = (await ollama().ps()).models[0];
    return m ? new Date(m.expires_at).getTime() : undefined;
  };
  /** Until /api/ps lists no model (the hold lapsed and llama.cpp freed it), or 15 s. */
  const untilUnloaded = () => vi.waitFor(async () => expect(await psNames()).toEqual([]), { timeout: 15_000, interval: 100 });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a request with keep_alive "1s": /api/ps says when, and llama.cpp frees the model once it lapses', async () => {
    const { modelsFreed } = engine().info();
    const sent = Date.now();
    const r = await ollama().generate({ model: 'tiny', prompt: 'hi', keep_alive: '1s', options: { num_predict: 2 } });
    expect(r.done).toBe(true);
    const at = await expiresAt();
    expect(at).toBeGreaterThanOrEqual(sent + 1_000 - 5);
    expect(at).toBeLessThanOrEqual(Date.now() + 1_000 + 5);
    await untilUnloaded();
    expect(engine().info()).toMatchObject({ loadedModels: [], modelsFreed: modelsFreed + 1 });
  });

  it('a preload with keep_alive holds the model the same way; a number is seconds', async () => {
    expect(await post('/api/generate', { model: 'tiny', keep_alive: 1 })).toMatchObject({ done_reason: 'load' });
    expect(await psNames()).toEqual(['tiny:latest']);
    expect(await expiresAt()).toBeLessThanOrEqual(Date.now() + 1_000);
    await untilUnloaded();
  });

  it('a later request without keep_alive (the app, another client) keeps it loaded: no expiry any more', async () => {
    const { modelsFreed } = engine().info();
    // A hold of a few seconds, so the next request surely comes before it lapses even on a busy machine; the test
    // then waits until the time the hold named has passed.
    await ollama().chat({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], keep_alive: '3s', options: { num_predict: 2 } });
    let held = (await expiresAt())!;
    expect(held).toBeLessThanOrEqual(Date.now() + 3_000);
    await post('/api/v1/chat', { prompt: 'hello', max_tokens: 2 });
    await sleep(Math.max(0, held - Date.now()) + 500);
    // The hold has lapsed; the model another client used since is kept.
    expect(await psNames()).toEqual(['tiny:latest']);
    expect(engine().info().modelsFreed).toBe(modelsFreed);
    // Ollama's "never": ~292 years on.
    expect(new Date((await ollama().ps()).models[0]!.expires_at).getUTCFullYear()).toBeGreaterThan(2200);
    // keep_alive -1 (as a number or as text) keeps it too.
    await ollama().chat({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], keep_alive: '3s', options: { num_predict: 2 } });
    held = (await expiresAt())!;
    await ollama().chat({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], keep_alive: '-1', options: { num_predict: 2 } });
    await sleep(Math.max(0, held - Date.now()) + 500);
    expect(await psNames()).toEqual(['tiny:latest']);
    expect(engine().info().modelsFreed).toBe(modelsFreed);
  });

  it('a request through another API (OpenAI, native) ends the hold: /api/ps shows no expiry at once, and it stays loaded', async () => {
    const openai = new OpenAI({ baseURL: `${gw.srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
    const never = (at: number | undefined) => new Date(at!).getUTCFullYear() > 2200;
    const sendOthers: Array<() => Promise<unknown>> = [
      () => openai.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
      () => openai.completions.create({ model: 'tiny', prompt: 'hi', max_tokens: 2 }),
      () => post('/api/v1/chat', { prompt: 'hello', model: 'tiny', max_tokens: 2 }),
    ];
    for (const other of sendOthers) {
      await ollama().chat({ model: 'tiny', messages: [], keep_alive: '10m' });
      const held = await expiresAt();
      expect(held).toBeLessThanOrEqual(Date.now() + 600_000);
      expect(never(held)).toBe(false);
      await other();
      expect(never(await expiresAt())).toBe(true);
    }
    expect(await psNames()).toEqual(['tiny:latest']);
  });

  it('a request the caller stops mid-answer still leaves the model as its keep_alive says: 0 frees it, "1s" holds it', async () => {
    const { modelsFreed } = engine().info();
    await ollama().chat({ model: 'tiny', messages: [] });
    const stream = await ollama().chat({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      keep_alive: 0,
      options: { num_predict: 1500 },
    });
    let parts = 0;
    await expect(
      (async () => {
        for await (const _ of stream) if (++parts === 2) stream.abort();
      })(),
    ).rejects.toThrow(/abort/i);
    await untilUnloaded();
    await vi.waitFor(() => expect(engine().info().modelsFreed).toBe(modelsFreed + 1), { timeout: 5_000, interval: 20 });

    // Not streamed: the client gives up before the answer; the hold is set as if it had come.
    await ollama().chat({ model: 'tiny', messages: [] });
    expect(await psNames()).toEqual(['tiny:latest']);
    const ac = new AbortController();
    const sent = fetch(`${gw.srv.url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...gw.srv.auth },
      body: JSON.stringify({ model: 'tiny', prompt: 'hi', stream: false, keep_alive: '1s', options: { num_predict: 1500 } }),
      signal: ac.signal,
    });
    await vi.waitFor(() => expect(engine().info().running.length).toBeGreaterThan(0), { timeout: 5_000, interval: 10 });
    ac.abort();
    await expect(sent).rejects.toThrow(/abort/i);
    await vi.waitFor(async () => expect(await expiresAt()).toBeLessThanOrEqual(Date.now() + 1_000), { timeout: 5_000, interval: 50 });
    await untilUnloaded();
    await vi.waitFor(() => expect(engine().info().modelsFreed).toBe(modelsFreed + 2), { timeout: 5_000, interval: 20 });
  });

  it('a request stopped while it waits for a sequence (no first token, no route yet) still sets its hold', async () => {
    await ollama().chat({ model: 'tiny', messages: [] });
    const never = (at: number | undefined) => new Date(at!).getUTCFullYear() > 2200;
    expect(never(await expiresAt())).toBe(true);
    // Every sequence busy with a long answer, so the next request waits in the queue.
    const sequences = engine().info().sequences;
    const long = Array.from({ length: sequences }, () => new AbortController());
    const busy = long.map((ac) =>
      fetch(`${gw.srv.url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...gw.srv.auth },
        body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 3000 } }),
        signal: ac.signal,
      }).catch(() => undefined),
    );
    await vi.waitFor(() => expect(engine().info().running.length).toBe(sequences), { timeout: 10_000, interval: 10 });
    const ac = new AbortController();
    const waiting = fetch(`${gw.srv.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...gw.srv.auth },
      body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], keep_alive: '10m', options: { num_predict: 2 } }),
      signal: ac.signal,
    });
    await vi.waitFor(() => expect(engine().info().queued).toBe(1), { timeout: 10_000, interval: 10 });
    ac.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
    // The hold its keep_alive names, on the model it named, though it never ran.
    await vi.waitFor(async () => expect(never(await expiresAt())).toBe(false), { timeout: 5_000, interval: 20 });
    expect(await expiresAt()).toBeLessThanOrEqual(Date.now() + 600_000);
    for (const c of long) c.abort();
    await Promise.all(busy);
    await vi.waitFor(() => expect(engine().info().running.length).toBe(0), { timeout: 10_000, interval: 20 });
  });

  it('a hold ends with the model: freed (keep_alive 0) and loaded again by another API, it stays loaded', async () => {
    const openai = new OpenAI({ baseURL: `${gw.srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
    for (let i = 0; i < 3; i++) await ollama().generate({ model: 'tiny', prompt: 'hi', options: { num_predict: 1 } });
    await ollama().generate({ model: 'tiny', prompt: 'hi', keep_alive: '1s', options: { num_predict: 1 } });
    await post('/api/generate', { model: 'tiny', keep_alive: 0 });
    expect(await psNames()).toEqual([]);
    const { modelsFreed } = engine().info();
    await openai.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
    expect(new Date((await ollama().ps()).models[0]!.expires_at).getUTCFullYear()).toBeGreaterThan(2200);
    await sleep(1_500);
    expect(await psNames()).toEqual(['tiny:latest']);
    expect(engine().info().modelsFreed).toBe(modelsFreed);
  });

  it('a keep_alive longer than Go can hold (~292 years) keeps the model loaded, and /api/ps still answers', async () => {
    const { modelsFreed } = engine().info();
    for (const keep_alive of [1e20, 9.3e12, '3000000h']) {
      expect(await post('/api/generate', { model: 'tiny', keep_alive })).toMatchObject({ done_reason: 'load' });
      const res = await fetch(`${gw.srv.url}/api/ps`, { headers: gw.srv.auth });
      expect(res.status, JSON.stringify(keep_alive)).toBe(200);
      const { models } = (await res.json()) as { models: Array<{ name: string; expires_at: string }> };
      expect(models.map((m) => m.name)).toEqual(['tiny:latest']);
      expect(new Date(models[0]!.expires_at).getUTCFullYear()).toBeGreaterThan(2200);
    }
    expect(engine().info().modelsFreed).toBe(modelsFreed);
  });

  it('a keep_alive that is not a duration is a 400 in Ollama shape naming what is valid, and nothing is run or freed', async () => {
    const { modelsFreed } = engine().info();
    const served = engine().info().finished.length;
    for (const route of ['/api/chat', '/api/generate']) {
      const body =
        route === '/api/chat'
          ? { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], keep_alive: '5 minutes', stream: false }
          : { model: 'tiny', prompt: 'hi', keep_alive: 'soon', stream: false };
      const res = await fetch(`${gw.srv.url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...gw.srv.auth },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      const err = (await res.json()) as { error: string };
      expect(Object.keys(err)).toEqual(['error']);
      expect(err.error).toMatch(/keep_alive .* is not a duration: send a Go duration such as "5m"/);
    }
    await expect(ollama().generate({ model: 'tiny', keep_alive: 'later' } as never)).rejects.toThrow(
      /keep_alive "later" is not a duration/,
    );
    expect(engine().info().modelsFreed).toBe(modelsFreed);
    expect(engine().info().finished.length).toBe(served);
  });
});
