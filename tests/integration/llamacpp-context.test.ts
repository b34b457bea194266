// The embedded llama.cpp engine's context fit against real llama.cpp: the window it reports, the real-tokenizer check, the output cap.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../router-core/contracts/chat.js';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import { readGgufContextLength } from '../../router-core/engines/gguf-info.js';
import { createLlamaCppEngine, type LlamaCppEngine } from '../../router-core/engines/llamacpp.js';
import { isCoreError } from '../../router-core/errors.js';
import { estimateRequestTokens } from '../../router-core/routing/tokens.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';

// Real inference on a 2-core VM: a worker start plus model load is ~1 s; 20 s leaves room for a loaded CI box.
const TIMEOUT = 20_000;
let dir = '';
let gguf = '';
const engines: LlamaCppEngine[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'llamacpp-context-'));
  gguf = (await makeTinyGguf(join(dir, 'tiny.gguf'))).path;
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const make = (contextSize?: number): LlamaCppEngine => {
  const e = createLlamaCppEngine({ modelFiles: { tinyllama: gguf }, gpu: false, threads: 1, ...(contextSize ? { contextSize } : {}) });
  engines.push(e);
  return e;
};
const req = (content: string, maxTokens?: number): ChatRequest => ({
  model: 'tinyllama',
  messages: [{ role: 'user', content }],
  params: { temperature: 0, ...(maxTokens ? { maxTokens } : {}) },
});
async function collect(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}
// The tiny GGUF has pieces only for common English words: "zx" is three tokens ("▁", "z", "x") where the router's
// estimate (made for real vocabularies) counts one, so this input passes the estimate and only the real count catches it.
const unusual = (words: number): string => 'zx '.repeat(words).trim();

describe('llama.cpp engine: context fit', () => {
  it('reads the trained context from the GGUF header and reports min(engine cap, trained) per model', async () => {
    expect(await readGgufContextLength(gguf)).toBe(2048);
    const notGguf = join(dir, 'not.gguf');
    await writeFile(notGguf, 'hello');
    expect(await readGgufContextLength(notGguf)).toBeUndefined();
    expect((await make().probe()).contextLengths).toEqual({ tinyllama: 2048 });
    expect((await make(512).probe()).contextLengths).toEqual({ tinyllama: 512 });
  });

  it(
    'an input the real tokenizer finds too long is refused before a token is fed, naming the count and the window; the engine then serves the next request',
    async () => {
      const e = make(512);
      const long = req(unusual(200));
      expect(estimateRequestTokens(long) + 256).toBeLessThan(512); // the estimate alone would have let it through
      const events: StreamEvent[] = [];
      let err: unknown;
      try {
        for await (const ev of e.chat({ request: long, model: 'tinyllama' }, new AbortController().signal)) events.push(ev);
      } catch (x) {
        err = x;
      }
      expect(isCoreError(err) && err.type).toBe('context_length_exceeded');
      expect((err as Error).message).toMatch(
        /The input is \d{3} tokens \(counted by tinyllama's tokenizer\) and the answer needs room for 256 more, but tinyllama's context here is 512 tokens/,
      );
      // Refused before generation: no start, no text.
      expect(events).toEqual([]);
      const next = await collect(e.chat({ request: req('hello world', 4), model: 'tinyllama' }, new AbortController().signal));
      expect(next.some((ev) => ev.type === 'text-delta')).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'output is capped by what the context has left, so the conversation is never shifted out',
    async () => {
      const e = make(512);
      // ~220 real tokens of input, asking for 1,000: only what remains of the 512 may be generated.
      const events = await collect(e.chat({ request: req(unusual(70), 1000), model: 'tinyllama' }, new AbortController().signal));
      const usage = events.find((ev) => ev.type === 'usage');
      expect(usage?.type === 'usage' && usage.usage.inputTokens).toBeGreaterThan(150);
      if (usage?.type !== 'usage') return;
      expect(usage.usage.inputTokens + usage.usage.outputTokens).toBeLessThanOrEqual(512);
      expect(usage.usage.outputTokens).toBeGreaterThan(0);
      expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'length' });
    },
    TIMEOUT,
  );
});
