// The Ollama engine through the official `ollama` client against the Ollama stand-in: contract, probe, errors, abort.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../../router-core/contracts/chat.js';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import { createOllamaEngine } from '../../router-core/engines/ollama.js';
import { isCoreError } from '../../router-core/errors.js';
import { runEngineContract } from '../contract/engine.contract.js';
import { type OllamaStandIn, type OllamaStandInMode, startOllamaStandIn } from '../stand-ins/ollama-server.js';

let standIn: OllamaStandIn;
let deadHost: string;

/** A loopback port nothing listens on: bind, note it, close. */
async function closedPortHost(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return `127.0.0.1:${port}`;
}

beforeAll(async () => {
  standIn = await startOllamaStandIn({ models: ['tinyllama:1.1b', 'llama3.2:1b'], tokenDelayMs: 5 });
  deadHost = await closedPortHost();
});
afterAll(async () => {
  await standIn.close();
});
afterEach(() => {
  standIn.setMode({ kind: 'normal' });
  standIn.setModels(['tinyllama:1.1b', 'llama3.2:1b']);
  standIn.setTokenDelay(5);
});

const withMode =
  (mode: OllamaStandInMode, model = 'tinyllama') =>
  async () => {
    standIn.setMode(mode);
    return { engine: createOllamaEngine({ host: standIn.host }), model };
  };

function request(prompt: string, maxTokens?: number): ChatRequest {
  return { model: 'auto', messages: [{ role: 'user', content: prompt }], params: maxTokens === undefined ? {} : { maxTokens } };
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

runEngineContract('ollama via the ollama client (stand-in)', {
  make: withMode({ kind: 'normal' }),
  timeoutMs: 5_000,
  failures: [
    { name: 'model not pulled (404)', make: withMode({ kind: 'normal' }, 'phi2'), expectType: 'no_model_available' },
    {
      name: 'connection refused',
      make: async () => ({ engine: createOllamaEngine({ host: deadHost }), model: 'tinyllama' }),
      expectType: 'upstream_unavailable',
    },
    { name: '500 from the runner', make: withMode({ kind: 'error500' }), expectType: 'upstream_error' },
    { name: 'connection breaks midway', make: withMode({ kind: 'break', afterChunks: 2 }), expectType: 'upstream_error' },
    { name: 'error line mid-stream', make: withMode({ kind: 'stream-error', afterChunks: 2 }), expectType: 'upstream_error' },
  ],
});

describe('ollama engine: probe', () => {
  it('lists catalog ids whose tag is present, plus the raw tags', async () => {
    standIn.setModels(['tinyllama:1.1b', 'mistral', 'llama3.2:1b']);
    const a = await createOllamaEngine({ host: standIn.url }).probe();
    expect(a.ok).toBe(true);
    expect(a.models).toEqual(expect.arrayContaining(['tinyllama', 'tinyllama:1.1b', 'llama3.2:1b', 'mistral']));
    expect(a.models).not.toContain('phi2');
    // catalog 'mistral-7b' wants mistral:7b; a bare 'mistral' (= mistral:latest) is a different model
    expect(a.models).not.toContain('mistral-7b');
  });

  it('honours custom model tags (catalog id → tag), :latest included', async () => {
    standIn.setModels(['mistral:latest']);
    const a = await createOllamaEngine({ host: standIn.host, modelTags: { 'mistral-7b': 'mistral' } }).probe();
    expect(a.models).toContain('mistral-7b');
  });

  it('reports a down server with a reason, never throwing', async () => {
    expect(await createOllamaEngine({ host: deadHost }).probe()).toEqual({
      ok: false,
      models: [],
      reason: `Ollama not reachable at http://${deadHost}`,
    });
  });

  it('gives up on a server that accepts but never answers within the probe timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const t0 = performance.now();
      const a = await createOllamaEngine({ host: `127.0.0.1:${(silent.address() as { port: number }).port}`, probeTimeoutMs: 200 }).probe();
      expect(a.ok).toBe(false);
      expect(performance.now() - t0).toBeLessThan(1_500);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('ollama engine: chat on the wire', () => {
  it('sends the tag, num_predict and keep_alive, and reports length when num_predict cuts the answer', async () => {
    const n = standIn.requests.length;
    const events = await collect(
      createOllamaEngine({ host: standIn.host, keepAlive: '5m' }).chat(
        { model: 'tinyllama', request: request('one two three', 4) },
        new AbortController().signal,
      ),
    );
    expect(standIn.requests[n]!.body).toMatchObject({
      model: 'tinyllama:1.1b',
      stream: true,
      keep_alive: '5m',
      options: { num_predict: 4 },
    });
    expect(events[0]).toEqual({ type: 'start', model: 'tinyllama', engine: 'ollama' });
    expect(
      events
        .filter((e) => e.type === 'text-delta')
        .map((e) => (e.type === 'text-delta' ? e.text : ''))
        .join(''),
    ).toBe('Stand-in Ollama heard: one');
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } },
      { type: 'done', finishReason: 'length' },
    ]);
  });

  it('fetches one whole answer when the caller does not stream: same events, the text in one delta', async () => {
    const n = standIn.requests.length;
    const call = { model: 'tinyllama', request: request('one two three', 4) };
    const streamed = await collect(createOllamaEngine({ host: standIn.host }).chat(call, new AbortController().signal));
    const whole = await collect(createOllamaEngine({ host: standIn.host }).chat({ ...call, stream: false }, new AbortController().signal));
    expect(standIn.requests[n]!.body).toMatchObject({ stream: true });
    expect(standIn.requests[n + 1]!.body).toMatchObject({ model: 'tinyllama:1.1b', stream: false, options: { num_predict: 4 } });
    const text = (evs: StreamEvent[]) => evs.map((e) => (e.type === 'text-delta' ? e.text : '')).join('');
    expect(text(whole)).toBe(text(streamed));
    expect(whole.filter((e) => e.type === 'text-delta')).toHaveLength(1);
    expect(whole[0]).toEqual({ type: 'start', model: 'tinyllama', engine: 'ollama' });
    expect(whole.slice(-2)).toEqual(streamed.slice(-2));
    expect(whole.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } },
      { type: 'done', finishReason: 'length' },
    ]);
  });

  it('maps errors of a whole-answer call like a streamed one (model not pulled, runner 500, Ollama down)', async () => {
    const whole = (host: string, model = 'tinyllama') =>
      failureOf(collect(createOllamaEngine({ host }).chat({ model, request: request('hi'), stream: false }, new AbortController().signal)));
    expect(await whole(standIn.host, 'phi2')).toMatchObject({ type: 'no_model_available', message: expect.stringContaining('phi:2.7b') });
    standIn.setMode({ kind: 'error500' });
    expect(await whole(standIn.host)).toMatchObject({ type: 'upstream_error' });
    standIn.setMode({ kind: 'normal' });
    expect(await whole(deadHost)).toMatchObject({ type: 'upstream_unavailable' });
  });

  it('answers a raw Ollama tag the server has', async () => {
    const events = await collect(
      createOllamaEngine({ host: standIn.host }).chat({ model: 'llama3.2:1b', request: request('hi') }, new AbortController().signal),
    );
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
    expect(standIn.requests.at(-1)!.body).toMatchObject({ model: 'llama3.2:1b' });
  });

  it('names the missing tag when the model is not pulled', async () => {
    const err = await failureOf(
      collect(createOllamaEngine({ host: standIn.host }).chat({ model: 'phi2', request: request('hi') }, new AbortController().signal)),
    );
    expect(err).toMatchObject({ type: 'no_model_available', message: expect.stringContaining('phi:2.7b') });
  });

  it('says Ollama is not running when the port is closed', async () => {
    const err = await failureOf(
      collect(createOllamaEngine({ host: deadHost }).chat({ model: 'tinyllama', request: request('hi') }, new AbortController().signal)),
    );
    expect(err).toMatchObject({ type: 'upstream_unavailable', message: `Ollama is not running at http://${deadHost}.` });
  });
});

