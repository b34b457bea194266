// Claude via @anthropic-ai/sdk: pure toAnthropicParams()/fromAnthropicEvent() + thin streaming I/O; SDK errors → our ErrorType.
import type * as AnthropicSdkModule from '@anthropic-ai/sdk';
import type Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  Tool as AnthropicTool,
  ToolChoice as AnthropicToolChoice,
} from '@anthropic-ai/sdk/resources/messages';
import type { ChatMessage, ResponseFormat, ToolChoice, ToolSpec } from '../contracts/chat.js';
import type { EngineAvailability } from '../contracts/decision.js';
import type { ErrorType } from '../contracts/errors.js';
import type { FinishReason, StreamEvent } from '../contracts/stream.js';
import { cloudModelsOf, findModel } from '../data/models.js';
import { CoreError } from '../errors.js';
import type { Engine, EngineCall, KeyCheck } from './engine.js';

/** Used when the caller gives no maxTokens: Claude requires max_tokens, and 1024 fits a chat answer without runaway cost. */
export const DEFAULT_MAX_TOKENS = 1024;
/** Per-attempt wait for response headers; a streamed reply sends them with message_start, normally within seconds. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Whole-call wait (retries included) for the first text delta: past this the pipeline is better off falling back. */
const DEFAULT_FIRST_TOKEN_TIMEOUT_MS = 60_000;

/** The SDK module: client and error classes. */
type AnthropicSdk = typeof AnthropicSdkModule;
let sdk: AnthropicSdk | undefined;
let sdkLoading: Promise<AnthropicSdk> | undefined;

/**
 * Loads @anthropic-ai/sdk on first use. why: it is the heaviest module of the core (~25 MB resident, the largest share
 * of the import time in the start-up profile), and a core without a Claude key, or one that has not sent anything to
 * the cloud yet, never needs it; the first cloud request pays a few tens of milliseconds once.
 */
export function loadAnthropicSdk(): Promise<AnthropicSdk> {
  sdkLoading ??= import('@anthropic-ai/sdk').then((m) => (sdk = m));
  return sdkLoading;
}

/** Options of {@link createAnthropicEngine}. */
export interface AnthropicEngineOptions {
  /**
   * The Claude API key, or a getter read on every probe and call (a key saved in Settings takes effect at once);
   * without one the engine reports itself unavailable and never calls out.
   */
  apiKey?: string | (() => string | undefined);
  /** API base URL (ANTHROPIC_BASE_URL); undefined lets the SDK read the env or use api.anthropic.com. */
  baseURL?: string;
  /** SDK retries on 408/409/429/5xx/529 and connection errors, honouring retry-after; default 2 (the SDK's). */
  maxRetries?: number;
  /** Per-attempt timeout for the response headers, in ms. */
  timeoutMs?: number;
  /** Whole-call timeout until the first text delta, in ms. */
  firstTokenTimeoutMs?: number;
}

/** The wire events we read; the SDK's RawMessageStreamEvent is assignable to it (plus the SSE `error` event). */
export type AnthropicWireEvent =
  | {
      type: 'message_start';
      message: {
        model: string;
        usage: { input_tokens: number; cache_creation_input_tokens?: number | null; cache_read_input_tokens?: number | null };
      };
    }
  | { type: 'content_block_start'; index: number; content_block?: { type: string; id?: string; name?: string } }
  | { type: 'content_block_delta'; index: number; delta: { type: string; text?: string; partial_json?: string } }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta: { stop_reason: string | null; stop_sequence?: string | null };
      usage: { output_tokens: number; input_tokens?: number | null };
    }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error: { type: string; message: string } };

/** What {@link fromAnthropicEvent} carries from one event to the next (usage arrives split over two events). */
export interface AnthropicStreamState {
  /** The model id reported in `start` (the catalog id the pipeline asked for). */
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Of inputTokens, those read from Claude's prompt cache (cache_read_input_tokens). */
  cachedInputTokens?: number;
  stopReason: string | null;
  /** The stop sequence Claude stopped on (stop_reason "stop_sequence"). */
  stopSequence?: string;
  started: boolean;
  /** message_stop seen: anything ending the stream before this is a broken stream. */
  ended: boolean;
  /** tool_use blocks still streaming their input, by block index (the call is emitted whole at content_block_stop). */
  toolBlocks?: Readonly<Record<number, { id: string; name: string; json: string }>>;
}

