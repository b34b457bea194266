// OpenAI, and any OpenAI-compatible cloud, via the official `openai` SDK: pure toOpenAICloudParams()/fromOpenAIChunk() + thin streaming I/O.
import type * as OpenAISdkModule from 'openai';
import type OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type { ChatMessage, ResponseFormat, ToolChoice, ToolSpec } from '../contracts/chat.js';
import type { EngineAvailability } from '../contracts/decision.js';
import type { ErrorType } from '../contracts/errors.js';
import type { FinishReason, StreamEvent, Usage } from '../contracts/stream.js';
import { cloudModelsOf, findModel } from '../data/models.js';
import { CoreError } from '../errors.js';
import type { Engine, EngineCall, KeyCheck } from './engine.js';

/** Per-attempt wait for response headers; a streamed reply sends them with its first chunk, normally within seconds. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Whole-call wait (retries included) for the first text delta: past this the pipeline is better off falling back. */
const DEFAULT_FIRST_TOKEN_TIMEOUT_MS = 60_000;
/** How long a compat cloud's /v1/models list is reused: probes run every few seconds, the list changes rarely. */
const MODEL_LIST_TTL_MS = 60_000;
/** The cheapest catalog GPT model: what a key check asks for one token from. */
const CHECK_MODEL = 'gpt-5.4-nano';

type OpenAISdk = typeof OpenAISdkModule;
let sdk: OpenAISdk | undefined;
let sdkLoading: Promise<OpenAISdk> | undefined;

/** Loads the `openai` SDK on first use (a core that never calls OpenAI never pays its import). */
export function loadOpenAISdk(): Promise<OpenAISdk> {
  sdkLoading ??= import('openai').then((m) => (sdk = m));
  return sdkLoading;
}

/** Which of our engines this is: OpenAI itself, or an OpenAI-compatible cloud by base URL. */
export type OpenAICloudEngineId = 'openai' | 'cloud-compat';

/** Options of {@link createOpenAICloudEngine}. */
export interface OpenAICloudEngineOptions {
  /** 'openai' (default): GPT models of the catalog; 'cloud-compat': whatever the server at `baseURL` lists. */
  id?: OpenAICloudEngineId;
  /** The key, or a getter read on every probe and call (a key saved in Settings takes effect at once). */
  apiKey: string | (() => string | undefined);
  /** API base URL including /v1; required for 'cloud-compat'. For 'openai' undefined lets the SDK read OPENAI_BASE_URL. */
  baseURL?: string;
  /** 'cloud-compat': the models it serves; default: the server's own /v1/models (cached for a minute). */
  models?: () => Promise<string[]>;
  /** SDK retries on 408/409/429/5xx and connection errors, honouring retry-after; default 2 (the SDK's). */
  maxRetries?: number;
  /** Per-attempt timeout for the response headers, in ms. */
  timeoutMs?: number;
  /** Whole-call timeout until the first text delta, in ms. */
  firstTokenTimeoutMs?: number;
}

/** Who answers, in words for messages: "OpenAI" or "the OpenAI-compatible cloud at host". */
function providerLabel(id: OpenAICloudEngineId, baseURL: string | undefined): string {
  if (id === 'openai') return 'OpenAI';
  let host = baseURL ?? '';
  try {
    host = new URL(baseURL ?? '').host;
  } catch {
    // keep what was given
  }
  return `the OpenAI-compatible cloud at ${host}`;
}

/**
 * Resolve our model id to the provider's. OpenAI: a catalog GPT id/alias → its providerModel; a raw `gpt-*`, `o<n>*`
 * or `chatgpt-*` id passes through. Compat: any id that is not one of our catalog's passes through as the server's own.
 */
