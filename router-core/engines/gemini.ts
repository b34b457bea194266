// Google Gemini (an AI Studio key, or Vertex AI by project + location) via @google/genai: pure toGeminiRequest()/fromGeminiChunk() + thin streaming I/O.
import type * as GenAISdkModule from '@google/genai';
import type {
  Content,
  FunctionCallingConfigMode,
  GenerateContentConfig,
  GenerateContentParameters,
  GenerateContentResponse,
  GoogleGenAI,
  Part,
} from '@google/genai';
import type { ChatMessage, ResponseFormat, ToolChoice, ToolSpec } from '../contracts/chat.js';
import type { EngineAvailability } from '../contracts/decision.js';
import type { ErrorType } from '../contracts/errors.js';
import type { FinishReason, StreamEvent, Usage } from '../contracts/stream.js';
import { cloudModelsOf, findModel } from '../data/models.js';
import { CoreError } from '../errors.js';
import type { Engine, EngineCall, KeyCheck } from './engine.js';

/** Wait for the response headers (the SDK's own timeout would also cut a long answer mid-stream, so we time this ourselves). */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Whole-call wait (retries included) for the first text delta: past this the pipeline is better off falling back. */
const DEFAULT_FIRST_TOKEN_TIMEOUT_MS = 60_000;
/** The cheapest catalog Gemini model: what a key check asks for one token from. */
const CHECK_MODEL = 'gemini-2.5-flash-lite';
/** Tool-call ids we make up when Gemini gives none (2.5 models do not): never sent back as Gemini's own. */
const OUR_CALL_ID = /^gemini_call_/;

type GenAISdk = typeof GenAISdkModule;
let sdk: GenAISdk | undefined;
let sdkLoading: Promise<GenAISdk> | undefined;

/** Loads @google/genai on first use (a core that never calls Gemini never pays its import, google-auth-library included). */
export function loadGenAISdk(): Promise<GenAISdk> {
  sdkLoading ??= import('@google/genai').then((m) => (sdk = m));
  return sdkLoading;
}

/** Vertex AI: the Google Cloud project and region, and optionally a service-account key file (else application-default credentials). */
export interface GeminiVertexOptions {
  project: string;
  location: string;
  /** A service-account JSON key file (GOOGLE_APPLICATION_CREDENTIALS); absent = application-default credentials. */
  credentialsFile?: string;
}

/** Options of {@link createGeminiEngine}. */
export interface GeminiEngineOptions {
  /** An AI Studio key, or a getter read on every probe and call; ignored when `vertex` is set. */
  apiKey?: string | (() => string | undefined);
  /** Vertex AI instead of AI Studio. */
  vertex?: GeminiVertexOptions;
  /** API base URL (a proxy, or a stand-in in tests); absent = Google's endpoint for the chosen API. */
  baseURL?: string;
  /** SDK retries on 408/429/5xx with backoff; default 2. */
  maxRetries?: number;
  /** Wait for the response headers, in ms. */
  timeoutMs?: number;
  /** Whole-call timeout until the first text delta, in ms. */
  firstTokenTimeoutMs?: number;
}

/** "Gemini" or "Vertex AI (project/location)", for messages. */
function labelOf(vertex: GeminiVertexOptions | undefined): string {
  return vertex ? `Vertex AI (${vertex.project}/${vertex.location})` : 'Gemini';
}

/** Resolve our model id to Gemini's: a catalog Gemini id/alias → its providerModel; a raw `gemini-*` id passes through. */
export function toGeminiModel(model: string): string {
  const name = model.trim();
  const entry = findModel(name);
  if (entry?.kind === 'cloud' && entry.provider === 'gemini') return entry.providerModel;
  if (!entry && /^gemini-/i.test(name)) return name;
  throw new CoreError(
    'no_model_available',
    `Gemini cannot serve model "${model}"; valid: ${cloudModelsOf('gemini')
      .map((m) => m.id)
      .join(', ')} or a gemini-* model id.`,
  );
}