/** A fresh state for one call. */
export function initialAnthropicState(model: string): AnthropicStreamState {
  return { model, inputTokens: 0, outputTokens: 0, stopReason: null, started: false, ended: false, toolBlocks: {} };
}

/**
 * The streaming params we send. SDK 1.x dropped `temperature`/`top_p` from its typings (deprecated there),
 * but the Messages API still takes them for the catalog's Claude 4.5 models and the SDK sends the body as is.
 */
export type AnthropicParams = MessageCreateParamsStreaming & { temperature?: number; top_p?: number };

/** Resolve our model id to Claude's: catalog id/alias → providerModel; a raw `claude-*` id passes through. */
export function toAnthropicModel(model: string): string {
  const entry = findModel(model);
  if (entry?.kind === 'cloud' && entry.provider === 'anthropic') return entry.providerModel;
  if (!entry && /^claude-/i.test(model.trim())) return model.trim();
  throw new CoreError(
    'no_model_available',
    `Claude cannot serve model "${model}"; valid: ${cloudModelsOf('anthropic')
      .map((m) => m.id)
      .join(', ')} or a claude-* model id.`,
  );
}

/** Claude accepts temperature in [0, 1]; OpenAI-style callers may send up to 2. */
function clampTemperature(t: number): number {
  return Math.min(1, Math.max(0, t));
}

/** Tool arguments (JSON text) → the object Claude wants as `input`; a caller that echoes broken JSON gets a 400. */
function toolInput(args: string, name: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new CoreError('invalid_request', `The arguments of the earlier call to tool "${name}" are not a JSON object.`);
}

/** Our tool specs → Claude's (`input_schema` must be an object schema). */
export function toAnthropicTools(tools: readonly ToolSpec[]): AnthropicTool[] {
  return tools.map((t) => ({
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    input_schema: { type: 'object', ...t.parameters } as AnthropicTool['input_schema'],
  }));
}

/** The tool Claude is made to call when the answer must be JSON: its input is the answer. */
export const ANSWER_TOOL = 'json_answer';

/**
 * Structured output as a forced tool call: the tool's input schema is the answer's schema (any object for plain
 * JSON). Claude's tool inputs are objects, so a schema for anything else is wrapped as `{value: ...}` (`wrapped`)
 * and unwrapped from the answer.
 */
export function answerToolFor(format: ResponseFormat): { tool: AnthropicTool; wrapped: boolean } {
  const schema = format.type === 'json' ? { type: 'object' } : format.schema;
  const wrapped = schema.type !== 'object';
  const { $defs, ...rest } = schema as { $defs?: unknown } & Record<string, unknown>;
  const input = wrapped ? { type: 'object', properties: { value: rest }, required: ['value'], ...($defs ? { $defs } : {}) } : schema;
  return {
    tool: {
      name: ANSWER_TOOL,
      description: 'Give your whole answer as the input of this tool, following its schema exactly.',
      input_schema: input as AnthropicTool['input_schema'],
    },
    wrapped,
  };
}

/** The answer tool's input (JSON text) → the answer's JSON text. */
export function answerText(args: string, wrapped: boolean): string {
  if (!wrapped) return args;
  try {
    return JSON.stringify((JSON.parse(args) as { value?: unknown }).value ?? null);
  } catch {
    return args;
  }
}

/** Our tool choice → Claude's ('required' is Claude's 'any'). */
export function toAnthropicToolChoice(choice: ToolChoice): AnthropicToolChoice {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.name };
}

/** One of our messages as Claude content blocks (empty text dropped: the API rejects empty text blocks). */
function blocksOf(m: ChatMessage): ContentBlockParam[] {
  if (m.role === 'tool') return [{ type: 'tool_result', tool_use_id: m.toolCallId ?? '', content: m.content }];
  const out: ContentBlockParam[] = m.content.trim() === '' ? [] : [{ type: 'text', text: m.content }];
  for (const c of m.toolCalls ?? []) out.push({ type: 'tool_use', id: c.id, name: c.name, input: toolInput(c.arguments, c.name) });
  return out;
}

