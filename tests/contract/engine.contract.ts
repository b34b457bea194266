// One behaviour suite every engine must pass: stream order, usage, max tokens, abort, error mapping.
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../router-core/contracts/chat.js';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import type { ErrorType } from '../../router-core/contracts/errors.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { isCoreError } from '../../router-core/errors.js';

/** What a concrete engine's test file supplies to the suite. */
export interface EngineContractSetup {
  /** A ready engine and a model id it serves. Called once per test. */
  make(): Promise<{ engine: Engine; model: string }>;
  /** Optional: an engine whose upstream fails with each of these errors before the first token. */
  failures?: Array<{ name: string; make(): Promise<{ engine: Engine; model: string }>; expectType: ErrorType }>;
  /** Per-test timeout (real inference is slower than stand-ins). */
  timeoutMs?: number;
}

function request(prompt: string, maxTokens = 8): ChatRequest {
  return { model: 'auto', messages: [{ role: 'user', content: prompt }], params: { maxTokens, temperature: 0 } };
}

async function collect(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

/** Runs the shared engine suite under `describe(name)`. */
export function runEngineContract(name: string, setup: EngineContractSetup): void {
  const timeout = setup.timeoutMs ?? 15_000;
  describe(`engine contract: ${name}`, () => {
    it(
      'probe reports the model as available',
      async () => {
        const { engine, model } = await setup.make();
        try {
          const a = await engine.probe();
          expect(a.ok).toBe(true);
          expect(a.models).toContain(model);
        } finally {
          await engine.close();
        }
      },
      timeout,
    );

    it(
      'streams start, text deltas, one usage, then done',
      async () => {
        const { engine, model } = await setup.make();
        try {
          const events = await collect(engine.chat({ request: request('Say hello.'), model }, new AbortController().signal));
          expect(events[0]).toMatchObject({ type: 'start', engine: engine.id });
          expect(events.at(-1)).toMatchObject({ type: 'done' });
          const usages = events.filter((e) => e.type === 'usage');
          expect(usages).toHaveLength(1);
          const usage = usages[0]!.type === 'usage' ? usages[0]!.usage : undefined;
          expect(usage!.inputTokens).toBeGreaterThan(0);
          expect(usage!.outputTokens).toBeGreaterThan(0);
          const text = events
            .filter((e) => e.type === 'text-delta')
            .map((e) => (e.type === 'text-delta' ? e.text : ''))
            .join('');
          expect(text.length).toBeGreaterThan(0);
          // usage comes after every text delta
          const lastDelta = events.map((e) => e.type).lastIndexOf('text-delta');
          expect(events.findIndex((e) => e.type === 'usage')).toBeGreaterThan(lastDelta);
        } finally {
          await engine.close();
        }
      },
      timeout,
    );

    it(
      'respects maxTokens',
      async () => {
        const { engine, model } = await setup.make();
        try {
          const events = await collect(
            engine.chat({ request: request('Count to one hundred slowly.', 3), model }, new AbortController().signal),
          );
          const usage = events.find((e) => e.type === 'usage');
          expect(usage && usage.type === 'usage' ? usage.usage.outputTokens : -1).toBeLessThanOrEqual(3);
          const done = events.at(-1);
          expect(done?.type).toBe('done');
        } finally {
          await engine.close();
        }
      },
      timeout,
    );

    it(
      'stops when the signal aborts mid-stream and throws aborted',
      async () => {
        const { engine, model } = await setup.make();
        try {
          const ac = new AbortController();
          const seen: StreamEvent[] = [];
          let caught: unknown;
          try {
            for await (const ev of engine.chat({ request: request('Write a long story.', 4000), model }, ac.signal)) {
              seen.push(ev);
              if (ev.type === 'text-delta') ac.abort();
            }
          } catch (e) {
            caught = e;
          }
          expect(isCoreError(caught) && caught.type).toBe('aborted');
          expect(seen.filter((e) => e.type === 'text-delta').length).toBeLessThanOrEqual(3);
          expect(seen.some((e) => e.type === 'done')).toBe(false);
        } finally {
          await engine.close();
        }
      },
      timeout,
    );

    it(
      'throws aborted at once for an already-aborted signal',
      async () => {
        const { engine, model } = await setup.make();
        try {
          const ac = new AbortController();
          ac.abort();
          await expect(collect(engine.chat({ request: request('hi'), model }, ac.signal))).rejects.toMatchObject({ type: 'aborted' });
        } finally {
          await engine.close();
        }
      },
      timeout,
    );

    for (const f of setup.failures ?? []) {
      it(
        `maps upstream failure "${f.name}" to ${f.expectType}`,
        async () => {
          const { engine, model } = await f.make();
          try {
            let caught: unknown;
            try {
              await collect(engine.chat({ request: request('hi'), model }, new AbortController().signal));
            } catch (e) {
              caught = e;
            }
            expect(isCoreError(caught)).toBe(true);
            expect((caught as { type: string }).type).toBe(f.expectType);
          } finally {
            await engine.close();
          }
        },
        timeout,
      );
    }
  });
}
