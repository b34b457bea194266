// Ollama's `think` through the official client and the real gateway: a model known not to think is refused as Ollama
// refuses it (400 `"<model>" does not support thinking`), one that can think, or whose abilities are unknown here (auto,
// Claude), still answers. Real llama.cpp on generated GGUFs: one with a plain ChatML template, one whose template has
// Qwen3's thinking switch.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_TEMPLATE, makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';

const client = (gw: RealGateway): Ollama => new Ollama({ host: gw.srv.url, headers: gw.srv.auth });
const messages = [{ role: 'user' as const, content: 'hi' }];
const options = { num_predict: 2 };

async function raw(gw: RealGateway, url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gw.srv.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...gw.srv.auth },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('a file whose chat template cannot think (tiny.gguf)', () => {
  let gw: RealGateway;
  beforeAll(async () => {
    gw = await startRealGateway();
  }, 60_000);
  afterAll(async () => gw?.close());

  it("think true or a level: 400 in Ollama's words, naming the model as sent, on /api/chat and /api/generate", async () => {
    const before = gw.srv.core.ledger.recent(100).length;
    for (const [model, think] of [
      ['tiny', true],
      ['tiny:latest', 'high'],
      // Catalog names the file answers for: the file answers, and it cannot think (Qwen3 could; this file is not Qwen3).
      ['tinyllama', true],
      ['qwen3-1.7b', 'low'],
    ] as const) {
      const chat = await client(gw)
        .chat({ model, messages, think, options, stream: false })
        .catch((e: unknown) => e);
      expect(chat, model).toMatchObject({ status_code: 400, error: `"${model}" does not support thinking` });
      const gen = await raw(gw, '/api/generate', { model, prompt: 'hi', think, stream: false, options });
      expect(gen, model).toEqual({ status: 400, json: { error: `"${model}" does not support thinking` } });
    }
    // Refused before any engine ran: nothing answered, nothing recorded.
    expect(gw.srv.core.ledger.recent(100).length).toBe(before);
  });

  it('think false or absent still answers; so do auto and Claude, whose thinking is not known to be missing', async () => {
    for (const think of [false, undefined]) {
      const r = await client(gw).chat({ model: 'tiny', messages, think, options, stream: false });
      expect(r).toMatchObject({ done: true, model: 'tiny' });
    }
    expect(await client(gw).chat({ model: 'auto', messages, think: true, options, stream: false })).toMatchObject({ done: true });
    const claude = await client(gw).chat({ model: 'claude-sonnet', messages, think: true, options, stream: false });
    expect(claude).toMatchObject({ done: true });
    expect(gw.srv.core.ledger.recent(1)[0]).toMatchObject({ engine: 'anthropic', status: 'ok' });
  });

  it('a think value Ollama does not know is a 400 naming the valid ones', async () => {
    const r = await raw(gw, '/api/chat', { model: 'tiny', messages, think: 'extreme', stream: false });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/"think".*"high", "medium", "low", "max", true, or false/);
  });

  it('/api/show does not list the thinking capability', async () => {
    expect((await client(gw).show({ model: 'tiny' })).capabilities).toEqual(['completion']);
  });
});

describe('a file whose chat template has a thinking switch', () => {
  let gw: RealGateway;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hai-think-'));
    // Qwen3's switch: with enable_thinking false the template writes an empty think block before the answer.
    const template = CHAT_TEMPLATE.replace(
      "{{ '<|im_start|>assistant\\n' }}",
      "{{ '<|im_start|>assistant\\n' }}{% if enable_thinking is defined and enable_thinking is false %}{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}",
    );
    expect(template).not.toBe(CHAT_TEMPLATE);
    const gguf = await makeTinyGguf(path.join(dir, 'thinker.gguf'), { chatTemplate: template });
    gw = await startRealGateway({ env: { HYBRID_AI_LOCAL_MODEL: gguf.path } });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('think true is accepted and answered by llama.cpp; /api/show lists the thinking capability', async () => {
    expect((await client(gw).show({ model: 'thinker' })).capabilities).toEqual(['completion', 'thinking']);
    const r = await client(gw).chat({ model: 'thinker', messages, think: true, options, stream: false });
    expect(r).toMatchObject({ done: true, model: 'thinker' });
    const g = await client(gw).generate({ model: 'thinker', prompt: 'hi', think: 'medium', options, stream: false });
    expect(g).toMatchObject({ done: true });
    expect(gw.srv.core.ledger.recent(1)[0]).toMatchObject({ engine: 'llamacpp', model: 'thinker', status: 'ok' });
  });
});