/**
 * Pure: our call → Messages API params (streaming).
 * System messages go to `system`; consecutive same-role messages are merged (Claude wants alternation; tool results
 * travel in user turns); empty messages are dropped (the API rejects empty text blocks). A turn that is one text
 * block is sent as a plain string.
 */
export function toAnthropicParams(call: EngineCall, defaults: { maxTokens?: number } = {}): AnthropicParams {
  const { request } = call;
  const system = request.messages
    .filter((m) => m.role === 'system' && m.content.trim() !== '')
    .map((m) => m.content)
    .join('\n\n');
  const turns: Array<{ role: 'user' | 'assistant'; blocks: ContentBlockParam[] }> = [];
  for (const m of request.messages) {
    if (m.role === 'system') continue;
    const blocks = blocksOf(m);
    if (blocks.length === 0) continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const last = turns.at(-1);
    if (!last || last.role !== role) {
      turns.push({ role, blocks });
      continue;
    }
    for (const b of blocks) {
      const prev = last.blocks.at(-1);
      if (b.type === 'text' && prev?.type === 'text') prev.text = `${prev.text}\n\n${b.text}`;
      else last.blocks.push(b);
    }
  }
  if (turns.length === 0) throw new CoreError('invalid_request', 'A Claude request needs at least one user or assistant message.');
  const final = turns.at(-1)!;
  const tail = final.blocks.at(-1);
  // The API rejects a final (prefill) assistant turn that ends in whitespace.
  if (final.role === 'assistant' && tail?.type === 'text') tail.text = tail.text.trimEnd();
  const messages: MessageParam[] = turns.map((t) => {
    const only = t.blocks.length === 1 ? t.blocks[0] : undefined;
    return { role: t.role, content: only?.type === 'text' ? only.text : t.blocks };
  });

  const p = request.params;
  const params: AnthropicParams = {
    model: toAnthropicModel(call.model),
    max_tokens: p.maxTokens ?? defaults.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages,
    stream: true,
  };
  if (system) params.system = system;
  // Claude 4.5 models refuse temperature and top_p together; temperature is the one callers mean.
  if (p.temperature !== undefined) params.temperature = clampTemperature(p.temperature);
  else if (p.topP !== undefined) params.top_p = p.topP;
  const stops = (p.stop ?? []).filter((s) => s.trim() !== '');
  if (stops.length > 0) params.stop_sequences = stops;
  if (request.tools && request.tools.length > 0) params.tools = toAnthropicTools(request.tools);
  if (request.toolChoice !== undefined && request.tools && request.tools.length > 0)
    params.tool_choice = toAnthropicToolChoice(request.toolChoice);
  if (request.responseFormat) {
    // With the caller's tools too, Claude must call one of them or answer through the answer tool.
    params.tools = [...(params.tools ?? []), answerToolFor(request.responseFormat).tool];
    params.tool_choice = params.tools.length > 1 ? { type: 'any' } : { type: 'tool', name: ANSWER_TOOL };
  }
  // p.seed: the Messages API has no seed; ignored.
  return params;
}

function finishReasonOf(stop: string | null): FinishReason {
  if (stop === 'tool_use') return 'tool_calls';
  return stop === 'max_tokens' || stop === 'model_context_window_exceeded' ? 'length' : 'stop';
}

/** Claude's error `type` (in JSON bodies and SSE `error` events) → ours. */
export function errorTypeOfClaude(claudeType: string | null | undefined, status?: number): ErrorType {
  if (status === 401 || status === 403 || claudeType === 'authentication_error' || claudeType === 'permission_error')
    return 'upstream_auth';
  if (status === 429 || claudeType === 'rate_limit_error') return 'upstream_rate_limited';
  if (status === 529 || claudeType === 'overloaded_error') return 'upstream_overloaded';
  if (status === 408 || status === 504 || claudeType === 'timeout_error') return 'timeout';
  return 'upstream_error';
}

/**
 * Pure: one wire event → our events, plus the next state.
 * `start` on message_start; a text-delta per non-empty text_delta; a tool-call when a tool_use block stops (its
 * input_json_delta pieces joined); usage + done on message_stop; other blocks (thinking) and pings yield nothing;
 * an SSE error event yields an `error` event.
 */