/** Tool arguments (JSON text) → the object Gemini wants as `args`; broken JSON from the caller is a 400. */
function argsOf(args: string, name: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new CoreError('invalid_request', `The arguments of the earlier call to tool "${name}" are not a JSON object.`);
}

/** A tool's result → Gemini's `response` object: JSON objects as they are, anything else as `{ result }`. */
function responseOf(content: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(content);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    return { result: v };
  } catch {
    return { result: content };
  }
}

/** Our tool specs → one Gemini tool of function declarations (JSON Schema as is, via parametersJsonSchema). */
export function toGeminiTools(tools: readonly ToolSpec[]): NonNullable<GenerateContentConfig['tools']> {
  return [
    {
      functionDeclarations: tools.map((t) => ({
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        parametersJsonSchema: { type: 'object', ...t.parameters },
      })),
    },
  ];
}

/** Our tool choice → Gemini's function-calling mode ('required' is ANY; one named tool is ANY limited to it). */
export function toGeminiToolConfig(choice: ToolChoice): NonNullable<GenerateContentConfig['toolConfig']> {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' as FunctionCallingConfigMode } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' as FunctionCallingConfigMode } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' as FunctionCallingConfigMode } };
  return { functionCallingConfig: { mode: 'ANY' as FunctionCallingConfigMode, allowedFunctionNames: [choice.name] } };
}

/** Structured output: JSON as the response MIME type, constrained by the schema when there is one. */
export function toGeminiResponseFormat(format: ResponseFormat): Pick<GenerateContentConfig, 'responseMimeType' | 'responseJsonSchema'> {
  return format.type === 'json'
    ? { responseMimeType: 'application/json' }
    : { responseMimeType: 'application/json', responseJsonSchema: format.schema };
}

/**
 * Pure: our call → generateContent parameters.
 * System messages become `systemInstruction`; assistant turns are 'model' turns with their function calls; tool
 * results are functionResponse parts in a user turn (named after the call they answer); consecutive same-role
 * turns are merged, as Gemini wants one turn per side. Gemini 2.5 Flash models think by default, which spends the
 * answer's token budget on thoughts: routed answers switch it off (thinkingBudget 0), as for local models.
 */
export function toGeminiRequest(call: EngineCall): GenerateContentParameters {
  const { request } = call;
  const model = toGeminiModel(call.model);
  const system = request.messages
    .filter((m) => m.role === 'system' && m.content.trim() !== '')
    .map((m) => m.content)
    .join('\n\n');
  const namesById = new Map<string, string>();
  for (const m of request.messages) for (const c of m.toolCalls ?? []) namesById.set(c.id, c.name);
  const partsOf = (m: ChatMessage): Part[] => {
    if (m.role === 'tool') {
      const id = m.toolCallId ?? '';
      const name = m.name ?? namesById.get(id) ?? '';
      if (!name) throw new CoreError('invalid_request', `A tool result answers call "${id}", which no earlier assistant turn made.`);
      return [{ functionResponse: { ...(id && !OUR_CALL_ID.test(id) ? { id } : {}), name, response: responseOf(m.content) } }];
    }
    const parts: Part[] = m.content === '' ? [] : [{ text: m.content }];
    for (const c of m.toolCalls ?? [])
      parts.push({ functionCall: { ...(OUR_CALL_ID.test(c.id) ? {} : { id: c.id }), name: c.name, args: argsOf(c.arguments, c.name) } });
    return parts;
  };
  const contents: Content[] = [];
  for (const m of request.messages) {
    if (m.role === 'system') continue;
    const parts = partsOf(m);
    if (parts.length === 0) continue;
    const role = m.role === 'assistant' ? 'model' : 'user';
    const last = contents.at(-1);
    if (last?.role === role) last.parts = [...(last.parts ?? []), ...parts];
    else contents.push({ role, parts });
  }
  if (contents.length === 0) throw new CoreError('invalid_request', 'A Gemini request needs at least one user or assistant message.');

  const p = request.params;
  const config: GenerateContentConfig = {};
  if (system) config.systemInstruction = system;
  if (p.maxTokens !== undefined) config.maxOutputTokens = p.maxTokens;
  if (p.temperature !== undefined) config.temperature = Math.min(2, Math.max(0, p.temperature));
  if (p.topP !== undefined) config.topP = p.topP;
  const stops = (p.stop ?? []).filter((s) => s !== '');
  // Gemini takes at most 5 stop sequences.
  if (stops.length > 0) config.stopSequences = stops.slice(0, 5);
  if (p.seed !== undefined) config.seed = p.seed;
  if (request.tools && request.tools.length > 0) {
    config.tools = toGeminiTools(request.tools);
    if (request.toolChoice !== undefined) config.toolConfig = toGeminiToolConfig(request.toolChoice);
  }
  if (request.responseFormat) Object.assign(config, toGeminiResponseFormat(request.responseFormat));
  if (/^gemini-2\.5-flash/.test(model)) config.thinkingConfig = { thinkingBudget: 0 };
  return { model, contents, config };
}

