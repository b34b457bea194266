// Calls that need no free sequence, on a model other clients are still answering on, are answered at once: Ollama's
// preload, keep_alive 0 and `ollama stop` (the unload frees the model when those answers end), and embeddings (OpenAI
// and Ollama). Real llama.cpp on a generated GGUF.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LlamaCppEngine } from '../../router-core/engines/llamacpp.js';
import { makeTinyGguf, SLOW_SHAPE } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

let dir: string;
let srv: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-ollama-busy-'));
  // The slower fixture (~200 tokens/s, 8,192-token context): the other client's answer runs for the whole test.
  const model = (await makeTinyGguf(path.join(dir, 'slow.gguf'), { shape: SLOW_SHAPE })).path;
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: model, HYBRID_AI_THREADS: '1', HYBRID_AI_PARALLEL: '2' },
    args: ['--tier', '2', '--local-only'],
  });
}, 120_000);

afterAll(async () => {
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

const engine = (): LlamaCppEngine => srv.core.engines.get('llamacpp') as LlamaCppEngine;
const ollama = (): Ollama => new Ollama({ host: srv.url, headers: srv.auth });
const psNames = async (): Promise<string[]> => (await ollama().ps()).models.map((m) => m.name);

/** Another client's long streamed answer on the model; resolves once `generating` answers run. `stop` ends it. */
async function otherClientAnswering(generating = 1): Promise<{ stop(): Promise<void> }> {
  const ac = new AbortController();
  const reading = fetch(`${srv.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...srv.auth },
    // Greedy, so it is the same answer on every run: thousands of tokens, far longer than the test.
    body: JSON.stringify({
      model: 'auto',
      messages: [{ role: 'user', content: 'Write a long story.' }],
      max_tokens: 7_000,
      temperature: 0,
      stream: true,
    }),
    signal: ac.signal,
  })
    .then(async (r) => {
      const reader = r.body!.getReader();
      for (;;) if ((await reader.read()).done) return;
    })
    .catch(() => undefined);
  await vi.waitFor(
    () =>
      expect(
        engine()
          .info()
          .running.filter((j) => j.phase === 'generating'),
      ).toHaveLength(generating),
    {
      timeout: 20_000,
      interval: 10,
    },
  );
  return {
    async stop() {
      ac.abort();
      await reading;
    },
  };
}

describe('keep_alive 0 while another client is answered on the same model', () => {
  it('a chat with keep_alive 0 is answered at once (not after the other answer); the model is freed when that ends', async () => {
    const other = await otherClientAnswering();
    const { modelsFreed } = engine().info();
    const r = await ollama().chat({
      model: 'auto',
      messages: [{ role: 'user', content: 'hi' }],
      keep_alive: 0,
      options: { num_predict: 2 },
    });
    expect(r.done).toBe(true);
    // The other client's answer is still running: this one did not wait for it, and the model it uses is still there.
    expect(
      engine()
        .info()
        .running.filter((j) => !j.abortRequested),
    ).toHaveLength(1);
    expect(engine().info().modelsFreed).toBe(modelsFreed);
    expect(await psNames()).toEqual(['slow:latest']);
    // Listed as going (expires now, as Ollama's ps shows "Stopping..."), not as staying for ~292 years.
    const [listed] = (await ollama().ps()).models;
    expect(new Date(listed!.expires_at).getTime()).toBeLessThanOrEqual(Date.now());
    await other.stop();
    await vi.waitFor(() => expect(engine().info()).toMatchObject({ loadedModels: [], modelsFreed: modelsFreed + 1 }), {
      timeout: 10_000,
      interval: 20,
    });
    expect(await psNames()).toEqual([]);
  }, 60_000);

  it('`ollama stop` (generate, no prompt, keep_alive 0) answers "unload" at once; the model is freed when the other answer ends', async () => {
    const other = await otherClientAnswering();
    const { modelsFreed } = engine().info();
    const r = await ollama().generate({ model: 'slow', prompt: '', keep_alive: 0 });
    expect(r).toMatchObject({ done: true, done_reason: 'unload' });
    expect(
      engine()
        .info()
        .running.filter((j) => !j.abortRequested),
    ).toHaveLength(1);
    expect(engine().info().modelsFreed).toBe(modelsFreed);
    await other.stop();
    await vi.waitFor(() => expect(engine().info()).toMatchObject({ loadedModels: [], modelsFreed: modelsFreed + 1 }), {
      timeout: 10_000,
      interval: 20,
    });
    expect(await psNames()).toEqual([]);
  }, 60_000);
});

describe('the latest request wins, as in Ollama', () => {
  it('a request after keep_alive 0 (while another answer ran) keeps the model loaded once every answer has ended', async () => {
    await ollama().generate({ model: 'slow', prompt: '' });
    const other = await otherClientAnswering();
    const { modelsFreed } = engine().info();
    await ollama().chat({ model: 'slow', messages: [{ role: 'user', content: 'hi' }], keep_alive: 0, options: { num_predict: 2 } });
    // Another client's request after it, with no keep_alive: the model is to stay loaded.
    const later = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }], max_tokens: 2 }),
    });
    expect(later.status).toBe(200);
    await other.stop();
    await vi.waitFor(() => expect(engine().info().running).toEqual([]), { timeout: 10_000, interval: 10 });
    // An idle model with a free pending is freed the moment its last call ends: nothing was, it stays.
    expect(engine().info().loadedModels).toHaveLength(1);
    expect(engine().info().modelsFreed).toBe(modelsFreed);
    expect(await psNames()).toEqual(['slow:latest']);
  }, 60_000);

  it('`ollama stop` while another answer runs, then a preload: the model stays loaded', async () => {
    const other = await otherClientAnswering();
    const { modelsFreed } = engine().info();
    expect(await ollama().generate({ model: 'slow', prompt: '', keep_alive: 0 })).toMatchObject({ done_reason: 'unload' });
    expect(await ollama().generate({ model: 'slow', prompt: '' })).toMatchObject({ done_reason: 'load' });
    await other.stop();
    await vi.waitFor(() => expect(engine().info().running).toEqual([]), { timeout: 10_000, interval: 10 });
    expect(engine().info().loadedModels).toHaveLength(1);
    expect(engine().info().modelsFreed).toBe(modelsFreed);
  }, 60_000);
});

describe('a preload of a model that is loaded and busy', () => {
  it('answers "load" at once (as `ollama run` needs before its prompt), not once a sequence frees', async () => {
    await ollama().generate({ model: 'slow', prompt: '' });
    const other = await otherClientAnswering();
    const second = await otherClientAnswering(2);
    const { modelLoads } = engine().info();
    // Both sequences are answering: a call would wait. The preload has nothing to wait for.
    const r = await ollama().generate({ model: 'slow', prompt: '' });
    expect(r).toMatchObject({ done: true, done_reason: 'load' });
    expect(
      engine()
        .info()
        .running.filter((j) => j.phase === 'generating' && !j.abortRequested),
    ).toHaveLength(2);
    expect(engine().info().modelLoads).toBe(modelLoads);
    expect(await psNames()).toEqual(['slow:latest']);
    // The same through /api/chat with no messages.
    const c = await ollama().chat({ model: 'slow', messages: [] });
    expect(c).toMatchObject({ done: true, done_reason: 'load' });
    expect(
      engine()
        .info()
        .running.filter((j) => j.phase === 'generating' && !j.abortRequested),
    ).toHaveLength(2);
    await other.stop();
    await second.stop();
  }, 60_000);
});

describe('embeddings while every sequence is answering', () => {
  it('/v1/embeddings and /api/embed answer at once (an embedding takes no sequence), not once a chat ends', async () => {
    const other = await otherClientAnswering();
    const second = await otherClientAnswering(2);
    const generating = (): number =>
      engine()
        .info()
        .running.filter((j) => j.phase === 'generating' && !j.abortRequested).length;
    const openai = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
    const e = await openai.embeddings.create({ model: 'auto', input: 'hello world' });
    expect(e.data[0]!.embedding.length).toBeGreaterThan(0);
    expect(generating()).toBe(2);
    const o = await ollama().embed({ model: 'slow', input: ['a', 'b'] });
    expect(o.embeddings).toHaveLength(2);
    expect(generating()).toBe(2);
    // The sequences are the chats': /api/v1/system counts those, and a chat still waits for one.
    expect(engine().info().models[0]).toMatchObject({ sequences: 2, busy: 2 });
    await other.stop();
    await second.stop();
  }, 60_000);
});
