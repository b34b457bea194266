// Embedded llama.cpp engine (node-llama-cpp): worker host, deliberate thread count, LRU of loaded models, N parallel
// sequences per model with a bounded fair queue behind them.
//
// Inference runs in a worker thread (llamacpp.worker.ts) so the HTTP event loop keeps serving while a model
// generates. This side decides *what* runs *when*; the worker only loads and generates. Each loaded model has one
// context with N sequences, decoded together in one batch by llama.cpp: up to N calls per model run at once, more
// wait in the queue, and past the queue's limit a call is refused at once (503 'upstream_overloaded' with a
// Retry-After) instead of waiting without end.
//
// Fair queue: when a model's sequence frees, the next call is the oldest one of the caller (app key) served least
// recently, so one caller's backlog cannot keep the others waiting (round robin between callers, FIFO within one).
//
// One call's life:
//
//   (queue full) ──> refused: CoreError('upstream_overloaded', retryAfter)
//   queued ──(a sequence free, LRU room)──> running ──(worker: end)──────> done
//     │                                       │ └───(worker: failed)────> CoreError
//     │                                       └─────(worker crashed)────> CoreError('upstream_error')
//     └──(signal aborts)──> removed             (signal aborts: abort sent to the worker, the caller gets
//                                                'aborted' at once, or once the worker confirms (within a token)
//                                                with the tokens it used when text was streamed; the sequence
//                                                frees when the worker confirms; the model's other sequences
//                                                keep generating)
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { ChatMessage, GenerationParams } from '../contracts/chat.js';
import type { EngineAvailability } from '../contracts/decision.js';
import type { StreamEvent, Usage } from '../contracts/stream.js';
import { findLocalModel, findModel } from '../data/models.js';
import { CoreError } from '../errors.js';
import { withThinkingOff } from '../routing/thinking.js';
import type { EmbedResult, Engine, EngineCall } from './engine.js';
import { readGgufContextLength } from './gguf-info.js';
import type {
  FromWorker,
  JobWork,
  LoadedModelInfo,
  ToWorker,
  WorkerGenerationParams,
  WorkerInit,
  WorkerRuntimeInfo,
} from './llamacpp.worker.js';

export type { JobWork, LoadedModelInfo } from './llamacpp.worker.js';

export { defaultThreadCount } from './llamacpp.worker.js';

/** Options for {@link createLlamaCppEngine}. */
export interface LlamaCppEngineOptions {
  /** Catalog model id -> absolute path of its GGUF file. */
  modelFiles: Record<string, string>;
  /**
   * Every local model is answered from one file under this name (HYBRID_AI_LOCAL_MODEL); `modelFiles` then maps this
   * name first, and every catalog id, to that file. Reported by probe() so decisions name the file.
   */
  servesAllLocalAs?: string;
  /** Threads for token evaluation; default {@link defaultThreadCount} (1 on machines with <= 2 cores). */
  threads?: number;
  /** Upper bound on each model's context window in tokens; default 4096. */
  contextSize?: number;
  /** How many models stay loaded at once (least recently used is unloaded first); default 1. */
  maxLoadedModels?: number;
  /**
   * Parallel sequences per loaded model (calls of one model answered at once, decoded in one batch); read when a model
   * loads, so a getter follows the tier. Default {@link DEFAULT_SEQUENCES}. The worker lowers it when free memory
   * would not hold the extra KV caches.
   */
  sequences?: number | (() => number);
  /** Calls that may wait per model beyond its running ones; past it a call is refused with 503. Default {@link DEFAULT_QUEUE_LIMIT}. */
  queueLimit?: number;
  /**
   * 'auto' (default): use a prebuilt CUDA/Vulkan/Metal binary when one works on this machine, else the CPU build.
   * false: CPU only (skips probing the GPU binaries: 0.8 s instead of 2.2 s to start on the 2-core CPU-only VM).
   * Either way nothing is ever built or downloaded at run time (build 'never', skipDownload).
   */
  gpu?: 'auto' | false;
  /** Where worker crashes, load failures and llama.cpp warnings go (pino-compatible). */
  logger?: { warn(obj: object, msg?: string): void };
}

/** What the engine knows about its runtime (for /api/v1/system, logs and tests). */
export interface LlamaCppEngineInfo {
  /** Threads llama.cpp uses; undefined until the worker has started. */
  threads?: number;
  /** Threads the last loaded context reported using. */
  contextThreads?: number;
  gpu?: string | false;
  mathCores?: number;
  /** Worker threads started so far (a crash makes the next call start a fresh one). */
  workersStarted: number;
  /** Paths of the models currently loaded (or loading), least recently used first. */
  loadedModels: string[];
  /** Models the worker has loaded so far (each load reads the weights again). */
  modelLoads: number;
  /** Models the worker has confirmed freed so far (to make room, or asked to unload). */
  modelsFreed: number;
  /** Calls llama.cpp is working on now (a call the caller left stays here until the worker confirms it stopped). */
  running: RunningJobInfo[];
  /** Calls waiting for a sequence of their model. */
  queued: number;
  /** The waiting calls in the order they will run (position 1 runs next). */
  queue: QueuedJobInfo[];
  /** Most calls that may wait per model; one more is refused with 503. */
  queueLimit: number;
  /** Sequences a model gets when it loads next (before the worker's memory check). */
  sequences: number;
  /** Each loaded model: its sequences, how many are busy, what they cost in memory. */
  models: LoadedModelState[];
  /** The last finished chat calls, oldest first, with what the worker reports it did (at most {@link FINISHED_KEPT}). */
  finished: FinishedJobInfo[];
}