/** What {@link fromGeminiChunk} carries from one chunk to the next. */
export interface GeminiStreamState {
  model: string;
  started: boolean;
  /** The candidate's finishReason, once seen. */
  finishReason?: string;
  /** usageMetadata is cumulative: the last one seen counts. */
  usage?: Usage;
  /** Function calls emitted so far (the turn then ends as tool_calls; our made-up ids count on from it). */
  calls: number;
}

/** A fresh state for one call. */
export function initialGeminiState(model: string): GeminiStreamState {
  return { model, started: false, calls: 0 };
}

/**
 * Gemini's usageMetadata → ours: prompt tokens (context-cache reads included, and reported apart) and, as output,
 * the answer's tokens plus thinking tokens (billed as output).
 */
export function usageOfGemini(u: NonNullable<GenerateContentResponse['usageMetadata']>): Usage {
  const cached = u.cachedContentTokenCount ?? 0;
  return {
    inputTokens: (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0),
    outputTokens: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0),
    ...(cached > 0 ? { cachedInputTokens: cached } : {}),
  };
}

/**
 * Pure: one streamed response → our events, plus the next state. `start` first; a text-delta per text part (thought
 * parts skipped); a tool-call per functionCall part (Gemini sends each call whole); the finish reason and usage are
 * kept for {@link endOfGeminiStream}. A blocked prompt is an error event.
 */
export function fromGeminiChunk(
  chunk: GenerateContentResponse,
  state: GeminiStreamState,
): { events: StreamEvent[]; state: GeminiStreamState } {
  const events: StreamEvent[] = [];
  let next = state;
  if (!next.started) {
    events.push({ type: 'start', model: state.model, engine: 'gemini' });
    next = { ...next, started: true };
  }
  if (chunk.usageMetadata) next = { ...next, usage: usageOfGemini(chunk.usageMetadata) };
  const blocked = chunk.promptFeedback?.blockReason;
  if (blocked && !chunk.candidates?.length) {
    events.push({ type: 'error', error: { type: 'upstream_error', message: `Gemini refused the prompt (blocked: ${String(blocked)}).` } });
    return { events, state: next };
  }
  const candidate = chunk.candidates?.[0];
  for (const part of candidate?.content?.parts ?? []) {
    if (part.thought) continue;
    if (typeof part.text === 'string' && part.text !== '') events.push({ type: 'text-delta', text: part.text });
    if (part.functionCall) {
      const n = next.calls + 1;
      events.push({
        type: 'tool-call',
        call: {
          id: part.functionCall.id || `gemini_call_${n}`,
          name: part.functionCall.name ?? '',
          arguments: JSON.stringify(part.functionCall.args ?? {}),
        },
      });
      next = { ...next, calls: n };
    }
  }
  if (candidate?.finishReason) next = { ...next, finishReason: String(candidate.finishReason) };
  return { events, state: next };
}

function finishReasonOf(state: GeminiStreamState): FinishReason {
  if (state.calls > 0) return 'tool_calls';
  return state.finishReason === 'MAX_TOKENS' ? 'length' : 'stop';
}

