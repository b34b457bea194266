// OpenAI-compatible /v1/chat/completions (JSON and SSE chunks ending in `data: [DONE]`, tools), the legacy /v1/completions
// and /v1/embeddings.
import { z } from 'zod';
import type { ChatMessage, ResponseFormat, ToolCall, ToolChoice, ToolSpec } from '../../contracts/chat.js';
import { checkJsonSchema } from '../../routing/json-schema.js';
import type { ErrorType } from '../../contracts/errors.js';
import type { FinishReason, TokenLogprob } from '../../contracts/stream.js';
import { CoreError } from '../../errors.js';
import type { PipelineEvent, PipelineRun } from '../../pipeline.js';
import { findModel } from '../../data/models.js';
import { cloudEngineIds, providerOfModel } from '../../routing/cloud.js';
import type {
  ChatRoute,
  Collected,
  Decoded,
  ExtraRoute,
  ModelListing,
  ProtocolAdapter,
  ProtocolServices,
  StreamEncoder,
} from '../protocol.js';
import { sseFrame } from '../sse.js';
import { fromFunctionTool, requireOfferedTool, requireUserTurn, topPSchema, wireFinishReason, type FinishReasonTable } from './common.js';
import { parseBody } from './validate.js';

/** A content part: text is read; an image, audio or file part is refused by its type (this server reads text only). */
const textPart = z.object({
  type: z.literal('text', {
    error: (iss) =>
      iss.input === undefined
        ? 'a content part needs "type" (valid: text)'
        : `content of type ${JSON.stringify(iss.input)} is not supported (valid: text): this server reads text only`,
  }),
  text: z.string(),
});
const content = z.union([z.string(), z.array(textPart)]).nullish();
const toolCall = z.object({
  id: z.string().min(1),
  type: z.literal('function').default('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});
const message = z.discriminatedUnion('role', [
  z.object({ role: z.enum(['system', 'developer', 'user']), content, name: z.string().nullish() }),
  z.object({ role: z.literal('assistant'), content, name: z.string().nullish(), tool_calls: z.array(toolCall).nullish() }),
  z.object({ role: z.literal('tool'), content, tool_call_id: z.string().min(1, 'must name the tool call this answers') }),
]);
const tool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or dashes'),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});
const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);
const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or dashes'),
      description: z.string().nullish(),
      schema: z.record(z.string(), z.unknown()).nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);
const body = z.object({
  model: z.string().min(1, 'must name a model ("auto" lets the router choose)'),
  response_format: responseFormat.nullish(),
  messages: z.array(message).min(1, 'must have at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().min(1).max(32_768).nullish(),
  max_completion_tokens: z.number().int().min(1).max(32_768).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: topPSchema.nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.number().int().nullish(),
  seed: z.number().int().nullish(),
  tools: z.array(tool).max(128).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  functions: z.unknown().optional(),
  user: z.string().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0, 'must be between 0 and 20').max(20, 'must be between 0 and 20').nullish(),
});

/** The legacy text-completions body (editor autocomplete plugins): one prompt in, its continuation out. */
const completionsBody = z.object({
  model: z.string().min(1, 'must name a model ("auto" lets the router choose)'),
  prompt: z.union([z.string(), z.array(z.string()).length(1, 'must hold exactly one prompt string here (send one request per prompt)')]),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().min(1).max(32_768).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: topPSchema.nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.number().int().nullish(),
  best_of: z.number().int().nullish(),
  seed: z.number().int().nullish(),
  echo: z.boolean().nullish(),
  // The answer's tokens with their log-probabilities and this many best alternatives (the embedded engine's).
  logprobs: z.number().int().min(0, 'must be between 0 and 5').max(5, 'must be between 0 and 5').nullish(),
  // Accepted and not used: no engine here fills in the middle.
  suffix: z.string().nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  user: z.string().nullish(),
});

const embeddingsBody = z.object({
  model: z.string().min(1, 'must name a model ("auto" picks a local one)'),
  // An empty string has no tokens and so no embedding (OpenAI refuses it too): a 400, not an empty vector.
  input: z.union([
    z.string().min(1, 'must not be empty'),
    z.array(z.string().min(1, 'must not be empty')).min(1, 'must have at least one string').max(2048, 'must have at most 2048 strings'),
  ]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().min(1).nullish(),
  user: z.string().nullish(),
});

function text(c: string | Array<{ text: string }> | null | undefined): string {
  if (c === null || c === undefined) return '';
  return typeof c === 'string' ? c : c.map((p) => p.text).join('');
}

const openAiErrorType: Partial<Record<ErrorType, string>> = {
  invalid_request: 'invalid_request_error',
  unsupported_media_type: 'invalid_request_error',
  payload_too_large: 'invalid_request_error',
  context_length_exceeded: 'invalid_request_error',
  not_found: 'invalid_request_error',
  authentication: 'authentication_error',
  forbidden: 'permission_error',
  rate_limited: 'rate_limit_error',
};

/**
 * OpenAI's `response_format` → our ResponseFormat (`text` = none). A schema no engine here can enforce is a 400
 * naming the place in it and the problem (`param` is where the schema sits in the request).
 */
export function toResponseFormat(f: z.infer<typeof responseFormat>, param: string): ResponseFormat | undefined {
  if (f.type === 'text') return undefined;
  if (f.type === 'json_object' || f.json_schema.schema == null) return { type: 'json' };
  const checked = checkJsonSchema(f.json_schema.schema);
  if (!checked.ok) {
    throw new CoreError(
      'invalid_request',
      `Invalid "${param}": the JSON schema cannot be enforced: at ${checked.path || '(root)'}, ${checked.problem}.`,
      { details: { param } },
    );
  }
  return { type: 'json_schema', name: f.json_schema.name, schema: checked.schema };
}

/**
 * Our error → OpenAI's `{error: {message, type, param, code}}`, every field always present: `param` is the request
 * field at fault or null, `code` our error type (an unknown model is `model_not_found` as upstream). A refusal thrown
 * without a param but worded as every refusal here is (`Invalid "temperature": …`) names its field in `param` too.
 */
export function openAiError(type: ErrorType, message: string, param?: string) {
  const field = param ?? (type === 'invalid_request' ? /^Invalid "([^"]+)":/.exec(message)?.[1] : undefined);
  const code = type === 'not_found' && field === 'model' ? 'model_not_found' : type;
  return { error: { message, type: openAiErrorType[type] ?? 'api_error', param: field ?? null, code } };
}

/** OpenAI's finish_reason (an aborted answer ends as "stop": the client stopped reading it). */
const finishReasons: FinishReasonTable<'stop' | 'length' | 'tool_calls'> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  abort: 'stop',
};
const finish = (reason: FinishReason) => wireFinishReason(finishReasons, reason);

