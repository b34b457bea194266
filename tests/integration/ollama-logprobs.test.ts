// Ollama's `logprobs` / `top_logprobs` on /api/chat and /api/generate through the official ollama client and the real
// gateway: the embedded llama.cpp engine (generated tiny GGUF) scores the answer's tokens, whole and streamed; a bad
// top_logprobs is Ollama's 400; a model whose engine cannot return them (Claude, through its stand-in) is a 400.
import { Ollama, type ChatResponse, type GenerateResponse } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAnswerLogprobs } from '../fixtures/logprobs.js';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN } from './helpers.js';

let gw: RealGateway;
beforeAll(async () => {
  gw = await startRealGateway();
}, 60_000);
afterAll(async () => gw?.close());

const client = (): Ollama => new Ollama({ host: gw.srv.url, headers: { Authorization: `Bearer ${TOKEN}` } });
const options = { temperature: 0, num_predict: 8 };
const messages = [{ role: 'user', content: 'say hello to the world' }];

type Logprobs = NonNullable<ChatResponse['logprobs']>;

/** Every answer's log-probabilities (see tests/fixtures/logprobs.ts); Ollama leaves top_logprobs out when none were asked. */
function check(logprobs: Logprobs | undefined, text: string, top: number): void {
  expectAnswerLogprobs(logprobs, text, top, 'absent');
}

describe('Ollama logprobs from the embedded engine', () => {
  it('/api/chat: the answer carries [{token, logprob, bytes, top_logprobs}] for its text, one per generated token', async () => {
    const r = await client().chat({ model: 'tiny', messages, options, logprobs: true, top_logprobs: 3 });
    expect(gw.srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'ollama', engine: 'llamacpp', status: 'ok' });
    check(r.logprobs, r.message.content, 3);
    expect(r.logprobs).toHaveLength(r.eval_count);
    // Without top_logprobs: each token's own, no alternatives.
    const bare = await client().chat({ model: 'tiny', messages, options, logprobs: true });
    check(bare.logprobs, bare.message.content, 0);
    expect(bare.logprobs!.map((t) => t.token)).toEqual(r.logprobs!.map((t) => t.token));
  });

  it('streamed /api/chat and /api/generate: the lines joined carry the same tokens as the whole answer', async () => {
    const whole = await client().chat({ model: 'tiny', messages, options, logprobs: true, top_logprobs: 2 });
    let text = '';
    const joined: Logprobs = [];
    for await (const part of await client().chat({ model: 'tiny', messages, options, logprobs: true, top_logprobs: 2, stream: true })) {
      text += part.message.content;
      joined.push(...(part.logprobs ?? []));
    }
    expect(text).toBe(whole.message.content);
    check(joined, text, 2);
    expect(joined.map((t) => t.token)).toEqual(whole.logprobs!.map((t) => t.token));

    let generated = '';
    const gen: Logprobs = [];
    let last: GenerateResponse | undefined;
    for await (const part of await client().generate({
      model: 'tiny',
      prompt: 'say hello to the world',
      options,
      logprobs: true,
      stream: true,
    })) {
      generated += part.response;
      gen.push(...(part.logprobs ?? []));
      last = part;
    }
    expect(last?.done).toBe(true);
    check(gen, generated, 0);
  });

  it('not asked for: no logprobs field, as Ollama omits it', async () => {
    const r = await client().chat({ model: 'tiny', messages, options });
    expect(r.logprobs).toBeUndefined();
    const g = await client().generate({ model: 'tiny', prompt: 'say hello', options, logprobs: false, top_logprobs: 3 });
    expect(g.logprobs).toBeUndefined();
  });

  it("top_logprobs outside 0-20 is Ollama's 400; a model that cannot return them is a 400 naming logprobs", async () => {
    for (const top of [21, -1]) {
      const res = await fetch(`${gw.srv.url}/api/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tiny', messages, stream: false, logprobs: true, top_logprobs: top }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'top_logprobs must be between 0 and 20' });
    }
    const err = await client()
      .chat({ model: 'claude-sonnet', messages, logprobs: true })
      .then(
        () => undefined,
        (e: unknown) => e as { status_code?: number; error?: string },
      );
    expect(err?.status_code).toBe(400);
    expect(err?.error).toMatch(/log-?prob/i);
  });
});