export function toOpenAIModel(model: string, id: OpenAICloudEngineId = 'openai'): string {
  const name = model.trim();
  const entry = findModel(name);
  if (id === 'cloud-compat') {
    if (!entry && name !== '' && name !== 'auto') return name;
    throw new CoreError(
      'no_model_available',
      `The OpenAI-compatible cloud cannot serve model "${model}"; use one of the ids its /v1/models lists.`,
    );
  }
  if (entry?.kind === 'cloud' && entry.provider === 'openai') return entry.providerModel;
  if (!entry && /^(gpt-|chatgpt-|o\d)/i.test(name)) return name;
  throw new CoreError(
    'no_model_available',
    `OpenAI cannot serve model "${model}"; valid: ${cloudModelsOf('openai')
      .map((m) => m.id)
      .join(', ')} or a gpt-* model id.`,
  );
}

/** Our tool specs → Chat Completions function tools. */
export function toOpenAITools(tools: readonly ToolSpec[]): ChatCompletionTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: { type: 'object', ...t.parameters } },
  }));
}

/** Our tool choice → Chat Completions'. */
export function toOpenAIToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  if (typeof choice === 'string') return choice;
  return { type: 'function', function: { name: choice.name } };
}

/**
 * True when OpenAI can enforce `schema` strictly: every object lists all its properties as required and forbids
 * others (OpenAI's structured-output subset). Others are sent non-strict: the model is still given the schema.
 */
export function isStrictSchema(schema: unknown, depth = 0): boolean {
  if (depth > 32 || !schema || typeof schema !== 'object') return true;
  const s = schema as Record<string, unknown>;
  if (s.type === 'object' || s.properties) {
    const props = Object.keys((s.properties ?? {}) as object);
    const req = Array.isArray(s.required) ? (s.required as unknown[]) : [];
    if (s.additionalProperties !== false || props.some((p) => !req.includes(p))) return false;
  }
  const children: unknown[] = [
    ...Object.values((s.properties ?? {}) as object),
    ...Object.values((s.$defs ?? s.definitions ?? {}) as object),
    ...(Array.isArray(s.anyOf) ? s.anyOf : []),
    ...(s.items ? [s.items] : []),
  ];
  return children.every((c) => isStrictSchema(c, depth + 1));
}

/** Structured output → `response_format` (json_schema, strict where the schema allows it; json_object for any JSON). */
export function toOpenAIResponseFormat(format: ResponseFormat): NonNullable<ChatCompletionCreateParamsStreaming['response_format']> {
  if (format.type === 'json') return { type: 'json_object' };
  return {
    type: 'json_schema',
    json_schema: {
      // OpenAI's name pattern: a-z, A-Z, 0-9, underscores and dashes, at most 64 characters.
      name: (format.name ?? 'answer').replace(/[^\w-]/g, '_').slice(0, 64) || 'answer',
      schema: format.schema,
      strict: isStrictSchema(format.schema),
    },
  };
}

function toOpenAIMessage(m: ChatMessage): ChatCompletionMessageParam {
  switch (m.role) {
    case 'system':
      return { role: 'system', content: m.content };
    case 'user':
      return { role: 'user', content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
    case 'assistant': {
      const calls = m.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: m.content };
      return {
        role: 'assistant',
        content: m.content === '' ? null : m.content,
        tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments || '{}' } })),
      };
    }
  }
}

/**
 * Pure: our call → Chat Completions params (streaming, usage in the last chunk).
 * OpenAI's GPT-5 models take `max_completion_tokens` (they refuse `max_tokens`); compat clouds get `max_tokens`,
 * the name every OpenAI-compatible server knows. json_object needs the word "JSON" in the messages (OpenAI refuses
 * it otherwise), so a system line says so when no message does.
 */
