// The three official clients against the real gateway: embedded llama.cpp on a generated tiny GGUF (chat and
// embeddings) and the Claude stand-in behind the Anthropic engine.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

const CLAUDE_KEY = 'sk-ant-api03-compat-secret-key';
let claude: AnthropicStandIn;
let srv: TestServer;
let ggufDir: string;

beforeAll(async () => {
  ggufDir = mkdtempSync(path.join(os.tmpdir(), 'hai-compat-'));
  const gguf = await makeTinyGguf(path.join(ggufDir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1 });
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: gguf.path, ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_THREADS: '1' },
    args: ['--tier', '2'],
  });
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await claude?.close();
  rmSync(ggufDir, { recursive: true, force: true });
});

const ollama = () => new Ollama({ host: srv.url, headers: { Authorization: `Bearer ${TOKEN}` } });
const openai = () => new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
const anthropic = () => new Anthropic({ baseURL: srv.url, apiKey: TOKEN, maxRetries: 0 });
const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0));

describe('chat through each protocol on real engines', () => {
  it('ollama: a streamed chat answered by llama.cpp', async () => {
    const stream = await ollama().chat({
      model: 'auto',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
      options: { num_predict: 8, temperature: 0 },
    });
    let text = '';
    let last;
    for await (const c of stream) {
      text += c.message.content;
      last = c;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(last).toMatchObject({ done: true });
    expect(last!.eval_count).toBeGreaterThan(0);
    expect(last!.eval_count).toBeLessThanOrEqual(8);
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'ollama', engine: 'llamacpp', status: 'ok' });
  });

  it('anthropic: claude-sonnet streams from the Claude stand-in through the gateway; auto stays local', async () => {
    const stream = anthropic().messages.stream({
      model: 'claude-sonnet',
      max_tokens: 6,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'ping pong' }],
    });
    const final = await stream.finalMessage();
    expect(final.model).toBe('claude-sonnet');
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Stand-in Claude heard: ping pong w1' });
    expect(final.stop_reason).toBe('max_tokens');
    expect(claude.requests.at(-1)!.body).toMatchObject({ system: 'Be brief.', max_tokens: 6 });
    const local = await anthropic().messages.create({
      model: 'auto',
      max_tokens: 5,
      stop_sequences: ['\n\n'],
      messages: [{ role: 'user', content: 'hi' }],
    });
    // HYBRID_AI_LOCAL_MODEL answers under its file's name (tiny.gguf).
    expect(local.model).toBe('tiny');
    expect(local.usage.output_tokens).toBeGreaterThan(0);
  });

  it('anthropic: an answer cut by one of stop_sequences says stop_reason "stop_sequence" and which one (plain and streamed)', async () => {
    const ask = { model: 'auto', max_tokens: 12, temperature: 0, messages: [{ role: 'user' as const, content: 'count to ten' }] };
    const full = (await anthropic().messages.create(ask)).content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    // A stop the deterministic answer is sure to meet: its second non-space character.
    const stop = full.replace(/\s/g, '').charAt(1);
    expect(stop).not.toBe('');
    const cut = await anthropic().messages.create({ ...ask, stop_sequences: ['never-seen-stop', stop] });
    expect(cut).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: stop });
    const text = cut.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    expect(full.startsWith(text) && !text.includes(stop)).toBe(true);
    // Asked again (temperature 0: the response cache's case), it still says which stop ended it.
    const again = await anthropic().messages.create({ ...ask, stop_sequences: ['never-seen-stop', stop] });
    expect(again).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: stop });
    const streamed = await anthropic()
      .messages.stream({ ...ask, stop_sequences: [stop] })
      .finalMessage();
    expect(streamed).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: stop });
    // An answer that ends without meeting one is still end_turn or max_tokens, with no stop_sequence.
    const uncut = await anthropic().messages.create({ ...ask, stop_sequences: ['never-seen-stop'] });
    expect(uncut).toMatchObject({ stop_reason: 'max_tokens', stop_sequence: null });
  });

  it('tools offered with tool_choice "none" cannot be called: a model without tool calling answers (OpenAI and Anthropic)', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];
    const messages = [{ role: 'user' as const, content: 'hi' }];
    // Named: the HYBRID_AI_LOCAL_MODEL file on llama.cpp, which passes no tools (with tools to call, a 503 saying so).
    const named = await openai().chat.completions.create({ model: 'tiny', max_tokens: 4, messages, tools, tool_choice: 'none' });
    expect(named.choices[0]).toMatchObject({ finish_reason: 'length', message: { role: 'assistant' } });
    expect(named.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'openai', engine: 'llamacpp', status: 'ok' });
    // auto: routed as a plain chat (a greeting stays local), not forced to the one engine that can call tools.
    await openai().chat.completions.create({ model: 'auto', max_tokens: 4, messages, tools, tool_choice: 'none' });
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'openai', engine: 'llamacpp', status: 'ok' });
    const claudeTools = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];
    const msg = await anthropic().messages.create({
      model: 'tiny',
      max_tokens: 4,
      messages,
      tools: claudeTools,
      tool_choice: { type: 'none' },
    });
    expect(msg.content.every((b) => b.type === 'text')).toBe(true);
    // Offered to be called (auto), the tools still need a model that can call them: llama.cpp is not one.
    const refused = await openai()
      .chat.completions.create({ model: 'tiny', max_tokens: 4, messages, tools })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 503, code: 'no_model_available' });
    // The file's own abilities are unknown: the refusal does not claim it can call tools.
    expect((refused as Error).message).toMatch(/Model "tiny" runs here only on llamacpp, which does not pass tools/);
  });

  it('ollama generate: the context an answer returns continues the conversation on llama.cpp', async () => {
    const opts = { num_predict: 6, temperature: 0 };
    const first = await ollama().generate({ model: 'auto', prompt: 'name three rivers', options: opts });
    expect(first.context.length).toBeGreaterThan(2);
    const alone = await ollama().generate({ model: 'auto', prompt: 'and the longest?', options: opts });
    const continued = await ollama().generate({ model: 'auto', prompt: 'and the longest?', context: first.context, options: opts });
    // The earlier exchange reached the model: the same prompt costs more prompt tokens with it than without.
    expect(continued.prompt_eval_count).toBeGreaterThan(alone.prompt_eval_count + first.eval_count);
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'ollama', engine: 'llamacpp', status: 'ok' });
  });

  it('openai: chat over llama.cpp', async () => {
    const c = await openai().chat.completions.create({ model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(c.choices[0]!.message.content!.length).toBeGreaterThan(0);
  });
});

