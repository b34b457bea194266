// Worker-thread side of the embedded llama.cpp engine: loads GGUF models and generates, off the HTTP event loop.
//
// The host (llamacpp.ts) owns scheduling: it sends a `chat` only while the model has a free sequence, and an `unload`
// before loading a model that would exceed its LRU limit. Each loaded model has one context with N sequences that
// llama.cpp decodes together in one batch; a chat takes the free sequence whose cached tokens share the longest
// prefix with its prompt (a follow-up turn finds its conversation's KV cache), else an unused one, else the least
// recently used. Messages back are small plain objects (structured-clone friendly, no class instances).
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type {
  ChatHistoryItem,
  Llama,
  LlamaChat,
  LlamaContext,
  LlamaEmbeddingContext,
  LlamaGrammar,
  LlamaModel,
  Token,
} from 'node-llama-cpp';
import type { ChatMessage, GenerationParams, ResponseFormat } from '../contracts/chat.js';
import type { TokenChoice, TokenLogprob } from '../contracts/stream.js';
import { MIN_ANSWER_TOKENS } from '../routing/tokens.js';
import { memoizeTokenizer } from './tokenizer-memo.js';
import { flashAttentionFor } from './flash-attention.js';

/** Marks this module's `workerData`, so importing the module anywhere else (a test, the host) runs nothing. */
export const WORKER_KIND = 'hybrid-ai-llamacpp';

/** Options fixed for the life of one worker (sent as `workerData`). */
export interface WorkerInit {
  kind: typeof WORKER_KIND;
  /** Explicit thread count; undefined = {@link defaultThreadCount}. */
  threads?: number;
  /** 'auto' = use a prebuilt GPU binary when one works here, else CPU; false = CPU only. Never builds. */
  gpu: 'auto' | false;
  /** Upper bound on the context window, in tokens (per sequence). */
  contextSize: number;
}

/** Host -> worker. */
export type ToWorker =
  | { type: 'chat'; id: number; path: string; load: LoadRequest; messages: ChatMessage[]; params: WorkerGenerationParams }
  | { type: 'embed'; id: number; path: string; load: LoadRequest; texts: string[] }
  | { type: 'abort'; id: number }
  | { type: 'unload'; path: string }
  | { type: 'close' };

/** How the host wants a model loaded (used by the call that loads it; ignored once it is loaded). */
export interface LoadRequest {
  /** Parallel sequences wanted in the model's context (the worker may lower it to fit free memory). */
  sequences: number;
}

/** What loading a model cost and allows, reported once per load. */
export interface LoadedModelInfo {
  path: string;
  /** Sequences the context really has (the request, lowered when free memory would not hold them all). */
  sequences: number;
  /** Sequences asked for. */
  requestedSequences: number;
  /** Tokens each sequence can hold. */
  contextSize: number;
  /** Estimated RAM/VRAM of one sequence's KV cache, bytes (llama.cpp's own estimate for this GGUF). */
  bytesPerSequence: number;
  /** Estimated memory of the whole context (all sequences, compute buffers), bytes; the weights are extra. */
  contextBytes: number;
  /** Whether the context runs llama.cpp's flash-attention kernel (flash-attention.ts decides). */
  flashAttention: boolean;
  /** Why fewer sequences than asked, when so. */
  limitedBy?: string;
}

/** Generation parameters after the host applied its defaults. */
export interface WorkerGenerationParams extends Omit<GenerationParams, 'maxTokens'> {
  maxTokens: number;
  /** Measure the answer's mean token log-probability (one extra batched pass over the answer tokens). */
  confidence?: boolean;
  /** Constrain the answer to JSON (any object) or a JSON schema, with a grammar. */
  format?: ResponseFormat;
  /** Return each answer token's log-probability and this many most likely tokens at its position (undefined: none). */
  logprobs?: number;
}

/**
 * Compiled grammars by format, most recent last. why 32: a grammar is a few KB; apps reuse a handful of schemas,
 * and compiling one takes milliseconds, so a small bound only stops an endless stream of distinct schemas growing it.
 */
const grammars = new Map<string, Promise<LlamaGrammar>>();
const MAX_GRAMMARS = 32;

/**
 * node-llama-cpp's JSON grammar lets every number carry an exponent of up to 16 digits, so a schema's "integer" may
 * come back as 1E470334 (Infinity to every JSON parser, and no integer). Integers get no exponent; other numbers one
 * of at most two digits (1e99 still fits a double).
 */
export function boundedNumbers(gbnf: string): string {
  const exponent = ' ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?';
  return gbnf
    .split('\n')
    .map((line) => {
      if (line.startsWith('integer-number-rule ::= ')) return line.replace(exponent, '');
      if (line.startsWith('fractional-number-rule ::= ')) return line.replace(exponent, ' ([eE] [-+]? [0-9]{1,2})?');
      return line;
    })
    .join('\n');
}

/** The grammar for a format: any JSON object for `json` (OpenAI's json_object), else the schema's own. */
async function grammarFor(format: ResponseFormat): Promise<LlamaGrammar> {
  const schema = format.type === 'json' ? { type: 'object', additionalProperties: true } : format.schema;
  const key = JSON.stringify(schema);
  let g = grammars.get(key);
  if (g) {
    grammars.delete(key);
    grammars.set(key, g);
    return g;
  }
  const { llama } = await runtime();
  g = llama.createGrammarForJsonSchema(schema as never).then((j) =>
    llama.createGrammar({
      grammar: boundedNumbers(j.grammar),
      stopGenerationTriggers: j.stopGenerationTriggers,
      trimWhitespaceSuffix: j.trimWhitespaceSuffix,
    }),
  );
  g.catch(() => grammars.delete(key));
  if (grammars.size >= MAX_GRAMMARS) grammars.delete(grammars.keys().next().value!);
  grammars.set(key, g);
  return g;
}

