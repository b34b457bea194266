// Any OpenAI-compatible server (LM Studio, llama-server, vLLM) as an engine, via the official `openai` client.
import type * as OpenAISdkModule from 'openai';
import type OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { EngineAvailability } from '../contracts/decision.js';
import type { StreamEvent } from '../contracts/stream.js';
import { localModels } from '../data/models.js';
import { CoreError } from '../errors.js';
import type { Engine, EngineCall } from './engine.js';

/** A local server answers /v1/models in milliseconds; longer means it is not there. */
const PROBE_TIMEOUT_MS = 1_500;

export interface OpenAICompatEngineOptions {
  /** Base URL including /v1, e.g. http://127.0.0.1:1234/v1 (LM Studio) or http://127.0.0.1:8080/v1 (llama-server). */
  baseURL: string;
  /** Optional key for servers that want one (vLLM --api-key); most local servers ignore it. */
  apiKey?: string;
  /** When set, this server model answers every local catalog route (like HYBRID_AI_LOCAL_MODEL for llama.cpp). */
  serveAllLocalAs?: string;
}

/**
 * Pure: which catalog ids a server's model list can serve. A server model serves a catalog id when its name
 * contains the id or one of its aliases (LM Studio names files like "tinyllama-1.1b-chat-v1.0").
 */
export function catalogMatches(serverModels: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of localModels) {
    const names = [m.id, ...m.aliases].map((n) => n.toLowerCase());
    const hit = serverModels.find((s) => names.some((n) => s.toLowerCase().includes(n)));
    if (hit) out[m.id] = hit;
  }
  return out;
}

/** Pure: our call → Chat Completions params (streaming, with usage in the last chunk). */
export function toOpenAIParams(call: EngineCall, serverModel: string): ChatCompletionCreateParamsStreaming {
  const p = call.request.params;
  return {
    model: serverModel,
    // Tool requests are never routed here (probe() does not claim `tools`); a tool turn is sent as plain text.
    messages: call.request.messages.map((m) => ({ role: m.role === 'tool' ? 'user' : m.role, content: m.content })),
    stream: true,
    stream_options: { include_usage: true },
    ...(p.maxTokens !== undefined ? { max_tokens: p.maxTokens } : {}),
    ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    ...(p.topP !== undefined ? { top_p: p.topP } : {}),
    ...(p.stop && p.stop.length > 0 ? { stop: [...p.stop] } : {}),
    ...(p.seed !== undefined ? { seed: p.seed } : {}),
    // llama-server, LM Studio and vLLM all constrain decoding to these (a grammar from the schema).
    ...(call.request.responseFormat
      ? {
          response_format:
            call.request.responseFormat.type === 'json'
              ? { type: 'json_object' as const }
              : {
                  type: 'json_schema' as const,
                  json_schema: {
                    name: call.request.responseFormat.name ?? 'answer',
                    schema: call.request.responseFormat.schema,
                    strict: true,
                  },
                },
        }
      : {}),
  };
}

/** Pure: one streamed chunk → our events (text; usage when the server sends it; the finish reason). */
export function fromOpenAIChunk(chunk: ChatCompletionChunk): { events: StreamEvent[]; finish?: 'stop' | 'length' } {
  const events: StreamEvent[] = [];
  const choice = chunk.choices[0];
  const text = choice?.delta?.content;
  if (text) events.push({ type: 'text-delta', text });
  if (chunk.usage)
    events.push({ type: 'usage', usage: { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens } });
  const fr = choice?.finish_reason;
  return { events, finish: fr ? (fr === 'length' ? 'length' : 'stop') : undefined };
}

/** The `openai` module (client and error classes). */
type OpenAISdk = typeof OpenAISdkModule;