function toToolChoice(c: z.infer<typeof toolChoice>): ToolChoice {
  return typeof c === 'string' ? c : { name: c.function.name };
}

const wireToolCall = (c: ToolCall) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } });

/** OpenAI's `choices[].logprobs`: `{content: [{token, logprob, bytes, top_logprobs}], refusal: null}`. */
export function wireLogprobs(tokens: readonly TokenLogprob[]) {
  return {
    content: tokens.map((t) => ({
      token: t.token,
      logprob: t.logprob,
      bytes: t.bytes,
      top_logprobs: t.top.map((c) => ({ token: c.token, logprob: c.logprob, bytes: c.bytes })),
    })),
    refusal: null,
  };
}

/** `logprobs` / `top_logprobs` → our request's, or a 400 when top_logprobs comes without logprobs (as OpenAI refuses it). */
function logprobsOf(b: { logprobs?: boolean | null; top_logprobs?: number | null }): { top: number } | undefined {
  if (b.top_logprobs != null && b.logprobs !== true) {
    throw new CoreError('invalid_request', 'Invalid "top_logprobs": "logprobs" must be set to true when "top_logprobs" is used.', {
      details: { param: 'top_logprobs' },
    });
  }
  return b.logprobs === true ? { top: b.top_logprobs ?? 0 } : undefined;
}

/** float32 little-endian bytes in base64: what `encoding_format: "base64"` means (the openai client's default). */
export function float32Base64(v: readonly number[]): string {
  return Buffer.from(new Float32Array(v).buffer).toString('base64');
}