/** What llama.cpp did for one call, counted in the worker (not inferred from what reached the client). */
export interface JobWork {
  /** Prompt tokens the call needed evaluated (after any reuse of the KV cache). */
  promptTokens: number;
  /** Prompt tokens actually decoded by llama.cpp for this call. */
  evaluatedTokens: number;
  /** Tokens generated. */
  generatedTokens: number;
  /** The output cap in force (the request's, lowered to what fits the context). */
  maxTokens: number;
  /** Milliseconds from the abort message to the worker being done with the call; absent when not aborted. */
  abortToIdleMs?: number;
  /** Which of the model's sequences ran the call (0-based). */
  sequence?: number;
  /** Prompt tokens found already in that sequence's KV cache (an earlier turn's), so not evaluated again. */
  reusedTokens?: number;
}

/** What the worker learned about the runtime once llama.cpp started. */
export interface WorkerRuntimeInfo {
  /** Threads llama.cpp evaluates with (the deliberate count, never the library default). */
  threads: number;
  /** 'cuda' | 'vulkan' | 'metal', or false for CPU. */
  gpu: string | false;
  /** Physical cores useful for math, as llama.cpp counts them. */
  mathCores: number;
}

/** Worker -> host. */
export type FromWorker =
  | { type: 'ready'; info: WorkerRuntimeInfo }
  | { type: 'loaded'; info: LoadedModelInfo }
  /** The model at `path` is disposed (weights, context and KV cache freed), answering an `unload`. */
  | { type: 'unloaded'; path: string }
  | { type: 'started'; id: number; contextThreads: number; promptTokens: number }
  | { type: 'progress'; id: number; evaluatedTokens: number; promptTokens: number }
  | { type: 'delta'; id: number; text: string }
  /** Batched text of several calls: `texts[i]` continues call `ids[i]` (each id once, in the order produced). */
  | { type: 'deltas'; ids: number[]; texts: string[] }
  | {
      type: 'end';
      id: number;
      inputTokens: number;
      outputTokens: number;
      stopReason: string;
      /** The caller's stop sequence that ended the answer (stopReason 'customStopTrigger'). */
      stopSequence?: string;
      meanLogprob?: number;
      /** Milliseconds the call waited for the model to load (the runtime started too); absent when it was loaded. */
      loadMs?: number;
      /** Each answer token's log-probability (params.logprobs set). */
      logprobs?: TokenLogprob[];
      /** What llama.cpp really did for this call (prompt tokens decoded, tokens generated): the engine's own record. */
      work: JobWork;
    }
  | { type: 'too-long'; id: number; promptTokens: number; contextSize: number; atLeast: boolean; answerTokens?: number }
  | { type: 'embedded'; id: number; embeddings: number[][]; inputTokens: number }
  | {
      type: 'failed';
      id: number;
      stage: 'runtime' | 'load' | 'generate' | 'context' | 'grammar';
      message: string;
      /** stage 'context': the real token count and the window it did not fit. */
      context?: { inputTokens: number; answerTokens: number; contextSize: number };
    }
  | { type: 'log'; level: 'warn' | 'error'; message: string }
  | { type: 'closed' };

/**
 * The deliberate thread count.
 * On <= 2 logical cores: 1. Measured on a 2-vCPU VM (shared/ENVIRONMENT.md §5): 1 thread ~1,100-1,400 tokens/s,
 * 2 threads ~60-80, the library default (4) ~7 — ggml's helper threads spin against Node's main and libuv
 * threads, so any extra thread loses by an order of magnitude.
 * Otherwise: physical math cores - 1 (one core stays free for the HTTP event loop and the OS), capped at 4
 * because CPU decode is memory-bandwidth bound and more threads stop helping small models (a conservative cap,
 * not measured here; pass `threads` to override).
 */
export function defaultThreadCount(logicalCores: number, mathCores: number): number {
  if (logicalCores <= 2) return 1;
  return Math.max(1, Math.min(4, mathCores - 1));
}

// When a request gives no temperature: 0.8 is Ollama's and llama.cpp server's default, so answers feel the
// same whichever local engine serves them.
const DEFAULT_TEMPERATURE = 0.8;

/** One sequence of a model's context, with the LlamaChat that drives it. */
interface SeqSlot {
  index: number;
  chat: LlamaChat;
  busy: boolean;
  /** Logical clock of its last use: the least recently used free sequence is the one overwritten first. */
  lastUsed: number;
}

interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  /** Sequences created so far (up to context.totalSequences; created on first need). */
  slots: SeqSlot[];
  /** Calls waiting for a free sequence (only when the host sent more than the context holds). */
  waiters: Array<() => void>;
  /** A LlamaChat on a new sequence of the context, with the routed chat wrapper. */
  newChat: () => LlamaChat;
  /** Created on the first embed request for this model (a second, embeddings-only context). */
  embedding?: Promise<LlamaEmbeddingContext>;
  /** Prompt tokens per ms the last evaluated chunk reached (sizes the next call's first chunk); unknown at first. */
  evalTokensPerMs?: number;
}

/**
 * Share of the free memory (RAM, or VRAM when offloaded) the extra sequences of one model may take. why: half leaves
 * room for the OS, the app, a second model and the answers' own buffers; a tier's model already fits its RAM without
 * them, so only the additional KV caches are weighed against what is free when the model loads.
 */
const SEQUENCE_MEMORY_SHARE = 0.5;
/**
 * When an unused sequence is still available, a free one is reused only if the prompt shares at least this share of
 * its cached tokens. why: a shared system prompt or chat-template header matches a few tokens of every conversation;
 * overwriting another conversation's cache for them would cost its next turn far more than the few tokens saved.
 */
const REUSE_MIN_SHARE = 0.5;

let useClock = 0;

// Embedding inputs are passages (chunks of a few hundred tokens in retrieval use); 2048 covers them, and the whole
// input must fit one batch, so the batch is the same size. Longer inputs are truncated, as Ollama does by default.
const EMBED_CONTEXT_MAX = 2048;

const init = workerData as WorkerInit | undefined;
const port = init?.kind === WORKER_KIND ? parentPort : null;

const post = (m: FromWorker): void => port?.postMessage(m);

/**
 * Longest a generated chunk waits to be batched with the next ones. why: 16 ms is one 60 Hz frame, so a reader sees
 * no difference, and at ~1,500 tokens/s it turns ~25 per-token messages into one, leaving the decode thread more of
 * the CPU (measured on this 2-core VM, same-run A/B of 3 × 16 alternating 200-token streams: +0.7 to +7% tokens/s
 * over 4 ms). A slow model (one token per 50 ms) still sends each token on its own, at most 16 ms late.
 */
