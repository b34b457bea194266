// Every architecture in the model catalog loads and generates in the bundled node-llama-cpp's llama.cpp (a tiny
// random-weight GGUF with that architecture's metadata and tensors), and llama.cpp's own KV and compute buffer sizes
// agree with the RAM function the tier ladder uses (router-core/data/memory.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { computeBufferBytes, kvCacheBytes, type ModelShape } from '../../router-core/data/memory.js';
import { localModels } from '../../router-core/data/models.js';
import {
  buildTinyGguf,
  makeTinyGguf,
  SLOW_SHAPE,
  TINY_ARCHS,
  TINY_SHAPE,
  tinyVocabSize,
  type GgufShape,
  type TinyArch,
} from '../fixtures/make-tiny-gguf.js';

// A model load plus a few tokens takes ~1 s on an idle 2-core VM and ~12 s on the shared one; 60 s leaves room.
const TIMEOUT = 60_000;
const MiB = 1024 * 1024;

let dir = '';
let llama: Llama;
const logs: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'model-archs-'));
  // Info level: llama.cpp prints the KV and compute buffer sizes it allocates, which the memory checks read.
  llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.info, logger: (_level, message) => void logs.push(message) });
});

afterAll(async () => {
  await llama?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * The last "<what> buffer size = N MiB" llama.cpp logged since `from`, in bytes. node-llama-cpp forwards llama.cpp's
 * log lines asynchronously, so the line may arrive just after the context is created: wait for it.
 */
function loggedBuffer(what: 'KV' | 'compute', from: number): Promise<number> {
  return vi.waitFor(() => lastLogged(what, from), { timeout: 10_000, interval: 50 });
}

function lastLogged(what: 'KV' | 'compute', from: number): number {
  const re = what === 'KV' ? /CPU KV buffer size\s*=\s*([\d.]+) MiB/ : /CPU compute buffer size\s*=\s*([\d.]+) MiB/;
  const hits = logs.slice(from).flatMap((l) => {
    const m = re.exec(l);
    return m ? [Number(m[1]) * MiB] : [];
  });
  if (hits.length === 0) throw new Error(`llama.cpp logged no ${what} buffer size`);
  return hits[hits.length - 1]!;
}

/** The generated model's shape in the RAM function's terms. */
function shapeOf(arch: string, s: GgufShape): ModelShape {
  return { arch, layers: s.blocks, kvHeads: s.heads, headDim: s.embd / s.heads, ff: s.ff, vocab: tinyVocabSize() };
}

const catalogArchs = [...new Set(localModels.map((m) => m.shape.arch))];

describe('the bundled llama.cpp runs every catalog architecture', () => {
  it('the generator writes every architecture the catalog uses', () => {
    expect(catalogArchs.length).toBeGreaterThan(1);
    for (const a of catalogArchs) expect(TINY_ARCHS as readonly string[], a).toContain(a);
  });

  it.each(catalogArchs)(
    '%s: a random-weight GGUF loads, generates, and its KV/compute buffers match the RAM function',
    async (arch) => {
      const g = await makeTinyGguf(join(dir, `${arch}.gguf`), { arch: arch as TinyArch });
      const model = await llama.loadModel({ modelPath: g.path });
      try {
        expect(model.fileInfo.metadata.general.architecture).toBe(arch);
        const from = logs.length;
        const ctx = await model.createContext({ contextSize: TINY_SHAPE.contextLength, sequences: 1 });
        try {
          const seq = ctx.getSequence();
          const out: number[] = [];
          for await (const t of seq.evaluate(model.tokenize('hello world, count slowly'), { temperature: 0 })) {
            out.push(t);
            if (out.length === 4) break;
          }
          // Four real tokens from the model's vocabulary: the graph for this architecture built and ran.
          expect(out).toHaveLength(4);
          for (const t of out) expect(t >= 0 && t < tinyVocabSize(), `token ${t}`).toBe(true);

          const shape = shapeOf(arch, TINY_SHAPE);
          // The f16 KV cache is exactly layers × KV heads × head size × 2 (K and V) × 2 bytes × context.
          expect(await loggedBuffer('KV', from)).toBeCloseTo(kvCacheBytes(shape, TINY_SHAPE.contextLength), -4);
          // The compute-buffer bound stays above what llama.cpp reserves, and within 2× of it.
          const measured = await loggedBuffer('compute', from);
          const bound = computeBufferBytes(shape, TINY_SHAPE.contextLength);
          expect(bound).toBeGreaterThanOrEqual(measured);
          expect(bound).toBeLessThan(2 * measured);
        } finally {
          await ctx.dispose();
        }
      } finally {
        await model.dispose();
      }
    },
    TIMEOUT,
  );

  it(
    'the compute-buffer bound holds for a wider model at a long context too',
    async () => {
      const g = await makeTinyGguf(join(dir, 'slow.gguf'), { shape: SLOW_SHAPE });
      const model = await llama.loadModel({ modelPath: g.path });
      try {
        const from = logs.length;
        const ctx = await model.createContext({ contextSize: SLOW_SHAPE.contextLength, sequences: 1 });
        const shape = shapeOf('llama', SLOW_SHAPE);
        const measured = await loggedBuffer('compute', from);
        expect(await loggedBuffer('KV', from)).toBeCloseTo(kvCacheBytes(shape, SLOW_SHAPE.contextLength), -4);
        expect(computeBufferBytes(shape, SLOW_SHAPE.contextLength)).toBeGreaterThanOrEqual(measured);
        expect(computeBufferBytes(shape, SLOW_SHAPE.contextLength)).toBeLessThan(2 * measured);
        await ctx.dispose();
      } finally {
        await model.dispose();
      }
    },
    TIMEOUT,
  );

  it(
    'weights stored as Q8_0 (as real models ship them quantized) load as Q8_0 and generate',
    async () => {
      const f32 = await makeTinyGguf(join(dir, 'f32.gguf'), { seed: 3 });
      const q8 = await makeTinyGguf(join(dir, 'q8.gguf'), { seed: 3, weights: 'q8_0' });
      // 34 bytes per 32 weights instead of 128: the file is well under a third of its f32 twin (norms stay f32).
      expect(q8.bytes).toBeLessThan(f32.bytes / 3);
      const from = logs.length;
      const model = await llama.loadModel({ modelPath: q8.path });
      try {
        expect(model.fileInfo.metadata.general.file_type).toBe(7);
        // llama.cpp's loader counts the tensors of each type it read: every matrix is Q8_0, the norms f32.
        const blocks = TINY_SHAPE.blocks;
        await vi.waitFor(() => expect(logs.slice(from).join('\n')).toMatch(new RegExp(`type\\s+q8_0:\\s+${2 + 7 * blocks} tensors`)), {
          timeout: 10_000,
        });
        const ctx = await model.createContext({ contextSize: 256, sequences: 1 });
        try {
          const seq = ctx.getSequence();
          const generated: number[] = [];
          for await (const t of seq.evaluate(model.tokenize('the river'), { temperature: 0 })) {
            generated.push(t);
            if (generated.length === 8) break;
          }
          expect(generated).toHaveLength(8);
        } finally {
          await ctx.dispose();
        }
      } finally {
        await model.dispose();
      }
    },
    TIMEOUT,
  );

  it(
    'an architecture llama.cpp does not know is refused (so the loads above prove support)',
    async () => {
      const path = join(dir, 'unknown.gguf');
      const bytes = buildTinyGguf(1, {}, 'notanarch' as TinyArch);
      await writeFile(path, bytes);
      await expect(llama.loadModel({ modelPath: path })).rejects.toThrow();
      await vi.waitFor(() => expect(logs.some((l) => /unknown model architecture: 'notanarch'/.test(l))).toBe(true), { timeout: 10_000 });
    },
    TIMEOUT,
  );
});