const embeddingsRoute: ExtraRoute = {
  method: 'POST',
  url: '/v1/embeddings',
  async handle({ body: raw, signal }, services) {
    const b = parseBody(embeddingsBody, raw);
    const texts = typeof b.input === 'string' ? [b.input] : b.input;
    const r = await services.embed(texts, b.model, signal);
    if (b.dimensions != null && b.dimensions !== (r.embeddings[0]?.length ?? 0)) {
      throw new CoreError(
        'invalid_request',
        `Invalid "dimensions": ${r.model} gives ${r.embeddings[0]?.length ?? 0}-dimensional vectors and cannot shorten them; leave "dimensions" out.`,
        { details: { param: 'dimensions' } },
      );
    }
    const base64 = b.encoding_format === 'base64';
    return {
      object: 'list',
      data: r.embeddings.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? float32Base64(v) : v })),
      model: r.model,
      usage: { prompt_tokens: r.inputTokens, total_tokens: r.inputTokens },
    };
  },
};

/** What the OpenAI encoders need: which endpoint, whether a stream ends with usage, and the prompt to echo. */
export interface OpenAiOptions {
  variant?: 'completions';
  includeUsage: boolean;
  /** `logprobs: true`: the answer carries its tokens' log-probabilities. */
  logprobs?: boolean;
  /** /v1/completions with `echo: true`: the prompt, sent back before its continuation. */
  echo?: string;
}

/**
 * OpenAI's model objects for every name a caller may send now: "auto", the catalog's models an engine serves (local,
 * then the clouds'), then the names a local engine offers that are no catalog model's (Ollama's own tags, the
 * HYBRID_AI_LOCAL_MODEL file's name).
 */
export async function openAiModels(services: Pick<ProtocolServices, 'models' | 'startedAt'>) {
  const created = Math.floor(services.startedAt / 1000);
  const listed = await services.models();
  const isCatalog = (m: ModelListing) => findModel(m.id)?.id === m.id;
  // The HYBRID_AI_LOCAL_MODEL file (listed with the catalog names it answers for) is the local model: first after auto.
  const rank = (m: ModelListing) => (m.kind === 'auto' ? 0 : m.aliases ? 1 : !isCatalog(m) ? 3 : m.kind === 'local' ? 1 : 2);
  return listed
    .filter(
      (m) =>
        m.kind === 'auto' ||
        isCatalog(m) ||
        (!findModel(m.id) && m.engines.some((e) => e === 'cloud-compat' || !cloudEngineIds.includes(e))),
    )
    .map((m, i) => ({ m, i }))
    .sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i)
    .map(({ m }) => ({
      id: m.id,
      object: 'model' as const,
      created,
      owned_by:
        m.kind === 'auto'
          ? 'hybrid-ai'
          : m.kind === 'cloud'
            ? (providerOfModel(m.id) ?? (m.engines.includes('cloud-compat') ? 'compat' : 'cloud'))
            : 'local',
    }));
}

const modelsRoute: ExtraRoute = {
  method: 'GET',
  url: '/v1/models',
  handle: async (_input, services) => ({ object: 'list', data: await openAiModels(services) }),
};

// Apps check that a model exists before using it. A wildcard, not `:id`: Ollama tags may hold slashes (hf.co/org/repo).
const modelRoute: ExtraRoute = {
  method: 'GET',
  url: '/v1/models/*',
  async handle({ params = {} }, services) {
    const id = params['*'] ?? '';
    const models = await openAiModels(services);
    const found = models.find((m) => m.id === id);
    if (found) return found;
    // A catalog name the HYBRID_AI_LOCAL_MODEL file answers for still exists (a request may name it): the file's
    // object, under the name asked for.
    const catalogId = findModel(id)?.id;
    const fileOf = catalogId ? (await services.models()).find((m) => m.aliases?.includes(catalogId))?.id : undefined;
    const file = models.find((m) => m.id === fileOf);
    if (file) return { ...file, id };
    throw new CoreError(
      'not_found',
      `The model "${id}" does not exist or is not available now. Available: ${models.map((m) => m.id).join(', ')}.`,
      { details: { param: 'model', value: id, valid: models.map((m) => m.id) } },
    );
  },
};