export function fromAnthropicEvent(
  event: AnthropicWireEvent,
  state: AnthropicStreamState,
): { events: StreamEvent[]; state: AnthropicStreamState } {
  switch (event.type) {
    case 'message_start': {
      const u = event.message.usage;
      // Cached prompt tokens are still input tokens the caller sent.
      const input = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
      return {
        events: [{ type: 'start', model: state.model, engine: 'anthropic' }],
        state: { ...state, inputTokens: input, cachedInputTokens: u.cache_read_input_tokens ?? 0, started: true },
      };
    }
    case 'content_block_start': {
      const b = event.content_block;
      if (b?.type !== 'tool_use') return { events: [], state };
      const toolBlocks = { ...state.toolBlocks, [event.index]: { id: b.id ?? `toolu_${event.index}`, name: b.name ?? '', json: '' } };
      return { events: [], state: { ...state, toolBlocks } };
    }
    case 'content_block_delta': {
      if (event.delta.type === 'text_delta' && event.delta.text) return { events: [{ type: 'text-delta', text: event.delta.text }], state };
      const tool = state.toolBlocks?.[event.index];
      if (event.delta.type === 'input_json_delta' && tool) {
        const toolBlocks = { ...state.toolBlocks, [event.index]: { ...tool, json: tool.json + (event.delta.partial_json ?? '') } };
        return { events: [], state: { ...state, toolBlocks } };
      }
      return { events: [], state };
    }
    case 'content_block_stop': {
      const tool = state.toolBlocks?.[event.index];
      if (!tool) return { events: [], state };
      const toolBlocks = { ...state.toolBlocks };
      delete toolBlocks[event.index];
      return {
        events: [{ type: 'tool-call', call: { id: tool.id, name: tool.name, arguments: tool.json.trim() === '' ? '{}' : tool.json } }],
        state: { ...state, toolBlocks },
      };
    }
    case 'message_delta': {
      const next = { ...state, outputTokens: event.usage.output_tokens, stopReason: event.delta.stop_reason ?? state.stopReason };
      if (typeof event.delta.stop_sequence === 'string') next.stopSequence = event.delta.stop_sequence;
      // Newer API versions repeat cumulative input_tokens here; take it when given.
      if (typeof event.usage.input_tokens === 'number' && event.usage.input_tokens > 0)
        next.inputTokens = Math.max(state.inputTokens, event.usage.input_tokens);
      return { events: [], state: next };
    }
    case 'message_stop':
      return {
        events: [
          {
            type: 'usage',
            usage: {
              inputTokens: state.inputTokens,
              outputTokens: state.outputTokens,
              ...(state.cachedInputTokens ? { cachedInputTokens: state.cachedInputTokens } : {}),
            },
          },
          {
            type: 'done',
            finishReason: finishReasonOf(state.stopReason),
            ...(state.stopReason === 'stop_sequence' && state.stopSequence !== undefined ? { stopSequence: state.stopSequence } : {}),
          },
        ],
        state: { ...state, ended: true },
      };
    case 'error':
      return {
        events: [
          {
            type: 'error',
            error: { type: errorTypeOfClaude(event.error.type), message: `Claude reported an error mid-stream (${event.error.type}).` },
          },
        ],
        state,
      };
    default:
      return { events: [], state };
  }
}

/** Replace every occurrence of the key (should one ever be echoed back) before a text leaves this module. */
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

/** Stand-ins for the SDK's error classes before it is loaded: nothing is an instance of them. */
class NotLoaded extends Error {
  status?: number;
  requestID?: string;
  type?: string;
  headers?: Headers;
  apiMessage?: string;
}
const NO_SDK = {
  APIConnectionError: NotLoaded,
  APIConnectionTimeoutError: NotLoaded,
  APIError: NotLoaded,
  APIUserAbortError: NotLoaded,
} as unknown as Pick<AnthropicSdk, 'APIConnectionError' | 'APIConnectionTimeoutError' | 'APIError' | 'APIUserAbortError'>;

/**
 * Any error out of the SDK → CoreError with a message we build ourselves (never the SDK's text or headers,
 * which could carry the key). `cause` is a plain summary, no request headers.
 */