function mapError(sdk: OpenAISdk, e: unknown, baseURL: string, aborted: boolean, started: boolean): CoreError {
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = sdk;
  if (aborted || e instanceof APIUserAbortError) return new CoreError('aborted', 'The request was cancelled.');
  if (e instanceof APIConnectionTimeoutError)
    return new CoreError('timeout', `The OpenAI-compatible server at ${baseURL} did not answer in time.`);
  if (e instanceof APIConnectionError)
    return new CoreError(
      started ? 'upstream_error' : 'upstream_unavailable',
      `The OpenAI-compatible server at ${baseURL} is not reachable.`,
    );
  if (e instanceof APIError) {
    const status = e.status ?? 0;
    if (status === 404) return new CoreError('no_model_available', `The server at ${baseURL} does not have that model.`);
    if (status === 401 || status === 403) return new CoreError('upstream_auth', `The server at ${baseURL} refused the API key.`);
    if (status === 429) return new CoreError('upstream_rate_limited', `The server at ${baseURL} is rate limiting.`);
    return new CoreError('upstream_error', `The server at ${baseURL} failed with HTTP ${status}.`);
  }
  return new CoreError('upstream_error', `The OpenAI-compatible server at ${baseURL} failed.`);
}

export function createOpenAICompatEngine(opts: OpenAICompatEngineOptions): Engine {
  const baseURL = opts.baseURL.replace(/\/+$/, '');
  // maxRetries 0: a local server that fails is better handled by the pipeline's fallback than by waiting.
  // The SDK (~500 modules, ~14 MB resident) loads on the first probe, not when the core starts.
  let ready: Promise<{ sdk: OpenAISdk; client: OpenAI }> | undefined;
  const load = (): Promise<{ sdk: OpenAISdk; client: OpenAI }> =>
    (ready ??= import('openai').then((sdk) => ({
      sdk,
      client: new sdk.default({ baseURL, apiKey: opts.apiKey || 'not-needed', maxRetries: 0 }),
    })));
  let served: Record<string, string> = {};

  async function probe(): Promise<EngineAvailability> {
    try {
      const { client } = await load();
      const list = await client.models.list({ timeout: PROBE_TIMEOUT_MS });
      const ids = list.data.map((m) => m.id);
      served = opts.serveAllLocalAs ? Object.fromEntries(localModels.map((m) => [m.id, opts.serveAllLocalAs!])) : catalogMatches(ids);
      return { ok: true, models: [...Object.keys(served), ...ids.filter((i) => !(i in served))], structuredOutput: true };
    } catch {
      return { ok: false, models: [], reason: `OpenAI-compatible server not reachable at ${baseURL}` };
    }
  }

  async function* chat(call: EngineCall, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
    const serverModel = served[call.model] ?? call.model;
    let started = false;
    let stream: AsyncIterable<ChatCompletionChunk>;
    const { sdk, client } = await load();
    try {
      stream = await client.chat.completions.create(toOpenAIParams(call, serverModel), { signal });
    } catch (e) {
      throw mapError(sdk, e, baseURL, signal.aborted, false);
    }
    yield { type: 'start', model: call.model, engine: 'openai-compat' };
    let finish: 'stop' | 'length' | undefined;
    let usageSeen = false;
    let deltas = 0;
    try {
      for await (const chunk of stream) {
        started = true;
        const r = fromOpenAIChunk(chunk);
        for (const ev of r.events) {
          if (ev.type === 'usage') usageSeen = true;
          if (ev.type === 'text-delta') deltas++;
          yield ev;
        }
        finish = r.finish ?? finish;
      }
    } catch (e) {
      throw mapError(sdk, e, baseURL, signal.aborted, started);
    }
    if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
    if (finish === undefined) throw new CoreError('upstream_error', `The stream from ${baseURL} ended without a finish reason.`);
    // Servers that ignore stream_options send no usage: count streamed chunks (about one token each).
    if (!usageSeen) yield { type: 'usage', usage: { inputTokens: 0, outputTokens: deltas } };
    yield { type: 'done', finishReason: finish };
  }

  return { id: 'openai-compat', probe, chat, async close() {} };
}