const DELTA_BATCH_MS = 16;

/**
 * Text generated and not yet posted, by call, in the order the calls produced it. One timer flushes every stream's
 * text in one message, so N streams wake the host once per batch instead of N times.
 */
const pendingDeltas = new Map<number, string>();
let deltaTimer: NodeJS.Timeout | undefined;

function queueDelta(id: number, text: string): void {
  const before = pendingDeltas.get(id);
  pendingDeltas.set(id, before === undefined ? text : before + text);
  deltaTimer ??= setTimeout(flushDeltas, DELTA_BATCH_MS);
}

/** Posts all pending text now (before a call's `end`, so the host sees its text first). */
function flushDeltas(): void {
  if (deltaTimer) clearTimeout(deltaTimer);
  deltaTimer = undefined;
  if (pendingDeltas.size === 0) return;
  const ids: number[] = [];
  const texts: string[] = [];
  for (const [id, text] of pendingDeltas) {
    ids.push(id);
    texts.push(text);
  }
  pendingDeltas.clear();
  post({ type: 'deltas', ids, texts });
}

let llamaPromise: Promise<{ llama: Llama; threads: number }> | undefined;
const loaded = new Map<string, Promise<Loaded>>();
/** Paths whose load has finished (a call for one of them waits for no load). */
const ready = new Set<string>();
const running = new Map<number, AbortController>();
/** Chats in progress; close() waits for them so nothing is disposed under a running llama.cpp evaluation. */
const inflight = new Set<Promise<void>>();
/** Unloads still freeing memory; a load waits for them so two models never overlap past the LRU limit. */
let unloading: Promise<void> = Promise.resolve();

/** Starts llama.cpp once: prebuilt binaries only (build 'never', skipDownload), so nothing is fetched or compiled. */
function runtime(): Promise<{ llama: Llama; threads: number }> {
  llamaPromise ??= (async () => {
    const cfg = init!;
    const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
    const llama = await getLlama({
      gpu: cfg.gpu,
      build: 'never',
      skipDownload: true,
      usePrebuiltBinaries: true,
      progressLogs: false,
      // Start at the explicit count (or 1) so the library's oversubscribing default is never in effect.
      maxThreads: cfg.threads ?? 1,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        if (level === LlamaLogLevel.warn || level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) {
          post({ type: 'log', level: level === LlamaLogLevel.warn ? 'warn' : 'error', message: message.trim() });
        }
      },
    });
    const threads = cfg.threads ?? defaultThreadCount(os.availableParallelism(), llama.cpuMathCores);
    llama.maxThreads = threads;
    post({ type: 'ready', info: { threads, gpu: llama.gpu, mathCores: llama.cpuMathCores } });
    return { llama, threads };
  })();
  return llamaPromise;
}

/**
 * Chat wrappers as the library resolves them, with thinking switched off for routed answers: Qwen3's wrapper opens
 * an empty thought segment instead of letting the model reason first ("discourage"), and a model served through
 * its own Jinja template gets `enable_thinking: false`, the variable Qwen3's and SmolLM3's templates read.
 */
const ROUTED_WRAPPER_SETTINGS = {
  customWrapperSettings: {
    qwen: { thoughts: 'discourage' as const },
    jinjaTemplate: { additionalRenderParameters: { enable_thinking: false } },
  },
};

/**
 * Sequences that fit: the request, lowered one at a time while llama.cpp's estimate of the context exceeds
 * {@link SEQUENCE_MEMORY_SHARE} of the memory free now (never below 1: one sequence is what the tier budgeted).
 */
function fitSequences(
  model: LlamaModel,
  requested: number,
  contextSize: number,
  freeBytes: number,
  flashAttention: boolean,
): { sequences: number; bytesPerSequence: number; contextBytes: number; limitedBy?: string } {
  const est = (n: number): number => {
    const r = model.fileInsights.estimateContextResourceRequirements({
      contextSize,
      modelGpuLayers: model.gpuLayers,
      sequences: n,
      flashAttention,
    });
    return model.gpuLayers > 0 ? r.gpuVram : r.cpuRam;
  };
  const one = est(1);
  const bytesPerSequence = Math.max(0, est(2) - one);
  const budget = freeBytes * SEQUENCE_MEMORY_SHARE;
  let n = Math.max(1, requested);
  while (n > 1 && est(n) - one > budget) n--;
  const mib = (b: number): string => `${Math.round(b / 1048576)} MiB`;
  const limitedBy =
    n < requested
      ? `free memory: ${requested} sequences of ${mib(bytesPerSequence)} each would take more than half of the ${mib(freeBytes)} free`
      : undefined;
  return { sequences: n, bytesPerSequence, contextBytes: est(n), ...(limitedBy ? { limitedBy } : {}) };
}

function load(path: string, req: LoadRequest): Promise<Loaded> {
  let p = loaded.get(path);
  if (!p) {
    p = (async () => {
      await unloading;
      const { llama, threads } = await runtime();
      const { LlamaChat, resolveChatWrapper } = await import('node-llama-cpp');
      const model = await llama.loadModel({ modelPath: path });
      // Each prompt is tokenized here (fitPrompt) and again inside LlamaChat: the second time is a lookup.
      memoizeTokenizer(model);
      try {
        const requested = Math.max(1, Math.floor(req.sequences));
        const want = Math.min(init!.contextSize, model.trainContextSize);
        const free = model.gpuLayers > 0 ? (await llama.getVramState()).free : os.freemem();
        // Plain attention for the small heads llama.cpp's CPU flash-attention kernel handles slowly (flash-attention.ts).
        const flashAttention = flashAttentionFor(model.fileInfo.architectureMetadata, model.gpuLayers > 0);
        const usesFlash = flashAttention === 'auto' && model.flashAttentionSupported;
        const fit = fitSequences(model, requested, want, free, usesFlash);
        // One context, N sequences: llama.cpp decodes the pending tokens of every busy sequence in one batch.
        const context = await model.createContext({
          contextSize: { max: init!.contextSize },
          sequences: fit.sequences,
          threads,
          flashAttention,
        });
        post({
          type: 'loaded',
          info: {
            path,
            sequences: context.totalSequences,
            requestedSequences: requested,
            contextSize: context.contextSize,
            bytesPerSequence: fit.bytesPerSequence,
            contextBytes: fit.contextBytes,
            flashAttention: usesFlash,
            ...(fit.limitedBy ? { limitedBy: fit.limitedBy } : {}),
          },
        });
        // The first sequence exists from the start: its LlamaChat also renders prompts (the chat template is stateless).
        const newChat = (): LlamaChat =>
          new LlamaChat({ contextSequence: context.getSequence(), chatWrapper: resolveChatWrapper(model, ROUTED_WRAPPER_SETTINGS) });
        const first: SeqSlot = { index: 0, chat: newChat(), busy: false, lastUsed: 0 };
        return { model, context, slots: [first], waiters: [], newChat };
      } catch (e) {
        await model.dispose();
        throw e;
      }
    })();
    loaded.set(path, p);
    const mine = p;
    // Ready only while this load is still the path's (an unload may have come first).
    p.then(
      () => void (loaded.get(path) === mine && ready.add(path)),
      // A failed load is forgotten so a later request (after the file is fixed) tries again.
      () => loaded.delete(path),
    );
  }
  return p;
}

