// OpenAI logprobs' `bytes` for tokens that are not whole characters: a SentencePiece model writes a character its
// vocabulary lacks (an emoji, most CJK) as byte-fallback tokens, one UTF-8 byte each. Through the official client and
// the real gateway on a generated tiny GGUF whose byte tokens are sampleable: each such token's `bytes` is its own byte
// (not U+FFFD's three), the answer's bytes joined are its text, and the tokens' text still joins to the answer.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN } from './helpers.js';

let gw: RealGateway;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-logprob-bytes-'));
  const gguf = await makeTinyGguf(path.join(dir, 'bytes.gguf'), { liveBytes: true });
  gw = await startRealGateway({ env: { HYBRID_AI_LOCAL_MODEL: gguf.path } });
}, 60_000);
afterAll(async () => {
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

const openai = (): OpenAI => new OpenAI({ baseURL: `${gw.srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
const REPLACEMENT = [...Buffer.from('\uFFFD', 'utf8')];

describe('logprobs of byte-fallback tokens', () => {
  it('chat: each token carries its own bytes; joined, they are the answer', async () => {
    const c = await openai().chat.completions.create({
      model: 'bytes',
      max_tokens: 48,
      temperature: 0,
      messages: [{ role: 'user', content: 'say hello to the world' }],
      logprobs: true,
      top_logprobs: 5,
    });
    const text = c.choices[0]!.message.content!;
    const tokens = c.choices[0]!.logprobs!.content!;
    expect(tokens.map((t) => t.token).join('')).toBe(text);
    expect(new TextDecoder().decode(Buffer.from(tokens.flatMap((t) => t.bytes!)))).toBe(text);
    const all = tokens.flatMap((t) => [t, ...t.top_logprobs]);
    // The fixture's vocabulary has no U+FFFD piece: bytes that spell it were made up from a lone byte's text.
    for (const t of all) expect(t.bytes).not.toEqual(REPLACEMENT);
    // The answer did use lone bytes that are not characters by themselves (else this test proves nothing).
    expect(tokens.some((t) => t.bytes!.length === 1 && t.bytes![0]! >= 0x80)).toBe(true);
    // A token that is whole characters spells exactly its own bytes: the U+FFFD of a byte run left unfinished belongs
    // to that run's last byte token, not to the token after it.
    for (const t of tokens)
      if (!(t.bytes!.length === 1 && t.bytes![0]! >= 0x80)) expect(t.token).toBe(Buffer.from(t.bytes!).toString('utf8'));
    expect(text).toMatch(/\uFFFD/);
    // Greedy: the best alternative is the token taken, text and bytes alike.
    for (const t of tokens) expect(t.top_logprobs[0]).toMatchObject({ token: t.token, bytes: t.bytes });
  });

  it('/v1/completions: the tokens still spell the text and their offsets index it', async () => {
    const c = await openai().completions.create({
      model: 'bytes',
      prompt: 'say hello to the world',
      max_tokens: 48,
      temperature: 0,
      logprobs: 2,
    });
    const { text, logprobs } = c.choices[0]!;
    expect(logprobs!.tokens!.join('')).toBe(text);
    expect(text).toMatch(/\uFFFD/);
    let at = 0;
    logprobs!.tokens!.forEach((t, i) => {
      expect(logprobs!.text_offset![i]).toBe(at);
      at += t.length;
    });
  });
});
