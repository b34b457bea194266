// Ollama-compatible API: /api/chat, /api/generate, /api/tags, /api/show, /api/ps, /api/pull, /api/delete, /api/copy, /api/embed.
//
// Ollama clients send no credentials by default: they add the gateway's token as a header, e.g. the `ollama` npm
// client `new Ollama({ host, headers: { Authorization: 'Bearer <token or app key>' } })`. The Ollama CLI cannot send
// one: for it, Settings has an opt-in (off by default) that opens these routes to loopback clients without a token
// (gateway/security.ts).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ChatMessage, ModelKeepAlive, ResponseFormat, ToolChoice, ToolSpec } from '../../contracts/chat.js';
import { checkJsonSchema } from '../../routing/json-schema.js';
import type { FinishReason, TokenLogprob } from '../../contracts/stream.js';
import { findModel, licenceLabel, localModels } from '../../data/models.js';
import { CoreError } from '../../errors.js';
import type { DownloadProgress } from '../../contracts/events.js';
import type { EmbedOptions } from '../../engines/engine.js';
import type { EmbedOutcome, PipelineEvent, PipelineRun, Summary } from '../../pipeline.js';
import {
  NdjsonAnswer,
  type ChatRoute,
  type Collected,
  type Decoded,
  type ExtraRoute,
  type ModelListing,
  type ProtocolAdapter,
  type ProtocolServices,
  type StreamEncoder,
} from '../protocol.js';
import { parseKeepAlive, type KeepAlive } from '../keep-alive.js';
import { ndjsonLine } from '../sse.js';
import {
  fromFunctionTool,
  requireOfferedTool,
  requireUserTurn,
  topPSchema,
  unknownModel,
  wireFinishReason,
  type FinishReasonTable,
} from './common.js';
import { parseBody as parseAny } from './validate.js';

/**
 * The Ollama API level this adapter speaks, reported by /api/version. Clients gate features on it (tools in
 * /api/chat need ≥ 0.3, /api/embed ≥ 0.3.4); this is the release whose API the adapter was written against.
 */
export const OLLAMA_API_VERSION = '0.12.6';
// Ollama's num_predict sentinels: -1 = no limit, -2 = fill the context. Both mean "the engine's default" here.
const NO_LIMIT = 0;
// The other protocols cap max_tokens at 32768; a bigger num_predict is clamped, not refused (Ollama never refuses it).
const MAX_PREDICT = 32_768;

/** Where a null is data, not an absent field: JSON schemas (format, tool parameters) and tool-call arguments. */
const KEEP_NULLS = new Set(['format', 'parameters', 'arguments']);

/**
 * A body as Ollama (Go) reads it: a JSON null is the field's zero value, so a null field is an absent one
 * (`"options": null`, `"system": null`, `"temperature": null` are what clients that build bodies from maps send).
 */
export function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    out[k] = KEEP_NULLS.has(k) ? x : withoutNulls(x);
  }
  return out;
}

/** parseBody on the body with its null fields left out (Ollama's reading). */
const parseBody: typeof parseAny = (schema, raw) => parseAny(schema, withoutNulls(raw));

const options = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    num_predict: z.number().int().optional(),
    stop: z.union([z.string(), z.array(z.string()).max(16)]).optional(),
    top_p: topPSchema.optional(),
    seed: z.number().int().optional(),
  })
  // Other runtime options (num_ctx, top_k, repeat_penalty, ...) are Ollama's own knobs: ignored, as Ollama ignores unknown ones.
  .passthrough();