export function mapAnthropicError(
  e: unknown,
  ctx: { apiKey?: string; baseURL: string; started: boolean; stopCause?: StopCause; firstTokenTimeoutMs?: number },
): CoreError {
  if (ctx.stopCause === 'caller' || ctx.stopCause === 'consumer-left') return new CoreError('aborted', 'The request was cancelled.');
  if (ctx.stopCause === 'first-token-timeout') {
    return new CoreError('timeout', `Claude sent no answer within ${Math.round((ctx.firstTokenTimeoutMs ?? 0) / 1000)} s.`);
  }
  // An SDK error exists only once the SDK was loaded; before that nothing can be one of its classes.
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk ?? NO_SDK;
  const summary = (x: unknown) => ({
    name: x instanceof Error ? x.name : typeof x,
    status: x instanceof APIError ? x.status : undefined,
    requestId: x instanceof APIError ? x.requestID : undefined,
  });
  if (e instanceof APIUserAbortError) return new CoreError('aborted', 'The request was cancelled.', { cause: summary(e) });
  if (e instanceof APIConnectionTimeoutError) return new CoreError('timeout', 'Claude did not answer in time.', { cause: summary(e) });
  if (e instanceof APIConnectionError)
    return new CoreError('upstream_unavailable', `Could not reach Claude at ${ctx.baseURL}.`, { cause: summary(e) });
  if (e instanceof APIError) {
    const status = e.status;
    const type = errorTypeOfClaude(e.type, status);
    const cause = summary(e);
    if (status === undefined) {
      // An SSE `error` event mid-stream (e.g. overloaded_error) surfaces as a status-less APIError.
      return new CoreError(type, `Claude reported an error mid-stream (${e.type ?? 'unknown'}).`, { cause });
    }
    switch (type) {
      case 'upstream_auth':
        return new CoreError('upstream_auth', 'Claude rejected the API key.', { cause });
      case 'upstream_rate_limited': {
        const retryAfter = retryAfterSeconds(e.headers);
        return new CoreError('upstream_rate_limited', 'Claude is rate limiting this API key; try again shortly.', { cause, retryAfter });
      }
      case 'upstream_overloaded':
        return new CoreError('upstream_overloaded', 'Claude is overloaded right now; try again shortly.', {
          cause,
          retryAfter: retryAfterSeconds(e.headers),
        });
      case 'timeout':
        return new CoreError('timeout', 'Claude did not answer in time.', { cause });
      default:
        if (status >= 500) return new CoreError('upstream_error', `Claude failed with HTTP ${status}.`, { cause });
        // 4xx other than auth/rate limit: Claude's own message says what was wrong with the request.
        return new CoreError(
          'upstream_error',
          redact(`Claude refused the request (HTTP ${status}): ${(e.apiMessage ?? 'no details').slice(0, 500)}`, ctx.apiKey),
          { cause },
        );
    }
  }
  // Not the SDK's and not the network's: our own failure (e.g. a value too deep to serialise), never "Claude is down".
  // (A TypeError is not one of ours: undici reports a broken stream or a failed fetch as one.)
  if (e instanceof RangeError)
    return new CoreError('internal', 'Internal error while preparing the request for Claude.', { cause: summary(e) });
  if (ctx.started)
    return new CoreError('upstream_error', 'Claude stream ended unexpectedly (the connection broke mid-answer).', { cause: summary(e) });
  return new CoreError('upstream_unavailable', `Could not reach Claude at ${ctx.baseURL}.`, { cause: summary(e) });
}