export function toOpenAICloudParams(call: EngineCall, id: OpenAICloudEngineId = 'openai'): ChatCompletionCreateParamsStreaming {
  const { request } = call;
  const messages = request.messages.map(toOpenAIMessage);
  if (messages.length === 0) throw new CoreError('invalid_request', 'A chat request needs at least one message.');
  if (request.responseFormat?.type === 'json' && !request.messages.some((m) => /json/i.test(m.content)))
    messages.unshift({ role: 'system', content: 'Answer with one JSON object.' });
  const p = request.params;
  const params: ChatCompletionCreateParamsStreaming = {
    model: toOpenAIModel(call.model, id),
    messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (p.maxTokens !== undefined) {
    if (id === 'openai') params.max_completion_tokens = p.maxTokens;
    else params.max_tokens = p.maxTokens;
  }
  if (p.temperature !== undefined) params.temperature = Math.min(2, Math.max(0, p.temperature));
  if (p.topP !== undefined) params.top_p = p.topP;
  const stops = (p.stop ?? []).filter((s) => s !== '');
  // OpenAI takes at most 4 stop sequences.
  if (stops.length > 0) params.stop = stops.slice(0, 4);
  if (p.seed !== undefined) params.seed = p.seed;
  if (request.tools && request.tools.length > 0) {
    params.tools = toOpenAITools(request.tools);
    if (request.toolChoice !== undefined) params.tool_choice = toOpenAIToolChoice(request.toolChoice);
  }
  if (request.responseFormat) params.response_format = toOpenAIResponseFormat(request.responseFormat);
  return params;
}

/** What {@link fromOpenAIChunk} carries from one chunk to the next. */
export interface OpenAIStreamState {
  /** The model id reported in `start` (the id the pipeline asked for). */
  model: string;
  engine: OpenAICloudEngineId;
  started: boolean;
  /** finish_reason seen. */
  finishReason?: string;
  usage?: Usage;
  /** Tool calls still streaming their arguments, by index (emitted whole when the choice finishes). */
  tools: Readonly<Record<number, { id: string; name: string; args: string }>>;
}

/** A fresh state for one call. */
export function initialOpenAIState(model: string, engine: OpenAICloudEngineId = 'openai'): OpenAIStreamState {
  return { model, engine, started: false, tools: {} };
}

/** Chat Completions' usage → ours (cached prompt tokens are part of prompt_tokens). */
export function usageOfOpenAI(u: NonNullable<ChatCompletionChunk['usage']>): Usage {
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    inputTokens: u.prompt_tokens ?? 0,
    outputTokens: u.completion_tokens ?? 0,
    ...(cached > 0 ? { cachedInputTokens: cached } : {}),
  };
}

function finishReasonOf(reason: string | undefined): FinishReason {
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool_calls';
  return reason === 'length' ? 'length' : 'stop';
}

/**
 * Pure: one stream chunk → our events, plus the next state. `start` before the first chunk's events; a text-delta
 * per non-empty content delta; tool-call pieces joined by index and emitted whole at the choice's finish_reason;
 * usage (the last chunk, `choices: []`) is kept for {@link endOfOpenAIStream}.
 */
export function fromOpenAIChunk(chunk: ChatCompletionChunk, state: OpenAIStreamState): { events: StreamEvent[]; state: OpenAIStreamState } {
  const events: StreamEvent[] = [];
  let next = state;
  if (!next.started) {
    events.push({ type: 'start', model: state.model, engine: state.engine });
    next = { ...next, started: true };
  }
  if (chunk.usage) next = { ...next, usage: usageOfOpenAI(chunk.usage) };
  // One choice: n is never above 1 here.
  const choice = chunk.choices?.[0];
  if (!choice) return { events, state: next };
  const delta = choice.delta ?? {};
  if (typeof delta.content === 'string' && delta.content !== '') events.push({ type: 'text-delta', text: delta.content });
  for (const tc of delta.tool_calls ?? []) {
    const prev = next.tools[tc.index] ?? { id: '', name: '', args: '' };
    next = {
      ...next,
      tools: {
        ...next.tools,
        [tc.index]: { id: tc.id || prev.id, name: prev.name + (tc.function?.name ?? ''), args: prev.args + (tc.function?.arguments ?? '') },
      },
    };
  }
  if (choice.finish_reason) {
    for (const [i, t] of Object.entries(next.tools).sort(([a], [b]) => Number(a) - Number(b)))
      events.push({ type: 'tool-call', call: { id: t.id || `call_${i}`, name: t.name, arguments: t.args.trim() === '' ? '{}' : t.args } });
    next = { ...next, tools: {}, finishReason: choice.finish_reason };
  }
  return { events, state: next };
}

