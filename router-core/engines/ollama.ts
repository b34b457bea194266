// Ollama via the official `ollama` client: pure toOllamaChat()/fromOllamaChunk() + thin streaming I/O; errors → our ErrorType.
import { Ollama } from 'ollama';
import type {
  ChatRequest as OllamaChatRequest,
  ChatResponse as OllamaChatResponse,
  Message as OllamaMessage,
  Options as OllamaOptions,
  Tool as OllamaTool,
} from 'ollama';
import type { ChatMessage, ModelKeepAlive } from '../contracts/chat.js';
import type { EngineAvailability } from '../contracts/decision.js';
import type { StreamEvent } from '../contracts/stream.js';
import { findLocalModel, findModel, localModels } from '../data/models.js';
import { CoreError } from '../errors.js';
import { estimatePromptTokens, estimateTextTokens } from '../routing/tokens.js';
import type { EmbedOptions, EmbedResult, Engine, EngineCall } from './engine.js';
import { nodeFetch, type AbortSource } from './node-fetch.js';

/** How long probe() waits for /api/tags: a local server answers in milliseconds; longer means it is not there. */
const PROBE_TIMEOUT_MS = 1_500;
/** Ollama's default port, used when OLLAMA_HOST names no port (as the official clients do). */
const DEFAULT_PORT = 11434;

/**
 * keep_alive the core sends with every Ollama request: 30 minutes. why: Ollama's own default (5 m) unloads the tier's
 * model during an ordinary pause in a chat, and the next question then waits seconds (a 7B model: 5-20 s) for the load;
 * 30 m covers a working session's gaps, while "-1" (forever) would hold gigabytes of RAM all day after one question.
 */
export const OLLAMA_KEEP_ALIVE = '30m';

/** A Go duration for `ms` milliseconds in its largest units ("5m", "1h30m", "90s", "1500ms"), as Ollama parses it. */
function goDuration(ms: number): string {
  if (!Number.isInteger(ms)) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('') || '0s';
}

/**
 * Pure: a caller's keep_alive as Ollama reads it: 0 unloads after the request, -1 keeps the model loaded, a duration holds
 * it that long; absent = `fallback` (the engine's default, {@link OLLAMA_KEEP_ALIVE} when wired).
 */
export function toOllamaKeepAlive(k: ModelKeepAlive | undefined, fallback?: string): string | number | undefined {
  if (k === undefined) return fallback;
  if (k.kind === 'unload') return 0;
  if (k.kind === 'forever') return -1;
  return goDuration(k.ms);
}

/** The Ollama engine's extras beyond {@link Engine}: Ollama's own load and unload (a request with nothing to generate). */
export interface OllamaEngine extends Engine {
  /** Loads `model` in Ollama now, held as `keepAlive` says (absent = the engine's default). */
  load(model: string, keepAlive?: ModelKeepAlive): Promise<void>;
  /** Asks Ollama to free `model` now (keep_alive 0); resolves once Ollama has answered. */
  unload(model: string): Promise<void>;
  /** The models Ollama holds in memory now (its /api/ps), with when its keep_alive lets each go; [] when unreachable. */
  ps(): Promise<OllamaLoadedModel[]>;
}

/** One model Ollama holds in memory, as its /api/ps says. */
export interface OllamaLoadedModel {
  /** Ollama's tag. */
  name: string;
  sizeBytes: number;
  /** When Ollama unloads it, ms since the epoch (its "never" is ~292 years on). */
  expiresAt: number;
  contextLength?: number;
}

/** Options of {@link createOllamaEngine}. */
export interface OllamaEngineOptions {
  /** OLLAMA_HOST semantics: "127.0.0.1:11434", ":11434", "host" or "http://host:port". */
  host: string;
  /** Catalog id → Ollama tag; defaults to each local catalog entry's `ollamaTag`. */
  modelTags?: Record<string, string>;
  /** Ollama `keep_alive` (e.g. "5m", "-1"): how long the model stays loaded after a call. */
  keepAlive?: string;
  /** probe() timeout in ms. */
  probeTimeoutMs?: number;
}

/** The chunk fields we read; the client's ChatResponse is assignable to it. */
export interface OllamaChunk {
  message?: { content?: string; tool_calls?: Array<{ id?: string; function: { name: string; arguments?: unknown } }> };
  done: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
}

