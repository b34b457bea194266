// Parallel sequences, prompt-cache reuse and the bounded queue of the embedded llama.cpp engine, on real llama.cpp and a generated GGUF.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ChatRequest } from '../../router-core/contracts/chat.js';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import { createLlamaCppEngine, type LlamaCppEngine, type LlamaCppEngineOptions } from '../../router-core/engines/llamacpp.js';
import { isCoreError } from '../../router-core/errors.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';

// Real inference on a shared 2-core VM: a worker start plus model load is ~1 s; 30 s leaves room for a loaded box.
const TIMEOUT = 30_000;

let dir = '';
let model = '';

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'llamacpp-parallel-'));
  model = (await makeTinyGguf(join(dir, 'tiny.gguf'))).path;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const make = (o: Partial<LlamaCppEngineOptions> = {}): LlamaCppEngine =>
  createLlamaCppEngine({ modelFiles: { tiny: model }, gpu: false, threads: 1, ...o });

const greedy = (messages: ChatMessage[], maxTokens: number): ChatRequest => ({
  model: 'auto',
  messages,
  params: { maxTokens, temperature: 0 },
});
const user = (content: string): ChatMessage[] => [{ role: 'user', content }];

async function collect(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}
const textOf = (events: StreamEvent[]): string => events.map((e) => (e.type === 'text-delta' ? e.text : '')).join('');