/** The Anthropic engine: streams Claude answers through the official SDK. */
export function createAnthropicEngine(opts: AnthropicEngineOptions = {}): Engine {
  const keyOption = opts.apiKey;
  const currentKey = (): string | undefined => (typeof keyOption === 'function' ? keyOption() : keyOption)?.trim() || undefined;
  const firstTokenTimeoutMs = opts.firstTokenTimeoutMs ?? DEFAULT_FIRST_TOKEN_TIMEOUT_MS;
  /** One SDK client per key: rebuilt only when the key changes. */
  let cached: { key: string; client: Anthropic } | undefined;
  const clientFor = async (key: string): Promise<Anthropic> => {
    const { default: AnthropicClient } = await loadAnthropicSdk();
    if (cached?.key !== key) {
      cached = {
        key,
        client: new AnthropicClient({
          apiKey: key,
          baseURL: opts.baseURL,
          maxRetries: opts.maxRetries ?? 2,
          timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          // The SDK's own logs are off: everything it knows surfaces as a CoreError we word ourselves.
          logLevel: 'off',
        }),
      };
    }
    return cached.client;
  };
  /** Stoppers of in-flight calls, so close() ends them as 'aborted'. */
  const live = new Set<() => void>();

  async function* chat(call: EngineCall, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
    const apiKey = currentKey();
    if (!apiKey) throw new CoreError('upstream_auth', 'No Claude API key configured.');
    const client = await clientFor(apiKey);
    if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
    const baseURL = client.baseURL;
    const params = toAnthropicParams(call);

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
    let state = initialAnthropicState(call.model);
    const answer = call.request.responseFormat ? answerToolFor(call.request.responseFormat) : undefined;
    let answered = false;
    const fail = (e: unknown) => mapAnthropicError(e, { apiKey, baseURL, started: state.started, stopCause, firstTokenTimeoutMs });

    try {
      let stream: AsyncIterable<unknown>;
      try {
        stream = await client.messages.create(params, { signal: ac.signal });
      } catch (e) {
        throw fail(e);
      }
      try {
        for await (const raw of stream) {
          if (stopCause) break;
          const r = fromAnthropicEvent(raw as AnthropicWireEvent, state);
          state = r.state;
          for (const wire of r.events) {
            let ev = wire;
            // The answer tool's call is the answer: its input becomes the text, and the turn ends as a normal stop.
            if (answer && ev.type === 'tool-call' && ev.call.name === ANSWER_TOOL) {
              answered = true;
              ev = { type: 'text-delta', text: answerText(ev.call.arguments, answer.wrapped) };
            } else if (answered && ev.type === 'done' && ev.finishReason === 'tool_calls') ev = { type: 'done', finishReason: 'stop' };
            if (ev.type === 'error') throw new CoreError(ev.error.type, ev.error.message);
            if (ev.type === 'text-delta' && timer) {
              clearTimeout(timer);
              timer = undefined;
            }
            yield ev;
            if (stopCause) break;
          }
          if (state.ended) break;
        }
      } catch (e) {
        if (e instanceof CoreError) throw e;
        throw fail(e);
      }
      // The SDK ends iteration silently when its signal aborts: tell why ourselves.
      if (stopCause) throw fail(undefined);
      if (!state.ended) throw new CoreError('upstream_error', 'Claude stream ended unexpectedly (no message_stop).');
    } finally {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // Consumer left early (break/return) or we failed: make sure the upstream connection is closed.
      if (!state.ended) stop('consumer-left');
      live.delete(stopOnClose);
    }
  }

  return {
    id: 'anthropic',
    // No network call: a probe request would cost money and latency; a bad key shows up as upstream_auth on use.
    async probe(): Promise<EngineAvailability> {
      if (!currentKey()) return { ok: false, models: [], reason: 'no Claude API key configured' };
      return { ok: true, models: cloudModelsOf('anthropic').map((m) => m.id), tools: true, structuredOutput: true };
    },
    chat,
    async close() {
      for (const stopCall of live) stopCall();
      live.clear();
    },
  };
}

/**
 * A key check on save: one Messages call for one token on Claude Haiku (the cheapest catalog Claude), no retries.
 * ok, or a CoreError naming the problem (never the key).
 */
export async function checkKey(opts: { apiKey: string; baseURL?: string; timeoutMs?: number }): Promise<KeyCheck> {
  const apiKey = opts.apiKey.trim();
  if (!apiKey) return { ok: false, error: new CoreError('invalid_request', 'The Claude API key is empty.') };
  const { default: AnthropicClient } = await loadAnthropicSdk();
  const client = new AnthropicClient({ apiKey, baseURL: opts.baseURL, maxRetries: 0, timeout: opts.timeoutMs ?? 15_000, logLevel: 'off' });
  try {
    await client.messages.create({ model: toAnthropicModel('claude-haiku'), max_tokens: 1, messages: [{ role: 'user', content: 'Hi' }] });
    return { ok: true };
  } catch (e) {
    return { ok: false, error: mapAnthropicError(e, { apiKey, baseURL: client.baseURL, started: false }) };
  }
}