/**
 * Pure: the events that close a stream that ended cleanly: usage (zeros when the server sent none: some compat
 * clouds ignore stream_options) and done; an error when no choice ever finished (the stream was cut short).
 */
export function endOfOpenAIStream(state: OpenAIStreamState, label = 'OpenAI'): StreamEvent[] {
  if (!state.finishReason)
    return [{ type: 'error', error: { type: 'upstream_error', message: `${label} stream ended unexpectedly (no finish_reason).` } }];
  return [
    { type: 'usage', usage: state.usage ?? { inputTokens: 0, outputTokens: 0 } },
    { type: 'done', finishReason: finishReasonOf(state.finishReason) },
  ];
}

/** HTTP status (and OpenAI's error code) → our error type. */
export function errorTypeOfOpenAI(status: number | undefined, code?: string | null): ErrorType {
  if (status === 401 || status === 403) return 'upstream_auth';
  if (status === 429) return 'upstream_rate_limited';
  if (status === 503 || status === 529) return 'upstream_overloaded';
  if (status === 408 || status === 504) return 'timeout';
  if (code === 'context_length_exceeded') return 'context_length_exceeded';
  return 'upstream_error';
}

function redact(text: string, apiKey: string | undefined): string {
  return apiKey ? text.split(apiKey).join('[redacted]') : text;
}

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms) / 1000);
  const s = headers?.get('retry-after');
  if (s && Number.isFinite(Number(s))) return Math.max(0, Number(s));
  return undefined;
}

/** Why the internal controller fired, when it did. */
type StopCause = 'caller' | 'first-token-timeout' | 'consumer-left';

/**
 * Any error out of the SDK → CoreError with a message we build ourselves (never the SDK's text or headers, which
 * could carry the key). `cause` is a plain summary.
 */
export function mapOpenAIError(
  e: unknown,
  ctx: {
    label?: string;
    apiKey?: string;
    baseURL: string;
    started: boolean;
    stopCause?: StopCause;
    firstTokenTimeoutMs?: number;
    /** The model the failed call asked for (a chat): a refusal of it is marked as such ({@link CoreError.refusedModel}). */
    model?: string;
    /** The provider's own name for it (a 400 may quote this one). */
    wireModel?: string;
  },
): CoreError {
  const label = ctx.label ?? 'OpenAI';
  if (ctx.stopCause === 'caller' || ctx.stopCause === 'consumer-left') return new CoreError('aborted', 'The request was cancelled.');
  if (ctx.stopCause === 'first-token-timeout')
    return new CoreError('timeout', `${label} sent no answer within ${Math.round((ctx.firstTokenTimeoutMs ?? 0) / 1000)} s.`);
  const classes = sdk;
  const isApi = classes !== undefined && e instanceof classes.APIError;
  const summary = {
    name: e instanceof Error ? e.name : typeof e,
    status: isApi ? e.status : undefined,
    requestId: isApi ? e.requestID : undefined,
  };
  if (classes && e instanceof classes.APIUserAbortError) return new CoreError('aborted', 'The request was cancelled.', { cause: summary });
  if (classes && e instanceof classes.APIConnectionTimeoutError)
    return new CoreError('timeout', `${label} did not answer in time.`, { cause: summary });
  if (classes && e instanceof classes.APIConnectionError)
    return new CoreError(ctx.started ? 'upstream_error' : 'upstream_unavailable', unreachable(label, ctx.baseURL, e), { cause: summary });
  if (classes && e instanceof classes.APIError) {
    const status = e.status;
    if (status === undefined) {
      // An `error` object in the SSE stream mid-answer surfaces as a status-less APIError.
      return new CoreError('upstream_error', `${label} reported an error mid-stream (${e.type ?? e.code ?? 'unknown'}).`, {
        cause: summary,
      });
    }
    const type = errorTypeOfOpenAI(status, e.code);
    switch (type) {
      case 'upstream_auth':
        return new CoreError('upstream_auth', `${label} rejected the API key (HTTP ${status}).`, { cause: summary });
      case 'upstream_rate_limited':
        return new CoreError(
          'upstream_rate_limited',
          e.code === 'insufficient_quota'
            ? `${label} refused: this API key's quota is used up.`
            : `${label} is rate limiting this API key; try again shortly.`,
          { cause: summary, retryAfter: retryAfterSeconds(e.headers) },
        );
      case 'upstream_overloaded':
        return new CoreError('upstream_overloaded', `${label} is overloaded right now (HTTP ${status}); try again shortly.`, {
          cause: summary,
          retryAfter: retryAfterSeconds(e.headers),
        });
      case 'timeout':
        return new CoreError('timeout', `${label} did not answer in time.`, { cause: summary });
      case 'context_length_exceeded':
        return new CoreError('context_length_exceeded', `The request does not fit the model's context at ${label}.`, { cause: summary });
      default:
        if (status >= 500) return new CoreError('upstream_error', `${label} failed with HTTP ${status}.`, { cause: summary });
        return refusal(label, status, e, ctx, summary);
    }
  }
  if (e instanceof RangeError)
    return new CoreError('internal', `Internal error while preparing the request for ${label}.`, { cause: summary });
  if (ctx.started)
    return new CoreError('upstream_error', `${label} stream ended unexpectedly (the connection broke mid-answer).`, { cause: summary });
  return new CoreError('upstream_unavailable', unreachable(label, ctx.baseURL, e), { cause: summary });
}