export const openaiProtocol: ProtocolAdapter<OpenAiOptions> = {
  name: 'openai',
  chatRoutes: [
    { method: 'POST', url: '/v1/chat/completions' },
    { method: 'POST', url: '/v1/completions', variant: 'completions' },
  ],
  extraRoutes: [modelsRoute, modelRoute, embeddingsRoute],
  // OpenAI clients own /v1: a path nobody serves there is refused in their shape (Anthropic's /v1/messages routes are
  // longer prefixes, so they keep Anthropic's).
  pathPrefixes: ['/v1'],

  decode(raw: unknown, route?: ChatRoute): Decoded<OpenAiOptions> {
    if (route?.variant === 'completions') return decodeCompletions(raw);
    const b = parseBody(body, raw);
    if (b.n !== undefined && b.n !== null && b.n !== 1) {
      throw new CoreError('invalid_request', `Invalid "n": only n=1 is supported (got ${b.n}).`, { details: { param: 'n' } });
    }
    if (b.functions !== undefined && b.functions !== null) {
      throw new CoreError('invalid_request', 'Invalid "functions": the deprecated functions API is not supported; send "tools" instead.', {
        details: { param: 'functions' },
      });
    }
    const messages: ChatMessage[] = b.messages.map((m): ChatMessage => {
      if (m.role === 'tool') return { role: 'tool', content: text(m.content), toolCallId: m.tool_call_id };
      if (m.role === 'assistant') {
        const calls = (m.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
        return calls.length > 0
          ? { role: 'assistant', content: text(m.content), toolCalls: calls }
          : { role: 'assistant', content: text(m.content) };
      }
      return { role: m.role === 'developer' ? 'system' : m.role, content: text(m.content) };
    });
    requireUserTurn(messages);
    const tools: ToolSpec[] | undefined = b.tools?.map(fromFunctionTool);
    const choice = b.tool_choice ? toToolChoice(b.tool_choice) : undefined;
    if (choice && typeof choice === 'object') requireOfferedTool(choice.name, tools, 'tool_choice');
    const format = b.response_format ? toResponseFormat(b.response_format, 'response_format.json_schema.schema') : undefined;
    const logprobs = logprobsOf(b);
    return {
      stream: b.stream === true,
      options: { includeUsage: b.stream_options?.include_usage === true, ...(logprobs ? { logprobs: true } : {}) },
      request: {
        model: b.model,
        messages,
        params: {
          maxTokens: b.max_completion_tokens ?? b.max_tokens ?? undefined,
          temperature: b.temperature ?? undefined,
          topP: b.top_p ?? undefined,
          stop: typeof b.stop === 'string' ? [b.stop] : (b.stop ?? undefined),
          seed: b.seed ?? undefined,
        },
        ...(tools && tools.length > 0 ? { tools } : {}),
        ...(choice && tools && tools.length > 0 ? { toolChoice: choice } : {}),
        ...(format ? { responseFormat: format } : {}),
        ...(logprobs ? { logprobs } : {}),
      },
    };
  },

  encodeResponse(run: PipelineRun, c: Collected, decoded: Decoded<OpenAiOptions>) {
    if (decoded.options?.variant === 'completions') return encodeCompletion(run, c, decoded);
    const calls = c.toolCalls.length > 0 ? { tool_calls: c.toolCalls.map(wireToolCall) } : {};
    return {
      id: `chatcmpl-${run.requestId}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: run.decision.model,
      choices: [
        {
          index: 0,
          // OpenAI sends content null when the turn is only tool calls.
          message: { role: 'assistant', content: c.text === '' && c.toolCalls.length > 0 ? null : c.text, refusal: null, ...calls },
          logprobs: decoded.options?.logprobs ? wireLogprobs(c.logprobs ?? []) : null,
          finish_reason: finish(c.finishReason),
        },
      ],
      usage: {
        prompt_tokens: c.summary.usage.inputTokens,
        completion_tokens: c.summary.usage.outputTokens,
        total_tokens: c.summary.usage.inputTokens + c.summary.usage.outputTokens,
      },
      system_fingerprint: null,
    };
  },

  createStreamEncoder(run: PipelineRun, decoded: Decoded<OpenAiOptions>): StreamEncoder {
    if (decoded.options?.variant === 'completions') return completionStreamEncoder(run, decoded);
    const id = `chatcmpl-${run.requestId}`;
    const created = Math.floor(Date.now() / 1000);
    const model = run.decision.model;
    // Pre-serialised prefix: each delta frame is one small string concatenation, not a full JSON.stringify.
    const prefix = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":[{"index":0,"delta":{"content":`;
    const includeUsage = decoded.options?.includeUsage === true;
    let usage: { inputTokens: number; outputTokens: number } | undefined;
    let toolIndex = 0;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      sseFrame(null, { id, object: 'chat.completion.chunk', created, model, system_fingerprint: null, choices, ...extra });
    return {
      contentType: 'text/event-stream; charset=utf-8',
      begin: () => chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
      encode(ev: PipelineEvent): string {
        switch (ev.type) {
          case 'text-delta':
            return `${prefix}${JSON.stringify(ev.text)}},"logprobs":null,"finish_reason":null}]}\n\n`;
          case 'tool-call':
            // One chunk per call with its whole arguments: clients concatenate argument pieces by index, one piece is valid.
            return chunk([
              { index: 0, delta: { tool_calls: [{ index: toolIndex++, ...wireToolCall(ev.call) }] }, logprobs: null, finish_reason: null },
            ]);
          case 'logprobs':
            // The engine scores the answer once it is complete: its tokens come in one chunk before the last one
            // (the SDKs append each chunk's logprobs.content, so the joined list is the same).
            return decoded.options?.logprobs
              ? chunk([{ index: 0, delta: {}, logprobs: wireLogprobs(ev.tokens), finish_reason: null }])
              : '';
          case 'usage':
            usage = ev.usage;
            return '';
          case 'done': {
            const last = chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish(ev.finishReason) }]);
            if (!includeUsage || !usage) return last;
            const u = {
              prompt_tokens: usage.inputTokens,
              completion_tokens: usage.outputTokens,
              total_tokens: usage.inputTokens + usage.outputTokens,
            };
            return last + chunk([], { usage: u });
          }
          case 'error':
            return sseFrame(null, openAiError(ev.error.type, ev.error.message));
          default:
            return '';
        }
      },
      end: () => 'data: [DONE]\n\n',
    };
  },

  encodeError(err: CoreError) {
    return openAiError(err.type, err.message, err.details?.param);
  },
};