/** A chat call in progress, as the worker last reported it. */
export interface RunningJobInfo {
  id: number;
  /** The gateway's request id (x-request-id); absent for calls made without one (embeddings, direct engine use). */
  requestId?: string;
  /** The caller's own id for the request (x-client-request-id), when it sent one. */
  clientRequestId?: string;
  model: string;
  /** Who asked (the app key id; 'master' for the API token). */
  owner: string;
  phase: 'loading' | 'evaluating' | 'generating';
  promptTokens: number;
  evaluatedTokens: number;
  /** Text chunks received so far (one or a few tokens each). */
  deltas: number;
  /** The caller left; the worker was told to stop. */
  abortRequested: boolean;
}

/** A call waiting for its model. */
export interface QueuedJobInfo {
  id: number;
  /** As {@link RunningJobInfo.requestId}: a waiting caller finds its position by the id it will be answered under. */
  requestId?: string;
  clientRequestId?: string;
  model: string;
  owner: string;
  /** 1 = runs next on its model. */
  position: number;
}

/** A loaded model as the engine sees it. */
export interface LoadedModelState extends LoadedModelInfo {
  /** Catalog id. */
  model: string;
  /** Sequences answering a call now. */
  busy: number;
  /** Calls waiting for this model. */
  queued: number;
  /** Grows by one with each call dispatched to it, never back: a model loaded again starts past every earlier count. */
  uses: number;
  /** Asked to be freed (keep_alive 0, `ollama stop`) while calls ran on it: freed when they end, unless another comes. */
  freeing: boolean;
}

/** A finished chat call and the work llama.cpp did for it. */
export interface FinishedJobInfo {
  id: number;
  model: string;
  owner: string;
  stopReason: string;
  work: JobWork;
}

/** The llama.cpp engine: the {@link Engine} interface plus runtime info. */
export interface LlamaCppEngine extends Engine {
  info(): LlamaCppEngineInfo;
  /**
   * Test seam: kills the worker as a crash would (the engine is not told), to exercise crash recovery.
   * Call it while llama.cpp is not evaluating: a worker torn down mid-evaluation can abort the whole process
   * (node-addon-api throws into a dying environment), which is also why a worker thread, unlike a child
   * process, does not isolate the server from a native crash.
   */
  terminateWorkerForTesting(): Promise<void>;
  /**
   * Free a model now (Ollama's `keep_alive: 0`, `ollama stop`): its weights, context and KV caches, once the calls
   * running on it end; the next call loads it again. `model` names it as a call would ('auto': every loaded model).
   * Resolves with the paths freed or to be freed (none when it was not loaded): an idle model's once the worker
   * confirms, one with calls still running at once (it is freed when they end).
   */
  unload(model: string): Promise<string[]>;
  /**
   * Load a model now without generating (Ollama's preload: `/api/generate` with no prompt, `/api/chat` with
   * `messages: []`), in turn with the calls queued for it; resolves once its weights and context are in memory (at
   * once when they already are, however busy its sequences).
   */
  load(model: string): Promise<void>;
}

// Chat replies from small local models are short; 512 bounds a runaway generation (random or looping output)
// to a few seconds on a CPU while leaving room for a real answer.
const DEFAULT_MAX_TOKENS = 512;
// Prompts in this product are chat turns, not documents; 4096 fits them and keeps the f16 KV cache of a
// GQA 7B model (Mistral-7B) around 0.5 GB, which matters on the 4-8 GB tiers. The library's "auto" would
// size it from free RAM instead, up to the model's full training context.
const DEFAULT_CONTEXT_SIZE = 4096;
// Enough finished calls for a test or an operator to see what the last few did, without growing without bound.
const FINISHED_KEPT = 20;
// Disposing a model takes milliseconds; if llama.cpp hangs we terminate anyway so shutdown never blocks.
const CLOSE_TIMEOUT_MS = 5_000;
/**
 * Parallel sequences when nothing says otherwise: 4. why: llama.cpp batches the sequences' tokens into one decode, so
 * 4 streams on the tiny test model reach several times one stream's tokens/s on 2 cores, while 4 KV caches of a
 * 4,096-token context of a 1B model (~90 MB each) fit any tier; the server's wiring lowers or raises it per tier.
 */
export const DEFAULT_SEQUENCES = 4;
/**
 * Calls that may wait per model: 16. why: with 4 sequences and answers of a few seconds, the 16th waits about four
 * answer-lengths, still inside any client's patience; beyond that a queued call would mostly time out, so the
 * caller is better told at once (503 + Retry-After) and can back off or go elsewhere.
 */
export const DEFAULT_QUEUE_LIMIT = 16;
/** Retry-After bounds, seconds: at least 1 (HTTP's unit), at most a minute (a longer estimate is a guess anyway). */
const RETRY_AFTER_MIN_S = 1;
const RETRY_AFTER_MAX_S = 60;
/** Weight of the newest call in the moving average of call durations (one in five: smooth, yet follows a new load). */
const DURATION_EWMA = 0.2;

