// ProtocolAdapter: a wire protocol as pure decode/encode over our neutral ChatRequest and pipeline events.
import type { ChatMessage, ChatRequest, ModelKeepAlive, Protocol, ToolCall } from '../contracts/chat.js';
import type { EngineId } from '../contracts/decision.js';
import type { EmbedOptions } from '../engines/engine.js';
import type { CoreError } from '../errors.js';
import type { EmbedOutcome, PipelineEvent, PipelineRun, Summary } from '../pipeline.js';
import type { FinishReason, TokenLogprob } from '../contracts/stream.js';
import type { ModelsApiDeps } from './models-api.js';
import type { KeepAliveHolds } from './keep-alive.js';

/**
 * A decoded request and how the caller wants the answer back. `O` is what the adapter's own encoders need beyond the
 * ChatRequest (OpenAI's include_usage, Ollama's model name as sent), typed per adapter.
 */
export interface Decoded<O = unknown> {
  request: ChatRequest;
  stream: boolean;
  /** The adapter's own options, fixed at decode (absent for adapters that need none). */
  options?: O;
  /** Stored conversation the exchange is appended to (native API, history on). */
  conversationId?: string;
  /** With conversationId: the request whose answer this one replaces (native API, Retry with Claude). */
  retryOf?: string;
  /** With conversationId: the stored message this exchange is a new version of (regenerate, retry, edit). */
  versionOf?: string;
  /** With conversationId: the stored message this exchange follows (else the conversation's current leaf). */
  parentId?: string;
}

/** A whole (non-streamed) answer collected from the pipeline. */
export interface Collected {
  text: string;
  /** Tool calls the model made, in order (empty when none). */
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** The request's stop sequence that ended the answer, when the engine said which (absent otherwise). */
  stopSequence?: string;
  /** Per-token log-probabilities, when the request asked for them (the engine that answered returns them). */
  logprobs?: TokenLogprob[];
  summary: Summary;
}

/** Turns pipeline events into the protocol's stream framing. */
export interface StreamEncoder {
  contentType: string;
  /** Frames to write first (may be empty). */
  begin(): string;
  /** Frame(s) for one event, or '' when the protocol has nothing to say about it. */
  encode(ev: PipelineEvent): string;
  /** Frame(s) that close the stream after 'done' or 'error'. */
  end(): string;
}

export interface ChatRoute {
  method: 'POST';
  url: string;
  /** Shapes the request (e.g. Ollama /api/generate vs /api/chat). */
  variant?: string;
}

/** A model a caller may name now, with what it can do (for /api/tags, /api/show and the like). */
export interface ModelListing {
  /** 'auto', a catalog id, or a name native to an engine (an Ollama tag). */
  id: string;
  kind: 'auto' | 'local' | 'cloud';
  label: string;
  /** Engines that can serve it now (empty for 'auto'). */
  engines: EngineId[];
  supportsTools: boolean;
  canEmbed: boolean;
  paramsB?: number;
  contextLength?: number;
  quantization?: string;
  sizeBytes?: number;
  /** The architecture (`general.architecture` of a GGUF), when read from the file itself. */
  family?: string;
  /** Weights in the file, counted from its tensors (finer than `paramsB`). */
  parameterCount?: number;
  /** The chat template the file carries (Jinja), when read from the file itself. */
  template?: string;
  /** The file's scalar header values (Ollama's model_info), when read from the file itself. */
  modelInfo?: Record<string, string | number | boolean>;
  /**
   * Whether the model can think aloud when asked (Ollama's `think`): true for the catalog's hybrid-thinking models and a
   * file whose chat template has a thinking switch, false for models known not to; absent = unknown (auto, clouds,
   * engine-native names), which are not refused.
   */
  thinking?: boolean;
  /** When the model's file last changed (ms since the epoch; Ollama's `modified_at`); absent = the server's start. */
  modifiedAt?: number;
  /**
   * Other names a caller may send for this model, not listed on their own: the catalog ids the HYBRID_AI_LOCAL_MODEL
   * file answers for.
   */
  aliases?: string[];
}

/** The one file HYBRID_AI_LOCAL_MODEL makes answer every local route, as its GGUF header describes it. */
export interface LocalModelFileInfo {
  /** The name answers carry: the file name without `.gguf`. */
  name: string;
  sizeBytes?: number;
  architecture?: string;
  parameterCount?: number;
  /** Ollama's name of the file type ("Q4_K_M", "F16"). */
  quantization?: string;
  /** The context it was trained for, in tokens. */
  contextLength?: number;
  chatTemplate?: string;
  /** The file's modification time, ms since the epoch. */
  modifiedAt?: number;
  /** Scalar header values (numbers, booleans, short strings), `general.parameter_count` included when counted. */
  metadata: Record<string, string | number | boolean>;
}