/** A 4xx the provider explained: a refused model (marked, see {@link CoreError.refusedModel}) or a refused request. */
function refusal(
  label: string,
  status: number,
  e: { error?: unknown; code?: unknown; param?: unknown },
  ctx: { apiKey?: string; model?: string; wireModel?: string },
  summary: Record<string, unknown>,
): CoreError {
  const detail = (e.error as { message?: unknown } | undefined)?.message;
  const why = String(detail ?? 'no details').slice(0, 500);
  if (ctx.model !== undefined && refusesModel(status, e.code, e.param, detail, ctx.wireModel ?? ctx.model))
    return new CoreError('upstream_error', redact(`${label} refused the model "${ctx.model}" (HTTP ${status}): ${why}`, ctx.apiKey), {
      cause: summary,
      refusedModel: ctx.model,
    });
  return new CoreError('upstream_error', redact(`${label} refused the request (HTTP ${status}): ${why}`, ctx.apiKey), { cause: summary });
}

/**
 * Whether a chat's 4xx says the provider does not have `model` (or not for this key): a 404 (OpenAI's model_not_found,
 * vLLM's "model … does not exist"), or a 400 that refuses the model by code or parameter (Groq's model_not_found,
 * model_decommissioned) or names it in words of refusal (OpenRouter's "… is not a valid model ID", LiteLLM's "Invalid
 * model name passed in model=…").
 */
function refusesModel(status: number, code: unknown, param: unknown, detail: unknown, model: string): boolean {
  if (status === 404) return true;
  if (status !== 400) return false;
  if (code === 'model_not_found' || code === 'model_decommissioned' || param === 'model') return true;
  // Named, and refused as a model: "max_tokens is too large for model x" names it without refusing it.
  return model !== '' && typeof detail === 'string' && detail.includes(model) && MODEL_REFUSED.test(detail);
}

/** How providers word a model they do not have (OpenRouter, LiteLLM, Mistral, Together, vLLM, Groq). */
const MODEL_REFUSED =
  /not a valid model|invalid model|does not exist|do(es)? not have access|not found|unknown model|no such model|decommissioned|unable to access model|not available/i;

/** Socket and TLS error codes (Node's, undici's) → what went wrong, in words. */
const connectionProblems: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host',
};

/**
 * "Could not reach X at URL (connection refused): check …", naming the address once: the label of an OpenAI-compatible
 * cloud already holds its host, which is replaced by the full base URL (a repeat of both read "…at h:1 at http://h:1/v1").
 * The problem comes from the socket error under the SDK's (undici's "fetch failed" holds it as its cause).
 */