type JobEvent = Exclude<FromWorker, { type: 'ready' | 'log' | 'closed' | 'deltas' }> | { type: 'crash'; message: string };

interface Job {
  id: number;
  /** A chat generates; an embed computes vectors for `texts` (same queue, so a model is never unloaded under either). */
  kind: 'chat' | 'embed';
  texts?: string[];
  modelId: string;
  path: string;
  /** Fair-queue key: the caller's app key id, 'master' for the API token. */
  owner: string;
  requestId?: string;
  clientRequestId?: string;
  messages: ChatMessage[];
  params: WorkerGenerationParams;
  state: 'queued' | 'running' | 'finished';
  abortSent: boolean;
  events: JobEvent[];
  wake: (() => void) | null;
  phase: RunningJobInfo['phase'];
  promptTokens: number;
  evaluatedTokens: number;
  deltas: number;
  /** performance.now() when it was sent to the worker. */
  startedAt: number;
}

interface Slot {
  /** Calls using this model now: chats on its sequences, and embeddings (which keep it loaded but take no sequence). */
  busy: Set<Job>;
  /** Chats it may run at once: 1 while loading, then the sequences the worker created. */
  capacity: number;
  /** What the worker reported when the model loaded. */
  info?: LoadedModelInfo;
  /**
   * Grows by one with each call dispatched to it and never goes back: a model loaded again starts from the engine's
   * dispatch count, past every count it had before (a keep_alive hold sees whether others used it since, reload included).
   */
  uses: number;
}

/**
 * How to start the worker: the compiled .js next to this file, or — when running from TypeScript (tsx, vitest) —
 * a two-line bootstrap that registers tsx's loader inside the worker and then imports the .ts source.
 * Why not `execArgv: ['--import', 'tsx']`: on Node 20 module hooks given to a Worker through execArgv are not
 * applied to it (nodejs/node#47747; the worker fails with ERR_UNKNOWN_FILE_EXTENSION), while tsx's
 * `register()` called inside the worker works on Node 20 and 22.
 */