/** Length of the common prefix of two token lists. */
function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Takes a sequence for a prompt: the free one whose KV cache shares the longest prefix with `tokens` (ties: the least
 * recently used), unless that prefix is a small part of its cache and an unused sequence can still be created; waits
 * when every sequence is busy. Returns null when `signal` aborts while waiting.
 */
async function acquire(m: Loaded, tokens: readonly number[], signal: AbortSignal): Promise<SeqSlot | null> {
  for (;;) {
    if (signal.aborted) return null;
    let best: SeqSlot | undefined;
    let bestLen = -1;
    for (const s of m.slots) {
      if (s.busy) continue;
      const len = commonPrefix(s.chat.sequence.contextTokens, tokens);
      if (len > bestLen || (len === bestLen && best && s.lastUsed < best.lastUsed)) {
        best = s;
        bestLen = len;
      }
    }
    const worthReusing = best && bestLen > 0 && bestLen >= REUSE_MIN_SHARE * best.chat.sequence.contextTokens.length;
    if (!worthReusing) {
      // An empty sequence costs no other conversation its cache: take one before overwriting a used one.
      const empty = m.slots.find((x) => !x.busy && x.chat.sequence.contextTokens.length === 0);
      if (empty) best = empty;
      else if (m.context.sequencesLeft > 0) {
        best = { index: m.slots.length, chat: m.newChat(), busy: false, lastUsed: 0 };
        m.slots.push(best);
      }
    }
    if (best) {
      best.busy = true;
      best.lastUsed = ++useClock;
      return best;
    }
    await new Promise<void>((resolve) => {
      m.waiters.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}

function release(m: Loaded, slot: SeqSlot): void {
  slot.busy = false;
  slot.lastUsed = ++useClock;
  m.waiters.shift()?.();
}

async function unload(path: string): Promise<void> {
  const p = loaded.get(path);
  loaded.delete(path);
  ready.delete(path);
  if (!p) return;
  try {
    const m = await p;
    for (const s of m.slots) s.chat.dispose();
    await m.context.dispose();
    if (m.embedding) await (await m.embedding.catch(() => undefined))?.dispose();
    await m.model.dispose();
  } catch {
    // It never loaded; nothing to free.
  }
}

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  // Tool requests are never routed to this engine (it does not claim `tools`); a stray tool result reads as a user turn.
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === 'system'
      ? { type: 'system', text: m.content }
      : m.role === 'user' || m.role === 'tool'
        ? { type: 'user', text: m.content }
        : { type: 'model', response: [m.content] },
  );
  // generateResponse continues the last model turn: add an empty one unless the caller pre-filled it.
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

/** One-line reason from whatever llama.cpp threw (its messages can be long and multi-line). */
function shortReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = msg.split('\n').find((l) => l.trim()) ?? 'unknown error';
  // 200 chars: enough to name the cause, short enough for a log line or an error body.
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * Prompt evaluation runs in chunks sized to take about this long each, with the abort signal checked between them.
 * why: llama.cpp cannot be interrupted inside one decode call, so the chunk's duration bounds how late an abort is
 * seen; 30 ms keeps a stop within ~100 ms (one chunk, a chunk that ran long, and the message hop) whatever the model's speed, while a chunk
 * is still long enough that the per-call overhead (well under a millisecond) is lost in it.
 */
const EVAL_CHUNK_TARGET_MS = 30;
/** First chunk, before any timing is known: small, so a slow model's first chunk cannot overshoot the target much. */
const EVAL_CHUNK_FIRST = 16;
/**
 * Smallest chunk, and the most a chunk may grow per step. why 8: on a CPU a decode costs at least one read of all the
 * weights, so tiny chunks of a large model would evaluate the prompt several times slower; a model too slow for 8
 * tokens in 30 ms stops after one such chunk instead.
 */
const EVAL_CHUNK_MIN = 8;
const EVAL_CHUNK_GROWTH = 2;
/**
 * Characters tokenized per slice while checking that a prompt fits the context. why: llama.cpp tokenizes ~1.2 M
 * characters/s on the 2-core VM (1 M words of "word " took 4.3 s), so a 32 Ki slice takes ~25 ms: an abort is seen
 * between slices, and an 8 MiB prompt is known not to fit after a few slices instead of seconds of tokenizing.
 */
const FIT_SLICE_CHARS = 32_768;
/**
 * Tokens a slice boundary can add to a sliced count (a word cut in two, a space-prefix token at the slice start),
 * so the sliced count minus this per slice is a safe lower bound on the real count.
 */
const SLICE_BOUNDARY_SLACK = 2;

/**
 * A lower bound on the tokens of `texts`, tokenized slice by slice, stopping as soon as it exceeds `limit`;
 * yields to the event loop between slices so an abort message gets through. Returns null when aborted.
 */
async function tokenLowerBound(model: LlamaModel, texts: readonly string[], limit: number, signal: AbortSignal): Promise<number | null> {
  let bound = 0;
  for (const text of texts) {
    for (let at = 0; at < text.length; at += FIT_SLICE_CHARS) {
      if (signal.aborted) return null;
      const n = model.tokenize(text.slice(at, at + FIT_SLICE_CHARS)).length;
      bound += Math.max(0, n - SLICE_BOUNDARY_SLACK);
      if (bound > limit) return bound;
      if (text.length > FIT_SLICE_CHARS) await new Promise<void>((r) => setImmediate(r));
    }
  }
  return bound;
}

type ChatMsg = Extract<ToWorker, { type: 'chat' }>;

/** One chat call's record in the worker: what llama.cpp did for it, and when it was told to stop. */
interface ChatCall {
  msg: ChatMsg;
  signal: AbortSignal;
  work: JobWork;
  /**
   * Prompt tokens as the chat template renders them, once known (the KV cache may reuse a prefix, so the meter alone
   * would under-count the prompt of a follow-up turn).
   */
  inputTokens: number;
  /** performance.now() when the abort arrived. */
  abortAt?: number;
  /** Milliseconds the call waited for its model to load; undefined when it was loaded already. */
  loadMs?: number;
  /** The answer's tokens as generated (collected only when log-probabilities are asked for). */
  answerTokens: Token[];
}

/** A call's model, grammar and prompt, checked to fit the context. */
interface PreparedChat {
  m: Loaded;
  grammar: LlamaGrammar | undefined;
  history: ChatHistoryItem[];
  tokens: Token[];
}

const finishWork = (c: ChatCall): JobWork =>
  c.abortAt === undefined ? c.work : { ...c.work, abortToIdleMs: performance.now() - c.abortAt };

/**
 * Which of `stops` llama.cpp stopped on: its trigger comes back as text parts (and tokens, never used here: stops are
 * passed as strings), matched to the caller's spelling; `{}` when no stop sequence ended the answer.
 */
function stopSequenceOf(
  metadata: { stopReason: string; customStopTrigger?: ReadonlyArray<unknown> },
  stops: readonly string[] | undefined,
) {
  if (metadata.stopReason !== 'customStopTrigger' || !stops || stops.length === 0) return {};
  const said = (metadata.customStopTrigger ?? []).filter((t): t is string => typeof t === 'string').join('');
  const stop = stops.find((s) => s === said) ?? (said !== '' ? said : undefined);
  return stop !== undefined ? { stopSequence: stop } : {};
}

/** The end of a call that was aborted: what it did so far, with stop reason 'abort'. */
function endAborted(c: ChatCall): void {
  flushDeltas();
  post({
    type: 'end',
    id: c.msg.id,
    inputTokens: c.inputTokens,
    outputTokens: c.work.generatedTokens,
    stopReason: 'abort',
    work: finishWork(c),
  });
}

async function chat(msg: ChatMsg): Promise<void> {
  const ac = new AbortController();
  const call: ChatCall = {
    msg,
    signal: ac.signal,
    work: { promptTokens: 0, evaluatedTokens: 0, generatedTokens: 0, maxTokens: msg.params.maxTokens },
    inputTokens: 0,
    answerTokens: [],
  };
  ac.signal.addEventListener('abort', () => (call.abortAt = performance.now()), { once: true });
  running.set(msg.id, ac);
  try {
    const ready = await prepareChat(call);
    if (!ready) return;
    const slot = await acquire(ready.m, ready.tokens, ac.signal);
    if (!slot) return endAborted(call);
    try {
      await generate(call, ready, slot);
    } finally {
      release(ready.m, slot);
    }
  } catch (e) {
    if (ac.signal.aborted) endAborted(call);
    else {
      flushDeltas();
      post({ type: 'failed', id: msg.id, stage: 'generate', message: shortReason(e) });
    }
  } finally {
    running.delete(msg.id);
  }
}

/**
 * Starts llama.cpp, loads the model and compiles the grammar, then checks the prompt fits the context. Null when the
 * call already ended (failed, too long or aborted: the host has been told).
 */
async function prepareChat(call: ChatCall): Promise<PreparedChat | null> {
  const { msg } = call;
  const fail = (stage: 'runtime' | 'load' | 'grammar', e: unknown): null => {
    post({ type: 'failed', id: msg.id, stage, message: shortReason(e) });
    return null;
  };
  const loadStart = ready.has(msg.path) ? undefined : performance.now();
  try {
    await runtime();
  } catch (e) {
    return fail('runtime', e);
  }
  let m: Loaded;
  try {
    m = await load(msg.path, msg.load);
  } catch (e) {
    return fail('load', e);
  }
  if (loadStart !== undefined) call.loadMs = performance.now() - loadStart;
  if (call.signal.aborted) return (endAborted(call), null);
  let grammar: LlamaGrammar | undefined;
  if (msg.params.format) {
    try {
      grammar = await grammarFor(msg.params.format);
    } catch (e) {
      return fail('grammar', e);
    }
  }
  const history = toHistory(msg.messages);
  const tokens = await fitPrompt(call, m, history);
  return tokens ? { m, grammar, history, tokens } : null;
}

/**
 * The prompt's tokens, when it fits the context with room for an answer; else null, the host told (too long, or
 * aborted while counting).
 */
async function fitPrompt(call: ChatCall, m: Loaded, history: ChatHistoryItem[]): Promise<Token[] | null> {
  const { msg } = call;
  const contextSize = m.context.contextSize;
  // Never feed llama.cpp a prompt that cannot fit: LlamaChat would spend minutes compressing and re-tokenizing
  // it (uninterruptibly). A sliced lower bound refuses a huge prompt cheaply; the exact count follows.
  // why twice the context: counting a prompt up to that size exactly takes milliseconds and gives the caller the
  // real number; beyond it only "at least" matters, and a 8 MiB prompt is refused without tokenizing it whole.
  const roughLimit = 2 * contextSize;
  // A prompt within one slice gains nothing from the bound (no abort check between slices, and the exact count
  // follows at once): counting it twice cost a follow-up turn ~1 ms per 1,000 tokens of history.
  let chars = 0;
  for (const x of msg.messages) chars += x.content.length;
  const bound =
    chars <= FIT_SLICE_CHARS
      ? 0
      : await tokenLowerBound(
          m.model,
          msg.messages.map((x) => x.content),
          roughLimit,
          call.signal,
        );
  if (bound === null) return (endAborted(call), null);
  if (bound > roughLimit) {
    post({ type: 'too-long', id: msg.id, promptTokens: bound, contextSize, atLeast: true });
    return null;
  }
  // The prompt as LlamaChat renders it when it fits (LlamaChat.getContextWindow), so the chunks below are reused.
  const tokens = m.slots[0]!.chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(m.model.tokenizer);
  call.inputTokens = tokens.length;
  // Context fit with the real tokenizer: an input that leaves no room for an answer is refused, never fed (the
  // library would shift the context and silently drop the start of the conversation). The room an answer needs is
  // max_tokens up to MIN_ANSWER_TOKENS (routing reserves the same); LlamaChat also needs prompt + 1 < context.
  const answerTokens = Math.max(1, Math.min(msg.params.maxTokens, MIN_ANSWER_TOKENS));
  if (tokens.length + answerTokens + 1 > contextSize) {
    post({ type: 'too-long', id: msg.id, promptTokens: tokens.length, contextSize, atLeast: false, answerTokens });
    return null;
  }
  return tokens;
}

/** Evaluates the prompt on `slot`'s sequence (reusing its cached prefix) and generates the answer, posting as it goes. */
async function generate(call: ChatCall, ready: PreparedChat, slot: SeqSlot): Promise<void> {
  const { msg, work, signal } = call;
  const { m, tokens } = ready;
  const sequence = slot.chat.sequence;
  work.sequence = slot.index;
  // The answer stops where the context is full: past it llama.cpp would shift the context and run on for as long
  // as max_tokens allows (a num_predict of 1e15 would hold the engine for hours).
  work.maxTokens = Math.min(msg.params.maxTokens, m.context.contextSize - tokens.length - 1);
  post({ type: 'started', id: msg.id, contextThreads: m.context.currentThreads, promptTokens: tokens.length });
  const before = sequence.tokenMeter.getState();
  if (!(await evaluatePrompt(call, m, sequence, tokens)) || signal.aborted) return endAborted(call);
  let res: Awaited<ReturnType<LlamaChat['generateResponse']>>;
  try {
    res = await respond(call, ready, slot);
  } finally {
    // The meter counts a decoded token that asks for logits as "output": the last prompt token is one of them, and
    // prompt tokens are decoded before any generated one is fed back.
    const d = sequence.tokenMeter.diff(before);
    work.generatedTokens = d.usedOutputTokens;
    work.evaluatedTokens = Math.min(work.promptTokens, d.usedInputTokens + (d.usedOutputTokens > 0 ? 1 : 0));
  }
  flushDeltas();
  const outputTokens = work.generatedTokens;
  const p = msg.params;
  const logprobs =
    p.logprobs !== undefined && !signal.aborted
      ? await tokenLogprobs(m.model, sequence, tokens, call.answerTokens, res.response, p.logprobs)
      : undefined;
  const meanLogprob = p.confidence && outputTokens > 0 && !signal.aborted ? await answerLogprob(sequence, outputTokens) : undefined;
  post({
    type: 'end',
    id: msg.id,
    inputTokens: tokens.length,
    outputTokens,
    stopReason: signal.aborted ? 'abort' : res.metadata.stopReason,
    ...(signal.aborted ? {} : stopSequenceOf(res.metadata, p.stop)),
    meanLogprob,
    ...(call.loadMs !== undefined ? { loadMs: call.loadMs } : {}),
    ...(logprobs !== undefined ? { logprobs } : {}),
    work: finishWork(call),
  });
}

/**
 * Evaluates all but the last prompt token ahead of LlamaChat, in chunks, checking the abort signal between them;
 * LlamaChat then finds them in the KV cache and decodes only the rest before generating (where it checks per token).
 * A rest that one chunk would take whole is left to LlamaChat: it then rides in one batch with the last token
 * (and with the other sequences' next tokens) instead of costing decode rounds of its own before the first token.
 * False when aborted.
 */
async function evaluatePrompt(call: ChatCall, m: Loaded, sequence: LlamaChat['sequence'], tokens: Token[]): Promise<boolean> {
  const { msg, work, signal } = call;
  const prefix = tokens.slice(0, -1);
  await sequence.adaptStateToTokens(prefix, false);
  let done = Math.min(sequence.nextTokenIndex, prefix.length);
  work.reusedTokens = done;
  work.promptTokens = tokens.length - done;
  const batch = m.context.batchSize;
  // The first chunk: what the last one reached in EVAL_CHUNK_TARGET_MS, or EVAL_CHUNK_FIRST while that is unknown.
  const rate = m.evalTokensPerMs;
  let chunk = rate === undefined ? EVAL_CHUNK_FIRST : Math.max(EVAL_CHUNK_MIN, Math.min(batch, Math.round(rate * EVAL_CHUNK_TARGET_MS)));
  if (prefix.length - done <= chunk) return !signal.aborted;
  while (done < prefix.length) {
    if (signal.aborted) return false;
    const piece = prefix.slice(done, done + chunk);
    const t0 = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(piece);
    const ms = Math.max(performance.now() - t0, 1);
    done += piece.length;
    work.evaluatedTokens += piece.length;
    post({ type: 'progress', id: msg.id, evaluatedTokens: work.evaluatedTokens, promptTokens: work.promptTokens });
    m.evalTokensPerMs = piece.length / ms;
    const fit = Math.round((piece.length * EVAL_CHUNK_TARGET_MS) / ms);
    chunk = Math.max(EVAL_CHUNK_MIN, Math.min(fit, chunk * EVAL_CHUNK_GROWTH, batch));
  }
  return true;
}

/**
 * LlamaChat generates the answer. The first text goes to the host at once (time to first token); later text waits
 * up to DELTA_BATCH_MS in {@link pendingDeltas}, so the host handles one message per few tokens of all streams.
 */
function respond(call: ChatCall, ready: PreparedChat, slot: SeqSlot): ReturnType<LlamaChat['generateResponse']> {
  const { msg, work, signal } = call;
  const p = msg.params;
  let first = true;
  return slot.chat.generateResponse(ready.history, {
    maxTokens: work.maxTokens,
    temperature: p.temperature ?? DEFAULT_TEMPERATURE,
    topP: p.topP,
    seed: p.seed,
    customStopTriggers: p.stop && p.stop.length > 0 ? p.stop : undefined,
    grammar: ready.grammar,
    signal,
    // Return what was generated instead of throwing: the host already told its caller "aborted".
    stopOnAbortSignal: true,
    ...(p.logprobs !== undefined ? { onToken: (t: Token[]) => void call.answerTokens.push(...t) } : {}),
    onTextChunk: (text) => {
      if (!text) return;
      if (first) {
        first = false;
        post({ type: 'delta', id: msg.id, text });
      } else queueDelta(msg.id, text);
    },
  });
}

/** The model's embedding context (created once) and how many tokens one input may have. */
async function embeddingContext(m: Loaded, threads: number): Promise<{ ctx: LlamaEmbeddingContext; maxTokens: number }> {
  const size = Math.min(EMBED_CONTEXT_MAX, init!.contextSize, m.model.trainContextSize);
  m.embedding ??= m.model.createEmbeddingContext({ contextSize: size, batchSize: size, threads });
  // A failed creation is forgotten so the next request tries again.
  m.embedding.catch(() => (m.embedding = undefined));
  // The library adds BOS/EOS and wants the input strictly shorter than the window.
  return { ctx: await m.embedding, maxTokens: Math.max(1, size - 3) };
}

async function embed(msg: Extract<ToWorker, { type: 'embed' }>): Promise<void> {
  const ac = new AbortController();
  running.set(msg.id, ac);
  const aborted = (): void => post({ type: 'failed', id: msg.id, stage: 'generate', message: 'aborted' });
  try {
    let threads: number;
    try {
      threads = (await runtime()).threads;
    } catch (e) {
      post({ type: 'failed', id: msg.id, stage: 'runtime', message: shortReason(e) });
      return;
    }
    let m: Loaded;
    try {
      m = await load(msg.path, msg.load);
    } catch (e) {
      post({ type: 'failed', id: msg.id, stage: 'load', message: shortReason(e) });
      return;
    }
    // No texts: a preload (Ollama's); the model is loaded now and no embedding context is opened for nothing.
    if (msg.texts.length === 0) return void post({ type: 'embedded', id: msg.id, embeddings: [], inputTokens: 0 });
    const { ctx, maxTokens } = await embeddingContext(m, threads);
    const embeddings: number[][] = [];
    let inputTokens = 0;
    for (const text of msg.texts) {
      if (ac.signal.aborted) return aborted();
      const tokens = m.model.tokenize(text).slice(0, maxTokens);
      inputTokens += tokens.length;
      embeddings.push([...(await ctx.getEmbeddingFor(tokens)).vector]);
    }
    if (ac.signal.aborted) return aborted();
    post({ type: 'embedded', id: msg.id, embeddings, inputTokens });
  } catch (e) {
    post({ type: 'failed', id: msg.id, stage: 'generate', message: shortReason(e) });
  } finally {
    running.delete(msg.id);
  }
}

/**
 * Mean natural-log probability of the last `answerTokens` tokens of the sequence (the answer just generated).
 * LlamaChat does not expose per-token probabilities, so the answer is re-scored: its tokens (and the one before
 * it) are erased from the context and evaluated again in one batch, asking for each next token's raw logit and the
 * total logit weight: log p(t) = (logit(t) − max) − ln Σ exp(logit − max). The context ends as it was, so the
 * next turn still reuses it. Undefined when it cannot be measured (the caller then skips the check).
 */
async function answerLogprob(sequence: LlamaChat['sequence'], answerTokens: number): Promise<number | undefined> {
  try {
    const tokens = sequence.contextTokens;
    const k = Math.min(answerTokens, tokens.length - 1);
    if (k <= 0) return undefined;
    const start = tokens.length - k - 1;
    const tail = tokens.slice(start);
    await sequence.eraseContextTokenRanges([{ start, end: tokens.length }]);
    const out = await sequence.controlledEvaluate(
      tail.map((t, i) =>
        i < tail.length - 1
          ? [t, { generateNext: { logits: { filter: { tokens: [tail[i + 1]!], includeMax: true } }, totalLogitWeight: true } }]
          : t,
      ),
    );
    let sum = 0;
    let n = 0;
    for (let i = 0; i < k; i++) {
      const next = out[i]?.next;
      const logit = next?.logits?.get(tail[i + 1]!);
      if (!next?.logits || logit === undefined || next.totalLogitWeight === undefined) continue;
      let max = -Infinity;
      for (const v of next.logits.values()) max = Math.max(max, v);
      sum += logit - max - Math.log(next.totalLogitWeight);
      n++;
    }
    return n === 0 ? undefined : sum / n;
  } catch (e) {
    post({ type: 'log', level: 'warn', message: `could not measure answer confidence: ${shortReason(e)}` });
    return undefined;
  }
}

/** node-llama-cpp's native model handle: `getTokenString` reads a token's vocabulary entry (`<0xF0>` for a byte). */
interface NativeTokenStrings {
  _model?: { getTokenString?: (token: number) => string };
}

/**
 * The one byte a SentencePiece byte-fallback token (`<0xF0>`) stands for, or undefined for any other token. Its text
 * alone is U+FFFD (a lone byte of a longer character is no text), so its bytes cannot be read back from that text.
 */
function fallbackByte(model: LlamaModel, t: Token): number | undefined {
  if (!model.getTokenAttributes(t).byte) return undefined;
  const entry = (model as unknown as NativeTokenStrings)._model?.getTokenString?.(t);
  const hex = entry === undefined ? null : /^<0x([0-9A-Fa-f]{2})>$/.exec(entry);
  return hex ? Number.parseInt(hex[1]!, 16) : undefined;
}

/**
 * The characters that `bytes` completes after `pending` (the bytes of a run of byte tokens not yet a whole
 * character): '' while a character is still incomplete, the character (or U+FFFD for an invalid sequence) once it is.
 */
function completedText(pending: readonly number[], bytes: readonly number[]): string {
  const before = new TextDecoder().decode(Uint8Array.from(pending), { stream: true });
  return new TextDecoder().decode(Uint8Array.from([...pending, ...bytes]), { stream: true }).slice(before.length);
}

/** What is left of an unfinished run of byte tokens when no byte token continues it: U+FFFD for its incomplete tail. */
function flushedText(pending: readonly number[]): string {
  if (pending.length === 0) return '';
  const streamed = new TextDecoder().decode(Uint8Array.from(pending), { stream: true });
  return new TextDecoder().decode(Uint8Array.from(pending)).slice(streamed.length);
}

/**
 * Each answer token's natural-log probability and the `top` most likely tokens at its position (OpenAI's logprobs).
 * LlamaChat does not expose per-token probabilities, so the answer is re-scored as {@link answerLogprob} does: the
 * answer is erased from the context and fed again after the prompt's last token in one batch, asking at each position
 * for the raw logits of the token that came and of the `top` best, and the total logit weight:
 * log p(t) = (logit(t) − max) − ln Σ exp(logit − max) (before temperature, as the model scores them). Only the tokens
 * whose text the caller got count (a stop sequence's are generated, then cut). Undefined when it cannot be measured.
 * A byte-fallback token's `bytes` is its own byte; its text is the character it completes ('' before), so the tokens'
 * text still joins to the answer and their bytes, joined, are the answer's UTF-8 (OpenAI's use of `bytes`).
 */
async function tokenLogprobs(
  model: LlamaModel,
  sequence: LlamaChat['sequence'],
  prompt: readonly Token[],
  answer: readonly Token[],
  text: string,
  top: number,
): Promise<TokenLogprob[] | undefined> {
  try {
    // Each token's text and bytes after the answer's earlier tokens; `pending` holds an unfinished byte run.
    const spell = (
      t: Token,
      previous: readonly Token[],
      pending: readonly number[],
    ): Omit<TokenChoice, 'logprob'> & { pendingAfter: number[] } => {
      const byte = fallbackByte(model, t);
      if (byte !== undefined) return { token: completedText(pending, [byte]), bytes: [byte], pendingAfter: [...pending, byte] };
      const piece = model.detokenize([t], false, previous as Token[]);
      return { token: piece, bytes: [...Buffer.from(piece, 'utf8')], pendingAfter: [] };
    };
    const spelled: Array<ReturnType<typeof spell> & { pendingBefore: number[] }> = [];
    let pending: number[] = [];
    let len = 0;
    for (let i = 0; i < answer.length; i++) {
      const s = spell(answer[i]!, answer.slice(Math.max(0, i - 4), i), pending);
      // A byte run the next token does not continue (no token, a whole one, or a byte that is not a UTF-8 continuation
      // byte) stays unfinished: its U+FFFD is this last byte token's text, not the next token's.
      const nextByte = i + 1 < answer.length ? fallbackByte(model, answer[i + 1]!) : undefined;
      if (s.pendingAfter.length > 0 && (nextByte === undefined || nextByte < 0x80 || nextByte > 0xbf)) {
        s.token += flushedText(s.pendingAfter);
        s.pendingAfter = [];
      }
      if (len + s.token.length > text.length) break;
      spelled.push({ ...s, pendingBefore: pending });
      pending = s.pendingAfter;
      len += s.token.length;
    }
    const kept = answer.slice(0, spelled.length);
    if (kept.length === 0 || prompt.length === 0) return [];
    const before = prompt.length - 1;
    await sequence.eraseContextTokenRanges([{ start: before, end: sequence.nextTokenIndex }]);
    const fed = [prompt[before]!, ...kept.slice(0, -1)];
    const out = await sequence.controlledEvaluate(
      fed.map((t, i) => [
        t,
        { generateNext: { logits: { filter: { tokens: [kept[i]!], includeTop: top, includeMax: true } }, totalLogitWeight: true } },
      ]),
    );
    return kept.map((t, i) => {
      const next = out[i]?.next;
      if (!next?.logits || next.totalLogitWeight === undefined) throw new Error(`no logits at answer token ${i}`);
      let max = -Infinity;
      for (const v of next.logits.values()) max = Math.max(max, v);
      const lp = (logit: number): number => logit - max - Math.log(next.totalLogitWeight!);
      const previous = kept.slice(Math.max(0, i - 4), i);
      const { pendingBefore } = spelled[i]!;
      const choice = (c: Token, logprob: number): TokenChoice => {
        // The token taken is spelled as in the answer (its text may close an unfinished byte run).
        if (c === t) return { token: spelled[i]!.token, logprob, bytes: spelled[i]!.bytes };
        const s = spell(c, previous, pendingBefore);
        return { token: s.token, logprob, bytes: s.bytes };
      };
      const best = [...next.logits.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
      return {
        token: spelled[i]!.token,
        logprob: lp(next.logits.get(t) ?? -Infinity),
        bytes: spelled[i]!.bytes,
        top: best.map(([c, logit]) => choice(c, lp(logit))),
      };
    });
  } catch (e) {
    post({ type: 'log', level: 'warn', message: `could not measure token log-probabilities: ${shortReason(e)}` });
    return undefined;
  }
}

async function close(): Promise<void> {
  for (const ac of running.values()) ac.abort();
  // Aborted calls stop within a token or one short prompt chunk; freeing a model under a running evaluation could
  // crash llama.cpp (the Napi::Error abort seen when a stuck worker was terminated).
  await Promise.allSettled([...inflight]);
  await Promise.all([...loaded.keys()].map((p) => unload(p)));
  if (llamaPromise) {
    try {
      await (await llamaPromise).llama.dispose();
    } catch {
      // Never started; nothing to free.
    }
  }
  post({ type: 'closed' });
  port?.close();
}

port?.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'chat': {
      const done = chat(msg);
      inflight.add(done);
      void done.finally(() => inflight.delete(done));
      break;
    }
    case 'embed': {
      const done = embed(msg);
      inflight.add(done);
      void done.finally(() => inflight.delete(done));
      break;
    }
    case 'abort':
      running.get(msg.id)?.abort();
      break;
    case 'unload':
      unloading = Promise.all([unloading, unload(msg.path).then(() => post({ type: 'unloaded', path: msg.path }))]).then(() => undefined);
      break;
    case 'close':
      void close();
      break;
  }
});
