// Bench child: node-llama-cpp used directly, set up exactly as router-core/engines/llamacpp.worker.ts does, for a tokens/s baseline.
//
// Usage: tsx bench/llama-direct.ts <model.gguf> [threads] [sequences]
// Prints `{"ready":true,...}` once the model is loaded, then answers each stdin line `{"prompt","maxTokens"}` with
// `{"outputTokens","firstMs","lastMs","chunks","stopReason"}` (times from performance.now(), first/last text chunk),
// each line `{"prompts":[...],"maxTokens"}` (one prompt per sequence, generated at once, batched by the context)
// with `{"parallel":true,"tokens","wallMs"}`, and each line `{"turns":[...],"maxTokens"}` (one conversation, a turn per
// user message) with `{"turns":true,"firstMs":[...],"evaluated":[...]}`.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { getLlama, LlamaChat, LlamaLogLevel, type ChatHistoryItem } from 'node-llama-cpp';
import { flashAttentionFor } from '../router-core/engines/flash-attention.js';
import { defaultThreadCount } from '../router-core/engines/llamacpp.worker.js';

/** The embedded engine's context cap (DEFAULT_CONTEXT_SIZE in router-core/engines/llamacpp.ts). */
const CONTEXT_SIZE = 4096;

const modelPath = process.argv[2];
if (!modelPath) {
  process.stderr.write('usage: tsx bench/llama-direct.ts <model.gguf> [threads]\n');
  process.exit(2);
}
const explicitThreads = process.argv[3] ? Number(process.argv[3]) : undefined;
const sequences = process.argv[4] ? Number(process.argv[4]) : 1;

const llama = await getLlama({
  gpu: false,
  build: 'never',
  skipDownload: true,
  usePrebuiltBinaries: true,
  progressLogs: false,
  maxThreads: explicitThreads ?? 1,
  logLevel: LlamaLogLevel.warn,
});
const threads = explicitThreads ?? defaultThreadCount(os.availableParallelism(), llama.cpuMathCores);
llama.maxThreads = threads;
const model = await llama.loadModel({ modelPath });
// The engine's attention kernel for this model (plain attention on the CPU for small heads), so the ceiling runs the same.
const flashAttention = flashAttentionFor(model.fileInfo.architectureMetadata, model.gpuLayers > 0);
const context = await model.createContext({ contextSize: { max: CONTEXT_SIZE }, sequences, threads, flashAttention });
const chats = Array.from({ length: sequences }, () => new LlamaChat({ contextSequence: context.getSequence() }));
const chat = chats[0]!;
process.stdout.write(
  `${JSON.stringify({ ready: true, threads, contextThreads: context.currentThreads, contextSize: context.contextSize, gpu: llama.gpu, flashAttention })}\n`,
);

/**
 * One generation per prompt, each on its own sequence, all at once; tokens summed, wall time of the slowest. Each
 * streams its text as it is generated (`onTextChunk`), as the single-stream mode does and as any streaming answer
 * must: without a text callback LlamaChat skips the per-token detokenizing a streamed answer needs (~15 µs a token
 * here), and the ceiling would leave out work that is the stream's, not the gateway's.
 */
async function generateParallel(prompts: string[], maxTokens: number): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  let chars = 0;
  const counts = await Promise.all(
    prompts.map(async (prompt, i) => {
      const c = chats[i]!;
      const before = c.sequence.tokenMeter.getState();
      await c.generateResponse(
        [
          { type: 'user', text: prompt },
          { type: 'model', response: [] },
        ],
        { maxTokens, temperature: 0, onTextChunk: (text) => (chars += text.length) },
      );
      return c.sequence.tokenMeter.diff(before).usedOutputTokens;
    }),
  );
  return { parallel: true, tokens: counts.reduce((a, b) => a + b, 0), chars, wallMs: performance.now() - t0 };
}

async function generate(prompt: string, maxTokens: number): Promise<Record<string, unknown>> {
  // The same history the engine worker builds for one user message: the user turn plus an empty model turn.
  const history: ChatHistoryItem[] = [
    { type: 'user', text: prompt },
    { type: 'model', response: [] },
  ];
  const before = chat.sequence.tokenMeter.getState();
  let firstMs = -1;
  let lastMs = -1;
  let chunks = 0;
  const res = await chat.generateResponse(history, {
    maxTokens,
    temperature: 0,
    onTextChunk: (text) => {
      if (!text) return;
      const now = performance.now();
      if (firstMs < 0) firstMs = now;
      lastMs = now;
      chunks++;
    },
  });
  const outputTokens = chat.sequence.tokenMeter.diff(before).usedOutputTokens;
  return { outputTokens, firstMs, lastMs, chunks, stopReason: res.metadata.stopReason };
}

/**
 * One conversation of `turns` user messages on the first sequence, each answered before the next is sent (the answer
 * joins the history), as a chat client does: the library's own reuse of the KV cache (LlamaChat keeps what matches
 * the sequence's tokens). Per turn, ms from the call to the first text chunk and the prompt tokens decoded.
 */
async function conversation(turns: string[], maxTokens: number): Promise<Record<string, unknown>> {
  const history: ChatHistoryItem[] = [];
  const firstMs: number[] = [];
  const evaluated: number[] = [];
  for (const text of turns) {
    history.push({ type: 'user', text }, { type: 'model', response: [] });
    const before = chat.sequence.tokenMeter.getState();
    const t0 = performance.now();
    let first = -1;
    const res = await chat.generateResponse(history, {
      maxTokens,
      temperature: 0,
      onTextChunk: (chunk) => {
        if (chunk && first < 0) first = performance.now() - t0;
      },
    });
    firstMs.push(first);
    evaluated.push(chat.sequence.tokenMeter.diff(before).usedInputTokens);
    history[history.length - 1] = { type: 'model', response: [res.response] };
  }
  return { turns: true, firstMs, evaluated };
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const cmd = JSON.parse(line) as { prompt?: string; prompts?: string[]; turns?: string[]; maxTokens: number };
  const out = cmd.turns
    ? await conversation(cmd.turns, cmd.maxTokens)
    : cmd.prompts
      ? await generateParallel(cmd.prompts.slice(0, sequences), cmd.maxTokens)
      : await generate(cmd.prompt ?? '', cmd.maxTokens);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
// stdin closed: the bench is done (or gone).
for (const c of chats) c.dispose();
await context.dispose();
await model.dispose();
await llama.dispose();
process.exit(0);
