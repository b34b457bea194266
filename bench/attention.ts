// Flash attention on or off, by attention head size, on the CPU with one thread: the measurement behind
// FLASH_ATTENTION_MIN_HEAD_SIZE (router-core/engines/flash-attention.ts).
//
// Usage: npx tsx bench/attention.ts [--model FILE.gguf] [--reps 5]
// For the bench's tiny GGUF (`--model`, default ../shared/models/llama-2-tiny-random.gguf when present) and generated
// models of head sizes 4 to 128, prints the median time of: a 65-token chunk at position 0, one at position 1,400 (a
// follow-up turn), and one-token steps at ~1,465 (generation), each with flash attention off and on (two contexts of
// the same model, measured alternately so drift hits both alike), and on ÷ off.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getLlama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { makeTinyGguf } from '../tests/fixtures/make-tiny-gguf.js';
import { attentionHeadSize } from '../router-core/engines/flash-attention.js';
import { repoRoot, table } from './lib.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(repoRoot, '../shared/models/llama-2-tiny-random.gguf') },
    reps: { type: 'string', default: '5' },
  },
});
const reps = Number(values.reps);

// embd × heads (× Q8_0 weights): head sizes 4, 16, 32, 64, 128, the larger two also at real models' widths.
const SHAPES: Array<{ embd: number; heads: number; q8?: boolean }> = [
  { embd: 64, heads: 16 },
  { embd: 64, heads: 4 },
  { embd: 128, heads: 4 },
  { embd: 128, heads: 2 },
  { embd: 512, heads: 8 },
  { embd: 512, heads: 4 },
  { embd: 1024, heads: 16, q8: true },
  { embd: 1024, heads: 8, q8: true },
];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hybrid-bench-attention-'));
const models: Array<{ name: string; file: string }> = [];
if (values.model && existsSync(values.model)) models.push({ name: path.basename(values.model), file: values.model });
for (const s of SHAPES) {
  const file = path.join(tmp, `e${s.embd}-h${s.heads}.gguf`);
  await makeTinyGguf(file, {
    shape: { embd: s.embd, heads: s.heads, ff: s.embd * 3, blocks: 2, contextLength: 4096 },
    weights: s.q8 ? 'q8_0' : 'f32',
  });
  models.push({ name: `generated ${s.embd} wide, ${s.heads} heads${s.q8 ? ', Q8_0' : ''}`, file });
}

const llama = await getLlama({
  gpu: false,
  build: 'never',
  skipDownload: true,
  usePrebuiltBinaries: true,
  progressLogs: false,
  maxThreads: 1,
  logLevel: LlamaLogLevel.error,
});
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const ms = (x: number): string => x.toFixed(2);
const rows: string[][] = [];
try {
  for (const m of models) {
    const model = await llama.loadModel({ modelPath: m.file });
    const head = attentionHeadSize(model.fileInfo.architectureMetadata);
    const ctx = {
      off: await model.createContext({ contextSize: 2048, sequences: 1, threads: 1, flashAttention: false }),
      on: await model.createContext({ contextSize: 2048, sequences: 1, threads: 1, flashAttention: true }),
    };
    // Token ids inside every vocabulary here (the generated models' is small), none of them special.
    const tokens = Array.from({ length: 1600 }, (_, i) => (((i * 7919) % 200) + 5) as Token);
    const t = {
      off: { early: [] as number[], late: [] as number[], step: [] as number[] },
      on: { early: [] as number[], late: [] as number[], step: [] as number[] },
    };
    for (let rep = 0; rep < reps; rep++) {
      for (const k of rep % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        const seq = ctx[k].getSequence();
        let a = performance.now();
        await seq.evaluateWithoutGeneratingNewTokens(tokens.slice(0, 65));
        t[k].early.push(performance.now() - a);
        await seq.evaluateWithoutGeneratingNewTokens(tokens.slice(65, 1400));
        a = performance.now();
        await seq.evaluateWithoutGeneratingNewTokens(tokens.slice(1400, 1465));
        t[k].late.push(performance.now() - a);
        a = performance.now();
        for (let j = 0; j < 40; j++) await seq.evaluateWithoutGeneratingNewTokens([tokens[1465 + j]!]);
        t[k].step.push((performance.now() - a) / 40);
        await seq.dispose();
      }
    }
    const cell = (key: 'early' | 'late' | 'step'): string =>
      `${ms(median(t.off[key]))} / ${ms(median(t.on[key]))} = ×${(median(t.on[key]) / median(t.off[key])).toFixed(2)}`;
    rows.push([m.name, String(head ?? '?'), `${(model.size / 1e6).toFixed(1)} MB`, cell('early'), cell('late'), cell('step')]);
    await ctx.off.dispose();
    await ctx.on.dispose();
    await model.dispose();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.stdout.write(
  'Flash attention off / on (ms, median), one thread; on ÷ off above 1 means flash attention is slower:\n' +
    table([['model', 'head size', 'weights', '65 tokens at 0', '65 tokens at 1,400', 'one-token step at ~1,465'], ...rows]) +
    '\n',
);