/**
 * What a protocol's non-chat routes may use. Framework-free on purpose: extra routes stay plain functions of
 * (body, services) → JSON, testable without a server, and the protocol file never learns about Fastify.
 */
export interface ProtocolServices {
  /** This app's version. */
  version: string;
  startedAt: number;
  now(): number;
  /** Models a caller may name now: 'auto' first, then available catalog models, then engine-native names. */
  models(): Promise<ModelListing[]>;
  embed(texts: readonly string[], model: string, signal: AbortSignal, options?: EmbedOptions): Promise<EmbedOutcome>;
  /** Model files and downloads on this machine (absent in bare gateways: pull/delete then answer that they cannot). */
  files?: Pick<ModelsApiDeps, 'downloads' | 'deleteModel' | 'modelsOnDisk' | 'localModelFile'>;
  /** Models an engine holds in memory now, most recently used first (absent = none known). */
  loaded?(): LoadedModel[];
  /** Models an Ollama backend holds in memory now, as its /api/ps says (absent = no Ollama). */
  backendLoaded?(): Promise<LoadedModel[]>;
  /**
   * Free the model a caller names from the engines' memory (absent = none can be freed); resolves once freed, or at
   * once when other calls are running on it (freed when they end).
   */
  unload?(model: string): Promise<void>;
  /** Load the model a caller names into the engine's memory now (absent, or a model no engine loads: nothing). */
  load?(model: string, keepAlive?: ModelKeepAlive): Promise<void>;
  /** Stored OpenAI Responses API objects (absent in bare gateways without a ledger). */
  responses?: ResponseStore;
  /** Ollama keep_alive durations on loaded models (absent where no engine can unload). */
  keepAlive?: KeepAliveHolds;
}

/** A model held in memory by an engine (for Ollama's /api/ps). */
export interface LoadedModel {
  /** The name a caller uses for it: a catalog id, or the file name when HYBRID_AI_LOCAL_MODEL serves every local route. */
  id: string;
  engine: EngineId;
  /** Bytes of the model file, when known. */
  sizeBytes?: number;
  /** Bytes it holds in memory (weights and context: KV cache and buffers for all its sequences), when known. */
  memoryBytes?: number;
  /** Context window the engine opened, in tokens, when known. */
  contextLength?: number;
  /** Grows with each call the engine dispatched to it, across loads, when known (a keep_alive hold lapses if others used it). */
  uses?: number;
  /** Asked to be freed while other calls ran on it: it goes when they end (Ollama's ps then says it is stopping). */
  freeing?: boolean;
  /** When the engine itself lets it go (ms since the epoch): an Ollama backend's own expires_at. */
  expiresAt?: number;
}

/** A non-chat route's answer sent as NDJSON lines as they come (Ollama's /api/pull progress). */
export class NdjsonAnswer {
  /** `lines` yields the objects to write; a throw after the first line becomes an `{"error"}` line. */
  constructor(readonly lines: AsyncIterable<unknown>) {}
}

/** Who is calling: what a protocol may keep per caller (stored responses) is scoped by it. */
export interface Caller {
  /** The app key the request authenticated with; undefined = the main API token. */
  appKeyId?: string;
}

/**
 * Where a protocol keeps answers a later request may refer to (OpenAI's `previous_response_id`). Each answer belongs to
 * the caller that made it: another caller finds nothing under its id.
 *
 * History on, answers are kept readable under their id. History off, they are kept sealed: encrypted under a key
 * derived from a random secret in their id ({@link ResponseStore.sealedIdPart}), found by a hash of that id, and gone
 * after a while; only whoever holds the id can find or read one.
 */
export interface ResponseStore {
  /** Whether answers are kept readable now (history on); off = only sealed ones are kept. */
  enabled(): boolean;
  /**
   * A fresh id part (letters and digits) for an answer to keep sealed: `resp_<part>` and its items' ids carry the
   * secret its key comes from. Call once per answer, before its id is shown.
   */
  sealedIdPart(): string;
  /** Keep `body` under `id`: sealed (`id` must hold a sealedIdPart), or readable (history on only; off: nothing kept). */
  save(id: string, createdAt: number, body: unknown, caller: Caller, how: 'readable' | 'sealed'): Promise<void>;
  /**
   * The body under `id`, or undefined when unknown, expired, another caller's, or kept readable while history is off.
   * A sealed answer is found whatever history is now, until it expires.
   */
  get(id: string, caller: Caller): Promise<unknown>;
  delete(id: string, caller: Caller): Promise<boolean>;
}