describe('model names as Ollama clients send them back', () => {
  it('every name /api/tags lists works in chat, generate, show and embed (the HYBRID_AI_LOCAL_MODEL file as tiny:latest)', async () => {
    const names = (await ollama().list()).models.map((m) => m.name);
    expect(names).toContain('tiny:latest');
    const chat = await ollama().chat({
      model: 'tiny:latest',
      stream: false,
      messages: [{ role: 'user', content: 'hi' }],
      options: { num_predict: 2 },
    });
    expect(chat).toMatchObject({ model: 'tiny:latest', done: true });
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'ollama', engine: 'llamacpp', model: 'tiny', status: 'ok' });
    const gen = await ollama().generate({ model: 'tiny:latest', prompt: 'hi', stream: false, options: { num_predict: 2 } });
    expect(gen).toMatchObject({ model: 'tiny:latest', done: true });
    expect((await ollama().show({ model: 'tiny:latest' })).details).toMatchObject({ format: 'gguf' });
    expect((await ollama().embed({ model: 'tiny:latest', input: 'hello world' })).embeddings[0]).toHaveLength(32);
    expect((await ollama().embeddings({ model: 'TINY:latest', prompt: 'hello world' })).embedding).toHaveLength(32);
    // The tag is Ollama's only: another tag of the file's name is still unknown, in Ollama's shape.
    const other = await ollama()
      .chat({ model: 'tiny:7b', stream: false, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(other).toMatchObject({ status_code: 404, error: expect.stringMatching(/^model 'tiny:7b' not found/) });
  });
});

describe('null fields as Ollama reads them', () => {
  it('null is an absent field on chat, generate and embed (Ollama decodes JSON null as the zero value)', async () => {
    const chat = await ollama().chat({
      model: 'auto',
      stream: false,
      messages: [{ role: 'user', content: 'hi', images: null, tool_calls: null }],
      options: { num_predict: 2, temperature: null, stop: null },
      format: null,
      tools: null,
      keep_alive: null,
      think: null,
    } as never);
    expect(chat).toMatchObject({ done: true, eval_count: 2 });
    const gen = await ollama().generate({
      model: 'auto',
      prompt: 'hi',
      stream: false,
      options: { num_predict: 2 },
      system: null,
      suffix: null,
      images: null,
      template: null,
      context: null,
      raw: null,
    } as never);
    expect(gen).toMatchObject({ done: true, eval_count: 2 });
    const none = await ollama().chat({ model: 'auto', stream: false, messages: [{ role: 'user', content: 'hi' }], options: null } as never);
    expect((none as unknown as { done: boolean }).done).toBe(true);
    const e = await ollama().embed({ model: 'auto', input: 'hi', truncate: null, dimensions: null, options: null } as never);
    expect(e.embeddings[0]).toHaveLength(32);
  });
});

