// The embedded llama.cpp engine against real llama.cpp (node-llama-cpp) and a generated tiny GGUF: contract, errors, concurrency.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../router-core/contracts/chat.js';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import {
  createLlamaCppEngine,
  defaultThreadCount,
  type LlamaCppEngine,
  type LlamaCppEngineOptions,
} from '../../router-core/engines/llamacpp.js';
import { isCoreError } from '../../router-core/errors.js';
import { runEngineContract } from '../contract/engine.contract.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';

// Real inference on a 2-core VM: a worker start plus model load is ~1 s; 15 s leaves room for a loaded CI box.
const TIMEOUT = 15_000;

let dir = '';
let good = '';
let other = '';
let corrupt = '';

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'llamacpp-engine-'));
  good = (await makeTinyGguf(join(dir, 'tiny.gguf'))).path;
  other = (await makeTinyGguf(join(dir, 'tiny-seed2.gguf'), { seed: 2 })).path;
  // A truncated copy: the header parses, the tensor data runs past the end of the file.
  const bytes = await readFile(good);
  corrupt = join(dir, 'truncated.gguf');
  await writeFile(corrupt, bytes.subarray(0, Math.floor(bytes.length / 2)));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// gpu:false skips the ~1.5 s GPU-binary probe per worker start; the default ('auto') is covered once below.
const make = (o: Partial<LlamaCppEngineOptions> = {}) => createLlamaCppEngine({ modelFiles: { tiny: good }, gpu: false, ...o });

function req(prompt: string, params: ChatRequest['params'] = { maxTokens: 8, temperature: 0 }): ChatRequest {
  return { model: 'auto', messages: [{ role: 'user', content: prompt }], params };
}

async function collect(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

async function caught(p: Promise<unknown>): Promise<{ type?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(isCoreError(e)).toBe(true);
    return e as { type: string; message: string };
  }
  throw new Error('expected a rejection');
}

const textOf = (events: StreamEvent[]): string => events.map((e) => (e.type === 'text-delta' ? e.text : '')).join('');

runEngineContract('llamacpp', {
  timeoutMs: TIMEOUT,
  make: async () => ({ engine: make(), model: 'tiny' }),
  failures: [
    {
      name: 'model file missing',
      make: async () => ({ engine: make({ modelFiles: { tiny: join(dir, 'absent.gguf') } }), model: 'tiny' }),
      expectType: 'no_model_available',
    },
    {
      name: 'corrupt GGUF',
      make: async () => ({ engine: make({ modelFiles: { tiny: corrupt } }), model: 'tiny' }),
      expectType: 'upstream_error',
    },
  ],
});