const toolCall = z.object({
  id: z.string().optional(),
  function: z.object({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()).default({}) }),
});
const message = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().default(''),
  images: z.array(z.string()).optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_name: z.string().optional(),
  thinking: z.string().optional(),
});
const tool = z.object({
  type: z.literal('function').default('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});
const common = {
  model: z.string().trim().min(1, 'must name a model ("auto" lets the router choose)'),
  stream: z.boolean().default(true),
  options: options.optional(),
  format: z.unknown().optional(),
  keep_alive: z.unknown().optional(),
  think: z.unknown().optional(),
  logprobs: z.boolean().optional(),
  top_logprobs: z.number().int().optional(),
};
/**
 * Fields Ollama itself does not read but the AI SDK's Ollama provider (ollama-ai-provider-v2) sends at the top level of
 * /api/chat instead of in `options`: `max_output_tokens`, `temperature`, `top_p`, and `tool_choice` (as its
 * Responses-style `{type: "function", name}`). Read, so its maxOutputTokens, temperature, topP and toolChoice take
 * effect (unread, maxOutputTokens ran a local model to its own limit and toolChoice "none" still got a tool call); a
 * value in `options` wins.
 */
const providerFields = {
  max_output_tokens: z.number().int().optional(),
  temperature: options.shape.temperature,
  top_p: options.shape.top_p,
  tool_choice: z
    .union([
      z.enum(['auto', 'none', 'required']),
      z.object({ type: z.literal('function'), name: z.string().min(1) }),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
    ])
    .optional(),
};
const chatBody = z.object({
  ...common,
  ...providerFields,
  messages: z.array(message).min(1, 'must have at least one message'),
  tools: z.array(tool).max(128).optional(),
});
const generateBody = z.object({
  ...common,
  prompt: z.string().trim().min(1, 'must be a non-empty string'),
  system: z.string().optional(),
  suffix: z.string().optional(),
  images: z.array(z.string()).optional(),
  template: z.string().optional(),
  context: z.array(z.number()).optional(),
  raw: z.boolean().optional(),
});
const showBody = z.object({
  model: z.string().trim().min(1).optional(),
  name: z.string().trim().min(1).optional(),
  verbose: z.boolean().optional(),
});
const embedBody = z.object({
  model: z.string().trim().min(1, 'must name a model ("auto" picks a local one)'),
  input: z.union([z.string(), z.array(z.string()).max(2048, 'must have at most 2048 strings')]),
  truncate: z.boolean().optional(),
  dimensions: z.number().int().min(1).optional(),
  options: z.unknown().optional(),
  keep_alive: z.unknown().optional(),
});
const legacyEmbedBody = z.object({
  model: z.string().trim().min(1),
  prompt: z.string(),
  options: z.unknown().optional(),
  keep_alive: z.unknown().optional(),
});
// Ollama's own CLI sends `model`; ollama-js and older clients send `name`.
const namedBody = z.object({
  model: z.string().trim().min(1).optional(),
  name: z.string().trim().min(1).optional(),
  stream: z.boolean().default(true),
  insecure: z.boolean().optional(),
});
const copyBody = z.object({
  source: z.string().trim().min(1, 'must name the model to copy'),
  destination: z.string().trim().min(1, 'must name the new name'),
});

/**
 * When a model held by `keep_alive` < 0 is let go in Ollama: never. Ollama reports it as now + the largest Go
 * duration (~292 years); /api/ps says the same for a model here that no keep_alive duration holds (our engines keep
 * it loaded, and unload only to make room, least recently used first).
 */
const NEVER_EXPIRES_MS = 292 * 365.25 * 24 * 3600 * 1000;

/**
 * Ollama clients name models `name:tag`: `x:latest` is `x` for our names, and a catalog model's Ollama tag
 * (`phi:2.7b`) is that model. Anything else (an Ollama tag only the Ollama engine has) passes through.
 */
export function normalizeOllamaModel(name: string): string {
  const n = name.trim();
  const lower = n.toLowerCase();
  const bare = lower.endsWith(':latest') ? n.slice(0, -':latest'.length) : n;
  if (bare.toLowerCase() === 'auto') return 'auto';
  if (bare !== n && findModel(bare)) return bare;
  const byTag = localModels.find((m) => m.ollamaTag.toLowerCase() === lower);
  return byTag ? byTag.id : n;
}

/** A name as /api/tags lists it: our names get Ollama's `:latest` tag, engine tags stay as they are. */
export function ollamaName(id: string): string {
  return id.includes(':') ? id : `${id}:latest`;
}

/** Ollama's `format`: "json" (any JSON) or a JSON schema; absent or "" = free text. */
export function formatOf(format: unknown): ResponseFormat | undefined {
  if (format === undefined || format === null || format === '') return undefined;
  if (format === 'json') return { type: 'json' };
  if (typeof format !== 'object' || Array.isArray(format)) {
    throw new CoreError(
      'invalid_request',
      `Invalid "format": ${JSON.stringify(format).slice(0, 40)} is neither "json" nor a JSON schema object.`,
      {
        details: { param: 'format' },
      },
    );
  }
  const checked = checkJsonSchema(format);
  if (!checked.ok) {
    throw new CoreError(
      'invalid_request',
      `Invalid "format": the JSON schema cannot be enforced: at ${checked.path || '(root)'}, ${checked.problem}.`,
      { details: { param: 'format' } },
    );
  }
  return { type: 'json_schema', schema: checked.schema };
}

function refuseUnsupported(b: { images?: string[]; suffix?: string }, messages?: Array<{ images?: string[] }>): void {
  if ((b.images?.length ?? 0) > 0 || messages?.some((m) => (m.images?.length ?? 0) > 0)) {
    throw new CoreError('invalid_request', 'Invalid "images": image input is not supported by this server; send text only.');
  }
  if (b.suffix) throw new CoreError('invalid_request', 'Invalid "suffix": fill-in-the-middle is not supported by this server.');
}

/**
 * Marks a `context` this server returned. Ollama's own contexts are the prompt's token ids; here the engine may be any
 * (or the cloud), so the conversation travels as its text: this pair, then the UTF-8 bytes of the turns as JSON.
 */
const CONTEXT_MAGIC = 0x48594252;
const CONTEXT_VERSION = 1;

/**
 * The conversation after this answer as an Ollama `context`: numbers a client sends back with its next /api/generate
 * to continue (ollama-js, LangChain and the CLI treat it as opaque). The system prompt stays out: each request sends its own.
 */
export function encodeContext(messages: readonly ChatMessage[], answer: string): number[] {
  const turns: Array<['u' | 'a', string]> = [];
  for (const m of messages) if (m.role === 'user' || m.role === 'assistant') turns.push([m.role === 'user' ? 'u' : 'a', m.content]);
  turns.push(['a', answer]);
  return [CONTEXT_MAGIC, CONTEXT_VERSION, ...new TextEncoder().encode(JSON.stringify(turns))];
}

/** The earlier turns a `context` carries (none for an absent or empty one); a context from elsewhere is a 400. */
export function contextTurns(context: readonly number[] | undefined): ChatMessage[] {
  if (!context || context.length === 0) return [];
  const refuse = (): CoreError =>
    new CoreError(
      'invalid_request',
      'Invalid "context": send back, unchanged, the context array an earlier /api/generate answer of this server returned, or leave it out to start a new conversation.',
    );
  if (context[0] !== CONTEXT_MAGIC || context[1] !== CONTEXT_VERSION) throw refuse();
  const bytes = new Uint8Array(context.length - 2);
  for (let i = 2; i < context.length; i++) {
    const b = context[i]!;
    if (!Number.isInteger(b) || b < 0 || b > 255) throw refuse();
    bytes[i - 2] = b;
  }
  let turns: unknown;
  try {
    turns = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw refuse();
  }
  const valid = (t: unknown): t is ['u' | 'a', string] =>
    Array.isArray(t) && t.length === 2 && (t[0] === 'u' || t[0] === 'a') && typeof t[1] === 'string';
  if (!Array.isArray(turns) || !turns.every(valid)) throw refuse();
  return turns.map(([r, content]): ChatMessage => ({ role: r === 'u' ? 'user' : 'assistant', content }));
}

/** Generation params from `options`, else from the top-level fields the AI SDK's provider sends (see providerFields). */
function paramsOf(o: z.infer<typeof options> | undefined, top: { max_output_tokens?: number; temperature?: number; top_p?: number } = {}) {
  const n = o?.num_predict ?? top.max_output_tokens;
  return {
    maxTokens: n === undefined || n <= NO_LIMIT ? undefined : Math.min(n, MAX_PREDICT),
    temperature: o?.temperature ?? top.temperature,
    topP: o?.top_p ?? top.top_p,
    stop: typeof o?.stop === 'string' ? [o.stop] : o?.stop,
    seed: o?.seed,
  };
}

/** A top-level `tool_choice` (see providerFields) as ours; a named tool must be one of `tools`. */
function toolChoiceOf(c: z.infer<typeof providerFields.tool_choice>, tools: readonly ToolSpec[] | undefined): ToolChoice | undefined {
  if (c === undefined || typeof c === 'string') return c;
  const name = 'name' in c ? c.name : c.function.name;
  requireOfferedTool(name, tools, 'tool_choice', 'tool', { param: 'tool_choice' });
  return { name };
}

function messagesOf(list: z.infer<typeof message>[]): ChatMessage[] {
  let seq = 0;
  const lastCallId = new Map<string, string>();
  return list.map((m): ChatMessage => {
    if (m.role === 'assistant' && m.tool_calls && m.tool_calls.length > 0) {
      const toolCalls = m.tool_calls.map((c) => {
        const id = c.id ?? `call_${seq++}`;
        lastCallId.set(c.function.name, id);
        return { id, name: c.function.name, arguments: JSON.stringify(c.function.arguments) };
      });
      return { role: 'assistant', content: m.content, toolCalls };
    }
    // Ollama pairs a result with its call by tool name, not id: take the last call of that name.
    if (m.role === 'tool')
      return { role: 'tool', content: m.content, toolCallId: lastCallId.get(m.tool_name ?? '') ?? '', name: m.tool_name };
    return { role: m.role, content: m.content };
  });
}

/** The encoders' options a body's keep_alive, think and logprobs give (its logprobs also go into the request). */
function bodyOptions(b: {
  keep_alive?: unknown;
  think?: unknown;
  logprobs?: boolean;
  top_logprobs?: number;
}): Pick<OllamaOptions, 'keepAlive' | 'think' | 'logprobs'> {
  const lp = logprobsOf(b);
  const keepAlive = parseKeepAlive(b.keep_alive);
  return {
    ...(keepAlive.kind !== 'default' ? { keepAlive } : {}),
    ...(wantsThinking(b.think) ? { think: true } : {}),
    ...(lp ? { logprobs: lp } : {}),
  };
}

/**
 * `logprobs` / `top_logprobs` as Ollama reads them: top_logprobs outside 0-20 is a 400 in Ollama's words
 * (server/routes.go); without `logprobs: true` none are returned.
 */
function logprobsOf(b: { logprobs?: boolean; top_logprobs?: number }): { top: number } | undefined {
  if (b.top_logprobs !== undefined && (b.top_logprobs < 0 || b.top_logprobs > 20)) {
    throw new CoreError('invalid_request', 'top_logprobs must be between 0 and 20', { details: { param: 'top_logprobs' } });
  }
  return b.logprobs === true ? { top: b.top_logprobs ?? 0 } : undefined;
}

/** Ollama's `logprobs`: `[{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]` (api/types.go). */
function wireLogprobs(tokens: readonly TokenLogprob[]) {
  return tokens.map((t) => ({
    token: t.token,
    logprob: t.logprob,
    bytes: t.bytes,
    ...(t.top.length > 0 ? { top_logprobs: t.top.map((c) => ({ token: c.token, logprob: c.logprob, bytes: c.bytes })) } : {}),
  }));
}

/** `{responseFormat}` for a request's `format`, or nothing. */
function withFormat(format: unknown): { responseFormat?: ResponseFormat } {
  const f = formatOf(format);
  return f ? { responseFormat: f } : {};
}

const iso = (ms: number): string => new Date(ms).toISOString();
const ns = (ms: number): number => Math.round(ms * 1e6);

/** Ollama's done_reason: it has no word for tool calls or an abort, and says "stop". */
const doneReasons: FinishReasonTable<'stop' | 'length'> = { stop: 'stop', length: 'length', tool_calls: 'stop', abort: 'stop' };
const doneReason = (f: FinishReason) => wireFinishReason(doneReasons, f);

/**
 * Ollama's timing and count fields from our summary (durations in nanoseconds). The model's load, when this request
 * waited for one, is `load_duration` and is not prompt evaluation (the time to the first token includes it).
 */
function metrics(s: Summary | undefined) {
  if (!s) return { total_duration: 0, load_duration: 0, prompt_eval_count: 0, prompt_eval_duration: 0, eval_count: 0, eval_duration: 0 };
  // In whole nanoseconds before splitting, so the parts add up to the total exactly.
  const total = ns(s.latencyMs);
  const first = Math.min(ns(s.ttftMs ?? s.latencyMs), total);
  const load = Math.min(ns(s.usage.loadMs ?? 0), first);
  return {
    total_duration: total,
    load_duration: load,
    prompt_eval_count: s.usage.inputTokens,
    prompt_eval_duration: first - load,
    eval_count: s.usage.outputTokens,
    eval_duration: total - first,
  };
}

const wireCalls = (calls: Collected['toolCalls']) =>
  calls.map((c) => {
    let args: unknown = {};
    try {
      args = JSON.parse(c.arguments);
    } catch {
      // keep {}
    }
    return { id: c.id, function: { name: c.name, arguments: args } };
  });

/** Family shown in details (Ollama clients group by it). */
function familyOf(m: ModelListing): string {
  if (m.kind === 'auto') return 'router';
  if (m.kind === 'cloud') return 'claude';
  const id = m.id.toLowerCase();
  return id.startsWith('phi') ? 'phi2' : id.startsWith('qwen') ? 'qwen2' : id.split(/[:\-.]/)[0] || 'llama';
}

/** Ollama's parameter_size of a count (its format.HumanNumber): "8B", "1.5B", "494.03M", "513K". */
export function humanNumber(n: number): string {
  const whole = (x: number): boolean => x === Math.floor(x);
  if (n >= 1e9) return whole(n / 1e9) ? `${n / 1e9}B` : `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return whole(n / 1e6) ? `${n / 1e6}M` : `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}K`;
  return String(n);
}

function details(m: ModelListing) {
  // A file's own architecture (HYBRID_AI_LOCAL_MODEL) before a family guessed from the name.
  const family = m.family ?? familyOf(m);
  return {
    parent_model: '',
    format: m.kind === 'local' ? 'gguf' : 'api',
    family,
    families: [family],
    parameter_size: m.parameterCount !== undefined ? humanNumber(m.parameterCount) : m.paramsB !== undefined ? `${m.paramsB}B` : '',
    quantization_level: m.quantization ?? '',
  };
}

function digestOf(m: ModelListing): string {
  const entry = findModel(m.id);
  if (entry?.kind === 'local') return entry.sha256;
  return createHash('sha256').update(m.id).digest('hex');
}

/** The listing for a name, or Ollama's 404 naming what exists. */
async function findListing(name: string, models: () => Promise<ModelListing[]>): Promise<ModelListing> {
  const all = await models();
  const hit = listingOf(name, all);
  if (hit) return hit;
  throw unknownModel(
    name,
    all.map((m) => ollamaName(m.id)),
  );
}

/** The listing a name (as Ollama clients write it) stands for, if any. */
function listingOf(name: string, all: readonly ModelListing[]): ModelListing | undefined {
  const wanted = normalizeOllamaModel(name);
  const entry = findModel(wanted);
  // A name as /api/tags lists it (`tiny:latest` for the HYBRID_AI_LOCAL_MODEL file `tiny`) is that model.
  const listed = name.trim().toLowerCase();
  const hit =
    all.find((m) => m.id === wanted || m.id === entry?.id || ollamaName(m.id).toLowerCase() === listed) ??
    // A catalog name the HYBRID_AI_LOCAL_MODEL file answers for: the file.
    all.find((m) => m.aliases?.includes(entry?.id ?? wanted));
  return hit;
}

/** Ollama's thinking levels; any of them, like `true`, asks the model to think. */
const THINK_LEVELS: readonly unknown[] = ['high', 'medium', 'low', 'max'];

/** Whether Ollama's `think` asks for thinking: true or a level; false or absent do not; anything else is a 400. */
export function wantsThinking(think: unknown): boolean {
  if (think === undefined || typeof think === 'boolean') return think === true;
  if (THINK_LEVELS.includes(think)) return true;
  throw new CoreError(
    'invalid_request',
    `Invalid "think": ${JSON.stringify(think).slice(0, 40)} is not a think value (must be "high", "medium", "low", "max", true, or false).`,
    { details: { param: 'think' } },
  );
}

/**
 * The catalog id a pull or delete names, or the refusal: not a model file here (auto, a Claude model), unknown (404
 * naming the local models), or no model files on this server (a bare gateway).
 */
function localSourceFor(name: string, services: ProtocolServices, verb: 'pull' | 'delete'): string {
  const wanted = normalizeOllamaModel(name);
  const entry = findModel(wanted);
  if (wanted === 'auto' || entry?.kind === 'cloud') {
    throw new CoreError(
      'invalid_request',
      `"${name}" is not a model file on this machine (${wanted === 'auto' ? 'the router' : 'a Claude model'}): there is nothing to ${verb}.`,
      { details: { param: 'model', value: name } },
    );
  }
  if (entry?.kind !== 'local') {
    const valid = localModels.map((m) => m.id);
    throw unknownModel(name, valid, { shown: valid.map(ollamaName), label: 'local models' });
  }
  if (!services.files) throw new CoreError('invalid_request', `This server does not manage model files: cannot ${verb} "${name}".`);
  return entry.id;
}

/** A download state as Ollama's pull progress line(s); past the transfer, a last "pulling" line says every byte came. */
function pullLinesOf(p: DownloadProgress, sha256: string): Array<Record<string, unknown>> {
  const pulling = (completed: number) => ({
    status: `pulling ${sha256.slice(0, 12)}`,
    digest: `sha256:${sha256}`,
    total: p.totalBytes,
    completed,
  });
  switch (p.state) {
    case 'queued':
    case 'downloading':
      return [pulling(p.bytes)];
    case 'verifying':
      return [pulling(p.totalBytes), { status: 'verifying sha256 digest' }];
    case 'done':
      return [pulling(p.totalBytes), { status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' }];
    default:
      return [];
  }
}

/**
 * Ollama's /api/pull progress for one of our downloads: "pulling manifest", then "pulling <digest>" with
 * total/completed bytes, "verifying sha256 digest", "writing manifest", "success". Models with no file to fetch (auto,
 * Claude, everything when HYBRID_AI_LOCAL_MODEL serves the local routes) answer "success" at once. A failed download
 * throws (an `{"error"}` line, or a 4xx/5xx before the first line). If the caller leaves, a download this call started
 * is cancelled (as Ollama stops a pull whose client went away; the part file stays, so a later pull resumes).
 */
async function* pullProgress(name: string, services: ProtocolServices, signal: AbortSignal): AsyncGenerator<Record<string, unknown>> {
  const wanted = normalizeOllamaModel(name);
  const entry = findModel(wanted);
  const nothingToFetch =
    wanted === 'auto' || entry?.kind === 'cloud' || (entry?.kind === 'local' && (await services.files?.localModelFile?.()));
  if (nothingToFetch) {
    yield { status: 'pulling manifest' };
    yield { status: 'success' };
    return;
  }
  const id = localSourceFor(name, services, 'pull');
  const downloads = services.files!.downloads;
  const sha256 = downloads.source(id).sha256;
  const startedHere = !downloads.isActive(id);
  // Subscribe before starting so no progress is missed; events wake the loop below.
  const pending: DownloadProgress[] = [];
  let wake: (() => void) | undefined;
  const off = downloads.subscribe((e) => {
    if (e.progress.modelId !== id) return;
    pending.push(e.progress);
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    // Not start()'s own snapshot: until the new download publishes, that may still be the last one's (a failure).
    await downloads.start(id, { via: 'http' });
    yield { status: 'pulling manifest' };
    const seen = new Set<string>();
    for (;;) {
      if (signal.aborted) {
        if (startedHere && downloads.isActive(id)) downloads.cancel(id);
        return;
      }
      let p = pending.shift();
      if (!p) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      // A final state is answered once the manager has let the download go (files closed), so the caller's next
      // step (a chat, a delete, another pull) never meets it still running.
      if (p.state === 'done' || p.state === 'failed' || p.state === 'cancelled') p = (await downloads.wait(id)) ?? p;
      if (p.state === 'failed') throw new CoreError(p.errorType ?? 'upstream_error', `pull ${name}: ${p.message ?? 'the download failed'}`);
      if (p.state === 'cancelled') throw new CoreError('aborted', `pull ${name}: the download was cancelled`);
      for (const line of pullLinesOf(p, sha256)) {
        // Each line once (a state's lines repeat in the next state's, and progress events may repeat a byte count).
        const text = JSON.stringify(line);
        if (seen.has(text)) continue;
        seen.add(text);
        yield line;
      }
      if (p.state === 'done') return;
    }
  } finally {
    off();
    signal.removeEventListener('abort', onAbort);
  }
}

const routes: ExtraRoute[] = [
  {
    method: 'GET',
    url: '/api/version',
    handle: async () => ({ version: OLLAMA_API_VERSION }),
  },
  {
    method: 'GET',
    url: '/api/tags',
    async handle(_input, services) {
      const modified = iso(services.startedAt);
      return {
        models: (await services.models()).map((m) => ({
          name: ollamaName(m.id),
          model: ollamaName(m.id),
          modified_at: m.modifiedAt !== undefined ? iso(m.modifiedAt) : modified,
          size: m.sizeBytes ?? 0,
          digest: digestOf(m),
          details: details(m),
        })),
      };
    },
  },
  {
    method: 'POST',
    url: '/api/show',
    async handle({ body }, services) {
      const b = parseBody(showBody, body);
      const name = b.model ?? b.name;
      if (!name) throw new CoreError('invalid_request', 'Invalid "model": name the model to show (e.g. "auto" or "tinyllama").');
      const m = await findListing(name, () => services.models());
      const d = details(m);
      const entry = findModel(m.id);
      return {
        license: entry?.kind === 'local' ? licenceLabel(entry.licence) : '',
        modelfile: `# Served by the hybrid-ai gateway: ${m.label}\nFROM ${m.id}\n`,
        parameters: '',
        template: m.template ?? '{{ .Prompt }}',
        system: '',
        details: d,
        // A file's own header values (HYBRID_AI_LOCAL_MODEL), as Ollama shows a GGUF's; else what the catalog knows.
        model_info: m.modelInfo ?? {
          'general.architecture': d.family,
          ...(m.paramsB !== undefined ? { 'general.parameter_count': Math.round(m.paramsB * 1e9) } : {}),
          ...(m.contextLength !== undefined ? { [`${d.family}.context_length`]: m.contextLength } : {}),
        },
        // As Ollama lists them: 'embedding' marks an embedding-only model (the Ollama CLI then computes vectors instead
        // of chatting), so a chat model that can also embed through /api/embed says 'completion' only, as llama3 does.
        capabilities: ['completion', ...(m.supportsTools ? ['tools'] : []), ...(m.thinking ? ['thinking'] : [])],
        modified_at: iso(m.modifiedAt ?? services.startedAt),
      };
    },
  },
  {
    method: 'GET',
    url: '/api/ps',
    async handle(_input, services) {
      // The embedded engine's models, then those an Ollama backend holds (with Ollama's own expires_at).
      const loaded = [...(services.loaded?.() ?? []), ...((await services.backendLoaded?.()) ?? [])];
      const listings = new Map((await services.models()).map((m) => [m.id, m]));
      const never = services.now() + NEVER_EXPIRES_MS;
      return {
        models: loaded.map((l) => {
          const m: ModelListing = listings.get(l.id) ?? {
            id: l.id,
            kind: 'local',
            label: l.id,
            engines: [l.engine],
            supportsTools: false,
            canEmbed: false,
          };
          return {
            name: ollamaName(l.id),
            model: ollamaName(l.id),
            // As Ollama's: what the model takes in memory (weights and context), not the file alone.
            size: l.memoryBytes ?? l.sizeBytes ?? m.sizeBytes ?? 0,
            digest: digestOf(m),
            details: details(m),
            // When keep_alive lets it go; a model held without one stays loaded (Ollama's "never": ~292 years on). One
            // asked to go while others' answers run goes when they end: now, as Ollama's ps shows it ("Stopping...").
            expires_at: iso(l.expiresAt ?? (l.freeing ? services.now() : (services.keepAlive?.expiresAt(l.id) ?? never))),
            // Unknown per model here: the embedded engine reports its GPU offload as a whole, not in bytes.
            size_vram: 0,
            context_length: l.contextLength ?? m.contextLength ?? 0,
          };
        }),
      };
    },
  },
  {
    method: 'POST',
    url: '/api/pull',
    manage: true,
    async handle({ body, signal }, services) {
      const b = parseBody(namedBody, body);
      const name = b.model ?? b.name;
      if (!name) throw new CoreError('invalid_request', 'Invalid "model": name the model to pull (e.g. "tinyllama").');
      const lines = pullProgress(name, services, signal);
      if (b.stream) {
        // The first line is read before answering, so an unknown model is a plain 404, not a 200 with an error line.
        return new NdjsonAnswer(lines);
      }
      let last: unknown;
      for await (const line of lines) last = line;
      return last;
    },
  },
  {
    method: 'DELETE',
    url: '/api/delete',
    manage: true,
    async handle({ body }, services) {
      const b = parseBody(namedBody, body);
      const name = b.model ?? b.name;
      if (!name) throw new CoreError('invalid_request', 'Invalid "model": name the model to delete (e.g. "tinyllama").');
      const source = localSourceFor(name, services, 'delete');
      await services.files!.deleteModel(source);
      return undefined;
    },
  },
  {
    method: 'POST',
    url: '/api/copy',
    manage: true,
    async handle({ body }, services) {
      const b = parseBody(copyBody, body);
      const m = await findListing(b.source, () => services.models());
      if (normalizeOllamaModel(b.destination) === m.id) return undefined;
      throw new CoreError(
        'invalid_request',
        `Cannot copy "${b.source}" to "${b.destination}": this server names its models by its catalog (${ollamaName(m.id)}) and keeps no copies under other names; call it "${ollamaName(m.id)}".`,
        { details: { param: 'destination', value: b.destination } },
      );
    },
  },
  {
    method: 'POST',
    url: '/api/embed',
    async handle({ body, signal }, services) {
      const b = parseBody(embedBody, body);
      const keepAlive = parseKeepAlive(b.keep_alive);
      const texts = typeof b.input === 'string' ? [b.input] : b.input;
      const model = normalizeOllamaModel(b.model);
      // An empty input list is how Ollama clients preload a model: nothing to compute.
      if (texts.length === 0) return { model: b.model, embeddings: [], total_duration: 0, load_duration: 0, prompt_eval_count: 0 };
      const started = services.now();
      const r = await services.embed(texts, model, signal, embedOptions(keepAlive));
      await keepAfterEmbedding(r, keepAlive, services);
      if (b.dimensions !== undefined && b.dimensions !== (r.embeddings[0]?.length ?? 0)) {
        throw new CoreError(
          'invalid_request',
          `Invalid "dimensions": ${r.model} gives ${r.embeddings[0]?.length ?? 0}-dimensional vectors; leave "dimensions" out.`,
        );
      }
      return {
        model: b.model,
        embeddings: r.embeddings,
        total_duration: ns(services.now() - started),
        load_duration: 0,
        prompt_eval_count: r.inputTokens,
      };
    },
  },
  {
    // The pre-0.3 endpoint, still called by older clients (`ollama.embeddings()`): one prompt, one vector.
    method: 'POST',
    url: '/api/embeddings',
    async handle({ body, signal }, services) {
      const b = parseBody(legacyEmbedBody, body);
      const keepAlive = parseKeepAlive(b.keep_alive);
      const r = await services.embed([b.prompt], normalizeOllamaModel(b.model), signal, embedOptions(keepAlive));
      await keepAfterEmbedding(r, keepAlive, services);
      return { embedding: r.embeddings[0] ?? [] };
    },
  },
];