function unreachable(label: string, baseURL: string, e: unknown): string {
  let host = '';
  try {
    host = new URL(baseURL).host;
  } catch {
    // Not a URL: said as given.
  }
  const where = host && label.endsWith(` at ${host}`) ? `${label.slice(0, -host.length)}${baseURL}` : `${label} at ${baseURL}`;
  let problem: string | undefined;
  for (let c: unknown = e, depth = 0; c && depth < 5 && !problem; depth++) {
    const code = (c as { code?: unknown }).code;
    problem = typeof code === 'string' ? connectionProblems[code] : undefined;
    // fetch refuses a few ports outright (1, 9, 22, 25, …: the Fetch standard's "bad ports"), without trying them.
    if (!problem && (c as { message?: unknown }).message === 'bad port')
      problem = `port ${host.split(':').pop() ?? '?'} is one that fetch refuses to use; choose another`;
    c = (c as { cause?: unknown }).cause;
  }
  return `Could not reach ${where}${problem ? ` (${problem})` : ''}: check the URL, and that the server is running and reachable from this machine.`;
}

/** The OpenAI engine, or an OpenAI-compatible cloud's: streams Chat Completions through the official SDK. */
export function createOpenAICloudEngine(opts: OpenAICloudEngineOptions): Engine {
  const id: OpenAICloudEngineId = opts.id ?? 'openai';
  if (id === 'cloud-compat' && !opts.baseURL) throw new CoreError('invalid_request', 'An OpenAI-compatible cloud needs its base URL.');
  const label = providerLabel(id, opts.baseURL);
  const keyOption = opts.apiKey;
  const currentKey = (): string | undefined => (typeof keyOption === 'function' ? keyOption() : keyOption)?.trim() || undefined;
  const firstTokenTimeoutMs = opts.firstTokenTimeoutMs ?? DEFAULT_FIRST_TOKEN_TIMEOUT_MS;
  let cached: { key: string; client: OpenAI } | undefined;
  const clientFor = async (key: string): Promise<OpenAI> => {
    const { default: OpenAIClient } = await loadOpenAISdk();
    if (cached?.key !== key) {
      cached = {
        key,
        client: new OpenAIClient({
          apiKey: key,
          baseURL: opts.baseURL,
          maxRetries: opts.maxRetries ?? 2,
          timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          logLevel: 'off',
          // The SDK reads OPENAI_ORG_ID/OPENAI_PROJECT_ID too; a compat cloud must not be sent OpenAI's.
          ...(id === 'cloud-compat' ? { organization: null, project: null } : {}),
        }),
      };
    }
    return cached.client;
  };
  const live = new Set<() => void>();
  let listed: { at: number; key: string; models: string[] } | undefined;

  async function compatModels(key: string): Promise<string[]> {
    if (opts.models) return opts.models();
    if (listed && listed.key === key && Date.now() - listed.at < MODEL_LIST_TTL_MS) return listed.models;
    const client = await clientFor(key);
    const models: string[] = [];
    for await (const m of client.models.list({ timeout: 5_000, maxRetries: 0 })) models.push(m.id);
    listed = { at: Date.now(), key, models };
    return models;
  }

  async function* chat(call: EngineCall, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
    const apiKey = currentKey();
    if (!apiKey) throw new CoreError('upstream_auth', `No API key configured for ${label}.`);
    const params = toOpenAICloudParams(call, id);
    const client = await clientFor(apiKey);
    if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
    const baseURL = client.baseURL;

    const ac = new AbortController();
    let stopCause: StopCause | undefined;
    const stop = (cause: StopCause) => {
      stopCause ??= cause;
      ac.abort();
    };
    const stopOnClose = () => stop('consumer-left');
    live.add(stopOnClose);
    const onAbort = () => stop('caller');
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined = setTimeout(() => stop('first-token-timeout'), firstTokenTimeoutMs);
    let state = initialOpenAIState(call.model, id);
    let ended = false;
    const fail = (e: unknown) =>
      mapOpenAIError(e, {
        label,
        apiKey,
        baseURL,
        started: state.started,
        stopCause,
        firstTokenTimeoutMs,
        model: call.model,
        wireModel: params.model,
      });

    try {
      let stream: AsyncIterable<ChatCompletionChunk>;
      try {
        stream = await client.chat.completions.create(params, { signal: ac.signal });
      } catch (e) {
        throw fail(e);
      }
      try {
        for await (const chunk of stream) {
          if (stopCause) break;
          const r = fromOpenAIChunk(chunk, state);
          state = r.state;
          for (const ev of r.events) {
            if (ev.type === 'text-delta' && timer) {
              clearTimeout(timer);
              timer = undefined;
            }
            yield ev;
            if (stopCause) break;
          }
        }
      } catch (e) {
        if (e instanceof CoreError) throw e;
        throw fail(e);
      }
      if (stopCause) throw fail(undefined);
      for (const ev of endOfOpenAIStream(state, label)) {
        if (ev.type === 'error') throw new CoreError(ev.error.type, ev.error.message);
        yield ev;
      }
      ended = true;
    } finally {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (!ended) stop('consumer-left');
      live.delete(stopOnClose);
    }
  }

  return {
    id,
    async probe(): Promise<EngineAvailability> {
      const key = currentKey();
      if (!key) return { ok: false, models: [], reason: `no API key configured for ${label}` };
      // OpenAI: no network call (a bad key shows up as upstream_auth on use); its models are the catalog's.
      if (id === 'openai') return { ok: true, models: cloudModelsOf('openai').map((m) => m.id), tools: true, structuredOutput: true };
      try {
        const models = await compatModels(key);
        if (models.length === 0) return { ok: false, models: [], reason: `${label} lists no models` };
        // Compat clouds differ in how (and whether) they enforce json_schema: the router sends structured output elsewhere.
        return { ok: true, models, tools: true, structuredOutput: false };
      } catch (e) {
        return {
          ok: false,
          models: [],
          reason: mapOpenAIError(e, { label, apiKey: key, baseURL: opts.baseURL ?? '', started: false }).message,
        };
      }
    },
    chat,
    async close() {
      for (const stopCall of live) stopCall();
      live.clear();
    },
  };
}

