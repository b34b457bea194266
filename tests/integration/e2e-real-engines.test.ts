// End to end through the real server: real llama.cpp on a generated GGUF, Claude and Ollama stand-ins via the official clients.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlamaCppEngine } from '../../router-core/engines/llamacpp.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama-server.js';
import { parseSse, startTestServer, TOKEN, type TestServer } from './helpers.js';

const CLAUDE_KEY = 'sk-ant-api03-e2e-secret-key-do-not-leak';
let claude: AnthropicStandIn;
let ollama: OllamaStandIn;
let srv: TestServer;
let ggufDir: string;
let ollamaClosed = false;

beforeAll(async () => {
  ggufDir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-'));
  const gguf = await makeTinyGguf(path.join(ggufDir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 2 });
  ollama = await startOllamaStandIn({ models: ['phi:2.7b', 'qwen2.5:0.5b'], tokenDelayMs: 1 });
  srv = await startTestServer({
    env: {
      HYBRID_AI_LOCAL_MODEL: gguf.path,
      ANTHROPIC_API_KEY: CLAUDE_KEY,
      ANTHROPIC_BASE_URL: claude.url,
      OLLAMA_HOST: ollama.host,
      HYBRID_AI_THREADS: '1',
    },
    args: ['--tier', '2'],
  });
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await claude?.close();
  if (!ollamaClosed) await ollama?.close();
  rmSync(ggufDir, { recursive: true, force: true });
});