function startWorkerThread(workerData: WorkerInit): Worker {
  // `../engines/`: the same file from router-core/engines/ (tsc output) and from the server bundle's
  // router-core/server/core.cjs, where this code is bundled.
  const here = new URL(import.meta.url);
  if (!here.pathname.endsWith('.ts')) return new Worker(new URL('../engines/llamacpp.worker.js', here), { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./llamacpp.worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

const aborted = (usage?: Usage): CoreError => new CoreError('aborted', 'The request was cancelled.', usage ? { usage } : undefined);

/**
 * The error a call its caller stopped ends with. A chat that has streamed text first waits for the worker to confirm
 * the stop (it checks between tokens): its end says how many tokens the prompt had and how many were generated, and
 * the ledger records those instead of an estimate (text comes in batches of several tokens, so counting the chunks
 * recorded a fraction of the answer, and of what it would have cost in the cloud).
 */
async function abortedAfter(job: Job): Promise<CoreError> {
  if (job.kind !== 'chat' || job.deltas === 0) return aborted();
  for (;;) {
    const end = job.events.find((e) => e.type === 'end' || e.type === 'failed' || e.type === 'crash');
    if (end) return end.type === 'end' ? aborted({ inputTokens: end.inputTokens, outputTokens: end.outputTokens }) : aborted();
    if (job.state === 'finished') return aborted();
    await new Promise<void>((resolve) => (job.wake = resolve));
    job.wake = null;
  }
}

/** What the worker is started with. */
function workerInit(opts: LlamaCppEngineOptions): WorkerInit {
  return {
    kind: 'hybrid-ai-llamacpp',
    threads: opts.threads,
    gpu: opts.gpu ?? 'auto',
    contextSize: opts.contextSize ?? DEFAULT_CONTEXT_SIZE,
  };
}

/** Sequences a model gets when it loads now (the option, or its getter's value: it follows the tier). */
function sequencesOf(opts: LlamaCppEngineOptions): number {
  const n = typeof opts.sequences === 'function' ? opts.sequences() : (opts.sequences ?? DEFAULT_SEQUENCES);
  return Number.isFinite(n) ? Math.max(1, Math.floor(n)) : DEFAULT_SEQUENCES;
}

/** Creates the embedded llama.cpp engine. Nothing starts until the first chat; probe() never loads a model. */
export function createLlamaCppEngine(opts: LlamaCppEngineOptions): LlamaCppEngine {
  const maxLoaded = Math.max(1, opts.maxLoadedModels ?? 1);
  const init = workerInit(opts);
  const log = opts.logger;
  const { resolveModel, probe } = createModelFiles(opts, init.contextSize);
  const queueLimit = Math.max(0, Math.floor(opts.queueLimit ?? DEFAULT_QUEUE_LIMIT));
  /** Moving average of how long a call holds a sequence, ms (for Retry-After); undefined until one finished. */
  let avgCallMs: number | undefined;

  let worker: Worker | null = null;
  let runtimeInfo: WorkerRuntimeInfo | undefined;
  let contextThreads: number | undefined;
  let workersStarted = 0;
  let closed = false;
  let nextId = 1;
  const queue: Job[] = [];
  const running = new Map<number, Job>();
  const finished: FinishedJobInfo[] = [];
  /** Dispatch counter per owner: the owner with the lowest value (served least recently) goes first. */
  const lastServed = new Map<string, number>();
  let dispatches = 0;
  /** Loaded (or loading) models by path; Map order is the LRU order, least recently used first. */
  const slots = new Map<string, Slot>();
  let onClosed: (() => void) | null = null;
  let modelLoads = 0;
  let modelsFreed = 0;
  /** Models asked to unload while calls were running on them: freed when the last one ends. */
  const unloadWhenIdle = new Set<string>();
  /** Who waits for the worker to confirm a model freed, by path. */
  const freedWaiters = new Map<string, (() => void)[]>();

  const push = (job: Job, ev: JobEvent): void => {
    job.events.push(ev);
    job.wake?.();
  };

  function send(msg: ToWorker): void {
    worker?.postMessage(msg);
  }

  /** The worker only keeps the process alive while it has work, so a forgotten close() never hangs exit. */
  function refreshRef(): void {
    if (!worker) return;
    if (running.size > 0) worker.ref();
    else worker.unref();
  }

  function finish(job: Job): void {
    job.state = 'finished';
    running.delete(job.id);
    const slot = slots.get(job.path);
    slot?.busy.delete(job);
    if (slot && slot.busy.size === 0 && unloadWhenIdle.has(job.path)) free(job.path);
    // How long a chat holds a sequence (for Retry-After): embeddings hold none.
    const ms = performance.now() - job.startedAt;
    if (job.kind === 'chat') avgCallMs = avgCallMs === undefined ? ms : avgCallMs + DURATION_EWMA * (ms - avgCallMs);
    refreshRef();
  }

  /** Drop a model's slot and have the worker dispose it; its waiters resolve when the worker confirms. */
  function free(path: string): void {
    unloadWhenIdle.delete(path);
    slots.delete(path);
    if (worker) send({ type: 'unload', path });
    else confirmFreed(path);
  }

  function confirmFreed(path: string): void {
    const waiters = freedWaiters.get(path) ?? [];
    freedWaiters.delete(path);
    for (const w of waiters) w();
  }

  async function unload(model: string): Promise<string[]> {
    const paths =
      model === 'auto'
        ? [...slots.keys()]
        : Object.hasOwn(opts.modelFiles, model) && slots.has(opts.modelFiles[model]!)
          ? [opts.modelFiles[model]!]
          : [];
    // A model other calls are still answering on is freed when the last of them ends, and nobody waits for that: Ollama
    // answers a keep_alive 0 request (or `ollama stop`) at once and frees the model once no request uses it. Waiting
    // held that caller's answer behind other clients' streams (minutes), and longer still while new calls arrived.
    await Promise.all(
      paths.map((path) => {
        if (slots.get(path)?.busy.size) return void unloadWhenIdle.add(path);
        return new Promise<void>((resolve) => {
          freedWaiters.set(path, [...(freedWaiters.get(path) ?? []), resolve]);
          free(path);
        });
      }),
    );
    return paths;
  }

  function onCrash(w: Worker, why: string): void {
    if (worker !== w) return; // already handled (error then exit), or a deliberate close
    worker = null;
    // A dead worker holds nothing: every model it had is freed.
    for (const path of [...slots.keys(), ...freedWaiters.keys()]) confirmFreed(path);
    unloadWhenIdle.clear();
    slots.clear();
    log?.warn({ engine: 'llamacpp', inFlight: running.size }, `llama.cpp worker stopped unexpectedly: ${why}`);
    for (const job of [...running.values()]) {
      finish(job);
      push(job, { type: 'crash', message: why });
    }
    // Calls still queued get a fresh worker.
    pump();
  }

  function startWorker(): Worker {
    const w = startWorkerThread(init);
    workersStarted++;
    w.on('message', (m: FromWorker) => {
      if (worker !== w) {
        if (m.type === 'closed') onClosed?.();
        return;
      }
      switch (m.type) {
        case 'ready':
          runtimeInfo = m.info;
          return;
        case 'log':
          log?.warn({ engine: 'llamacpp', level: m.level }, m.message);
          return;
        case 'closed':
          return;
        case 'unloaded':
          modelsFreed++;
          confirmFreed(m.path);
          return;
        case 'loaded': {
          modelLoads++;
          const slot = slots.get(m.info.path);
          if (slot) {
            slot.info = m.info;
            slot.capacity = m.info.sequences;
            if (m.info.limitedBy) log?.warn({ engine: 'llamacpp', path: m.info.path }, `fewer parallel sequences: ${m.info.limitedBy}`);
            pump();
          }
          return;
        }
        case 'deltas':
          for (let i = 0; i < m.ids.length; i++) {
            const job = running.get(m.ids[i]!);
            if (job) onJobMessage(job, { type: 'delta', id: job.id, text: m.texts[i]! });
          }
          return;
      }
      const job = running.get(m.id);
      if (job) onJobMessage(job, m);
    });
    w.on('error', (e) => onCrash(w, e instanceof Error ? e.message : String(e)));
    w.on('exit', (code) => {
      if (worker === w) onCrash(w, `exit code ${code}`);
      else onClosed?.();
    });
    return w;
  }

  /** A worker message about `job`: its state follows, and the events its caller waits for are queued. */
  function onJobMessage(job: Job, m: Exclude<JobEvent, { type: 'crash' | 'loaded' | 'unloaded' }>): void {
    if (m.type === 'started') {
      contextThreads = m.contextThreads;
      job.phase = 'evaluating';
      job.promptTokens = m.promptTokens;
    } else if (m.type === 'progress') {
      job.evaluatedTokens = m.evaluatedTokens;
      return;
    } else if (m.type === 'delta') {
      job.phase = 'generating';
      job.deltas++;
    } else if (m.type === 'end') {
      finished.push({ id: job.id, model: job.modelId, owner: job.owner, stopReason: m.stopReason, work: m.work });
      if (finished.length > FINISHED_KEPT) finished.shift();
    }
    if (m.type === 'end' || m.type === 'failed' || m.type === 'embedded' || m.type === 'too-long') {
      // A model that failed to load (or a runtime that failed to start) holds no memory: free its slot.
      if (m.type === 'failed' && (m.stage === 'load' || m.stage === 'runtime')) {
        slots.delete(job.path);
        if (unloadWhenIdle.delete(job.path)) confirmFreed(job.path);
      }
      finish(job);
      pump();
    }
    push(job, m);
  }

  function dispatch(job: Job): void {
    queue.splice(queue.indexOf(job), 1);
    lastServed.set(job.owner, ++dispatches);
    // Capacity 1 until the worker reports the sequences it created: the first call loads the model, the rest follow.
    const slot = slots.get(job.path) ?? { busy: new Set<Job>(), capacity: 1, uses: dispatches - 1 };
    slot.busy.add(job);
    slot.uses++;
    slots.delete(job.path);
    slots.set(job.path, slot); // most recently used
    // A free asked for while other calls ran (keep_alive 0, `ollama stop`) is called off by a later call: the latest
    // request's keep_alive wins, as in Ollama, and this one's (when 0) asks again once it is answered.
    unloadWhenIdle.delete(job.path);
    job.state = 'running';
    job.startedAt = performance.now();
    running.set(job.id, job);
    worker ??= startWorker();
    refreshRef();
    const load = { sequences: sequencesOf(opts) };
    if (job.kind === 'embed') send({ type: 'embed', id: job.id, path: job.path, load, texts: job.texts ?? [] });
    else send({ type: 'chat', id: job.id, path: job.path, load, messages: job.messages, params: job.params });
  }

  /**
   * Starts every queued job that can run now: per model, the oldest job of the owner served least recently (a fair
   * queue: round robin between owners, FIFO within one).
   */
  function pump(): void {
    if (closed) return;
    const blocked = new Set<string>();
    const order = [...queue].sort((a, b) => (lastServed.get(a.owner) ?? 0) - (lastServed.get(b.owner) ?? 0) || a.id - b.id);
    for (const job of order) {
      // An embedding takes no sequence (the worker computes it in the model's embedding context): it never waits for
      // a chat to free one, only for its model to have room in memory.
      const slot = slots.get(job.path);
      if (blocked.has(job.path) && !(slot && job.kind === 'embed')) continue;
      if (slot) {
        if (job.kind === 'chat' && chatsOn(slot) >= slot.capacity) {
          blocked.add(job.path);
          continue;
        }
      } else if (slots.size >= maxLoaded) {
        const idle = [...slots].find(([, s]) => s.busy.size === 0);
        if (!idle) {
          blocked.add(job.path);
          continue;
        }
        slots.delete(idle[0]);
        send({ type: 'unload', path: idle[0] });
      }
      dispatch(job);
    }
  }

  function cancel(job: Job): void {
    if (job.state === 'queued') {
      queue.splice(queue.indexOf(job), 1);
      job.state = 'finished';
    } else if (job.state === 'running' && !job.abortSent) {
      job.abortSent = true;
      send({ type: 'abort', id: job.id });
    }
  }

  /** Back-pressure: see {@link busyError}. */
  function refuseWhenFull(job: Job): void {
    const slot = slots.get(job.path);
    // An embedding starts at once on a model in memory (or loading): see pump().
    if (job.kind === 'embed' && slot) return;
    const queued = queue.filter((j) => j.path === job.path).length;
    const err = busyError(job.modelId, slot, sequencesOf(opts), queued, queueLimit, avgCallMs);
    if (err) throw err;
  }

  /**
   * Queue `job` and yield the worker's events for it as they arrive. Shared by chat and embed: an abort (or a
   * consumer that stops early) cancels the job in the worker; an aborted signal ends with CoreError('aborted').
   */
  async function* runJob(job: Job, signal: AbortSignal): AsyncGenerator<JobEvent> {
    refuseWhenFull(job);
    queue.push(job);
    const onAbort = (): void => {
      cancel(job);
      job.wake?.();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      pump();
      for (;;) {
        if (signal.aborted) throw await abortedAfter(job);
        const ev = job.events.shift();
        if (!ev) {
          await new Promise<void>((resolve) => (job.wake = resolve));
          job.wake = null;
          continue;
        }
        yield ev;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      // The consumer stopped early (break, return, abort): stop the work it no longer wants.
      if (job.state !== 'finished') cancel(job);
    }
  }

  /** A call not yet queued. */
  function newJob(
    kind: Job['kind'],
    modelId: string,
    path: string,
    what: Pick<Job, 'owner' | 'requestId' | 'clientRequestId' | 'messages' | 'params' | 'texts'>,
  ): Job {
    return {
      id: nextId++,
      kind,
      modelId,
      path,
      ...what,
      state: 'queued',
      abortSent: false,
      events: [],
      wake: null,
      phase: 'loading',
      promptTokens: 0,
      evaluatedTokens: 0,
      deltas: 0,
      startedAt: 0,
    };
  }

  async function* chat(call: EngineCall, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    if (signal.aborted) throw aborted();
    if (closed) throw new CoreError('upstream_unavailable', 'The llama.cpp engine is closed.');
    const path = await resolveModel(call.model);
    if (signal.aborted) throw aborted();
    const p: GenerationParams = call.request.params;
    const job = newJob('chat', call.model, path, {
      owner: call.owner ?? 'master',
      requestId: call.requestId,
      clientRequestId: call.clientRequestId,
      // Hybrid-thinking catalog models (Qwen3, SmolLM3) get their documented switch: routed answers do not think aloud.
      messages: (findLocalModel(call.model)?.hybridThinking ? withThinkingOff(call.request.messages) : call.request.messages).map((m) => ({
        role: m.role,
        content: m.content,
      })),
      params: {
        maxTokens: p.maxTokens ?? DEFAULT_MAX_TOKENS,
        temperature: p.temperature,
        topP: p.topP,
        stop: p.stop,
        seed: p.seed,
        confidence: call.confidence,
        ...(call.request.responseFormat ? { format: call.request.responseFormat } : {}),
        ...(call.request.logprobs ? { logprobs: call.request.logprobs.top } : {}),
      },
    });
    for await (const ev of runJob(job, signal)) {
      if (ev.type === 'started') yield { type: 'start', model: call.model, engine: 'llamacpp' };
      else if (ev.type === 'delta') yield { type: 'text-delta', text: ev.text };
      else if (ev.type === 'end') {
        if (ev.stopReason === 'abort') throw new CoreError('upstream_error', `Local model ${call.model} stopped generating unexpectedly.`);
        if (call.request.logprobs) {
          // Asked for and not measured: an error, never an answer without them.
          if (!ev.logprobs) throw new CoreError('upstream_error', `Local model ${call.model} could not score its answer's tokens.`);
          yield { type: 'logprobs', tokens: ev.logprobs };
        }
        yield {
          type: 'usage',
          usage: {
            inputTokens: ev.inputTokens,
            outputTokens: ev.outputTokens,
            ...(ev.meanLogprob !== undefined ? { meanLogprob: ev.meanLogprob } : {}),
            ...(ev.loadMs !== undefined ? { loadMs: ev.loadMs } : {}),
          },
        };
        yield {
          type: 'done',
          finishReason: ev.stopReason === 'maxTokens' ? 'length' : 'stop',
          ...(ev.stopSequence !== undefined ? { stopSequence: ev.stopSequence } : {}),
        };
        return;
      } else if (ev.type === 'failed' || ev.type === 'too-long' || ev.type === 'crash') {
        if (ev.type === 'failed' && ev.stage === 'load')
          log?.warn({ engine: 'llamacpp', model: call.model, path }, `model load failed: ${ev.message}`);
        throw chatError(ev, call.model);
      }
    }
  }

  async function embed(texts: readonly string[], model: string, signal: AbortSignal): Promise<EmbedResult> {
    if (signal.aborted) throw aborted();
    if (closed) throw new CoreError('upstream_unavailable', 'The llama.cpp engine is closed.');
    const path = await resolveModel(model);
    if (signal.aborted) throw aborted();
    const job = newJob('embed', model, path, { owner: 'master', texts: [...texts], messages: [], params: { maxTokens: 0 } });
    for await (const ev of runJob(job, signal)) {
      if (ev.type === 'embedded') return { embeddings: ev.embeddings, inputTokens: ev.inputTokens };
      if (ev.type === 'crash') throw new CoreError('upstream_error', `The local llama.cpp worker stopped while embedding with ${model}.`);
      if (ev.type === 'failed') {
        if (ev.stage === 'load') throw new CoreError('upstream_error', `Local model ${model} could not be loaded: ${ev.message}`);
        if (ev.stage === 'runtime') throw new CoreError('upstream_unavailable', `llama.cpp could not start on this machine: ${ev.message}`);
        throw new CoreError('upstream_error', `Local model ${model} failed to embed: ${ev.message}`);
      }
    }
    throw new CoreError('upstream_error', `The local llama.cpp worker ended the embedding of ${model} without a result.`);
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    for (const job of [...queue]) {
      queue.splice(queue.indexOf(job), 1);
      job.state = 'finished';
      push(job, { type: 'crash', message: 'engine closed' });
    }
    for (const job of [...running.values()]) {
      finish(job);
      push(job, { type: 'crash', message: 'engine closed' });
    }
    const w = worker;
    worker = null;
    slots.clear();
    if (!w) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      onClosed = () => {
        clearTimeout(timer);
        resolve();
      };
      w.postMessage({ type: 'close' } satisfies ToWorker);
    });
    onClosed = null;
    await w.terminate();
  }

  /** Waiting calls in the order pump() would start them, numbered per model. */
  function queuePositions(): QueuedJobInfo[] {
    const order = [...queue].sort((a, b) => (lastServed.get(a.owner) ?? 0) - (lastServed.get(b.owner) ?? 0) || a.id - b.id);
    const seen = new Map<string, number>();
    return order.map((j) => {
      const position = (seen.get(j.path) ?? 0) + 1;
      seen.set(j.path, position);
      return { id: j.id, ...callIds(j), model: j.modelId, owner: j.owner, position };
    });
  }

  function info(): LlamaCppEngineInfo {
    const modelIdOf = (path: string): string => Object.entries(opts.modelFiles).find(([, p]) => p === path)?.[0] ?? path;
    return {
      threads: runtimeInfo?.threads,
      contextThreads,
      gpu: runtimeInfo?.gpu,
      mathCores: runtimeInfo?.mathCores,
      workersStarted,
      loadedModels: [...slots.keys()],
      modelLoads,
      modelsFreed,
      running: [...running.values()]
        .filter((j) => j.kind === 'chat')
        .map((j) => ({
          id: j.id,
          ...callIds(j),
          model: j.modelId,
          owner: j.owner,
          phase: j.phase,
          promptTokens: j.promptTokens,
          evaluatedTokens: j.evaluatedTokens,
          deltas: j.deltas,
          abortRequested: j.abortSent,
        })),
      queued: queue.length,
      queue: queuePositions(),
      queueLimit,
      sequences: sequencesOf(opts),
      models: [...slots]
        .filter((e): e is [string, Slot & { info: LoadedModelInfo }] => e[1].info !== undefined)
        .map(([path, sl]) => ({
          ...sl.info,
          model: modelIdOf(path),
          busy: chatsOn(sl),
          queued: queue.filter((j) => j.path === path).length,
          uses: sl.uses,
          freeing: unloadWhenIdle.has(path),
        })),
      finished: finished.map((f) => ({ ...f, work: { ...f.work } })),
    };
  }

  return {
    id: 'llamacpp',
    probe,
    chat,
    embed,
    close,
    info,
    unload,
    async load(model: string) {
      // Already in memory: done at once, as the most recently used model (Ollama answers a preload of a loaded model at
      // once; `ollama run` sends one before its prompt). Queued as a call, it waited for a free sequence: minutes behind
      // other clients' answers, or a 503 with the queue full.
      const path = await resolveModel(model);
      const slot = slots.get(path);
      if (slot?.info) {
        slots.delete(path);
        slots.set(path, slot);
        unloadWhenIdle.delete(path); // a later request: see dispatch()
        return;
      }
      // An embed job without texts loads the model as a chat would and computes nothing.
      await embed([], model, new AbortController().signal);
    },
    async terminateWorkerForTesting() {
      const w = worker;
      if (w) await w.terminate();
    },
  };
}

/** The error a chat call ends with when the worker reports it failed, did not fit, or crashed. */
function chatError(ev: Extract<JobEvent, { type: 'failed' | 'too-long' | 'crash' }>, model: string): CoreError {
  if (ev.type === 'crash') return new CoreError('upstream_error', `The local llama.cpp worker stopped while answering with ${model}.`);
  if (ev.type === 'too-long') {
    // context_length_exceeded: the pipeline tries the next candidate (a larger context, or the cloud) first.
    const n = `${ev.atLeast ? 'at least ' : ''}${ev.promptTokens.toLocaleString('en-US')}`;
    const answer = ev.answerTokens ? ` and the answer needs room for ${ev.answerTokens.toLocaleString('en-US')} more` : '';
    return new CoreError(
      'context_length_exceeded',
      `The input is ${n} tokens (counted by ${model}'s tokenizer)${answer}, but ${model}'s context here is ` +
        `${ev.contextSize.toLocaleString('en-US')} tokens. Shorten the input or the conversation, lower max_tokens, or choose a model with a larger context.`,
      {
        details: {
          param: 'messages',
          value: `${ev.atLeast ? '≥ ' : ''}${ev.promptTokens} tokens`,
          valid: [`fewer than ${ev.contextSize - 1} tokens`],
        },
      },
    );
  }
  if (ev.stage === 'load') return new CoreError('upstream_error', `Local model ${model} could not be loaded: ${ev.message}`);
  if (ev.stage === 'runtime') return new CoreError('upstream_unavailable', `llama.cpp could not start on this machine: ${ev.message}`);
  if (ev.stage === 'grammar') {
    return new CoreError('invalid_request', `The JSON schema cannot be compiled into a grammar: ${ev.message}`, {
      details: { param: 'response_format' },
    });
  }
  if (ev.stage === 'context' && ev.context) {
    const c = ev.context;
    return new CoreError(
      'context_length_exceeded',
      `The input is ${c.inputTokens.toLocaleString('en-US')} tokens (counted by ${model}'s tokenizer) and the answer ` +
        `needs room for ${c.answerTokens.toLocaleString('en-US')} more, but ${model}'s context here is ` +
        `${c.contextSize.toLocaleString('en-US')} tokens. Shorten the input or the conversation, or lower max_tokens.`,
      { details: { param: 'messages', value: `${c.inputTokens} tokens` } },
    );
  }
  return new CoreError('upstream_error', `Local model ${model} failed while generating: ${ev.message}`);
}

/**
 * The engine's model files: which file a model id names (readable now), and the probe that lists those on disk with
 * the context each gets (read from the GGUF header once per file version).
 */
function createModelFiles(
  opts: LlamaCppEngineOptions,
  contextCap: number,
): { resolveModel(modelId: string): Promise<string>; probe(): Promise<EngineAvailability> } {
  async function resolveModel(modelId: string): Promise<string> {
    const path = Object.hasOwn(opts.modelFiles, modelId) ? opts.modelFiles[modelId] : undefined;
    if (!path) {
      const known = Object.keys(opts.modelFiles);
      throw new CoreError(
        'no_model_available',
        `Local model "${modelId}" is not configured for the llama.cpp engine (configured: ${known.length ? known.join(', ') : 'none'}).`,
      );
    }
    try {
      await access(path, fsConstants.R_OK);
    } catch {
      throw new CoreError('no_model_available', `Local model "${modelId}" is not available: no readable file at ${path}.`);
    }
    return path;
  }

  /** Trained context of each GGUF file read so far, by path, size and mtime (a replaced file is read again). */
  const trainedContext = new Map<string, { key: string; tokens: Promise<number | undefined> }>();

  /**
   * The context a model gets here: the engine's context cap, or less when the GGUF was trained for less (llama.cpp
   * sizes the context within both); the catalog's figure when the header cannot be read.
   */
  async function contextFor(id: string, path: string, size: number, mtimeMs: number): Promise<number> {
    const key = `${size}:${mtimeMs}`;
    let known = trainedContext.get(path);
    if (known?.key !== key) {
      known = { key, tokens: readGgufContextLength(path).catch(() => undefined) };
      trainedContext.set(path, known);
    }
    const trained = (await known.tokens) ?? findModel(id)?.contextLength;
    return trained === undefined ? contextCap : Math.min(contextCap, trained);
  }

  async function probe(): Promise<EngineAvailability> {
    try {
      const contextLengths: Record<string, number> = {};
      const checks = await Promise.all(
        Object.entries(opts.modelFiles).map(async ([id, path]) => {
          try {
            await access(path, fsConstants.R_OK);
            const st = await stat(path);
            if (!st.isFile()) return null;
            contextLengths[id] = await contextFor(id, path, st.size, st.mtimeMs);
            return id;
          } catch {
            return null;
          }
        }),
      );
      const models = checks.filter((id): id is string => id !== null);
      if (models.length > 0)
        return {
          ok: true,
          models,
          contextLengths,
          structuredOutput: true,
          logprobs: true,
          ...(opts.servesAllLocalAs !== undefined ? { servesAllLocalAs: opts.servesAllLocalAs } : {}),
        };
      const n = Object.keys(opts.modelFiles).length;
      return {
        ok: false,
        models: [],
        reason: n === 0 ? 'No local model is configured.' : `None of the ${n} configured local model files is on disk.`,
      };
    } catch (e) {
      return { ok: false, models: [], reason: `Could not check local model files: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  return { resolveModel, probe };
}

/** Chat calls on a model's sequences now (its embeddings take none). */
/** A job's request ids, only those it has (so info() stays free of undefined fields). */
function callIds(job: Job): Pick<QueuedJobInfo, 'requestId' | 'clientRequestId'> {
  return {
    ...(job.requestId !== undefined ? { requestId: job.requestId } : {}),
    ...(job.clientRequestId !== undefined ? { clientRequestId: job.clientRequestId } : {}),
  };
}

function chatsOn(slot: Slot): number {
  let n = 0;
  for (const job of slot.busy) if (job.kind === 'chat') n++;
  return n;
}

/**
 * Back-pressure: a call that would wait behind `queueLimit` others of its model is refused now, with a Retry-After
 * from how long calls take here (a caller told "busy, retry in N s" beats one left hanging). Undefined: it may wait.
 *
 * A model still loading (a slot without info) runs one call and holds the rest until the worker reports its sequences,
 * but those calls are not waiting behind a full model: up to the `requested` sequences start together once it is
 * loaded, so only the calls beyond them count against the queue (else N + queue callers arriving at a cold start were
 * refused though the queue had room).
 */
function busyError(
  modelId: string,
  slot: Slot | undefined,
  requested: number,
  queued: number,
  queueLimit: number,
  avgCallMs: number | undefined,
): CoreError | undefined {
  const loading = slot !== undefined && slot.info === undefined;
  const capacity = loading ? requested : (slot?.capacity ?? 1);
  const chats = slot ? chatsOn(slot) : 0;
  const starting = loading ? Math.min(queued, Math.max(0, capacity - chats)) : 0;
  const runningNow = chats + starting;
  const waiting = queued - starting;
  // A free sequence (or a model not loaded yet with room to load) takes the call at once: only a real wait counts.
  if (waiting < queueLimit || (waiting === 0 && runningNow < capacity)) return undefined;
  const perCallS = (avgCallMs ?? 1000) / 1000;
  const retryAfter = Math.min(
    RETRY_AFTER_MAX_S,
    Math.max(RETRY_AFTER_MIN_S, Math.ceil((perCallS * (waiting + 1)) / Math.max(1, capacity))),
  );
  return new CoreError(
    'upstream_overloaded',
    `Local model ${modelId} is busy: ${runningNow} answer${runningNow === 1 ? '' : 's'} running and ${waiting} waiting ` +
      `(the queue holds ${queueLimit}; HYBRID_AI_QUEUE_LIMIT changes it). Retry in ${retryAfter} s.`,
    { retryAfter },
  );
}