/** OLLAMA_HOST → base URL ("http://host:port", no trailing slash), the way the official clients read it. */
export function normalizeOllamaHost(host: string): string {
  let h = host.trim() || `127.0.0.1:${DEFAULT_PORT}`;
  if (h.startsWith(':')) h = `127.0.0.1${h}`;
  const explicit = h.includes('://');
  const url = new URL(explicit ? h : `http://${h}`);
  // 0.0.0.0 is a bind address: as a client, talk to the loopback.
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (!url.port && !explicit) url.port = String(DEFAULT_PORT);
  return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, '');
}

/** Ollama treats a bare name as `name:latest`. */
function canonicalTag(tag: string): string {
  return tag.includes(':') ? tag : `${tag}:latest`;
}

/** Pure: does a tag the server lists satisfy the wanted tag (exact, `:latest` variants, or a registry-prefixed name)? */
export function tagMatches(wanted: string, present: string): boolean {
  const w = canonicalTag(wanted.toLowerCase());
  const p = canonicalTag(present.toLowerCase());
  return w === p || p.endsWith(`/${w}`);
}

/** Tool-call arguments (JSON text) → the object Ollama wants; anything unparsable becomes {} (Ollama would refuse it). */
function argumentsObject(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Pure: one of our messages → Ollama's (tool calls carry objects; a tool result names its tool). */
function toOllamaMessage(m: ChatMessage): OllamaMessage {
  const out: OllamaMessage = { role: m.role, content: m.content };
  if (m.toolCalls && m.toolCalls.length > 0)
    out.tool_calls = m.toolCalls.map((c) => ({ function: { name: c.name, arguments: argumentsObject(c.arguments) } }));
  if (m.role === 'tool' && m.name) out.tool_name = m.name;
  return out;
}

/**
 * The context Ollama runs a catalog model with. why: Ollama's own default depends on its version and the GPU (2,048
 * in older releases, 4,096 under 24 GiB of VRAM in newer ones) and a prompt past it is silently cut from the start,
 * so the router must know the window: 4,096 (or the model's trained context, when smaller) is sent as `num_ctx`
 * wherever it exceeds 2,048, and reported by probe(). 4,096 matches the embedded engine's context size and keeps a
 * 7B model's KV cache near 0.5 GB.
 */
const OLLAMA_CONTEXT_SIZE = 4096;
/** why: the smallest default any Ollama release has used; a window within it needs no `num_ctx` (no model reload). */
const OLLAMA_MIN_DEFAULT_CONTEXT = 2048;

/** The context window of a catalog model on Ollama, or undefined for a raw tag (its context is Ollama's business). */
export function ollamaContextLength(model: string): number | undefined {
  const entry = findModel(model);
  return entry?.kind === 'local' ? Math.min(entry.contextLength, OLLAMA_CONTEXT_SIZE) : undefined;
}

/**
 * Pure: our call → Ollama /api/chat request. `tag` is the Ollama model tag to run. Streams unless the caller reads
 * the answer whole (`call.stream === false`): then one JSON answer spares a parse and an event per token.
 */
export function toOllamaChat(call: EngineCall, tag: string, extra: { keepAlive?: string } = {}): OllamaChatRequest & { stream: boolean } {
  const p = call.request.params;
  const options: Partial<OllamaOptions> = {};
  if (p.maxTokens !== undefined) options.num_predict = p.maxTokens;
  if (p.temperature !== undefined) options.temperature = p.temperature;
  if (p.topP !== undefined) options.top_p = p.topP;
  if (p.stop && p.stop.length > 0) options.stop = [...p.stop];
  if (p.seed !== undefined) options.seed = p.seed;
  const window = ollamaContextLength(call.model);
  if (window !== undefined && window > OLLAMA_MIN_DEFAULT_CONTEXT) options.num_ctx = window;
  const req: OllamaChatRequest & { stream: boolean } = {
    model: tag,
    messages: call.request.messages.map(toOllamaMessage),
    stream: call.stream !== false,
    options,
  };
  // Ollama has no tool_choice: 'none' is honoured by not offering the tools.
  if (call.request.tools && call.request.tools.length > 0 && call.request.toolChoice !== 'none') {
    req.tools = call.request.tools.map((t): OllamaTool => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.parameters as OllamaTool['function']['parameters'] },
    }));
  }
  // Ollama constrains decoding itself: "json", or the schema.
  const f = call.request.responseFormat;
  if (f) req.format = f.type === 'json' ? 'json' : f.schema;
  // The caller's keep_alive (Ollama's API) wins; the engine's default holds otherwise.
  const keepAlive = toOllamaKeepAlive(call.request.keepAlive, extra.keepAlive);
  if (keepAlive !== undefined) req.keep_alive = keepAlive;
  // Hybrid-thinking models (Qwen3, SmolLM3) answer routed requests directly: Ollama's own switch for their template.
  if (findLocalModel(call.model)?.hybridThinking) req.think = false;
  return req;
}