/** Polls `f` every 2 ms until it is truthy; fails after `ms`. */
async function until<T>(f: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const PROMPTS = ['Tell me about cats.', 'Write a poem about the sea.', 'What is two plus two?', 'Describe a mountain at dawn.'];

describe('N sequences of one model', () => {
  it(
    'answer N calls at once, each with exactly the tokens it gets alone (greedy), on distinct sequences',
    async () => {
      const engine = make({ sequences: 4 });
      try {
        const alone: string[] = [];
        for (const p of PROMPTS)
          alone.push(textOf(await collect(engine.chat({ request: greedy(user(p), 48), model: 'tiny' }, new AbortController().signal))));
        const before = engine.info().finished.length;
        let peak = 0;
        const watch = setInterval(() => (peak = Math.max(peak, engine.info().running.length)), 1);
        const together = await Promise.all(
          PROMPTS.map((p) => collect(engine.chat({ request: greedy(user(p), 48), model: 'tiny' }, new AbortController().signal))),
        );
        clearInterval(watch);
        expect(together.map(textOf)).toEqual(alone);
        for (const t of alone) expect(t.length).toBeGreaterThan(0);
        // All four ran at once (none waited in the queue), each on its own sequence of the one context.
        expect(peak).toBe(4);
        const jobs = engine.info().finished.slice(before);
        expect(new Set(jobs.map((j) => j.work.sequence)).size).toBe(4);
        const [loaded] = engine.info().models;
        expect(loaded).toMatchObject({ model: 'tiny', sequences: 4, requestedSequences: 4, busy: 0, queued: 0 });
        // What the extra sequences cost is known (llama.cpp's estimate of one KV cache for this context).
        expect(loaded!.bytesPerSequence).toBeGreaterThan(0);
        expect(loaded!.contextBytes).toBeGreaterThanOrEqual(4 * loaded!.bytesPerSequence);
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );

  it(
    'cancelling one call stops only it: the others finish with their own full answers',
    async () => {
      const engine = make({ sequences: 4 });
      try {
        const alone: string[] = [];
        for (const p of PROMPTS)
          alone.push(textOf(await collect(engine.chat({ request: greedy(user(p), 400), model: 'tiny' }, new AbortController().signal))));
        const before = engine.info().finished.length;
        const victim = new AbortController();
        const runs = PROMPTS.map((p, i) =>
          collect(
            engine.chat({ request: greedy(user(p), 400), model: 'tiny' }, i === 1 ? victim.signal : new AbortController().signal),
          ).then(
            (events) => ({ ok: true as const, text: textOf(events) }),
            (e: unknown) => ({ ok: false as const, error: e }),
          ),
        );
        // All four in flight on their sequences and generation under way. Not "all four have sent text": under a loaded
        // machine the tiny model can finish one 400-token answer before another's first text, and that window never came.
        await until(
          () => engine.info().running.length === 4 && engine.info().running.some((j) => j.deltas > 0),
          20_000,
          'all four in flight, one generating',
        );
        victim.abort();
        const results = await Promise.all(runs);
        expect(results[1]).toMatchObject({ ok: false });
        expect(isCoreError((results[1] as { error: unknown }).error) && (results[1] as { error: { type: string } }).error.type).toBe(
          'aborted',
        );
        for (const i of [0, 2, 3]) expect(results[i]).toEqual({ ok: true, text: alone[i] });
        const jobs = engine.info().finished.slice(before);
        const stopped = jobs.filter((j) => j.stopReason === 'abort');
        expect(stopped).toHaveLength(1);
        // The cancelled call really stopped in llama.cpp, short of its 400 tokens.
        expect(stopped[0]!.work.generatedTokens).toBeLessThan(400);
        expect(jobs.filter((j) => j.stopReason !== 'abort').every((j) => j.work.generatedTokens === 400)).toBe(true);
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );
});

describe('prompt-cache reuse across turns', () => {
  /** Runs one turn and returns the answer and what llama.cpp evaluated for it. */
  async function turn(engine: LlamaCppEngine, messages: ChatMessage[]) {
    const before = engine.info().finished.length;
    const events = await collect(engine.chat({ request: greedy(messages, 16), model: 'tiny' }, new AbortController().signal));
    const job = engine.info().finished[before]!;
    const usage = events.find((e) => e.type === 'usage');
    return { text: textOf(events), work: job.work, inputTokens: usage?.type === 'usage' ? usage.usage.inputTokens : 0 };
  }
  const system: ChatMessage = { role: 'system', content: 'You are a careful assistant who answers in full sentences. '.repeat(6) };

  it(
    'a follow-up turn evaluates only what is new, even with another conversation served in between',
    async () => {
      const engine = make({ sequences: 2 });
      try {
        const a1msgs: ChatMessage[] = [system, { role: 'user', content: 'Tell me about the history of the river.' }];
        const a1 = await turn(engine, a1msgs);
        expect(a1.work.reusedTokens).toBe(0);
        // Another conversation in between (a different user with a different system prompt).
        const b1 = await turn(engine, [{ role: 'user', content: 'Something else entirely, about numbers.' }]);
        expect(b1.work.sequence).not.toBe(a1.work.sequence);
        const a2msgs: ChatMessage[] = [...a1msgs, { role: 'assistant', content: a1.text }, { role: 'user', content: 'And then?' }];
        const a2 = await turn(engine, a2msgs);
        // The second turn went back to the first turn's sequence and found its whole prompt there.
        expect(a2.work.sequence).toBe(a1.work.sequence);
        expect(a2.work.reusedTokens).toBeGreaterThanOrEqual(a1.inputTokens);
        // llama.cpp evaluated only the new tail (the answer as re-rendered and the new question), not the history.
        expect(a2.work.evaluatedTokens).toBeLessThan(a2.inputTokens - a1.inputTokens + 8);
        expect(a2.work.evaluatedTokens + (a2.work.reusedTokens ?? 0)).toBe(a2.inputTokens);
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );

  it(
    'with one sequence, the conversation in between evicts the first (least recently used) and the history is evaluated again',
    async () => {
      const engine = make({ sequences: 1 });
      try {
        const a1msgs: ChatMessage[] = [system, { role: 'user', content: 'Tell me about the history of the river.' }];
        const a1 = await turn(engine, a1msgs);
        await turn(engine, [{ role: 'user', content: 'Something else entirely, about numbers.' }]);
        const a2 = await turn(engine, [...a1msgs, { role: 'assistant', content: a1.text }, { role: 'user', content: 'And then?' }]);
        expect(a2.work.reusedTokens).toBeLessThan(a1.inputTokens / 4);
        expect(a2.work.evaluatedTokens).toBeGreaterThan(a1.inputTokens);
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );
});

describe('back-pressure', () => {
  it(
    'a model still loading takes N calls and the queue: only the call beyond both is refused',
    async () => {
      // Cold: the first call loads the model. Its two sequences are not known to the host until the worker says so,
      // but callers arriving meanwhile (a desktop app's windows and scripts at start-up) are within N plus the queue.
      const engine = make({ sequences: 2, queueLimit: 1 });
      try {
        let refusedSoFar = 0;
        const runs = [0, 1, 2, 3].map((i) =>
          collect(engine.chat({ request: greedy(user(`hello ${i}`), 8), model: 'tiny' }, new AbortController().signal)).catch(
            (e: unknown) => (refusedSoFar++, e),
          ),
        );
        const admitted = (): number => engine.info().running.length + engine.info().queued;
        await until(() => admitted() + refusedSoFar === 4, 10_000, 'all four calls admitted or refused');
        // All four were decided before the worker reported the model loaded.
        expect(engine.info().modelLoads).toBe(0);
        expect(admitted()).toBe(3);
        const results = await Promise.all(runs);
        const refused = results.filter((r) => isCoreError(r));
        expect(refused).toHaveLength(1);
        expect(refused[0]).toMatchObject({ type: 'upstream_overloaded', status: 503 });
        expect((refused[0] as { message: string }).message).toMatch(/tiny is busy: 2 answers running and 1 waiting/);
        const answered = results.filter((r): r is StreamEvent[] => Array.isArray(r));
        expect(answered).toHaveLength(3);
        for (const events of answered) expect(textOf(events).length).toBeGreaterThan(0);
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );
  it(
    'queues only beyond N, and past the queue limit refuses at once with upstream_overloaded and a Retry-After',
    async () => {
      const engine = make({ sequences: 2, queueLimit: 1 });
      try {
        // Load the model so its two sequences are known to the host.
        await collect(engine.chat({ request: greedy(user('hi'), 2), model: 'tiny' }, new AbortController().signal));
        const acs = [new AbortController(), new AbortController(), new AbortController()];
        const runs = acs.map((ac) =>
          collect(engine.chat({ request: greedy(user('Write a long story.'), 20_000), model: 'tiny' }, ac.signal)).catch((e: unknown) => e),
        );
        await until(() => engine.info().running.length === 2 && engine.info().queued === 1, 10_000, 'two running, one queued');
        expect(engine.info().queue).toEqual([expect.objectContaining({ model: 'tiny', position: 1 })]);
        let refused: unknown;
        try {
          await collect(engine.chat({ request: greedy(user('one more'), 4), model: 'tiny' }, new AbortController().signal));
        } catch (e) {
          refused = e;
        }
        expect(isCoreError(refused)).toBe(true);
        const err = refused as { type: string; message: string; retryAfter?: number; status: number };
        expect(err.type).toBe('upstream_overloaded');
        expect(err.status).toBe(503);
        expect(err.retryAfter).toBeGreaterThanOrEqual(1);
        expect(err.message).toMatch(/tiny is busy: 2 answers running and 1 waiting \(the queue holds 1/);
        for (const ac of acs) ac.abort();
        await Promise.all(runs);
        await until(() => engine.info().running.length === 0, 10_000, 'the engine to stop');
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );
});

describe('attention kernel', () => {
  it(
    'plain attention for heads under 64 wide on the CPU, llama.cpp’s flash attention from 64 on, as the model info says',
    async () => {
      // The default fixture has 16-wide heads (32 wide, 2 heads); this one 64-wide (128 wide, 2 heads), as real models.
      const wide = (
        await makeTinyGguf(join(dir, 'wide-heads.gguf'), { shape: { embd: 128, heads: 2, ff: 256, blocks: 2, contextLength: 2048 } })
      ).path;
      const engine = createLlamaCppEngine({ modelFiles: { tiny: model, wide }, gpu: false, threads: 1, sequences: 2 });
      try {
        // One model is resident at a time here: each is checked right after it answered.
        for (const [m, flash] of [
          ['tiny', false],
          ['wide', true],
        ] as const) {
          const text = textOf(
            await collect(engine.chat({ request: greedy(user('Hello there'), 8), model: m }, new AbortController().signal)),
          );
          expect(text).not.toBe('');
          expect(engine.info().models.find((x) => x.model === m)).toMatchObject({ flashAttention: flash, sequences: 2 });
        }
      } finally {
        await engine.close();
      }
    },
    TIMEOUT,
  );
});
