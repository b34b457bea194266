// Stand-in for OpenAI's Chat Completions API (and any OpenAI-compatible cloud: POST /v1/chat/completions, GET /v1/models, JSON and SSE) in tests: no network here.
import type { ServerResponse } from 'node:http';
import * as wire from './cloud-common.js';

/** HTTP statuses the stand-in can fail with, each with the error OpenAI puts in its body. */
export type OpenAIStandInErrorStatus = 400 | 401 | 403 | 429 | 500 | 503;

const errorBodies: Record<OpenAIStandInErrorStatus, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: "Invalid value for 'messages'." },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: {
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
    message: 'Country, region, or territory not supported',
  },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
};

/**
 * How the stand-in answers the next requests.
 * - `normal`: a deterministic answer echoing the prompt, one word per delta; with tools offered (the last turn not a
 *   tool result, or a tool forced), a call to the first (or forced) tool with arguments sampled from its schema;
 *   with `response_format` json_schema, an answer sampled from the schema (json_object: `{"answer": ...}`).
 * - `error`: fail with `status` (the first `times` requests only when given); `retryAfter` is sent as `retry-after`
 *   (default '1' for 429); `code` replaces the body's error code (e.g. 'insufficient_quota').
 * - `hang`: accept the request and never send a byte.
 * - `break`: stream `afterDeltas` deltas, then destroy the socket (a connection dropped midway).
 * - `stream-error`: stream `afterDeltas` deltas, then a `data: {"error": …}` event (what OpenAI sends on a failure mid-stream).
 * - `no-finish`: stream the deltas and `[DONE]` without any finish_reason (a stream cut short by a proxy).
 */
export type OpenAIStandInMode =
  | { kind: 'normal' }
  | (wire.ErrorMode<OpenAIStandInErrorStatus> & { code?: string })
  | { kind: 'hang' }
  | { kind: 'break'; afterDeltas: number }
  | { kind: 'stream-error'; afterDeltas: number }
  | { kind: 'no-finish' };

/** One request as the stand-in saw it. */
export interface RecordedOpenAIRequest extends wire.RecordedRequestBase {
  headers: Record<string, string | string[] | undefined>;
}

/** Options of {@link startOpenAIStandIn}. */
export interface OpenAIStandInOptions {
  /** The only key accepted, as `Authorization: Bearer`; default 'sk-standin-key'. */
  apiKey?: string;
  /** Served by GET /v1/models; default the catalog's GPT-5.4 ids. */
  models?: string[];
  /** Delay between SSE deltas in ms; default 5. */
  deltaDelayMs?: number;
  /** Words in a normal answer before the token limit cuts it; default 24. */
  answerWords?: number;
  /** Prompt tokens reported as cached (`prompt_tokens_details.cached_tokens`); default 0. */
  cachedTokens?: number;
  /** false: ignore stream_options.include_usage (as some OpenAI-compatible clouds do); default true. */
  usage?: boolean;
  /** Refuse `max_tokens` for models starting with these prefixes, as OpenAI does for its reasoning models; default ['gpt-5', 'o1', 'o3', 'o4']. */
  maxCompletionTokensOnly?: string[];
  mode?: OpenAIStandInMode;
  /**
   * Models GET /v1/models still lists but a chat refuses, read on every request (the test may change it): 404 with
   * OpenAI's model_not_found, or 400 naming the model as OpenRouter words it ("… is not a valid model ID").
   */
  refuseModels?: Map<string, 400 | 404>;
}

/** A running stand-in; its `url` (including /v1) goes to the SDK as `baseURL`. */
export type OpenAIStandIn = wire.CloudStandIn<RecordedOpenAIRequest, OpenAIStandInMode>;

type WireMessage = { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown };

function toolToCall(body: Record<string, unknown>, messages: WireMessage[]) {
  const tools = body.tools as Array<{ type: string; function: { name: string; parameters?: unknown } }> | undefined;
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const choice = body.tool_choice as string | { type: string; function: { name: string } } | undefined;
  if (choice === 'none') return undefined;
  const forced = typeof choice === 'object' ? choice.function.name : undefined;
  if (messages.at(-1)?.role === 'tool' && !forced && choice !== 'required') return undefined;
  return (forced ? tools.find((t) => t.function.name === forced) : undefined) ?? tools[0]!;
}

/** Starts the stand-in on 127.0.0.1 with an ephemeral port. */
export async function startOpenAIStandIn(opts: OpenAIStandInOptions = {}): Promise<OpenAIStandIn> {
  const apiKey = opts.apiKey ?? 'sk-standin-key';
  const models = opts.models ?? ['gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano'];
  const delay = { ms: opts.deltaDelayMs ?? 5 };
  const answerWords = opts.answerWords ?? 24;
  const completionOnly = opts.maxCompletionTokensOnly ?? ['gpt-5', 'o1', 'o3', 'o4'];
  const mode = new wire.ModeSwitch<OpenAIStandInMode>(opts.mode ?? { kind: 'normal' });
  let seq = 0;

  const sendError = (
    res: ServerResponse,
    status: number,
    err: { type: string; code: string | null; message: string; param?: string | null },
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_standin_${seq}`, ...headers });
    res.end(JSON.stringify({ error: { message: err.message, type: err.type, param: err.param ?? null, code: err.code } }));
  };
  const invalid = (res: ServerResponse, message: string, param: string | null = null) =>
    sendError(res, 400, { type: 'invalid_request_error', code: null, message, param });

  const handle = async (ex: wire.Exchange<RecordedOpenAIRequest>) => {
    const { req, res, record } = ex;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== apiKey) return sendError(res, 401, errorBodies[401]);
    if (req.method === 'GET' && record.path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'standin' })),
        }),
      );
      return;
    }
    if (req.method !== 'POST' || record.path !== '/v1/chat/completions')
      return sendError(res, 404, {
        type: 'invalid_request_error',
        code: 'unknown_url',
        message: `Unknown request URL: ${req.method} ${record.path}`,
      });

    const body = record.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return invalid(res, 'We could not parse the JSON body of your request.');
    if (typeof body.model !== 'string') return invalid(res, 'you must provide a model parameter', 'model');
    if (!models.includes(body.model))
      return sendError(res, 404, {
        type: 'invalid_request_error',
        code: 'model_not_found',
        message: `The model \`${body.model}\` does not exist or you do not have access to it.`,
      });
    const refusal = opts.refuseModels?.get(body.model);
    if (refusal === 404)
      return sendError(res, 404, {
        type: 'invalid_request_error',
        code: 'model_not_found',
        message: `The model \`${body.model}\` does not exist or you do not have access to it.`,
      });
    if (refusal === 400) return invalid(res, `${body.model} is not a valid model ID`);
    const messages = body.messages as WireMessage[] | undefined;
    if (!Array.isArray(messages) || messages.length === 0) return invalid(res, "Invalid 'messages': empty array.", 'messages');
    for (const m of messages) {
      if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role))
        return invalid(res, `Invalid value: '${m.role}'.`, 'messages');
      if (m.role === 'tool' && typeof m.tool_call_id !== 'string')
        return invalid(res, "Missing required parameter: 'messages[].tool_call_id'.");
    }
    if (body.max_tokens !== undefined && completionOnly.some((p) => (body.model as string).startsWith(p)))
      return invalid(
        res,
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        'max_tokens',
      );
    const rf = body.response_format as { type: string; json_schema?: { name?: string; schema?: unknown } } | undefined;
    if (rf?.type === 'json_object' && !messages.some((m) => /json/i.test(wire.textOf(m.content))))
      return invalid(
        res,
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        'messages',
      );
    if (rf?.type === 'json_schema' && (!rf.json_schema?.name || !/^[\w-]{1,64}$/.test(rf.json_schema.name)))
      return invalid(res, "Invalid 'response_format.json_schema.name'.", 'response_format.json_schema.name');

    const failure = mode.takeError();
    if (failure) {
      const e = errorBodies[failure.status];
      return sendError(res, failure.status, { ...e, code: failure.code ?? e.code }, wire.retryAfterHeader(failure));
    }
    const current = mode.current;
    if (current.kind === 'hang') return;

    const id = `chatcmpl-standin-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model;
    const limit = Number(body.max_completion_tokens ?? body.max_tokens ?? Number.POSITIVE_INFINITY);
    const promptTokens = messages.reduce((n, m) => n + wire.roughTokens(wire.textOf(m.content)), 0);
    const cached = Math.min(promptTokens, opts.cachedTokens ?? 0);
    const usageOf = (completion: number) => ({
      prompt_tokens: promptTokens,
      completion_tokens: completion,
      total_tokens: promptTokens + completion,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    const wantUsage = opts.usage !== false && (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const tool = toolToCall(body, messages);

    // The answer's words: a tool call, a schema-shaped JSON answer, or the prompt echoed and counted.
    let pieces: string[];
    if (rf?.type === 'json_schema' || rf?.type === 'json_object') {
      const json = JSON.stringify(rf.type === 'json_schema' ? wire.sampleFor(rf.json_schema?.schema) : { answer: 'Paris' });
      pieces = [json.slice(0, Math.ceil(json.length / 2)), json.slice(Math.ceil(json.length / 2))];
    } else {
      const lastUser = [...messages].reverse().find((m) => m.role === 'user');
      const words = wire.answerWords(['Stand-in', 'GPT', 'heard:'], wire.textOf(lastUser?.content), answerWords);
      pieces = words.map((w, i) => (i === 0 ? w : ` ${w}`));
    }
    const cut = tool ? [] : pieces.slice(0, limit);
    const finish = tool ? 'tool_calls' : cut.length < pieces.length ? 'length' : 'stop';
    const call = tool
      ? {
          id: `call_standin_${seq}`,
          type: 'function',
          function: { name: tool.function.name, arguments: JSON.stringify(wire.sampleFor(tool.function.parameters)) },
        }
      : undefined;
    const completionTokens = tool ? 5 : cut.length;

    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_standin_${seq}` });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: tool ? null : cut.join(''), refusal: null, ...(call ? { tool_calls: [call] } : {}) },
              finish_reason: finish,
              logprobs: null,
            },
          ],
          usage: usageOf(completionTokens),
        }),
      );
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': `req_standin_${seq}`,
    });
    const send = (data: unknown) => {
      if (!res.destroyed) res.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      send({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
        ...(wantUsage ? { usage: null } : {}),
      });
    chunk({ role: 'assistant', content: '', refusal: null });
    if (call) {
      // The call in three pieces, as OpenAI streams it: id and name first, then the arguments in two halves.
      const args = call.function.arguments;
      const half = Math.floor(args.length / 2);
      chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
      chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] });
      chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] });
    }
    const complete = await wire.streamDeltas(server, ex, {
      count: cut.length,
      delayMs: () => delay.ms,
      fault: wire.streamFaultOf(current),
      emit: (i) => chunk({ content: cut[i] }),
      streamError: () =>
        send({
          error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null },
        }),
    });
    if (!complete) return;
    if (current.kind !== 'no-finish') chunk({}, finish);
    if (wantUsage) send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageOf(completionTokens) });
    res.write('data: [DONE]\n\n');
    res.end();
  };

  const server = await wire.startRecordingServer<RecordedOpenAIRequest>({
    record: (req, body) => ({ method: req.method ?? '', path: wire.pathOf(req), headers: { ...req.headers }, body, disconnected: false }),
    handle,
  });

  return wire.cloudStandIn(`http://127.0.0.1:${server.port}/v1`, server, mode, delay);
}