/**
 * A non-chat endpoint of a protocol (model lists, version, embeddings, token counts). Mounted by mount.ts with
 * the protocol's name, so auth, 413s and thrown CoreErrors come back in the protocol's own error shape.
 */
export interface ExtraRoute {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /**
   * Changes the machine (downloads, deletes model files): the master token only, never an app key (app keys may call
   * the model APIs, not manage the models).
   */
  manage?: boolean;
  /**
   * Returns the JSON body (undefined: an empty 200, as Ollama's /api/delete answers), or an {@link NdjsonAnswer} to
   * stream; throws CoreError for the caller's mistakes. `signal` aborts when the client goes away; `params` are the URL's
   * path parameters, `query` its query string; `caller` says which key is asking.
   */
  handle(
    input: { body: unknown; signal: AbortSignal; params?: Record<string, string>; query?: Record<string, string>; caller?: Caller },
    services: ProtocolServices,
  ): Promise<unknown>;
}

/**
 * A wire protocol. `O` types the options its decode hands its encoders (see {@link Decoded}); the registry holds
 * adapters of any `O` (their methods take only what their own decode made).
 */
export interface ProtocolAdapter<O = unknown> {
  name: Protocol;
  chatRoutes: ChatRoute[];
  /** Non-chat endpoints the protocol's clients call (absent = none). */
  extraRoutes?: ExtraRoute[];
  /** Throws CoreError('invalid_request') naming the bad field and what is valid. */
  decode(body: unknown, route: ChatRoute): Decoded<O>;
  encodeResponse(run: PipelineRun, collected: Collected, decoded: Decoded<O>): unknown;
  createStreamEncoder(run: PipelineRun, decoded: Decoded<O>): StreamEncoder;
  /**
   * Async work before the pipeline runs (absent = none): e.g. load the stored conversation a request continues.
   * Throws CoreError for the caller's mistakes.
   */
  prepare?(decoded: Decoded<O>, services: ProtocolServices, caller: Caller): Promise<Decoded<O>>;
  /**
   * Called once the answer is complete, before the caller is told so (the last stream frame or the JSON body), so
   * what it keeps is there when the caller asks for it: e.g. store the response for `previous_response_id`.
   */
  complete?(run: PipelineRun, collected: Collected, decoded: Decoded<O>, services: ProtocolServices, caller: Caller): Promise<void>;
  /**
   * Called instead of complete() when a request ends without an answer: its run failed, or the caller went away
   * (`run` undefined: before the first token, so before a route was known). E.g. Ollama's keep_alive, which applies
   * however a request ends.
   */
  abandoned?(run: PipelineRun | undefined, decoded: Decoded<O>, services: ProtocolServices): Promise<void>;
  /** The protocol's own error shape. */
  encodeError(err: CoreError): unknown;
  /**
   * URL prefixes whose unknown routes are this protocol's (404s and refusals there come in its error shape); the
   * longest matching prefix of any protocol wins. Absent = only the protocol's own routes.
   */
  pathPrefixes?: readonly string[];
  /**
   * Answers a chat-route request that asks for no generation (Ollama's preload `messages: []` and unload
   * `keep_alive: 0`) without running the pipeline; undefined = decode and run it as usual. Throws CoreError like decode.
   */
  answerWithoutModel?(body: unknown, route: ChatRoute, services: ProtocolServices): Promise<unknown>;
}

/**
 * The request as the pipeline gets it, whichever protocol decoded it: every property present (undefined when not
 * given), always in this order, the messages and params likewise. The pipeline's hot functions then see one object
 * shape, not one per protocol (V8 deoptimises a function each time it meets a shape it was not optimised for).
 */
export function uniformRequest(r: ChatRequest): ChatRequest {
  const p = r.params;
  return {
    messages: r.messages.map(uniformMessage),
    model: r.model,
    params: { maxTokens: p.maxTokens, temperature: p.temperature, topP: p.topP, stop: p.stop, seed: p.seed },
    localOnly: r.localOnly,
    cache: r.cache,
    cascade: r.cascade,
    tools: r.tools,
    toolChoice: r.toolChoice,
    responseFormat: r.responseFormat,
    logprobs: r.logprobs,
    keepAlive: r.keepAlive,
  };
}

function uniformMessage(m: ChatMessage): ChatMessage {
  return { role: m.role, content: m.content, toolCalls: m.toolCalls, toolCallId: m.toolCallId, name: m.name };
}