/**
 * keep_alive after a request a model of `engine` served (chat, generate, embed): on the embedded engine 0 frees the
 * model, a duration holds it, none (or a negative one) keeps it loaded. Other engines keep their own policy.
 */
async function keepAliveAfter(engine: string, model: string, keepAlive: KeepAlive, services: ProtocolServices): Promise<void> {
  if (engine !== 'llamacpp') return;
  if (keepAlive.kind === 'unload') await services.unload?.(model);
  else services.keepAlive?.apply(model, keepAlive);
}

/** A body's keep_alive for the engine that computes the vectors (Ollama applies it itself); none = its default. */
const embedOptions = (keepAlive: KeepAlive): EmbedOptions => (keepAlive.kind === 'default' ? {} : { keepAlive });

/** keep_alive after a chat or generate run. */
const keepAfterRun = (run: PipelineRun, decoded: Decoded<OllamaOptions>, services: ProtocolServices): Promise<void> =>
  keepAliveAfter(run.decision.engine, run.decision.model, decoded.options?.keepAlive ?? { kind: 'default' }, services);

/** keep_alive after an embedding. */
const keepAfterEmbedding = (r: EmbedOutcome, keepAlive: KeepAlive, services: ProtocolServices): Promise<void> =>
  keepAliveAfter(r.engine, r.model, keepAlive, services);