/** Pure: the events closing a stream that ended cleanly: usage + done, or an error when no finishReason came (cut short). */
export function endOfGeminiStream(state: GeminiStreamState, label = 'Gemini'): StreamEvent[] {
  if (!state.finishReason)
    return [{ type: 'error', error: { type: 'upstream_error', message: `${label} stream ended unexpectedly (no finishReason).` } }];
  return [
    { type: 'usage', usage: state.usage ?? { inputTokens: 0, outputTokens: 0 } },
    { type: 'done', finishReason: finishReasonOf(state) },
  ];
}

/** Google's error body: `{ error: { code, message, status, details } }` (the SDK puts it, as JSON text, in the message). */
interface GoogleErrorBody {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ reason?: string; retryDelay?: string; '@type'?: string }>;
}

/** The error body inside an ApiError's message ("{...}" or "got status: X. {...}"). */
export function googleErrorOf(message: string): GoogleErrorBody | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed = JSON.parse(message.slice(start)) as { error?: GoogleErrorBody } | Array<{ error?: GoogleErrorBody }>;
    return (Array.isArray(parsed) ? parsed[0]?.error : parsed.error) ?? undefined;
  } catch {
    return undefined;
  }
}

/** HTTP status and Google's error body → our error type (AI Studio answers a bad key with 400 API_KEY_INVALID). */
export function errorTypeOfGemini(status: number | undefined, body?: GoogleErrorBody): ErrorType {
  const reasons = (body?.details ?? []).map((d) => d.reason ?? '');
  if (status === 401 || status === 403 || reasons.includes('API_KEY_INVALID') || body?.status === 'UNAUTHENTICATED') return 'upstream_auth';
  if (status === 429 || body?.status === 'RESOURCE_EXHAUSTED') return 'upstream_rate_limited';
  if (status === 503 || status === 529 || body?.status === 'UNAVAILABLE') return 'upstream_overloaded';
  if (status === 408 || status === 504 || body?.status === 'DEADLINE_EXCEEDED') return 'timeout';
  return 'upstream_error';
}

