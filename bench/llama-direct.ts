// Bench child: node-llama-cpp used directly, set up exactly as router-core/engines/llamacpp.worker.ts does, for a tokens/s baseline.
//
// Usage: tsx bench/llama-direct.ts <model.gguf> [threads]
// Prints `{"ready":true,...}` once the model is loaded, then answers each stdin line `{"prompt","maxTokens"}` with
// `{"outputTokens","firstMs","lastMs","chunks","stopReason"}` (times from performance.now(), first/last text chunk).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { getLlama, LlamaChat, LlamaLogLevel, type ChatHistoryItem } from 'node-llama-cpp';
import { defaultThreadCount } from '../router-core/engines/llamacpp.worker.js';

/** The embedded engine's context cap (DEFAULT_CONTEXT_SIZE in router-core/engines/llamacpp.ts). */
const CONTEXT_SIZE = 4096;

const modelPath = process.argv[2];
if (!modelPath) {
  process.stderr.write('usage: tsx bench/llama-direct.ts <model.gguf> [threads]\n');
  process.exit(2);
}
const explicitThreads = process.argv[3] ? Number(process.argv[3]) : undefined;

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
const context = await model.createContext({ contextSize: { max: CONTEXT_SIZE }, sequences: 1, threads });
const chat = new LlamaChat({ contextSequence: context.getSequence() });
process.stdout.write(
  `${JSON.stringify({ ready: true, threads, contextThreads: context.currentThreads, contextSize: context.contextSize, gpu: llama.gpu })}\n`,
);

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

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const cmd = JSON.parse(line) as { prompt: string; maxTokens: number };
  process.stdout.write(`${JSON.stringify(await generate(cmd.prompt, cmd.maxTokens))}\n`);
}
// stdin closed: the bench is done (or gone).
chat.dispose();
await context.dispose();
await model.dispose();
await llama.dispose();
process.exit(0);