/** What the Ollama encoders need: which endpoint, and the model name as the caller wrote it (answers repeat it). */
export interface OllamaOptions {
  variant: 'chat' | 'generate';
  model: string;
  /** keep_alive: 0 unloads the model once the answer is complete; a duration holds it that long (see keep-alive.ts). */
  keepAlive?: ModelKeepAlive;
  /** `think` asked for thinking (true or a level): refused for a model known not to think, as Ollama does. */
  think?: boolean;
  /** `logprobs: true`: the answer carries its tokens' log-probabilities, with `top` alternatives each. */
  logprobs?: { top: number };
}

export const ollamaProtocol: ProtocolAdapter<OllamaOptions> = {
  name: 'ollama',
  // Every other /api/* path is Ollama's (unknown ones answer in Ollama's error shape); /api/v1 is the native API's.
  pathPrefixes: ['/api'],
  chatRoutes: [
    { method: 'POST', url: '/api/chat', variant: 'chat' },
    { method: 'POST', url: '/api/generate', variant: 'generate' },
  ],
  extraRoutes: routes,

  async answerWithoutModel(raw: unknown, route: ChatRoute, services: ProtocolServices): Promise<unknown> {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
    const b = raw as { model?: unknown; messages?: unknown; prompt?: unknown; keep_alive?: unknown };
    if (typeof b.model !== 'string' || b.model.trim() === '') return undefined;
    // Ollama's preload: /api/generate with no prompt, /api/chat with no messages (`[]`, null or none, as Go's empty
    // slice: the official client's `chat({ model, keep_alive: 0 })`); with keep_alive 0 it unloads.
    const generate = route.variant === 'generate';
    const empty = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
    const noWork = generate ? empty(b.prompt) || b.prompt === '' : empty(b.messages);
    if (!noWork) return undefined;
    const keepAlive = parseKeepAlive(b.keep_alive);
    // The model as listed: a name as /api/tags writes it (`tiny:latest` for the HYBRID_AI_LOCAL_MODEL file) included.
    const { id } = await findListing(b.model, () => services.models());
    const reason = keepAlive.kind === 'unload' ? 'unload' : 'load';
    // Answered once the embedded engine has freed the model for real; while other requests are using it, at once (it
    // is freed when they end, as in Ollama).
    if (reason === 'unload') await services.unload?.(id);
    else {
      // A preload loads the model, as Ollama's does: /api/ps lists it and the next request waits for no load.
      await services.load?.(id, keepAlive.kind === 'default' ? undefined : keepAlive);
      // Held as its keep_alive says: the model just loaded is the most recently used one (under the name the engine
      // gives it, which /api/ps shows: one HYBRID_AI_LOCAL_MODEL file answers for every catalog name).
      const held = normalizeOllamaModel(b.model) === 'auto' ? undefined : services.loaded?.()[0];
      if (held?.engine === 'llamacpp') services.keepAlive?.apply(held.id, keepAlive);
    }
    const head = { model: b.model, created_at: new Date().toISOString() };
    return generate
      ? { ...head, response: '', done: true, done_reason: reason }
      : { ...head, message: { role: 'assistant', content: '' }, done: true, done_reason: reason };
  },

  decode(raw: unknown, route: ChatRoute): Decoded<OllamaOptions> {
    if (route.variant === 'generate') {
      const b = parseBody(generateBody, raw);
      refuseUnsupported(b);
      const opts = bodyOptions(b);
      const messages: ChatMessage[] = [
        ...(b.system && b.system.trim() !== '' ? [{ role: 'system' as const, content: b.system }] : []),
        ...contextTurns(b.context),
        { role: 'user', content: b.prompt },
      ];
      return {
        stream: b.stream,
        options: { variant: 'generate', model: b.model, ...opts },
        request: {
          model: normalizeOllamaModel(b.model),
          messages,
          params: paramsOf(b.options),
          ...withFormat(b.format),
          ...(opts.logprobs ? { logprobs: opts.logprobs } : {}),
          ...(opts.keepAlive ? { keepAlive: opts.keepAlive } : {}),
        },
      };
    }
    const b = parseBody(chatBody, raw);
    refuseUnsupported({}, b.messages);
    const opts = bodyOptions(b);
    const messages = messagesOf(b.messages);
    requireUserTurn(messages);
    const tools: ToolSpec[] | undefined = b.tools?.map(fromFunctionTool);
    const choice = toolChoiceOf(b.tool_choice, tools);
    return {
      stream: b.stream,
      options: { variant: 'chat', model: b.model, ...opts },
      request: {
        model: normalizeOllamaModel(b.model),
        messages,
        params: paramsOf(b.options, b),
        ...(tools && tools.length > 0 ? { tools, ...(choice ? { toolChoice: choice } : {}) } : {}),
        ...withFormat(b.format),
        ...(opts.logprobs ? { logprobs: opts.logprobs } : {}),
        ...(opts.keepAlive ? { keepAlive: opts.keepAlive } : {}),
      },
    };
  },

  // Ollama refuses `think` for a model without the thinking capability: 400 `"<model>" does not support thinking`
  // (server/routes.go), the name as sent. Models whose abilities are unknown here (auto, clouds, Ollama tags) pass.
  async prepare(decoded: Decoded<OllamaOptions>, services: ProtocolServices): Promise<Decoded<OllamaOptions>> {
    const sent = decoded.options?.model;
    if (decoded.options?.think !== true || sent === undefined) return decoded;
    if (listingOf(sent, await services.models())?.thinking === false) {
      throw new CoreError('invalid_request', `${JSON.stringify(sent)} does not support thinking`, { details: { param: 'think' } });
    }
    return decoded;
  },

  // keep_alive 0 on a request that generates: Ollama answers, then unloads the model; the answer ends once it is freed
  // (at once when other requests still use it: it is freed when they end, and this caller does not wait for them).
  // A duration holds the model that long from now; none (or a negative one) keeps it loaded, the engine's default.
  async complete(run: PipelineRun, _c: Collected, decoded: Decoded<OllamaOptions>, services: ProtocolServices): Promise<void> {
    await keepAfterRun(run, decoded, services);
  },

  // The same when the caller stops the answer (a client's Stop button) or it fails, as in Ollama, where keep_alive
  // applies however the request ends: a cancelled keep_alive 0 request still frees the model.
  async abandoned(run: PipelineRun | undefined, decoded: Decoded<OllamaOptions>, services: ProtocolServices): Promise<void> {
    if (run) return keepAfterRun(run, decoded, services);
    // Stopped before the first token, so no route yet: the model the caller named, as a preload reads it.
    const named = decoded.options?.model;
    if (named === undefined || normalizeOllamaModel(named) === 'auto') return;
    const keepAlive = decoded.options?.keepAlive ?? { kind: 'default' };
    const id = listingOf(named, await services.models())?.id;
    if (id === undefined) return;
    if (keepAlive.kind === 'unload') return services.unload?.(id);
    // Held only if that model is the one loaded (not whichever was used last: this request may never have reached it).
    const held = services.loaded?.().find((l) => l.id === id);
    if (held) await keepAliveAfter(held.engine, held.id, keepAlive, services);
  },

  encodeResponse(run: PipelineRun, c: Collected, decoded: Decoded<OllamaOptions>) {
    const head = { model: decoded.options?.model ?? run.decision.model, created_at: new Date().toISOString() };
    const tail = {
      done: true,
      done_reason: doneReason(c.finishReason),
      ...metrics(c.summary),
      ...(decoded.options?.logprobs ? { logprobs: wireLogprobs(c.logprobs ?? []) } : {}),
    };
    if (decoded.options?.variant === 'generate')
      return { ...head, response: c.text, ...tail, context: encodeContext(decoded.request.messages, c.text) };
    const calls = c.toolCalls.length > 0 ? { tool_calls: wireCalls(c.toolCalls) } : {};
    return { ...head, message: { role: 'assistant', content: c.text, ...calls }, ...tail };
  },

  createStreamEncoder(run: PipelineRun, decoded: Decoded<OllamaOptions>): StreamEncoder {
    const model = decoded.options?.model ?? run.decision.model;
    const generate = decoded.options?.variant === 'generate';
    let summary: Summary | undefined;
    // The engine scores the whole answer once it is complete: its log-probabilities ride on the last line (Ollama sends
    // each chunk's own; a client that joins the lines' lists gets the same list).
    let logprobs: TokenLogprob[] | undefined;
    // /api/generate's last line carries the conversation so far, this answer included.
    let answer = '';
    const line = (fields: Record<string, unknown>): string => ndjsonLine({ model, created_at: new Date().toISOString(), ...fields });
    return {
      contentType: 'application/x-ndjson',
      begin: () => '',
      encode(ev: PipelineEvent): string {
        switch (ev.type) {
          case 'text-delta':
            if (generate) answer += ev.text;
            return generate
              ? line({ response: ev.text, done: false })
              : line({ message: { role: 'assistant', content: ev.text }, done: false });
          case 'tool-call':
            // /api/generate has no tool calls; only /api/chat can carry them.
            return generate ? '' : line({ message: { role: 'assistant', content: '', tool_calls: wireCalls([ev.call]) }, done: false });
          case 'summary':
            summary = ev.summary;
            return '';
          case 'logprobs':
            logprobs = ev.tokens;
            return '';
          case 'done': {
            const tail = {
              done: true,
              done_reason: doneReason(ev.finishReason),
              ...metrics(summary),
              ...(decoded.options?.logprobs ? { logprobs: wireLogprobs(logprobs ?? []) } : {}),
            };
            return generate
              ? line({ response: '', ...tail, context: encodeContext(decoded.request.messages, answer) })
              : line({ message: { role: 'assistant', content: '' }, ...tail });
          }
          case 'error':
            // The official client throws on a line with `error`.
            return ndjsonLine({ error: ev.error.message });
          default:
            return '';
        }
      },
      end: () => '',
    };
  },

  encodeError(err: CoreError) {
    const d = err.details;
    if (err.type === 'not_found' && d?.param === 'model' && d.value !== undefined) {
      const valid = d.valid?.map(ollamaName).join(', ');
      return { error: `model '${d.value}' not found${valid ? `; available models: ${valid}` : ''}` };
    }
    return { error: err.message };
  },
};

/** Request body schemas, for the OpenAPI document (gateway/openapi.ts). */
export {
  chatBody as ollamaChatBody,
  generateBody as ollamaGenerateBody,
  showBody as ollamaShowBody,
  embedBody as ollamaEmbedBody,
  legacyEmbedBody as ollamaLegacyEmbedBody,
  namedBody as ollamaNamedBody,
  copyBody as ollamaCopyBody,
};
