// OpenAI's `logprobs` / `top_logprobs` on /v1/chat/completions through the official client and the real gateway:
// the embedded llama.cpp engine (generated tiny GGUF) scores the answer's tokens, plain and streamed; a model whose
// engine cannot (Claude, through its stand-in) is a 400 naming `logprobs`, and "auto" keeps such a request local.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAnswerLogprobs } from '../fixtures/logprobs.js';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN } from './helpers.js';

let gw: RealGateway;
beforeAll(async () => {
  gw = await startRealGateway();
}, 60_000);
afterAll(async () => gw?.close());

const openai = (): OpenAI => new OpenAI({ baseURL: `${gw.srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
// Greedy (temperature 0): each chosen token is the model's most likely one, which the log-probabilities must show.
const ask = {
  model: 'auto',
  max_tokens: 8,
  temperature: 0,
  messages: [{ role: 'user' as const, content: 'say hello to the world' }],
};

type Content = NonNullable<OpenAI.Chat.Completions.ChatCompletion.Choice['logprobs']>['content'];

/** What every answer's logprobs must hold (see tests/fixtures/logprobs.ts); OpenAI sends [] for no alternatives. */
function checkLogprobs(content: Content, text: string, top: number): void {
  expectAnswerLogprobs(content, text, top, 'empty');
}

/**
 * The same tokens with the same log-probabilities (to 4 decimals: llama.cpp's float sums differ in the last digits with
 * the batch and the KV cache a scoring meets).
 */
function sameLogprobs(a: NonNullable<Content>, b: NonNullable<Content>): void {
  expect(a.map((t) => t.token)).toEqual(b.map((t) => t.token));
  a.forEach((t, i) => expect(t.logprob).toBeCloseTo(b[i]!.logprob, 4));
}

describe('logprobs from the embedded engine', () => {
  it('a whole answer carries {content: [{token, logprob, bytes, top_logprobs}]} for its text', async () => {
    const c = await openai().chat.completions.create({ ...ask, logprobs: true, top_logprobs: 3 });
    expect(gw.srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'openai', engine: 'llamacpp', status: 'ok' });
    const choice = c.choices[0]!;
    checkLogprobs(choice.logprobs!.content, choice.message.content!, 3);
    expect(choice.logprobs!.content!).toHaveLength(c.usage!.completion_tokens);
    // Without top_logprobs: each token's own, no alternatives.
    const bare = await openai().chat.completions.create({ ...ask, logprobs: true });
    checkLogprobs(bare.choices[0]!.logprobs!.content, bare.choices[0]!.message.content!, 0);
    sameLogprobs(bare.choices[0]!.logprobs!.content!, choice.logprobs!.content!);
  });

  it('streamed: the chunks carry the same log-probabilities, as the SDK joins them', async () => {
    const whole = await openai().chat.completions.create({ ...ask, logprobs: true, top_logprobs: 2 });
    const final = await openai()
      .chat.completions.stream({ ...ask, logprobs: true, top_logprobs: 2 })
      .finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.message.content).toBe(whole.choices[0]!.message.content);
    checkLogprobs(choice.logprobs!.content, choice.message.content!, 2);
    sameLogprobs(choice.logprobs!.content!, whole.choices[0]!.logprobs!.content!);
  });

  it('not asked for: logprobs is null, as before', async () => {
    const c = await openai().chat.completions.create({ ...ask, logprobs: false });
    expect(c.choices[0]!.logprobs).toBeNull();
  });

  it('"auto" keeps a request for logprobs on an engine that returns them, even one the cloud would take', async () => {
    const hard = 'Prove that there are infinitely many prime numbers.';
    const plain = await openai().chat.completions.create({ ...ask, messages: [{ role: 'user', content: hard }] });
    expect(plain.model).toBe('claude-sonnet');
    const asked = await openai()
      .chat.completions.create({ ...ask, messages: [{ role: 'user', content: hard }], logprobs: true }, { headers: {} })
      .withResponse();
    expect(asked.data.model).toBe('tiny');
    expect(asked.response.headers.get('x-hybrid-reasons')).toMatch(/log-probabilities requested/);
    checkLogprobs(asked.data.choices[0]!.logprobs!.content, asked.data.choices[0]!.message.content!, 0);
  });
});

describe('the legacy /v1/completions logprobs (an integer: that many alternatives)', () => {
  const prompt = { model: 'auto', prompt: 'say hello to the world', max_tokens: 8, temperature: 0 };

  it('tokens, token_logprobs, top_logprobs and text_offset for the text, plain and streamed', async () => {
    const c = await openai().completions.create({ ...prompt, logprobs: 2 });
    const { text, logprobs } = c.choices[0]!;
    expect(logprobs).not.toBeNull();
    const lp = logprobs!;
    expect(lp.tokens!.join('')).toBe(text);
    expect(lp.token_logprobs).toHaveLength(lp.tokens!.length);
    let at = 0;
    lp.tokens!.forEach((t, i) => {
      expect(lp.text_offset![i]).toBe(at);
      at += t.length;
      const top = lp.top_logprobs![i]!;
      expect(Object.keys(top).length).toBeGreaterThan(0);
      expect(Object.keys(top).length).toBeLessThanOrEqual(2);
      // Greedy: the token taken is the best alternative.
      expect(Math.max(...Object.values(top))).toBeCloseTo(lp.token_logprobs![i]!, 6);
      expect(top[t]).toBeCloseTo(lp.token_logprobs![i]!, 6);
    });
    let streamed = '';
    let tokens: string[] = [];
    for await (const chunk of await openai().completions.create({ ...prompt, logprobs: 2, stream: true })) {
      streamed += chunk.choices[0]?.text ?? '';
      if (chunk.choices[0]?.logprobs) tokens = chunk.choices[0].logprobs.tokens!;
    }
    expect(streamed).toBe(text);
    expect(tokens).toEqual(lp.tokens);
    expect((await openai().completions.create(prompt)).choices[0]!.logprobs).toBeNull();
  });

  it("top_logprobs always holds the sampled token's own, even outside the best (OpenAI: up to logprobs+1 entries)", async () => {
    // Sampled hot, so some tokens taken are not the model's best; logprobs 0 asks for no alternatives at all.
    for (const n of [0, 1]) {
      const c = await openai().completions.create({ ...prompt, max_tokens: 16, temperature: 1.8, seed: 7, logprobs: n });
      const lp = c.choices[0]!.logprobs!;
      lp.tokens!.forEach((t, i) => {
        const top = lp.top_logprobs![i]!;
        expect(top[t]).toBeCloseTo(lp.token_logprobs![i]!, 6);
        expect(Object.keys(top).length).toBeLessThanOrEqual(n + 1);
        if (n === 0) expect(Object.keys(top)).toEqual([t]);
      });
    }
  });

  it('with echo (the prompt would need scoring too): 400 naming logprobs', async () => {
    const e = await openai()
      .completions.create({ ...prompt, logprobs: 1, echo: true })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e).toMatchObject({ param: 'logprobs' });
  });
});

describe('logprobs that cannot be given are refused, never answered with null', () => {
  it('a model whose engine cannot score tokens (Claude): 400 naming logprobs; the cloud is not called', async () => {
    const calls = gw.claude.requests.length;
    const e = await openai()
      .chat.completions.create({ ...ask, model: 'claude-sonnet', logprobs: true })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e).toMatchObject({ param: 'logprobs', type: 'invalid_request_error' });
    expect((e as Error).message).toMatch(/claude-sonnet.*does not return token log-probabilities/);
    expect(gw.claude.requests.length).toBe(calls);
  });

  it('top_logprobs without logprobs, or above 20: 400 naming top_logprobs', async () => {
    for (const body of [{ top_logprobs: 2 }, { logprobs: true, top_logprobs: 21 }]) {
      const e = await openai()
        .chat.completions.create({ ...ask, ...body })
        .catch((err: unknown) => err);
      expect(e).toBeInstanceOf(OpenAI.BadRequestError);
      expect(e).toMatchObject({ param: 'top_logprobs' });
    }
  });
});
