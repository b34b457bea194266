// Context fit and conversation routing end to end: the real server, real llama.cpp on a generated GGUF, the Claude stand-in.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlamaCppEngine } from '../../router-core/engines/llamacpp.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startTestServer, type TestServer } from './helpers.js';

const CLAUDE_KEY = 'sk-ant-api03-context-test-key';
let claude: AnthropicStandIn;
let srv: TestServer;
let ggufDir: string;

beforeAll(async () => {
  ggufDir = mkdtempSync(path.join(os.tmpdir(), 'hai-ctx-'));
  // The generated GGUF is trained for 2,048 tokens: with HYBRID_AI_LOCAL_MODEL it serves tinyllama and phi2 (tier 2).
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

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${srv.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...srv.auth, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

// ~12,400 characters of plain English and a trivial ask: ~3,000 tokens, more than the 2,048 the local model holds.
const doc = 'The quarterly report describes sales, hiring and the new office in plain words. '.repeat(155);
const longAsk = `${doc}\n\nGive this text a short title.`;
/** The message names the request's size (~N tokens) and the 2,048-token limit, in either order. */
const SIZE_AND_LIMIT = /~[\d,]+ tokens.*2,048|2,048.*~[\d,]+/;
// "zx" is three tokens on the generated GGUF's vocabulary but one in the router's estimate (made for real
// vocabularies): the estimate lets ~2,100 real tokens through, so only the engine's real count can refuse it.
// A trivial ask on an odd long input (rule 2: small), so "auto" tries the local model first.
const unusual = `${'zx '.repeat(700).trim()}\n\nWhat language is this text in?`;
const hardTask =
  'Design a lock-free concurrent hash map in C++ with resizing, prove its linearizability, and analyse the memory ' +
  'reclamation strategy under ABA hazards.';
const conversation = (last: string) => [
  { role: 'user', content: hardTask },
  { role: 'assistant', content: 'Here is a design with split-ordered lists and hazard pointers.' },
  { role: 'user', content: last },
];

describe('context fit through the gateway', () => {
  // First in the file, so the embedded engine has not started yet: its state shows whether anything was fed to it.
  it('a 2 MiB prompt that no model holds (not even Claude) is refused at once, in the Ollama shape; no engine is started or called', async () => {
    const llamacpp = srv.core.engines.get('llamacpp') as LlamaCppEngine;
    expect(llamacpp.info().workersStarted).toBe(0);
    const claudeCalls = claude.requests.length;
    const r = await post('/api/generate', {
      model: 'auto',
      prompt: 'word '.repeat(420_000),
      stream: false,
      options: { num_predict: 1e15 },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/the input is ~[\d,]+ tokens/);
    expect(r.json.error).toMatch(/claude-sonnet's 200,000-token context/);
    expect(llamacpp.info()).toMatchObject({ workersStarted: 0, loadedModels: [] });
    expect(claude.requests.length).toBe(claudeCalls);
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ status: 'error', errorType: 'context_length_exceeded' });
  });

  it('a long input with a trivial ask skips the local models it does not fit and goes to Claude whole, with the reason', async () => {
    const before = claude.requests.length;
    const r = await post('/api/v1/chat', { prompt: longAsk, max_tokens: 16 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ backend: 'cloud', model: 'claude-sonnet' });
    // Every local model of the tier 2 ladder is served by the 2,048-token GGUF here, so all are named, then the cloud.
    const why = r.json.routing.reasons.join(' | ');
    expect(why).toMatch(/input ~[\d,]+ tokens \+ 16 for the answer > [^|]*tinyllama's 2,048[^|]* → claude-sonnet/);
    expect(why).toMatch(/> [^|]*phi2's 2,048[^|]* → claude-sonnet/);
    // Claude got the whole document, and no local model was tried (nothing fed to a context it does not fit).
    expect(claude.requests.length).toBe(before + 1);
    expect(JSON.stringify(claude.requests.at(-1)!.body)).toContain(doc.slice(-200));
    expect(r.json.routing.fallback_from).toEqual([]);
  });

  it('with the cloud off it is a 400 naming the size and the limit, in the native shape, and the ledger records it', async () => {
    const r = await post('/api/v1/chat', { prompt: longAsk, local_only: true });
    expect(r.status).toBe(400);
    expect(r.json.error.type).toBe('context_length_exceeded');
    expect(r.json.error.message).toMatch(SIZE_AND_LIMIT);
    expect(r.json.error.message).toMatch(/the cloud is unavailable \(the request asked to stay on this machine\)/);
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ status: 'error', errorType: 'context_length_exceeded' });
  });

  it('a caller-picked model that cannot hold it: a 400 in the OpenAI, Ollama and Anthropic shapes', async () => {
    const openai = await post('/v1/chat/completions', { model: 'tinyllama', messages: [{ role: 'user', content: longAsk }] });
    expect(openai.status).toBe(400);
    expect(openai.json.error).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
    expect(openai.json.error.message).toMatch(/Model "tinyllama" has a 2,048-token context here, and this request needs ~[\d,]+/);

    const ollama = await post('/api/chat', { model: 'tinyllama', messages: [{ role: 'user', content: longAsk }], stream: false });
    expect(ollama.status).toBe(400);
    expect(typeof ollama.json.error).toBe('string');
    expect(ollama.json.error).toMatch(SIZE_AND_LIMIT);

    const anthropic = await post(
      '/v1/messages',
      { model: 'tinyllama', max_tokens: 100, messages: [{ role: 'user', content: longAsk }] },
      { 'anthropic-version': '2023-06-01' },
    );
    expect(anthropic.status).toBe(400);
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(anthropic.json.error.message).toMatch(/\+ 100 for the answer/);
  });

  it('an input the estimate lets through but the real tokenizer does not: never fed; the next candidate answers, or a 400 with the real count', async () => {
    const local = await post('/api/v1/chat', { prompt: unusual, local_only: true, max_tokens: 8 });
    expect(local.status).toBe(400);
    expect(local.json.error.type).toBe('context_length_exceeded');
    expect(local.json.error.message).toMatch(/The input is [\d,]+ tokens \(counted by [\w.-]+'s tokenizer\).*context here is 2,048 tokens/);

    const auto = await post('/api/v1/chat', { prompt: unusual, max_tokens: 8 });
    expect(auto.status).toBe(200);
    expect(auto.json.backend).toBe('cloud');
    expect(auto.json.routing.fallback_from.join(' | ')).toMatch(/on llamacpp: context_length_exceeded/);
    // The engine was not wedged by the refusal: a short local request is answered.
    const hi = await post('/api/v1/chat', { prompt: 'hi', max_tokens: 4, local_only: true });
    expect(hi.status).toBe(200);
    expect(hi.json.engine).toBe('llamacpp');
  });
});

describe('conversation routing through the gateway', () => {
  it('a follow-up in /api/v1/chat messages is routed as the conversation task (cloud), "thanks" goes small', async () => {
    const follow = await post('/api/v1/chat', { messages: conversation('now add tests'), max_tokens: 12 });
    expect(follow.status).toBe(200);
    expect(follow.json).toMatchObject({ backend: 'cloud', routing: { route: 'cloud' } });
    expect(follow.json.routing.reasons.join(' | ')).toMatch(/follow-up of a cloud-grade task/);

    const thanks = await post('/api/v1/chat', { messages: conversation('thanks!'), max_tokens: 4 });
    expect(thanks.status).toBe(200);
    expect(thanks.json).toMatchObject({ backend: 'local', engine: 'llamacpp', routing: { route: 'small' } });
    expect(thanks.json.routing.reasons.join(' | ')).toMatch(/acknowledgement → judged alone/);
  });

  it('POST /api/v1/complexity takes messages and returns the decision for the conversation', async () => {
    const alone = await post('/api/v1/complexity', { prompt: 'now add tests' });
    expect(alone.status).toBe(200);
    expect(alone.json).toMatchObject({ level: 'small', route: 'small' });

    const conv = await post('/api/v1/complexity', { messages: conversation('now add tests') });
    expect(conv.status).toBe(200);
    expect(conv.json).toMatchObject({ level: 'cloud', route: 'cloud', recommended_model: 'claude-sonnet' });
    expect(conv.json.reasons.join(' | ')).toMatch(/follow-up of a cloud-grade task/);

    const fresh = await post('/api/v1/complexity', {
      messages: conversation('Write a haiku about autumn leaves falling on a quiet pond.'),
    });
    expect(fresh.json).toMatchObject({ level: 'small' });
    expect(fresh.json.reasons.join(' | ')).toMatch(/new request \(self-contained/);

    const tooLong = await post('/api/v1/complexity', { messages: [{ role: 'user', content: longAsk }], local_only: true });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.message).toMatch(SIZE_AND_LIMIT);

    const bad = await post('/api/v1/complexity', { messages: [{ role: 'robot', content: 'x' }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/messages/);
  });
});
