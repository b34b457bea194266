// top_p 0 is legal in OpenAI's (0 ≤ top_p ≤ 1), Ollama's and Anthropic's APIs and clients send it for a deterministic
// answer: every protocol accepts it (before, each schema refused it with a 400) and the engines decode greedily, so
// on the embedded engine its answer equals temperature 0's. Out-of-range values are still refused in each protocol's
// error shape, naming the field and the valid range. Raw HTTP on loopback; llama.cpp on the generated GGUF; the
// Claude stand-in for what reaches Anthropic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN } from './helpers.js';

let gw: RealGateway;
beforeAll(async () => {
  gw = await startRealGateway();
}, 60_000);
afterAll(async () => gw?.close());

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const r = await fetch(`${gw.srv.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

const user = [{ role: 'user', content: 'Tell me a story about a cat' }];
// The local model under HYBRID_AI_LOCAL_MODEL's file name; enough tokens that a sampled answer would differ from greedy.
const MODEL = 'tiny';
const N = 24;

/** Each protocol: a request with the given sampling, and how to read its text. */
const PROTOCOLS: Array<{
  name: string;
  path: string;
  body: (s: Record<string, number>) => Record<string, unknown>;
  text: (j: any) => string;
}> = [
  {
    name: 'OpenAI chat completions',
    path: '/v1/chat/completions',
    body: (s) => ({ model: MODEL, messages: user, max_tokens: N, ...s }),
    text: (j) => j.choices[0].message.content,
  },
  {
    name: 'OpenAI completions',
    path: '/v1/completions',
    body: (s) => ({ model: MODEL, prompt: 'Tell me a story about a cat', max_tokens: N, ...s }),
    text: (j) => j.choices[0].text,
  },
  {
    name: 'OpenAI Responses',
    path: '/v1/responses',
    body: (s) => ({ model: MODEL, input: 'Tell me a story about a cat', max_output_tokens: N, store: false, ...s }),
    text: (j) =>
      j.output
        .flatMap((o: any) => o.content ?? [])
        .map((c: any) => c.text)
        .join(''),
  },
  {
    name: 'Ollama /api/chat options',
    path: '/api/chat',
    body: (s) => ({ model: MODEL, messages: user, stream: false, options: { num_predict: N, ...s } }),
    text: (j) => j.message.content,
  },
  {
    name: 'Ollama /api/generate options',
    path: '/api/generate',
    body: (s) => ({ model: MODEL, prompt: 'Tell me a story about a cat', stream: false, options: { num_predict: N, ...s } }),
    text: (j) => j.response,
  },
  {
    name: 'Anthropic messages',
    path: '/v1/messages',
    body: (s) => ({ model: MODEL, messages: user, max_tokens: N, ...s }),
    text: (j) => j.content.map((c: any) => c.text ?? '').join(''),
  },
];

describe('top_p 0', () => {
  it.each(PROTOCOLS)('$name accepts it and answers as greedily as temperature 0', async (p) => {
    const greedy = await post(p.path, p.body({ top_p: 0 }));
    expect(greedy.status, JSON.stringify(greedy.json)).toBe(200);
    const cold = await post(p.path, p.body({ temperature: 0 }));
    expect(cold.status).toBe(200);
    expect(p.text(greedy.json).length).toBeGreaterThan(0);
    expect(p.text(greedy.json)).toBe(p.text(cold.json));
  });

  it.each([
    [
      'OpenAI chat completions',
      '/v1/chat/completions',
      (s: Record<string, number>) => ({ model: MODEL, messages: user, max_tokens: N, ...s }),
    ],
    [
      'Ollama /api/chat options',
      '/api/chat',
      (s: Record<string, number>) => ({ model: MODEL, messages: user, stream: false, options: { num_predict: N, ...s } }),
    ],
  ] as const)(
    '%s: top_p 0 overrides a high temperature (a seeded sampled answer differs; with top_p 0 it is the greedy one)',
    async (name, path, body) => {
      const read = PROTOCOLS.find((x) => x.name === name)!.text;
      const greedy = read((await post(path, body({ temperature: 0 }))).json);
      const sampled = await post(path, body({ temperature: 1.5, seed: 7 }));
      const hot = await post(path, body({ temperature: 1.5, seed: 7, top_p: 0 }));
      expect(sampled.status).toBe(200);
      expect(hot.status, JSON.stringify(hot.json)).toBe(200);
      // The sampling is real: without top_p 0 this seed and temperature give another answer than greedy decoding.
      expect(read(sampled.json)).not.toBe(greedy);
      expect(read(hot.json)).toBe(greedy);
    },
  );

  it('reaches Claude as temperature 0 without top_p (Claude 4.5 refuses the pair; temperature 0 is greedy everywhere)', async () => {
    const r = await post('/v1/messages', { model: 'claude-sonnet', messages: user, max_tokens: 8, top_p: 0 });
    expect(r.status).toBe(200);
    const body = gw.claude.requests.at(-1)!.body as Record<string, unknown>;
    expect(body.temperature).toBe(0);
    expect(body).not.toHaveProperty('top_p');
  });

  it.each([
    ['OpenAI chat completions', '/v1/chat/completions', { model: MODEL, messages: user }, 'top_p'],
    ['OpenAI completions', '/v1/completions', { model: MODEL, prompt: 'x' }, 'top_p'],
    ['OpenAI Responses', '/v1/responses', { model: MODEL, input: 'x' }, 'top_p'],
    ['Anthropic messages', '/v1/messages', { model: MODEL, messages: user, max_tokens: 4 }, 'top_p'],
  ] as const)('%s refuses top_p outside [0, 1] with its error shape naming the field and the range', async (_n, path, base, field) => {
    for (const bad of [-0.1, 1.5]) {
      const r = await post(path, { ...base, top_p: bad });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toContain(`"${field}"`);
      expect(r.json.error.message).toContain('from 0 to 1');
      if (path === '/v1/messages') expect(r.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    }
  });

  it('Ollama refuses options.top_p outside [0, 1] in its shape ({"error": "..."}), naming the field and the range', async () => {
    for (const bad of [-0.1, 1.5]) {
      const r = await post('/api/chat', { model: MODEL, messages: user, stream: false, options: { top_p: bad } });
      expect(r.status).toBe(400);
      expect(typeof r.json.error).toBe('string');
      expect(r.json.error).toContain('"options.top_p"');
      expect(r.json.error).toContain('from 0 to 1');
    }
  });
});