async function chat(body: Record<string, unknown>): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const res = await fetch(`${srv.url}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...srv.auth },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

describe('real engines through the gateway', () => {
  it('a simple prompt is answered by real llama.cpp inference on the GGUF', async () => {
    const r = await chat({ prompt: 'hi', max_tokens: 12 });
    expect(r.status).toBe(200);
    // HYBRID_AI_LOCAL_MODEL answers every local rung from tiny.gguf, under that file's name.
    expect(r.json).toMatchObject({ backend: 'local', engine: 'llamacpp', model: 'tiny', routing: { route: 'small' }, cost: 0 });
    expect(r.json.response.length).toBeGreaterThan(0);
    expect(r.json.usage.output_tokens).toBeGreaterThan(0);
    expect(r.json.usage.output_tokens).toBeLessThanOrEqual(12);
    expect(r.json.savings_micros).toBeGreaterThan(0);
  });

  it('a hard prompt goes to Claude through the official SDK and is charged at Sonnet prices', async () => {
    const r = await chat({ prompt: 'Prove that there are infinitely many prime numbers.', max_tokens: 50 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ backend: 'cloud', engine: 'anthropic', model: 'claude-sonnet', routing: { route: 'cloud' } });
    const u = r.json.usage;
    expect(r.json.cost_micros).toBe(u.input_tokens * 3 + u.output_tokens * 15);
    const h = claude.requests.at(-1)!.headers;
    expect([h['x-api-key'], h.authorization]).toContain(h['x-api-key'] === CLAUDE_KEY ? CLAUDE_KEY : `Bearer ${CLAUDE_KEY}`);
  });

  it('a model only Ollama has is served by Ollama through the official client', async () => {
    const r = await chat({ prompt: 'hi', model: 'qwen2.5:0.5b', max_tokens: 5 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ engine: 'ollama', model: 'qwen2.5:0.5b', cost: 0 });
    expect(ollama.requests.some((q) => q.path === '/api/chat')).toBe(true);
  });

  it('Ollama is asked for one whole answer when the client does not stream, for a token stream when it does', async () => {
    const whole = await chat({ prompt: 'one two three', model: 'qwen2.5:0.5b', max_tokens: 5 });
    expect(whole.status).toBe(200);
    expect(ollama.requests.at(-1)!.body).toMatchObject({ model: 'qwen2.5:0.5b', stream: false });
    // The stand-in answers one word a token: five tokens.
    expect(whole.json).toMatchObject({ engine: 'ollama', response: 'Stand-in Ollama heard: one two', finish_reason: 'length' });
    expect(whole.json.usage).toMatchObject({ output_tokens: 5 });

    const streamed = await chat({ prompt: 'one two three', model: 'qwen2.5:0.5b', max_tokens: 5, stream: true });
    expect(streamed.status).toBe(200);
    expect(ollama.requests.at(-1)!.body).toMatchObject({ model: 'qwen2.5:0.5b', stream: true });
    const text = parseSse(streamed.text)
      .filter((f) => f.event === 'delta')
      .map((f) => (JSON.parse(f.data) as { text: string }).text)
      .join('');
    expect(text).toBe('Stand-in Ollama heard: one two');
  });

  it('OpenAI client streaming over real llama.cpp', async () => {
    const client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'tinyllama',
      stream: true,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    let chunks = 0;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      chunks++;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text.length).toBeGreaterThan(0);
  });

  it('Claude overloaded (529) → falls back to the best local model and the reasons say so', async () => {
    claude.setMode({ kind: 'error', status: 529 });
    try {
      const r = await chat({ prompt: 'Prove that the square root of 2 is irrational.', max_tokens: 8 });
      expect(r.status).toBe(200);
      expect(r.json.engine).not.toBe('anthropic');
      expect(r.json.routing.reasons.join('; ')).toMatch(/fell back: claude-sonnet on anthropic: upstream_overloaded/);
      const row = srv.core.ledger.recent(1)[0]!;
      expect(row.fallbackFrom).toEqual(['claude-sonnet on anthropic: upstream_overloaded']);
    } finally {
      claude.setMode({ kind: 'normal' });
    }
  }, 20_000);

  it('Claude asked for by name and rejecting the key → a clear 502, a ledger row with the error type, no key anywhere', async () => {
    claude.setMode({ kind: 'error', status: 401 });
    try {
      const r = await chat({ prompt: 'hi', model: 'claude-sonnet' });
      expect(r.status).toBe(502);
      expect(r.json.error.type).toBe('upstream_auth');
      expect(r.json.error.message).toMatch(/Claude rejected the API key/);
      expect(srv.core.ledger.recent(1)[0]).toMatchObject({ status: 'error', errorType: 'upstream_auth' });
      expect(r.text).not.toContain(CLAUDE_KEY);
      expect(srv.logs.join('\n')).not.toContain(CLAUDE_KEY);
    } finally {
      claude.setMode({ kind: 'normal' });
    }
  });

  it('Claude rate limit on an explicit request → 503 with Retry-After', async () => {
    claude.setMode({ kind: 'error', status: 429, retryAfter: '0' });
    try {
      const r = await chat({ prompt: 'hi', model: 'claude-haiku' });
      expect(r.status).toBe(503);
      expect(r.json.error.type).toBe('upstream_rate_limited');
      expect(r.headers.get('retry-after')).not.toBeNull();
    } finally {
      claude.setMode({ kind: 'normal' });
    }
  }, 20_000);

  it('a Claude stream that breaks midway ends with an SSE error event and an error row', async () => {
    claude.setMode({ kind: 'break', afterDeltas: 2 });
    try {
      const r = await chat({ prompt: 'hi', model: 'claude-sonnet', stream: true });
      const frames = parseSse(r.text);
      expect(frames.filter((f) => f.event === 'delta').length).toBeGreaterThanOrEqual(1);
      expect(frames.at(-1)!.event).toBe('error');
      expect(JSON.parse(frames.at(-1)!.data).error.type).toBe('upstream_error');
      expect(srv.core.ledger.recent(1)[0]).toMatchObject({ status: 'error', errorType: 'upstream_error' });
    } finally {
      claude.setMode({ kind: 'normal' });
    }
  });

  it('a client that disconnects from a Claude stream makes the gateway drop the upstream request', async () => {
    claude.setDeltaDelay(30);
    try {
      const before = claude.disconnects;
      const ac = new AbortController();
      const res = await fetch(`${srv.url}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...srv.auth },
        body: JSON.stringify({ prompt: 'hi', model: 'claude-sonnet', stream: true, max_tokens: 500 }),
        signal: ac.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      ac.abort();
      await expect.poll(() => claude.disconnects, { timeout: 5000 }).toBeGreaterThan(before);
      await expect.poll(() => srv.core.ledger.recent(1)[0]?.status, { timeout: 5000 }).toBe('aborted');
    } finally {
      claude.setDeltaDelay(2);
    }
  });

  it('a client that disconnects from a local stream stops llama.cpp generation', async () => {
    const engine = srv.core.engines.get('llamacpp') as LlamaCppEngine;
    // At temperature 0 the tiny model never ends an answer by itself: undisturbed, this request runs to its cap. Checked
    // here, so that "fewer tokens than the cap" below can only mean the abort stopped llama.cpp (a worker that ignores
    // the abort generates exactly the same tokens again).
    const body = { prompt: 'hi', model: 'tinyllama', max_tokens: 400, temperature: 0 };
    expect((await chat(body)).status).toBe(200);
    const whole = engine.info().finished.at(-1)!;
    const wholeRow = srv.core.ledger.recent(1)[0]!;
    expect(whole.work).toMatchObject({ generatedTokens: 400, maxTokens: 400 });
    expect(whole.stopReason).toBe('maxTokens');

    const ac = new AbortController();
    const t0 = Date.now();
    const res = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify({ ...body, stream: true }),
      signal: ac.signal,
    });
    await res.body!.getReader().read();
    const before = engine.info().finished.length;
    ac.abort();
    await expect.poll(() => srv.core.ledger.recent(1)[0]?.status, { timeout: 5000 }).toBe('aborted');
    const row = srv.core.ledger.recent(1)[0]!;
    expect(row.outputTokens).toBeLessThan(400);
    // The ledger row was cut mid-answer: the prompt was still sent, and is recorded.
    expect(row.inputTokens).toBeGreaterThan(0);
    // The engine's own record (the worker's token count, not what reached the client): llama.cpp stopped generating.
    await expect.poll(() => engine.info().running.length, { timeout: 5000 }).toBe(0);
    const job = engine.info().finished.slice(before).at(-1)!;
    expect(job.stopReason).toBe('abort');
    expect(job.work.maxTokens).toBe(400);
    expect(job.work.generatedTokens).toBeLessThan(whole.work.generatedTokens);
    // The row holds what llama.cpp really used: every token generated until it stopped (not the number of text chunks
    // the client got, each of several tokens), and the prompt's real token count (not an estimate).
    expect(row.outputTokens).toBe(job.work.generatedTokens);
    expect(row.inputTokens).toBe(wholeRow.inputTokens);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('an Ollama num_predict of 1e15 is capped at what fits the context and answered', async () => {
    const res = await fetch(`${srv.url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify({ model: 'tinyllama', prompt: 'hi', stream: false, options: { num_predict: 1e15, temperature: 0 } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { done_reason: string; eval_count: number; prompt_eval_count: number };
    expect(body.done_reason).toBe('length');
    // The tiny model's context is 2,048 tokens: the answer stops where the context is full.
    expect(body.prompt_eval_count + body.eval_count).toBeLessThanOrEqual(2048);
    expect(body.eval_count).toBeGreaterThan(100);
  });

  it('Ollama down: the model it served is answered by another engine or refused clearly', async () => {
    await ollama.close();
    ollamaClosed = true;
    srv.core.engines.get('ollama');
    const r = await chat({ prompt: 'hi', model: 'phi2', max_tokens: 5 });
    // HYBRID_AI_LOCAL_MODEL makes the embedded engine serve every local model, so phi2 is still answered.
    expect(r.status).toBe(200);
    expect(r.json.engine).toBe('llamacpp');
  });
});