describe('ollama engine: abort reaches upstream', () => {
  it('closes the upstream connection when the signal aborts mid-stream', async () => {
    standIn.setTokenDelay(40); // slow enough that the abort lands while the stand-in is still streaming
    const before = standIn.disconnects;
    const ac = new AbortController();
    const err = await failureOf(
      (async () => {
        for await (const ev of createOllamaEngine({ host: standIn.host }).chat(
          { model: 'tinyllama', request: request('Write a long story.') },
          ac.signal,
        )) {
          if (ev.type === 'text-delta') ac.abort();
        }
      })(),
    );
    expect(isCoreError(err) && err.type).toBe('aborted');
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
  }, 5_000);

  it('closes the upstream connection when aborted before the first byte', async () => {
    standIn.setMode({ kind: 'hang' });
    const before = standIn.disconnects;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await failureOf(
      collect(createOllamaEngine({ host: standIn.host }).chat({ model: 'tinyllama', request: request('hi') }, ac.signal)),
    );
    expect(err).toMatchObject({ type: 'aborted' });
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
  }, 5_000);

  it('a whole-answer call aborted while Ollama is still generating hangs up and ends as aborted', async () => {
    standIn.setTokenDelay(40); // the stand-in waits 40 ms a token before its one JSON answer
    const before = standIn.disconnects;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await failureOf(
      collect(
        createOllamaEngine({ host: standIn.host }).chat(
          { model: 'tinyllama', request: request('Write a long story.'), stream: false },
          ac.signal,
        ),
      ),
    );
    expect(err).toMatchObject({ type: 'aborted' });
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
  }, 5_000);

  it('hangs up on the signal alone, even if the consumer never pulls again', async () => {
    standIn.setTokenDelay(40);
    const before = standIn.disconnects;
    const ac = new AbortController();
    const stream = createOllamaEngine({ host: standIn.host }).chat(
      { model: 'tinyllama', request: request('Write a long story.') },
      ac.signal,
    );
    const it = stream[Symbol.asyncIterator]();
    for (let r = await it.next(); !r.done && r.value.type !== 'text-delta'; r = await it.next());
    ac.abort(); // no further next(): only the signal can reach the socket
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
    await it.return?.(undefined);
  }, 5_000);

  it('close() ends in-flight calls as aborted and hangs up', async () => {
    standIn.setTokenDelay(40);
    const before = standIn.disconnects;
    const engine = createOllamaEngine({ host: standIn.host });
    const stream = engine.chat({ model: 'tinyllama', request: request('Write a long story.') }, new AbortController().signal);
    const it = stream[Symbol.asyncIterator]();
    for (let r = await it.next(); !r.done && r.value.type !== 'text-delta'; r = await it.next());
    await engine.close();
    await expect(it.next()).rejects.toMatchObject({ type: 'aborted' });
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
  }, 5_000);

  it('serves 20 concurrent calls without a listener-leak warning, and still answers after close()', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const engine = createOllamaEngine({ host: standIn.host });
      const runs = await Promise.all(
        Array.from({ length: 20 }, () =>
          collect(engine.chat({ model: 'tinyllama', request: request('hi') }, new AbortController().signal)),
        ),
      );
      expect(runs.every((evs) => evs.at(-1)?.type === 'done')).toBe(true);
      await engine.close();
      const after = await collect(engine.chat({ model: 'tinyllama', request: request('hi') }, new AbortController().signal));
      expect(after.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(warnings.filter((m) => /listener/i.test(m))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('closes the upstream connection when the consumer stops reading', async () => {
    standIn.setTokenDelay(40);
    const before = standIn.disconnects;
    for await (const ev of createOllamaEngine({ host: standIn.host }).chat(
      { model: 'tinyllama', request: request('Write a long story.') },
      new AbortController().signal,
    )) {
      if (ev.type === 'text-delta') break;
    }
    await vi.waitFor(() => expect(standIn.disconnects).toBe(before + 1), { timeout: 2_000 });
  }, 5_000);
});

describe('ollama stand-in: the rest of the API', () => {
  it('answers /api/version, /api/generate (stream and stream:false) and stream:false chat', async () => {
    expect(await (await fetch(`${standIn.url}/api/version`)).json()).toEqual({ version: expect.any(String) });
    const gen = await fetch(`${standIn.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'tinyllama:1.1b', prompt: 'a b', options: { num_predict: 2 } }),
    });
    const lines = (await gen.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: 'length', prompt_eval_count: 2, eval_count: 2 });
    expect(lines[0]).toMatchObject({ response: 'Stand-in', done: false });
    const one = await fetch(`${standIn.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'tinyllama:1.1b', stream: false, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(await one.json()).toMatchObject({
      done: true,
      done_reason: 'stop',
      message: { role: 'assistant', content: expect.stringContaining('Stand-in Ollama heard: x') },
    });
    const missing = await fetch(`${standIn.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'nope', messages: [] }) });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "model 'nope' not found, try pulling it first" });
  });
});

describe('ollama engine: embeddings through the official client', () => {
  it('embeds a batch with the catalog model tag, and maps errors like chat does', async () => {
    standIn.setModels(['tinyllama:1.1b']);
    const engine = createOllamaEngine({ host: standIn.host });
    const r = await engine.embed!(['hello world', 'x'], 'tinyllama', new AbortController().signal);
    expect(r.embeddings).toHaveLength(2);
    expect(Math.hypot(...r.embeddings[0]!)).toBeCloseTo(1, 6);
    expect(r.inputTokens).toBe(3);
    expect(standIn.requests.at(-1)).toMatchObject({
      path: '/api/embed',
      body: { model: 'tinyllama:1.1b', input: ['hello world', 'x'], truncate: true },
    });
    await expect(engine.embed!(['x'], 'phi2', new AbortController().signal)).rejects.toMatchObject({ type: 'no_model_available' });
    await expect(createOllamaEngine({ host: deadHost }).embed!(['x'], 'tinyllama', new AbortController().signal)).rejects.toMatchObject({
      type: 'upstream_unavailable',
    });
    const ac = new AbortController();
    ac.abort();
    await expect(engine.embed!(['x'], 'tinyllama', ac.signal)).rejects.toMatchObject({ type: 'aborted' });
  });

  it('probe says the engine passes tools', async () => {
    expect((await createOllamaEngine({ host: standIn.host }).probe()).tools).toBe(true);
  });
});
