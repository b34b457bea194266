// The Anthropic engine through the real SDK against the Messages API stand-in: contract, errors, retries, abort, timeouts, key hygiene.
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../../router-core/contracts/chat.js';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import { type AnthropicEngineOptions, checkKey, createAnthropicEngine } from '../../router-core/engines/anthropic.js';
import { isCoreError } from '../../router-core/errors.js';
import { runEngineContract } from '../contract/engine.contract.js';
import { type AnthropicStandIn, type AnthropicStandInMode, startAnthropicStandIn } from '../stand-ins/anthropic-server.js';

const KEY = 'sk-ant-api03-TEST-KEY-must-never-leak-0123456789';
let standIn: AnthropicStandIn;
let deadURL: string;

/** A loopback port nothing listens on: bind, note it, close. */
async function closedPortURL(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  standIn = await startAnthropicStandIn({ apiKey: KEY, deltaDelayMs: 5 });
  deadURL = await closedPortURL();
});
afterAll(async () => {
  await standIn.close();
});
afterEach(() => {
  standIn.setMode({ kind: 'normal' });
  standIn.setDeltaDelay(5);
});

// Retries off by default here: failures must surface at once; the retry tests turn them on explicitly.
const engineWith = (o: AnthropicEngineOptions = {}) => createAnthropicEngine({ apiKey: KEY, baseURL: standIn.url, maxRetries: 0, ...o });
const withMode =
  (mode: AnthropicStandInMode, o: AnthropicEngineOptions = {}) =>
  async () => {
    standIn.setMode(mode);
    return { engine: engineWith(o), model: 'claude-haiku' };
  };

function request(prompt: string, maxTokens = 16): ChatRequest {
  return { model: 'auto', messages: [{ role: 'user', content: prompt }], params: { maxTokens } };
}
async function collect(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}
async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

runEngineContract('anthropic via @anthropic-ai/sdk (stand-in)', {
  make: withMode({ kind: 'normal' }),
  timeoutMs: 5_000,
  failures: [
    {
      name: '401 wrong key',
      make: async () => ({
        engine: createAnthropicEngine({ apiKey: 'sk-ant-wrong', baseURL: standIn.url, maxRetries: 0 }),
        model: 'claude-haiku',
      }),
      expectType: 'upstream_auth',
    },
    { name: '429 rate limited', make: withMode({ kind: 'error', status: 429, retryAfter: '0' }), expectType: 'upstream_rate_limited' },
    { name: '529 overloaded', make: withMode({ kind: 'error', status: 529 }), expectType: 'upstream_overloaded' },
    { name: '500 api_error', make: withMode({ kind: 'error', status: 500 }), expectType: 'upstream_error' },
    { name: '400 invalid_request_error', make: withMode({ kind: 'error', status: 400 }), expectType: 'upstream_error' },
    {
      name: 'connection refused',
      make: async () => ({ engine: createAnthropicEngine({ apiKey: KEY, baseURL: deadURL, maxRetries: 0 }), model: 'claude-haiku' }),
      expectType: 'upstream_unavailable',
    },
    { name: 'connection breaks midway', make: withMode({ kind: 'break', afterDeltas: 1 }), expectType: 'upstream_error' },
    {
      name: 'overloaded_error event mid-stream',
      make: withMode({ kind: 'stream-error', afterDeltas: 1 }),
      expectType: 'upstream_overloaded',
    },
    // Short timeouts keep the file fast; the SDK's per-attempt timeout fires first here.
    { name: 'hangs before the first byte', make: withMode({ kind: 'hang' }, { timeoutMs: 200 }), expectType: 'timeout' },
  ],
});

