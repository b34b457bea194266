// One error-and-abort suite for the cloud engines (Claude, OpenAI, Gemini), each through its official SDK against its
// wire stand-in: failures mapped to our error types (a table per engine), 429 retry-after, SDK retries, client abort and
// close reaching the upstream socket, timeouts, and the API key never leaking. Each engine's test file calls it once.
import { createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../../router-core/contracts/chat.js';
import type { ErrorType } from '../../router-core/contracts/errors.js';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { isCoreError } from '../../router-core/errors.js';
import type { CloudStandIn, RecordedRequestBase } from '../stand-ins/cloud-common.js';
import { runEngineContract } from './engine.contract.js';

/** A loopback URL nothing listens on (bind a port, note it, close it), with `suffix` appended (e.g. '/v1'). */
export async function closedPortURL(suffix = ''): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}${suffix}`;
}

export function request(prompt: string, maxTokens = 16, over: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'auto', messages: [{ role: 'user', content: prompt }], params: { maxTokens }, ...over };
}

export async function collect(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

/** The error `p` rejects with; fails the test when it resolves. */
export async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

/** The engine options the suite sets. */
export interface CloudEngineTestOptions {
  timeoutMs?: number;
  firstTokenTimeoutMs?: number;
  maxRetries?: number;
}

/** One upstream failure the stand-in injects in `mode`, and the error type the engine must map it to. */
export interface CloudFailureCase<M> {
  /** As the contract names it: `maps upstream failure "<name>" to <expectType>`. */
  name: string;
  mode: M;
  expectType: ErrorType;
  /** The mode the key-leak check uses instead of `mode` (e.g. an error body that echoes the key). */
  leakMode?: M;
}

/** What an engine's test file supplies. */
export interface CloudEngineSuite<M extends { kind: string }> {
  /** Short name in the describe titles: `<name> engine: abort reaches upstream`. */
  name: string;
  /** The engine contract's title. */
  contractName: string;
  /** The key the stand-in accepts (it must never leak). */
  key: string;
  /** A model the engine sends to the stand-in. */
  model: string;
  standIn(): CloudStandIn<RecordedRequestBase, M>;
  /** An engine on the stand-in with `key` and SDK retries off unless `o` says otherwise. */
  engine(o?: CloudEngineTestOptions): Engine;
  /** The same engine with another key (`o.maxRetries` as given, else 0). */
  engineWithKey(key: string, o?: CloudEngineTestOptions): Engine;
  /** The engine pointed at a closed loopback port. */
  unreachableEngine(): Engine;
  /**
   * A wrong key: its name in the contract, the key, the message the engine answers it with, and a longer wrong key
   * the leak check makes sure never shows.
   */
  wrongKey: { name: string; key: string; message: string | RegExp; secret: string };
  /** Injected failures, each mapped by the contract and each checked for key leaks. */
  failures: Array<CloudFailureCase<M>>;
  /** A 429 whose retry-after (header or body, as the API sends it) the error must carry as `retryAfter` seconds. */
  rateLimit: { mode: M; retryAfter: number };
  /** The stand-in hanging before the first byte. */
  hang: M;
  /** SDK retries, where the engine's SDK honours retry-after: a 5xx served once, and a 429 every time. */
  retries?: { transientOnce: { name: string; mode: M }; rateLimited: M; retryAfter: number };
  /** The environment variable the official client reads its base URL from, and an engine built without `baseURL`. */
  baseUrlEnv?: { variable: string; engine(): Engine };
}

/** Runs the engine contract with the failure table, then the shared error, retry, abort, timeout and key-leak tests. */
export function runCloudEngineSuite<M extends { kind: string }>(s: CloudEngineSuite<M>): void {
  const chat = (engine: Engine, signal = new AbortController().signal, req = request('hi')) =>
    engine.chat({ model: s.model, request: req }, signal);
  const withMode =
    (mode: M, o: CloudEngineTestOptions = {}) =>
    async () => {
      s.standIn().setMode(mode);
      return { engine: s.engine(o), model: s.model };
    };
  const longStory = () => request('Write a long story.', 4000);

  runEngineContract(s.contractName, {
    make: withMode({ kind: 'normal' } as M),
    timeoutMs: 5_000,
    failures: [
      {
        name: s.wrongKey.name,
        make: async () => ({ engine: s.engineWithKey(s.wrongKey.key), model: s.model }),
        expectType: 'upstream_auth',
      },
      ...s.failures.map((f) => ({ name: f.name, make: withMode(f.mode), expectType: f.expectType })),
      {
        name: 'connection refused',
        make: async () => ({ engine: s.unreachableEngine(), model: s.model }),
        expectType: 'upstream_unavailable',
      },
      // Short timeouts keep the file fast; the SDK's per-attempt timeout fires first here.
      { name: 'hangs before the first byte', make: withMode(s.hang, { timeoutMs: 200 }), expectType: 'timeout' },
    ],
  });

  describe(`${s.name} engine: errors`, () => {
    it('a 429 keeps its retry-after', async () => {
      s.standIn().setMode(s.rateLimit.mode);
      expect(await failureOf(collect(chat(s.engine())))).toMatchObject({
        type: 'upstream_rate_limited',
        retryAfter: s.rateLimit.retryAfter,
      });
    });

    if (s.baseUrlEnv) {
      const env = s.baseUrlEnv;
      it(`honours ${env.variable} when no baseURL is passed (as the official client does)`, async () => {
        vi.stubEnv(env.variable, s.standIn().url);
        try {
          const events = await collect(chat(env.engine(), undefined, request('hi', 2)));
          expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'length' });
        } finally {
          vi.unstubAllEnvs();
        }
      });
    }
  });

  describe(`${s.name} engine: SDK retries`, () => {
    const r = s.retries;
    if (r) {
      it(`retries a ${r.transientOnce.name} once and then answers`, async () => {
        s.standIn().setMode(r.transientOnce.mode);
        const n = s.standIn().requests.length;
        const events = await collect(chat(s.engine({ maxRetries: 1 }), undefined, request('hi', 2)));
        expect(events.at(-1)?.type).toBe('done');
        expect(s.standIn().requests.length - n).toBe(2);
      });

      it('retries a 429 after the retry-after it was given, then maps the last failure with retryAfter', async () => {
        s.standIn().setMode(r.rateLimited);
        const n = s.standIn().requests.length;
        const t0 = performance.now();
        const err = await failureOf(collect(chat(s.engine({ maxRetries: 1 }))));
        // Waited about the retry-after it was given, not the SDK's 0.5 s default backoff.
        expect(performance.now() - t0).toBeGreaterThanOrEqual(r.retryAfter * 1000 * 0.9);
        expect(s.standIn().requests.length - n).toBe(2);
        expect(err).toMatchObject({ type: 'upstream_rate_limited', retryAfter: r.retryAfter });
      });
    }

    it(`does not retry a rejected key (${s.wrongKey.name})`, async () => {
      const n = s.standIn().requests.length;
      const err = await failureOf(collect(chat(s.engineWithKey(s.wrongKey.key, { maxRetries: 2 }))));
      expect(err).toMatchObject({ type: 'upstream_auth' });
      const want = s.wrongKey.message;
      if (typeof want === 'string') expect((err as Error).message).toBe(want);
      else expect((err as Error).message).toMatch(want);
      expect(s.standIn().requests.length - n).toBe(1);
    });
  });

  describe(`${s.name} engine: abort reaches upstream`, () => {
    it('closes the upstream connection when the signal aborts mid-stream', async () => {
      s.standIn().setDeltaDelay(40); // slow enough that the abort lands while the stand-in is still streaming
      const before = s.standIn().disconnects;
      const ac = new AbortController();
      const err = await failureOf(
        (async () => {
          for await (const ev of chat(s.engine(), ac.signal, longStory())) {
            if (ev.type === 'text-delta') ac.abort();
          }
        })(),
      );
      expect(isCoreError(err) && err.type).toBe('aborted');
      await vi.waitFor(() => expect(s.standIn().disconnects).toBe(before + 1), { timeout: 2_000 });
      expect(s.standIn().requests.at(-1)!.disconnected).toBe(true);
    });

    it('hangs up on the signal alone, even if the consumer never pulls again', async () => {
      s.standIn().setDeltaDelay(40);
      const before = s.standIn().disconnects;
      const ac = new AbortController();
      const it = chat(s.engine(), ac.signal, longStory())[Symbol.asyncIterator]();
      for (let r = await it.next(); !r.done && r.value.type !== 'text-delta'; r = await it.next());
      ac.abort(); // no further next(): only the signal can reach the socket
      await vi.waitFor(() => expect(s.standIn().disconnects).toBe(before + 1), { timeout: 2_000 });
      await it.return?.(undefined);
    }, 5_000);

    it('close() ends in-flight calls as aborted and hangs up', async () => {
      s.standIn().setDeltaDelay(40);
      const before = s.standIn().disconnects;
      const engine = s.engine();
      const it = chat(engine, undefined, longStory())[Symbol.asyncIterator]();
      for (let r = await it.next(); !r.done && r.value.type !== 'text-delta'; r = await it.next());
      await engine.close();
      await expect(it.next()).rejects.toMatchObject({ type: 'aborted' });
      await vi.waitFor(() => expect(s.standIn().disconnects).toBe(before + 1), { timeout: 2_000 });
    }, 5_000);

    it('closes the upstream connection when the consumer stops reading', async () => {
      s.standIn().setDeltaDelay(40);
      const before = s.standIn().disconnects;
      for await (const ev of chat(s.engine(), undefined, longStory())) {
        if (ev.type === 'text-delta') break;
      }
      await vi.waitFor(() => expect(s.standIn().disconnects).toBe(before + 1), { timeout: 2_000 });
    }, 5_000);
  });

  describe(`${s.name} engine: timeouts`, () => {
    it('maps a hang before the first byte to timeout (SDK per-attempt timeout)', async () => {
      s.standIn().setMode(s.hang);
      expect(await failureOf(collect(chat(s.engine({ timeoutMs: 150 }))))).toMatchObject({ type: 'timeout' });
    });

    it('maps no first token within firstTokenTimeoutMs to timeout, and hangs up', async () => {
      s.standIn().setMode(s.hang);
      const before = s.standIn().disconnects;
      const t0 = performance.now();
      const err = await failureOf(collect(chat(s.engine({ timeoutMs: 10_000, firstTokenTimeoutMs: 200 }))));
      expect(err).toMatchObject({ type: 'timeout' });
      expect(performance.now() - t0).toBeLessThan(2_000);
      await vi.waitFor(() => expect(s.standIn().disconnects).toBe(before + 1), { timeout: 2_000 });
    }, 5_000);
  });

  describe(`${s.name} engine: the API key never leaks`, () => {
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
        for (const f of s.failures) {
          s.standIn().setMode(f.leakMode ?? f.mode);
          record(await failureOf(collect(chat(s.engine()))));
        }
        s.standIn().setMode({ kind: 'normal' } as M);
        // A wrong key: the stand-in has its own; the engine's (wrong) key must not leak either.
        record(await failureOf(collect(chat(s.engineWithKey(s.wrongKey.secret)))));
        expect(texts.join('\n')).not.toContain(s.wrongKey.secret);
        record(await failureOf(collect(chat(s.unreachableEngine()))));
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.join('\n')).not.toContain(s.key);
      expect(logged.join('\n')).not.toContain(s.key);
    });
  });
}