/**
 * Pure: one NDJSON chunk → our events. Text becomes a text-delta, each tool call a tool-call (Ollama gives no ids
 * before 0.12: `call_<n>` counts from `toolCallsSoFar`); the final chunk (done:true) becomes usage
 * (prompt_eval_count / eval_count) then done ('length' when done_reason is 'length', 'tool_calls' after a call).
 * `fallbackInputTokens` stands in when Ollama omits prompt_eval_count (it does for a fully cached prompt).
 */
export function fromOllamaChunk(chunk: OllamaChunk, fallbackInputTokens = 0, toolCallsSoFar = 0): StreamEvent[] {
  const out: StreamEvent[] = [];
  const text = chunk.message?.content ?? '';
  if (text) out.push({ type: 'text-delta', text });
  const calls = chunk.message?.tool_calls ?? [];
  calls.forEach((c, i) =>
    out.push({
      type: 'tool-call',
      call: { id: c.id ?? `call_${toolCallsSoFar + i}`, name: c.function.name, arguments: JSON.stringify(c.function.arguments ?? {}) },
    }),
  );
  if (chunk.done) {
    out.push({
      type: 'usage',
      usage: { inputTokens: chunk.prompt_eval_count ?? fallbackInputTokens, outputTokens: chunk.eval_count ?? 0 },
    });
    const finishReason = chunk.done_reason === 'length' ? 'length' : toolCallsSoFar + calls.length > 0 ? 'tool_calls' : 'stop';
    out.push({ type: 'done', finishReason });
  }
  return out;
}

/** Node's fetch wraps socket errors: look for the errno code anywhere in the cause chain. */
function networkCode(e: unknown): string | undefined {
  for (let cur: unknown = e, i = 0; cur && i < 5; i++) {
    if (typeof cur === 'object' && 'code' in cur && typeof (cur as { code: unknown }).code === 'string')
      return (cur as { code: string }).code;
    cur = typeof cur === 'object' && cur !== null && 'cause' in cur ? (cur as { cause: unknown }).cause : undefined;
  }
  return undefined;
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** Any error out of the client → CoreError. `phase` says whether the answer had started streaming. */
export function mapOllamaError(e: unknown, ctx: { baseURL: string; tag: string; started: boolean; aborted: boolean }): CoreError {
  if (ctx.aborted) return new CoreError('aborted', 'The request was cancelled.');
  const status =
    typeof e === 'object' && e !== null && 'status_code' in e ? Number((e as { status_code: unknown }).status_code) : undefined;
  const detail = e instanceof Error ? e.message.slice(0, 300) : 'unknown error';
  if (status === 404)
    return new CoreError(
      'no_model_available',
      `Ollama at ${ctx.baseURL} has no model "${ctx.tag}"; pull it with \`ollama pull ${ctx.tag}\`.`,
    );
  if (status !== undefined && Number.isFinite(status))
    return new CoreError('upstream_error', `Ollama failed with HTTP ${status}: ${detail}`);
  if (ctx.started) return new CoreError('upstream_error', `Ollama stream ended unexpectedly: ${detail}`);
  const code = networkCode(e);
  if ((code && unreachableCodes.has(code)) || (e instanceof TypeError && /fetch failed/i.test(e.message))) {
    return new CoreError('upstream_unavailable', `Ollama is not running at ${ctx.baseURL}.`);
  }
  return new CoreError('upstream_error', `Ollama failed: ${detail}`);
}

/** A fetch (undici request API, keep-alive) that also aborts on any of `signals` (and, when given, after `timeoutMs`). */
function fetchWith(signals: readonly AbortSource[], timeoutMs?: number): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) => {
    const all: AbortSource[] = init?.signal ? [init.signal, ...signals] : [...signals];
    if (timeoutMs !== undefined) all.push(AbortSignal.timeout(timeoutMs));
    return nodeFetch(input, { ...init, signal: undefined }, all);
  }) as unknown as typeof fetch;
}

/**
 * The engine-wide close switch: every in-flight request listens to it, and close() aborts them all.
 * why not an AbortController: a listener added to and removed from an AbortSignal (an EventTarget) per request cost
 * a few µs in the gateway's profile; a Set costs next to nothing, and undici needs only these three members.
 */