describe('embeddings from the embedded engine', () => {
  it('ollama embed: one vector per input, unit length, deterministic, different texts differ', async () => {
    const r = await ollama().embed({ model: 'auto', input: ['hello world', 'a different sentence'] });
    expect(r.embeddings).toHaveLength(2);
    const [a, b] = r.embeddings as [number[], number[]];
    expect(a.length).toBe(32);
    expect(norm(a)).toBeCloseTo(1, 5);
    expect(a).not.toEqual(b);
    const again = await ollama().embed({ model: 'tinyllama', input: 'hello world' });
    expect(again.embeddings[0]).toEqual(a);
    expect(r.prompt_eval_count).toBeGreaterThan(0);
    const legacy = await ollama().embeddings({ model: 'tinyllama:latest', prompt: 'hello world' });
    expect(legacy.embedding).toEqual(a);
  });

  it('ollama show: a chat model that embeds says "completion" (as Ollama does); errors come in Ollama shape', async () => {
    // As Ollama lists a chat model that also embeds (llama3): 'embedding' alone would make the Ollama CLI embed instead of chat.
    expect((await ollama().show({ model: 'tinyllama' })).capabilities).toEqual(['completion']);
    const e = await ollama()
      .embed({ model: 'claude-sonnet', input: 'x' })
      .catch((err: unknown) => err);
    expect(e).toMatchObject({ status_code: 400, error: expect.stringMatching(/cannot compute embeddings/) });
    const nf = await ollama()
      .embed({ model: 'nomic-embed-text', input: 'x' })
      .catch((err: unknown) => err);
    expect(nf).toMatchObject({ status_code: 404, error: expect.stringMatching(/^model 'nomic-embed-text' not found/) });
  });

  it('openai embeddings: the client default (base64) and float give the same vectors', async () => {
    const b64 = await openai().embeddings.create({ model: 'auto', input: ['hello world', 'another'] });
    const float = await openai().embeddings.create({ model: 'auto', input: ['hello world', 'another'], encoding_format: 'float' });
    expect(b64.data).toHaveLength(2);
    expect(b64.model).toBe('tiny');
    expect(b64.usage.prompt_tokens).toBeGreaterThan(0);
    const x = Array.from(b64.data[0]!.embedding);
    const y = float.data[0]!.embedding;
    expect(x).toHaveLength(32);
    x.forEach((v, i) => expect(v).toBeCloseTo(y[i]!, 5));
    const ollamaVec = (await ollama().embed({ model: 'auto', input: 'hello world' })).embeddings[0]!;
    expect(y).toEqual(ollamaVec);
  });

  it('openai embeddings: an empty string is a 400 naming the input, not an empty vector', async () => {
    for (const [input, param] of [
      ['', 'input'],
      [['hello', ''], 'input[1]'],
    ] as const) {
      const e = await openai()
        .embeddings.create({ model: 'auto', input: input as string | string[] })
        .catch((err: unknown) => err);
      expect(e).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e).toMatchObject({ param, message: expect.stringMatching(/must not be empty/) });
    }
  });

  it('openai: null encoding_format, dimensions, user and json_schema description mean "not set"', async () => {
    const r = await openai().embeddings.create({
      model: 'auto',
      input: 'hello world',
      encoding_format: null,
      dimensions: null,
      user: null,
    } as never);
    expect(r.data[0]!.embedding).toHaveLength(32);
    const c = await openai().chat.completions.create({
      model: 'auto',
      max_tokens: 40,
      messages: [{ role: 'user', content: 'a city' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'city', description: null, schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: null },
      },
    } as never);
    expect(c.choices[0]!.message.content!.startsWith('{')).toBe(true);
  });

  it('openai embeddings errors: unknown model 404, Claude 400, wrong dimensions 400', async () => {
    const nf = await openai()
      .embeddings.create({ model: 'text-embedding-3-small', input: 'x' })
      .catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(OpenAI.NotFoundError);
    expect((nf as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    const cl = await openai()
      .embeddings.create({ model: 'claude-haiku', input: 'x' })
      .catch((e: unknown) => e);
    expect(cl).toBeInstanceOf(OpenAI.BadRequestError);
    const dim = await openai()
      .embeddings.create({ model: 'auto', input: 'x', dimensions: 8 })
      .catch((e: unknown) => e);
    expect((dim as Error).message).toMatch(/Invalid "dimensions": tiny gives 32-dimensional vectors/);
  });
});