describe('anthropic engine on the wire', () => {
  it('sends the Messages API shape: provider model, top-level system, version header, the key', async () => {
    const engine = engineWith();
    const n = standIn.requests.length;
    await collect(
      engine.chat(
        {
          model: 'claude-haiku',
          request: {
            model: 'auto',
            messages: [
              { role: 'system', content: 'Be brief.' },
              { role: 'user', content: 'Hello there' },
            ],
            params: { maxTokens: 5, temperature: 0.3 },
          },
        },
        new AbortController().signal,
      ),
    );
    const r = standIn.requests[n]!;
    expect(r.path).toBe('/v1/messages');
    expect(r.headers['anthropic-version']).toBeTruthy();
    // SDK 1.x sends the key as a bearer token; older SDKs used x-api-key.
    expect(r.headers['x-api-key'] ?? r.headers.authorization).toMatch(new RegExp(`^(Bearer )?${KEY}$`));
    expect(r.body).toMatchObject({
      model: 'claude-haiku-4-5',
      system: 'Be brief.',
      max_tokens: 5,
      temperature: 0.3,
      stream: true,
      messages: [{ role: 'user', content: 'Hello there' }],
    });
  });

  it('reports usage from message_start/message_delta and length on max_tokens', async () => {
    const events = await collect(
      engineWith().chat({ model: 'claude-haiku', request: request('one two three four', 3) }, new AbortController().signal),
    );
    expect(
      events
        .filter((e) => e.type === 'text-delta')
        .map((e) => (e.type === 'text-delta' ? e.text : ''))
        .join(''),
    ).toBe('Stand-in Claude heard:');
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 4, outputTokens: 3 } },
      { type: 'done', finishReason: 'length' },
    ]);
  });

  it('honours ANTHROPIC_BASE_URL when no baseURL is passed (as the official client does)', async () => {
    vi.stubEnv('ANTHROPIC_BASE_URL', standIn.url);
    try {
      const events = await collect(
        createAnthropicEngine({ apiKey: KEY, maxRetries: 0 }).chat(
          { model: 'claude-haiku', request: request('hi', 2) },
          new AbortController().signal,
        ),
      );
      expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'length' });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('anthropic engine: abort reaches upstream', () => {
  it('closes the upstream connection when the signal aborts mid-stream', async () => {
    standIn.setDeltaDelay(40); // slow enough that the abort lands while the stand-in is still streaming
    const before = standIn.disconnects;
    const ac = new AbortController();
    const err = await failureOf(
      (async () => {
        for await (const ev of engineWith().chat({ model: 'claude-haiku', request: request('Write a long story.', 4000) }, ac.signal)) {
          if (ev.type === 'text-delta') ac.abort();
        }
      })(),
    );
    expect(isCoreError(err) && err.type).toBe('aborted');
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
    expect(standIn.requests.at(-1)!.disconnected).toBe(true);
  });

  it('hangs up on the signal alone, even if the consumer never pulls again', async () => {
    standIn.setDeltaDelay(40);
    const before = standIn.disconnects;
    const ac = new AbortController();
    const stream = engineWith().chat({ model: 'claude-haiku', request: request('Write a long story.', 4000) }, ac.signal);
    const it = stream[Symbol.asyncIterator]();
    for (let r = await it.next(); !r.done && r.value.type !== 'text-delta'; r = await it.next());
    ac.abort(); // no further next(): only the signal can reach the socket
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
    await it.return?.(undefined);
  }, 5_000);

  it('close() ends in-flight calls as aborted and hangs up', async () => {
    standIn.setDeltaDelay(40);
    const before = standIn.disconnects;
    const engine = engineWith();
    const stream = engine.chat({ model: 'claude-haiku', request: request('Write a long story.', 4000) }, new AbortController().signal);
    const it = stream[Symbol.asyncIterator]();
    for (let r = await it.next(); !r.done && r.value.type !== 'text-delta'; r = await it.next());
    await engine.close();
    await expect(it.next()).rejects.toMatchObject({ type: 'aborted' });
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
  }, 5_000);

  it('closes the upstream connection when the consumer stops reading', async () => {
    standIn.setDeltaDelay(40);
    const before = standIn.disconnects;
    for await (const ev of engineWith().chat(
      { model: 'claude-haiku', request: request('Write a long story.', 4000) },
      new AbortController().signal,
    )) {
      if (ev.type === 'text-delta') break;
    }
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
  }, 5_000);
});

describe('anthropic engine: SDK retries', () => {
  it('retries a 529 once and then answers', async () => {
    standIn.setMode({ kind: 'error', status: 529, times: 1, retryAfter: '0.01' });
    const n = standIn.requests.length;
    const events = await collect(
      engineWith({ maxRetries: 1 }).chat({ model: 'claude-haiku', request: request('hi', 2) }, new AbortController().signal),
    );
    expect(events.at(-1)?.type).toBe('done');
    expect(standIn.requests.length - n).toBe(2);
  });

  it('retries a 429 after the retry-after it was given, then maps the last failure with retryAfter', async () => {
    standIn.setMode({ kind: 'error', status: 429, retryAfter: '0.2' });
    const n = standIn.requests.length;
    const t0 = performance.now();
    const err = await failureOf(
      collect(engineWith({ maxRetries: 1 }).chat({ model: 'claude-haiku', request: request('hi') }, new AbortController().signal)),
    );
    expect(performance.now() - t0).toBeGreaterThanOrEqual(180); // waited ~retry-after (0.2 s), not the SDK's 0.5 s default
    expect(standIn.requests.length - n).toBe(2);
    expect(err).toMatchObject({ type: 'upstream_rate_limited', retryAfter: 0.2 });
  });

  it('does not retry a 401', async () => {
    const n = standIn.requests.length;
    const err = await failureOf(
      collect(
        createAnthropicEngine({ apiKey: 'sk-ant-wrong', baseURL: standIn.url, maxRetries: 2 }).chat(
          { model: 'claude-haiku', request: request('hi') },
          new AbortController().signal,
        ),
      ),
    );
    expect(err).toMatchObject({ type: 'upstream_auth', message: 'Claude rejected the API key.' });
    expect(standIn.requests.length - n).toBe(1);
  });
});

describe('anthropic engine: timeouts', () => {
  it('maps a hang before the first byte to timeout (SDK per-attempt timeout)', async () => {
    standIn.setMode({ kind: 'hang' });
    const err = await failureOf(
      collect(engineWith({ timeoutMs: 150 }).chat({ model: 'claude-haiku', request: request('hi') }, new AbortController().signal)),
    );
    expect(err).toMatchObject({ type: 'timeout' });
  });

  it('maps no first token within firstTokenTimeoutMs to timeout, and hangs up', async () => {
    standIn.setMode({ kind: 'hang' });
    const before = standIn.disconnects;
    const t0 = performance.now();
    const err = await failureOf(
      collect(
        engineWith({ timeoutMs: 10_000, firstTokenTimeoutMs: 200 }).chat(
          { model: 'claude-haiku', request: request('hi') },
          new AbortController().signal,
        ),
      ),
    );
    expect(err).toMatchObject({ type: 'timeout' });
    expect(performance.now() - t0).toBeLessThan(2_000);
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
  }, 5_000);
});

describe('anthropic engine: the API key never leaks', () => {
  it('appears in no error message, cause, stack or console line across every failure mode', async () => {
    const logged: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void logged.push(a.map(String).join(' '))),
    );
    const texts: string[] = [];
    const record = (e: unknown) => {
      expect(isCoreError(e)).toBe(true);
      const c = e as Error & { cause?: unknown };
      texts.push(c.message, String(c), c.stack ?? '', JSON.stringify(c.cause ?? null), JSON.stringify(c));
    };
    try {
      const modes: AnthropicStandInMode[] = [
        { kind: 'error', status: 400, message: `bad request echoing ${KEY}` },
        { kind: 'error', status: 429, retryAfter: '0' },
        { kind: 'error', status: 500 },
        { kind: 'error', status: 529 },
        { kind: 'break', afterDeltas: 1 },
        { kind: 'stream-error', afterDeltas: 1 },
      ];
      for (const mode of modes) {
        standIn.setMode(mode);
        record(
          await failureOf(collect(engineWith().chat({ model: 'claude-haiku', request: request('hi') }, new AbortController().signal))),
        );
      }
      standIn.setMode({ kind: 'normal' });
      // A wrong key: the stand-in has its own; the engine's (wrong) key must not leak either.
      const wrong = 'sk-ant-api03-WRONG-KEY-also-secret-987654321';
      const e401 = await failureOf(
        collect(
          createAnthropicEngine({ apiKey: wrong, baseURL: standIn.url, maxRetries: 0 }).chat(
            { model: 'claude-haiku', request: request('hi') },
            new AbortController().signal,
          ),
        ),
      );
      record(e401);
      expect(texts.join('\n')).not.toContain(wrong);
      record(
        await failureOf(
          collect(
            createAnthropicEngine({ apiKey: KEY, baseURL: deadURL, maxRetries: 0 }).chat(
              { model: 'claude-haiku', request: request('hi') },
              new AbortController().signal,
            ),
          ),
        ),
      );
    } finally {
      for (const s of spies) s.mockRestore();
    }
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.join('\n')).not.toContain(KEY);
    expect(logged.join('\n')).not.toContain(KEY);
  });
});

describe('anthropic checkKey: one token on save', () => {
  it('a working key: one Messages call for one token on Claude Haiku', async () => {
    const n = standIn.requests.length;
    expect(await checkKey({ apiKey: KEY, baseURL: standIn.url })).toEqual({ ok: true });
    expect(standIn.requests.slice(n).map((r) => r.body)).toEqual([
      { model: 'claude-haiku-4-5', max_tokens: 1, messages: [{ role: 'user', content: 'Hi' }] },
    ]);
  });

  it('a wrong key: upstream_auth, never the key; an unreachable API: upstream_unavailable', async () => {
    const wrong = 'sk-ant-api03-WRONG-check-000111222';
    const r = await checkKey({ apiKey: wrong, baseURL: standIn.url });
    expect(r.ok === false && r.error.type).toBe('upstream_auth');
    expect(JSON.stringify(r.ok ? {} : { m: r.error.message, c: r.error.cause, s: r.error.stack })).not.toContain(wrong);
    const dead = await checkKey({ apiKey: KEY, baseURL: deadURL });
    expect(dead.ok === false && dead.error.type).toBe('upstream_unavailable');
  });
});