class CloseSwitch implements AbortSource {
  aborted = false;
  private readonly listeners = new Set<() => void>();

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.listeners.add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.listeners.delete(listener);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const l of listeners) l();
  }
}

/**
 * One `ollama` client for every call of an engine, each call's abort signals handed to its fetch.
 * why: a client per call parsed the host URL again in its constructor (~4 µs a request in the gateway's profile).
 * The client calls fetch synchronously inside chat()/embed() (nothing is awaited before it for messages without
 * images, which this engine never sends), so the signals set just before the call are the ones its fetch takes; a fetch
 * reached any other way (a future client that awaits first) fails loudly instead of running without its signals.
 */
class SharedClient {
  private handoff: readonly AbortSource[] | undefined;
  readonly client: Ollama;

  constructor(host: string) {
    this.client = new Ollama({
      host,
      fetch: ((input: string | URL | Request, init?: RequestInit) => {
        const signals = this.handoff;
        this.handoff = undefined;
        if (signals === undefined) return Promise.reject(new Error('Ollama client fetch called outside SharedClient.call'));
        return nodeFetch(input, { ...init, signal: undefined }, init?.signal ? [init.signal, ...signals] : signals);
      }) as unknown as typeof fetch,
    });
  }

  /** Run `fn` (one client call) with `signals` reaching its HTTP request. */
  call<T>(signals: readonly AbortSource[], fn: (client: Ollama) => Promise<T>): Promise<T> {
    this.handoff = signals;
    try {
      return fn(this.client);
    } finally {
      this.handoff = undefined;
    }
  }
}