/** "7s" / "0.5s" (RetryInfo.retryDelay) → seconds. */
function retryDelayOf(body: GoogleErrorBody | undefined): number | undefined {
  const d = body?.details?.find((x) => typeof x.retryDelay === 'string')?.retryDelay;
  const m = d ? /^(\d+(?:\.\d+)?)s$/.exec(d) : null;
  return m ? Number(m[1]) : undefined;
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

/** Why the internal controller fired, when it did. */
type StopCause = 'caller' | 'first-token-timeout' | 'header-timeout' | 'consumer-left';

/**
 * Any error out of the SDK (or fetch, or google-auth-library) → CoreError with a message we build ourselves (never
 * the SDK's text, which could carry the key). `cause` is a plain summary.
 */
export function mapGeminiError(
  e: unknown,
  ctx: { label?: string; apiKey?: string; started: boolean; stopCause?: StopCause; firstTokenTimeoutMs?: number },
): CoreError {
  const label = ctx.label ?? 'Gemini';
  if (ctx.stopCause === 'caller' || ctx.stopCause === 'consumer-left') return new CoreError('aborted', 'The request was cancelled.');
  if (ctx.stopCause === 'header-timeout') return new CoreError('timeout', `${label} did not answer in time.`);
  if (ctx.stopCause === 'first-token-timeout')
    return new CoreError('timeout', `${label} sent no answer within ${Math.round((ctx.firstTokenTimeoutMs ?? 0) / 1000)} s.`);
  const name = e instanceof Error ? e.name : typeof e;
  if (sdk && e instanceof sdk.ApiError) {
    const body = googleErrorOf(e.message);
    const status = e.status;
    const cause = { name, status, googleStatus: body?.status };
    const type = errorTypeOfGemini(status, body);
    switch (type) {
      case 'upstream_auth':
        return new CoreError(
          'upstream_auth',
          `${label} rejected the credentials (HTTP ${status}${body?.status ? ` ${body.status}` : ''}).`,
          { cause },
        );
      case 'upstream_rate_limited':
        return new CoreError('upstream_rate_limited', `${label} is rate limiting these credentials (quota exhausted); try again shortly.`, {
          cause,
          retryAfter: retryDelayOf(body),
        });
      case 'upstream_overloaded':
        return new CoreError('upstream_overloaded', `${label} is overloaded right now (HTTP ${status}); try again shortly.`, {
          cause,
          retryAfter: retryDelayOf(body),
        });
      case 'timeout':
        return new CoreError('timeout', `${label} did not answer in time.`, { cause });
      default:
        if (status >= 500) return new CoreError('upstream_error', `${label} failed with HTTP ${status}.`, { cause });
        return new CoreError(
          'upstream_error',
          redact(`${label} refused the request (HTTP ${status}): ${(body?.message ?? 'no details').slice(0, 500)}`, ctx.apiKey),
          { cause },
        );
    }
  }
  if (e instanceof Error && e.name === 'AbortError') return new CoreError('aborted', 'The request was cancelled.', { cause: { name } });
  // google-auth-library: no application-default credentials, or an unreadable key file.
  if (e instanceof Error && /credentials|key file|ENOENT|private key/i.test(e.message) && !ctx.started)
    return new CoreError(
      'upstream_auth',
      `${label} has no usable Google credentials (application-default credentials or a service-account file).`,
      {
        cause: { name },
      },
    );
  if (e instanceof RangeError)
    return new CoreError('internal', `Internal error while preparing the request for ${label}.`, { cause: { name } });
  if (ctx.started)
    return new CoreError('upstream_error', `${label} stream ended unexpectedly (the connection broke mid-answer).`, { cause: { name } });
  return new CoreError('upstream_unavailable', `Could not reach ${label}.`, { cause: { name } });
}

/** The client options for one key or one Vertex project (pure, so a test can check what reaches the SDK). */
export function geminiClientOptions(o: {
  apiKey?: string;
  vertex?: GeminiVertexOptions;
  baseURL?: string;
  maxRetries?: number;
}): GenAISdkModule.GoogleGenAIOptions {
  const retries = o.maxRetries ?? 2;
  const httpOptions = {
    ...(o.baseURL ? { baseUrl: o.baseURL } : {}),
    // Without retryOptions the SDK does not retry at all; with them it backs off on 408/429/5xx.
    ...(retries > 0 ? { retryOptions: { attempts: retries + 1 } } : {}),
  };
  if (o.vertex)
    return {
      vertexai: true,
      project: o.vertex.project,
      location: o.vertex.location,
      ...(o.vertex.credentialsFile ? { googleAuthOptions: { keyFile: o.vertex.credentialsFile } } : {}),
      httpOptions,
    };
  return { vertexai: false, apiKey: o.apiKey, httpOptions };
}

/** The Gemini engine: streams answers from AI Studio or Vertex AI through @google/genai. */
export function createGeminiEngine(opts: GeminiEngineOptions): Engine {
  const vertex = opts.vertex;
  const label = labelOf(vertex);
  const keyOption = opts.apiKey;
  const currentKey = (): string | undefined => (typeof keyOption === 'function' ? keyOption() : keyOption)?.trim() || undefined;
  const firstTokenTimeoutMs = opts.firstTokenTimeoutMs ?? DEFAULT_FIRST_TOKEN_TIMEOUT_MS;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  /** One client per key (AI Studio) or one for the project (Vertex AI: its credentials refresh inside the client). */
  let cached: { key: string; client: GoogleGenAI } | undefined;
  const clientFor = async (key: string): Promise<GoogleGenAI> => {
    const { GoogleGenAI: Client } = await loadGenAISdk();
    if (cached?.key !== key) {
      cached = {
        key,
        client: new Client(
          geminiClientOptions({ apiKey: vertex ? undefined : key, vertex, baseURL: opts.baseURL, maxRetries: opts.maxRetries }),
        ),
      };
    }
    return cached.client;
  };
  const live = new Set<() => void>();
  const credentialKey = (): string | undefined => (vertex ? `vertex:${vertex.project}/${vertex.location}` : currentKey());

  async function* chat(call: EngineCall, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
    const key = credentialKey();
    if (!key) throw new CoreError('upstream_auth', 'No Gemini API key configured.');
    const apiKey = vertex ? undefined : key;
    const params = toGeminiRequest(call);
    const client = await clientFor(key);
    if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');

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
    let headerTimer: NodeJS.Timeout | undefined = setTimeout(() => stop('header-timeout'), timeoutMs);
    let state = initialGeminiState(call.model);
    let ended = false;
    /** The response's headers arrived: a failure from here on broke an answer under way, not the connection attempt. */
    let responded = false;
    const fail = (e: unknown) => mapGeminiError(e, { label, apiKey, started: state.started || responded, stopCause, firstTokenTimeoutMs });

    try {
      let stream: AsyncIterable<GenerateContentResponse>;
      try {
        stream = await client.models.generateContentStream({ ...params, config: { ...params.config, abortSignal: ac.signal } });
        responded = true;
      } catch (e) {
        throw fail(e);
      } finally {
        clearTimeout(headerTimer);
        headerTimer = undefined;
      }
      try {
        for await (const chunk of stream) {
          if (stopCause) break;
          const r = fromGeminiChunk(chunk, state);
          state = r.state;
          for (const ev of r.events) {
            if (ev.type === 'error') throw new CoreError(ev.error.type, ev.error.message);
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
      for (const ev of endOfGeminiStream(state, label)) {
        if (ev.type === 'error') throw new CoreError(ev.error.type, ev.error.message);
        yield ev;
      }
      ended = true;
    } finally {
      if (timer) clearTimeout(timer);
      if (headerTimer) clearTimeout(headerTimer);
      signal.removeEventListener('abort', onAbort);
      if (!ended) stop('consumer-left');
      live.delete(stopOnClose);
    }
  }

  return {
    id: 'gemini',
    // No network call: a probe request would cost money and latency; bad credentials show up as upstream_auth on use.
    async probe(): Promise<EngineAvailability> {
      if (!vertex && !currentKey()) return { ok: false, models: [], reason: 'no Gemini API key configured' };
      if (vertex && (!vertex.project || !vertex.location))
        return { ok: false, models: [], reason: 'Vertex AI needs a project and a location' };
      return { ok: true, models: cloudModelsOf('gemini').map((m) => m.id), tools: true, structuredOutput: true };
    },
    chat,
    async close() {
      for (const stopCall of live) stopCall();
      live.clear();
    },
  };
}

/**
 * A key check on save: one call for one token on the cheapest catalog Gemini model (or `model`), through AI Studio
 * with `apiKey` or Vertex AI with `vertex`. ok, or a CoreError naming the problem (never the key).
 */
export async function checkKey(opts: {
  apiKey?: string;
  vertex?: GeminiVertexOptions;
  baseURL?: string;
  model?: string;
}): Promise<KeyCheck> {
  const label = labelOf(opts.vertex);
  const apiKey = opts.apiKey?.trim();
  if (!opts.vertex && !apiKey) return { ok: false, error: new CoreError('invalid_request', 'The Gemini API key is empty.') };
  try {
    const { GoogleGenAI: Client } = await loadGenAISdk();
    const client = new Client(geminiClientOptions({ apiKey, vertex: opts.vertex, baseURL: opts.baseURL, maxRetries: 0 }));
    const model = toGeminiModel(opts.model ?? CHECK_MODEL);
    await client.models.generateContent({
      model,
      contents: 'Hi',
      config: { maxOutputTokens: 1, ...(/^gemini-2\.5-flash/.test(model) ? { thinkingConfig: { thinkingBudget: 0 } } : {}) },
    });
    return { ok: true };
  } catch (e) {
    return { ok: false, error: e instanceof CoreError ? e : mapGeminiError(e, { label, apiKey, started: false }) };
  }
}