/**
 * A key check on save: one call for one token (OpenAI: the cheapest catalog model; compat: `model` or the first
 * model the server lists). ok, or a CoreError naming the problem (never the key).
 */
export async function checkKey(opts: {
  id?: OpenAICloudEngineId;
  apiKey: string;
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
}): Promise<KeyCheck> {
  const id = opts.id ?? 'openai';
  const label = providerLabel(id, opts.baseURL);
  const apiKey = opts.apiKey.trim();
  if (!apiKey) return { ok: false, error: new CoreError('invalid_request', `The API key for ${label} is empty.`) };
  const { default: OpenAIClient } = await loadOpenAISdk();
  const client = new OpenAIClient({
    apiKey,
    baseURL: opts.baseURL,
    maxRetries: 0,
    timeout: opts.timeoutMs ?? 15_000,
    logLevel: 'off',
    ...(id === 'cloud-compat' ? { organization: null, project: null } : {}),
  });
  const ctx = { label, apiKey, baseURL: client.baseURL, started: false };
  try {
    let model = opts.model ?? (id === 'openai' ? CHECK_MODEL : undefined);
    if (!model) {
      const page = await client.models.list();
      model = page.data[0]?.id;
      if (!model) return { ok: false, error: new CoreError('no_model_available', `${label} lists no models.`) };
    }
    const wire = id === 'openai' ? toOpenAIModel(model, 'openai') : model;
    await client.chat.completions.create({
      model: wire,
      messages: [{ role: 'user', content: 'Hi' }],
      ...(id === 'openai' ? { max_completion_tokens: 1 } : { max_tokens: 1 }),
    });
    return { ok: true };
  } catch (e) {
    return { ok: false, error: e instanceof CoreError ? e : mapOpenAIError(e, ctx) };
  }
}