/** The Ollama engine: talks to a system (or bundled) Ollama server over HTTP through the official client. */
export function createOllamaEngine(opts: OllamaEngineOptions): OllamaEngine {
  const baseURL = normalizeOllamaHost(opts.host);
  const modelTags: Record<string, string> = opts.modelTags ?? Object.fromEntries(localModels.map((m) => [m.id, m.ollamaTag]));
  const probeTimeoutMs = opts.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
  // Aborted by close(): every call's HTTP request also listens to it (replaced afterwards, so the engine stays usable).
  // why one per engine rather than one per call: the caller's signal already reaches the request directly, and an
  // AbortController plus its listeners per call showed up in the gateway's profile.
  let closing = new CloseSwitch();
  const shared = new SharedClient(baseURL);

  /** Catalog id (or alias) → tag; a cloud model is refused; anything else is taken as a raw Ollama tag. */
  function tagFor(model: string): string {
    const direct = modelTags[model];
    if (direct) return direct;
    const entry = findModel(model);
    if (entry?.kind === 'cloud')
      throw new CoreError(
        'no_model_available',
        `Ollama cannot serve the cloud model "${model}"; valid: ${Object.keys(modelTags).join(', ')} or an Ollama tag.`,
      );
    if (entry) return modelTags[entry.id] ?? entry.ollamaTag;
    return model;
  }

  async function probe(): Promise<EngineAvailability> {
    try {
      const client = new Ollama({ host: baseURL, fetch: fetchWith([], probeTimeoutMs) });
      const { models } = await client.list();
      const present = models.map((m) => m.name);
      const ids = Object.entries(modelTags)
        .filter(([, tag]) => present.some((p) => tagMatches(tag, p)))
        .map(([id]) => id);
      // Raw tags are listed too, so a caller may ask for any model the server has by its Ollama name.
      for (const p of present) if (!ids.includes(p)) ids.push(p);
      const contextLengths: Record<string, number> = {};
      for (const id of ids) {
        const n = ollamaContextLength(id);
        if (n !== undefined) contextLengths[id] = n;
      }
      return { ok: true, models: ids, tools: true, structuredOutput: true, contextLengths };
    } catch {
      return { ok: false, models: [], reason: `Ollama not reachable at ${baseURL}` };
    }
  }

  async function* chat(call: EngineCall, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
    const tag = tagFor(call.model);
    const req = toOllamaChat(call, tag, { keepAlive: opts.keepAlive });
    // Ollama omits prompt_eval_count for a fully cached prompt: the quick estimate stands in.
    const fallbackInput = estimatePromptTokens(call.request);

    // The caller's signal and close() reach the HTTP request from the first byte (the client's own abort() only
    // exists once the response has started).
    const closed = closing;
    const cancelled = (): boolean => signal.aborted || closed.aborted;
    const signals = [signal, closed];
    let started = false;
    let finished = false;
    let toolCalls = 0;
    let iterator: { abort(): void } | undefined;
    // Either signal means a cancellation, not a failure.
    const fail = (e: unknown) => mapOllamaError(e, { baseURL, tag, started, aborted: cancelled() });

    try {
      if (!req.stream) {
        // The whole answer in one response (the caller does not stream): the same events, text in one delta.
        let whole: OllamaChatResponse;
        try {
          whole = await shared.call(signals, (client) => client.chat({ ...req, stream: false }));
        } catch (e) {
          throw fail(e);
        }
        started = true;
        if (cancelled()) throw new CoreError('aborted', 'The request was cancelled.');
        yield { type: 'start', model: call.model, engine: 'ollama' };
        finished = true;
        for (const ev of fromOllamaChunk({ ...(whole as OllamaChunk), done: true }, fallbackInput, 0)) yield ev;
        return;
      }
      let stream: AsyncIterable<OllamaChatResponse> & { abort(): void };
      try {
        stream = await shared.call(signals, (client) => client.chat({ ...req, stream: true }));
      } catch (e) {
        throw fail(e);
      }
      iterator = stream;
      started = true;
      yield { type: 'start', model: call.model, engine: 'ollama' };
      try {
        for await (const chunk of stream) {
          if (cancelled()) break;
          for (const ev of fromOllamaChunk(chunk as OllamaChunk, fallbackInput, toolCalls)) {
            if (ev.type === 'tool-call') toolCalls++;
            yield ev;
            if (cancelled()) break;
          }
          // No break on done: the client's iterator returns by itself after it, releasing the body.
          if (chunk.done) finished = true;
        }
      } catch (e) {
        throw fail(e);
      }
      if (cancelled()) throw new CoreError('aborted', 'The request was cancelled.');
      if (!finished) throw new CoreError('upstream_error', 'Ollama stream ended unexpectedly (no final chunk).');
    } finally {
      // A consumer that stopped early (or a failure mid-stream): hang up so Ollama stops generating.
      if (!finished) iterator?.abort();
    }
  }

  async function embed(texts: readonly string[], model: string, signal: AbortSignal, options: EmbedOptions = {}): Promise<EmbedResult> {
    if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
    const tag = tagFor(model);
    const closed = closing;
    const keepAlive = toOllamaKeepAlive(options.keepAlive, opts.keepAlive);
    try {
      const r = await shared.call([signal, closed], (client) =>
        client.embed({
          model: tag,
          input: [...texts],
          truncate: true,
          ...(keepAlive !== undefined ? { keep_alive: keepAlive } : {}),
        }),
      );
      return { embeddings: r.embeddings, inputTokens: r.prompt_eval_count ?? estimateTextTokens(texts.join('\n')) };
    } catch (e) {
      throw mapOllamaError(e, { baseURL, tag, started: false, aborted: signal.aborted || closed.aborted });
    }
  }

  /**
   * Ollama's own load/unload: /api/generate naming the model with no prompt loads it and holds it for keep_alive (0:
   * unloads it). Answered once Ollama has done it.
   */
  async function hold(model: string, keepAlive: string | number | undefined): Promise<void> {
    const tag = tagFor(model);
    const closed = closing;
    try {
      await shared.call([closed], (client) =>
        client.generate({ model: tag, prompt: '', stream: false, ...(keepAlive !== undefined ? { keep_alive: keepAlive } : {}) }),
      );
    } catch (e) {
      throw mapOllamaError(e, { baseURL, tag, started: false, aborted: closed.aborted });
    }
  }

  return {
    id: 'ollama',
    probe,
    chat,
    embed,
    load: (model, keepAlive) => hold(model, toOllamaKeepAlive(keepAlive, opts.keepAlive)),
    async ps() {
      try {
        const client = new Ollama({ host: baseURL, fetch: fetchWith([closing], probeTimeoutMs) });
        const { models } = await client.ps();
        return models.map((m) => ({
          name: m.name,
          sizeBytes: m.size,
          expiresAt: new Date(m.expires_at).getTime(),
          ...((m as { context_length?: number }).context_length
            ? { contextLength: (m as { context_length?: number }).context_length }
            : {}),
        }));
      } catch {
        return [];
      }
    },
    unload: (model) => hold(model, 0),
    async close() {
      closing.abort();
      closing = new CloseSwitch();
    },
  };
}