/** A legacy completions body → one user turn (as Ollama's /api/generate does): the engines here are chat models. */
function decodeCompletions(raw: unknown): Decoded<OpenAiOptions> {
  const b = parseBody(completionsBody, raw);
  if (b.n !== undefined && b.n !== null && b.n !== 1) {
    throw new CoreError('invalid_request', `Invalid "n": only n=1 is supported (got ${b.n}).`, { details: { param: 'n' } });
  }
  if (b.best_of !== undefined && b.best_of !== null && b.best_of !== 1) {
    throw new CoreError('invalid_request', `Invalid "best_of": only best_of=1 is supported (got ${b.best_of}).`, {
      details: { param: 'best_of' },
    });
  }
  const prompt = typeof b.prompt === 'string' ? b.prompt : b.prompt[0]!;
  if (prompt.trim() === '')
    throw new CoreError('invalid_request', 'Invalid "prompt": must be a non-empty string.', { details: { param: 'prompt' } });
  const logprobs = b.logprobs != null ? { top: b.logprobs } : undefined;
  if (logprobs && b.echo === true) {
    throw new CoreError(
      'invalid_request',
      'Invalid "logprobs": the prompt\'s own tokens are not scored here, so "logprobs" cannot be given with "echo": true; leave one out.',
      { details: { param: 'logprobs' } },
    );
  }
  return {
    stream: b.stream === true,
    options: {
      variant: 'completions',
      includeUsage: b.stream_options?.include_usage === true,
      ...(b.echo === true ? { echo: prompt } : {}),
      ...(logprobs ? { logprobs: true } : {}),
    },
    request: {
      model: b.model,
      messages: [{ role: 'user', content: prompt }],
      params: {
        // Absent: the engine's default, not OpenAI's legacy 16 (a chat model rarely says anything in 16 tokens).
        maxTokens: b.max_tokens ?? undefined,
        temperature: b.temperature ?? undefined,
        topP: b.top_p ?? undefined,
        stop: typeof b.stop === 'string' ? [b.stop] : (b.stop ?? undefined),
        seed: b.seed ?? undefined,
      },
      ...(logprobs ? { logprobs } : {}),
    },
  };
}