describe('llamacpp engine', () => {
  it('chooses its thread count deliberately', () => {
    // <= 2 cores: one thread (measured ~150x faster than the library default on a 2-vCPU VM).
    expect(defaultThreadCount(1, 1)).toBe(1);
    expect(defaultThreadCount(2, 2)).toBe(1);
    expect(defaultThreadCount(4, 2)).toBe(1);
    expect(defaultThreadCount(8, 4)).toBe(3);
    expect(defaultThreadCount(32, 16)).toBe(4);
  });

  it('probe lists only models whose files exist, without starting llama.cpp', async () => {
    const engine = make({ modelFiles: { tiny: good, gone: join(dir, 'gone.gguf') } });
    const none = make({ modelFiles: { gone: join(dir, 'gone.gguf') } });
    try {
      // With each present model's context (read from the GGUF header, not by loading it): the generated file's 2,048.
      expect(await engine.probe()).toEqual({
        ok: true,
        models: ['tiny'],
        contextLengths: { tiny: 2048 },
        structuredOutput: true,
        logprobs: true,
      });
      expect(engine.info().workersStarted).toBe(0);
      const a = await none.probe();
      expect(a.ok).toBe(false);
      expect(a.reason).toBeTruthy();
    } finally {
      await Promise.all([engine.close(), none.close()]);
    }
  });

  it('names the model and the path when the file is missing, and the configured ids for an unknown model', async () => {
    const missing = join(dir, 'absent.gguf');
    const engine = make({ modelFiles: { tiny: good, small: missing } });
    try {
      const e1 = await caught(collect(engine.chat({ request: req('hi'), model: 'small' }, new AbortController().signal)));
      expect(e1.type).toBe('no_model_available');
      expect(e1.message).toContain('small');
      expect(e1.message).toContain(missing);
      const e2 = await caught(collect(engine.chat({ request: req('hi'), model: 'nope' }, new AbortController().signal)));
      expect(e2.type).toBe('no_model_available');
      expect(e2.message).toContain('tiny');
      expect(engine.info().workersStarted).toBe(0);
    } finally {
      await engine.close();
    }
  });

  // One engine (one worker start, ~1 s) shared by the tests below that need no isolation.
  describe('on one running engine', () => {
    let engine: LlamaCppEngine;
    beforeAll(() => {
      engine = make();
    });
    afterAll(async () => {
      await engine.close();
    });
    const chat = (request: ChatRequest, signal = new AbortController().signal) => engine.chat({ request, model: 'tiny' }, signal);

    it(
      'runs llama.cpp with the deliberate thread count',
      async () => {
        await collect(chat(req('hello')));
        const info = engine.info();
        expect(info.threads).toBe(defaultThreadCount(os.availableParallelism(), info.mathCores!));
        if (os.availableParallelism() <= 2) expect(info.threads).toBe(1);
        expect(info.contextThreads).toBe(info.threads);
        expect(info.gpu).toBe(false);
      },
      TIMEOUT,
    );

    it(
      'maps maxTokens to finishReason length and a stop string to stop',
      async () => {
        const long = await collect(chat(req('Tell me a story.', { maxTokens: 24, temperature: 0 })));
        expect(long.at(-1)).toMatchObject({ type: 'done', finishReason: 'length' });
        expect(long.find((e) => e.type === 'usage')).toMatchObject({ type: 'usage', usage: { outputTokens: 24 } });
        // Greedy decoding is deterministic: stop on a word the model is known to produce later on.
        const text = textOf(long);
        const word = text
          .trim()
          .split(/\s+/)
          .filter((w) => w.length >= 3)
          .at(-1)!;
        const stopped = await collect(chat(req('Tell me a story.', { maxTokens: 24, temperature: 0, stop: [word] })));
        expect(stopped.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
        expect(textOf(stopped)).not.toContain(word);
        expect(text.startsWith(textOf(stopped))).toBe(true);
      },
      TIMEOUT,
    );

    it(
      'keeps the event loop responsive while generating',
      async () => {
        let ticks = 0;
        let last = performance.now();
        let maxGap = 0;
        const timer = setInterval(() => {
          const now = performance.now();
          maxGap = Math.max(maxGap, now - last);
          last = now;
          ticks++;
        }, 5);
        const started = performance.now();
        const events = await collect(chat(req('Write a long story.', { maxTokens: 500, temperature: 0 })));
        const elapsed = performance.now() - started;
        clearInterval(timer);
        expect(events.at(-1)).toMatchObject({ type: 'done' });
        // A 5 ms timer must keep firing; a blocked loop would show one gap as long as the whole generation.
        // 100 ms: generous for a busy CI box, far below what blocking inference would cause.
        expect(ticks).toBeGreaterThan(0);
        expect(maxGap).toBeLessThan(Math.max(100, elapsed / 2));
      },
      TIMEOUT,
    );

    it(
      'stops generating in the worker after an abort, freeing the model for the next call',
      async () => {
        const ac = new AbortController();
        const e = await caught(
          (async () => {
            // 20,000 tokens would keep the worker busy for ~10 s at the ~1,500 tokens/s seen here.
            for await (const ev of chat(req('Write a long story.', { maxTokens: 20_000, temperature: 0 }), ac.signal)) {
              if (ev.type === 'text-delta') ac.abort();
            }
          })(),
        );
        expect(e.type).toBe('aborted');
        const started = performance.now();
        const events = await collect(chat(req('hi')));
        expect(events.at(-1)).toMatchObject({ type: 'done' });
        // The follow-up waits for the worker to release the model: fast only if the aborted generation really stopped.
        expect(performance.now() - started).toBeLessThan(2_000);
      },
      TIMEOUT,
    );

    it(
      'serves a multi-turn conversation with a system prompt through the chat template',
      async () => {
        const events = await collect(
          chat({
            model: 'auto',
            messages: [
              { role: 'system', content: 'You are helpful.' },
              { role: 'user', content: 'hello' },
              { role: 'assistant', content: 'hi there' },
              { role: 'user', content: 'tell me more' },
            ],
            params: { maxTokens: 8, temperature: 0.7, topP: 0.9, seed: 42 },
          }),
        );
        const usage = events.find((e) => e.type === 'usage');
        // The rendered ChatML prompt of four messages is far longer than any single message.
        expect(usage && usage.type === 'usage' && usage.usage.inputTokens).toBeGreaterThan(20);
        expect(events.at(-1)).toMatchObject({ type: 'done' });
      },
      TIMEOUT,
    );
  });

  it(
    'reports a corrupt GGUF as upstream_error and keeps serving the good model',
    async () => {
      const engine = make({ modelFiles: { bad: corrupt, tiny: good } });
      try {
        const e = await caught(collect(engine.chat({ request: req('hi'), model: 'bad' }, new AbortController().signal)));
        expect(e.type).toBe('upstream_error');
        expect(e.message).toMatch(/^Local model bad could not be loaded: .+/);
        const events = await collect(engine.chat({ request: req('hi'), model: 'tiny' }, new AbortController().signal));
        expect(events.at(-1)).toMatchObject({ type: 'done' });
        expect(engine.info().workersStarted).toBe(1);
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );

  it(
    'completes concurrent chats, on one model and across models with one load slot',
    async () => {
      const engine = make({ modelFiles: { tiny: good, other }, maxLoadedModels: 1, threads: 1 });
      try {
        const models = ['tiny', 'tiny', 'tiny', 'other', 'tiny', 'other'];
        const runs = await Promise.all(
          models.map((model, i) =>
            collect(engine.chat({ request: req(`question ${i}`, { maxTokens: 16, temperature: 0 }), model }, new AbortController().signal)),
          ),
        );
        for (const events of runs) {
          expect(events[0]).toMatchObject({ type: 'start' });
          expect(events.filter((e) => e.type === 'usage')).toHaveLength(1);
          expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'length' });
        }
        expect(engine.info().loadedModels.length).toBeLessThanOrEqual(1);
        // An explicit thread count wins over the default.
        expect(engine.info()).toMatchObject({ threads: 1, contextThreads: 1 });
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );

  it(
    'rejects in-flight calls with upstream_error when the worker dies, then starts a fresh one',
    async () => {
      const engine = make();
      try {
        // Kill the worker while the call is in flight but before llama.cpp runs native code: terminating a
        // worker in the middle of a native evaluation can abort the whole process (see llamacpp.ts).
        const stream = engine.chat(
          { request: req('Write a long story.', { maxTokens: 4000, temperature: 0 }), model: 'tiny' },
          new AbortController().signal,
        );
        const outcome = stream[Symbol.asyncIterator]()
          .next()
          .then(
            () => null,
            (e: unknown) => e,
          );
        while (engine.info().workersStarted === 0) await new Promise((r) => setTimeout(r, 1));
        await engine.terminateWorkerForTesting();
        const err = await outcome;
        expect(isCoreError(err) && err.type).toBe('upstream_error');
        const events = await collect(engine.chat({ request: req('hi'), model: 'tiny' }, new AbortController().signal));
        expect(events.at(-1)).toMatchObject({ type: 'done' });
        expect(engine.info().workersStarted).toBe(2);
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );

  it(
    'works with the default gpu setting (auto), which never builds or downloads',
    async () => {
      const engine = createLlamaCppEngine({ modelFiles: { tiny: good } });
      try {
        const events = await collect(engine.chat({ request: req('hi'), model: 'tiny' }, new AbortController().signal));
        expect(events.at(-1)).toMatchObject({ type: 'done' });
        expect(engine.info().threads).toBeGreaterThanOrEqual(1);
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );
});

describe('hybrid-thinking models', () => {
  it(
    'a Qwen3 catalog id gets "/no_think" in its system turn (more prompt tokens than the same file as TinyLlama)',
    async () => {
      const engine = make({ modelFiles: { tinyllama: good, 'qwen3-1.7b': good } });
      try {
        const inputTokens = async (model: string): Promise<number> => {
          const events = await collect(engine.chat({ request: req('hello world'), model }, new AbortController().signal));
          const u = events.find((e) => e.type === 'usage');
          if (!u || u.type !== 'usage') throw new Error(`no usage event for ${model}`);
          return u.usage.inputTokens;
        };
        const plain = await inputTokens('tinyllama');
        const switched = await inputTokens('qwen3-1.7b');
        // The same file and prompt; only the added system turn ("/no_think" in ChatML markers) differs.
        expect(switched).toBeGreaterThan(plain + 3);
      } finally {
        await engine.close();
      }
    },
    // Two answers with a worker start and two model loads: four times one answer's budget.
    4 * TIMEOUT,
  );
});