/**
 * The legacy API's `logprobs`: parallel lists of tokens, their log-probabilities, the best alternatives and offsets.
 * Each position's alternatives also hold the token taken, as OpenAI's do ("up to logprobs+1 elements"), so a sampled
 * token outside the best (or `logprobs: 0`) still has its entry.
 */
export function legacyLogprobs(tokens: readonly TokenLogprob[]) {
  const offsets: number[] = [];
  let at = 0;
  for (const t of tokens) {
    offsets.push(at);
    at += t.token.length;
  }
  return {
    tokens: tokens.map((t) => t.token),
    token_logprobs: tokens.map((t) => t.logprob),
    top_logprobs: tokens.map((t) => {
      const top: Record<string, number> = Object.fromEntries(t.top.map((c) => [c.token, c.logprob]));
      if (!Object.hasOwn(top, t.token)) top[t.token] = t.logprob;
      return top;
    }),
    text_offset: offsets,
  };
}

const completionUsage = (u: { inputTokens: number; outputTokens: number }) => ({
  prompt_tokens: u.inputTokens,
  completion_tokens: u.outputTokens,
  total_tokens: u.inputTokens + u.outputTokens,
});

/** `echo: true`: the prompt comes back before its continuation. */
const echoed = (decoded: Decoded<OpenAiOptions>): string => decoded.options?.echo ?? '';

function encodeCompletion(run: PipelineRun, c: Collected, decoded: Decoded<OpenAiOptions>) {
  return {
    id: `cmpl-${run.requestId}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: run.decision.model,
    choices: [
      {
        text: echoed(decoded) + c.text,
        index: 0,
        logprobs: decoded.options?.logprobs ? legacyLogprobs(c.logprobs ?? []) : null,
        finish_reason: finish(c.finishReason),
      },
    ],
    usage: completionUsage(c.summary.usage),
    system_fingerprint: null,
  };
}

function completionStreamEncoder(run: PipelineRun, decoded: Decoded<OpenAiOptions>): StreamEncoder {
  const id = `cmpl-${run.requestId}`;
  const created = Math.floor(Date.now() / 1000);
  const model = run.decision.model;
  const includeUsage = decoded.options?.includeUsage === true;
  let usage: { inputTokens: number; outputTokens: number } | undefined;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    sseFrame(null, { id, object: 'text_completion', created, model, system_fingerprint: null, choices, ...extra });
  const piece = (text: string, reason: string | null = null) => chunk([{ text, index: 0, logprobs: null, finish_reason: reason }]);
  return {
    contentType: 'text/event-stream; charset=utf-8',
    begin: () => (echoed(decoded) ? piece(echoed(decoded)) : ''),
    encode(ev: PipelineEvent): string {
      switch (ev.type) {
        case 'text-delta':
          return piece(ev.text);
        case 'logprobs':
          // Scored once the answer is complete: one chunk with no text carries them all.
          return decoded.options?.logprobs ? chunk([{ text: '', index: 0, logprobs: legacyLogprobs(ev.tokens), finish_reason: null }]) : '';
        case 'usage':
          usage = ev.usage;
          return '';
        case 'done': {
          const last = piece('', finish(ev.finishReason));
          return includeUsage && usage ? last + chunk([], { usage: completionUsage(usage) }) : last;
        }
        case 'error':
          return sseFrame(null, openAiError(ev.error.type, ev.error.message));
        default:
          return '';
      }
    },
    end: () => 'data: [DONE]\n\n',
  };
}

/** Request body schemas, for the OpenAPI document (gateway/openapi.ts). */
export { body as openAiChatBody, completionsBody as openAiCompletionsBody, embeddingsBody as openAiEmbeddingsBody };
