// Stand-in for Claude (the Anthropic Messages API, POST /v1/messages, JSON and SSE) in tests: no network here.
import type { ServerResponse } from 'node:http';
import * as wire from './cloud-common.js';

/** HTTP statuses the stand-in can fail with, each with the error type Claude puts in its body. */
export type AnthropicStandInErrorStatus = 400 | 401 | 403 | 429 | 500 | 529;

const errorTypes: Record<AnthropicStandInErrorStatus, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'messages: field required' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

/**
 * How the stand-in answers the next requests.
 * - `normal`: a deterministic answer derived from the prompt, one word per text delta; with tools offered (and the
 *   last turn not a tool result, or a tool forced), a call to the first (or the forced) tool with input sampled from
 *   its schema.
 * - `error`: fail with `status` (the first `times` requests only, then answer normally; all when absent);
 *   `retryAfter` (seconds, may be fractional) is sent as `retry-after`, default '1' for 429.
 * - `hang`: accept the request and never send a byte (for timeouts).
 * - `break`: stream `afterDeltas` deltas, then destroy the socket (a connection dropped midway).
 * - `stream-error`: stream `afterDeltas` deltas, then an SSE `error` event (overloaded midway).
 */
export type AnthropicStandInMode =
  | { kind: 'normal' }
  | (wire.ErrorMode<AnthropicStandInErrorStatus> & { message?: string })
  | { kind: 'hang' }
  | { kind: 'break'; afterDeltas: number }
  | { kind: 'stream-error'; afterDeltas: number; errorType?: string };

/** One request as the stand-in saw it. */
export interface RecordedAnthropicRequest extends wire.RecordedRequestBase {
  headers: Record<string, string | string[] | undefined>;
}

/** Options of {@link startAnthropicStandIn}. */
export interface AnthropicStandInOptions {
  /** The only key accepted (in `x-api-key` or `Authorization: Bearer`); default 'sk-ant-standin-key'. */
  apiKey?: string;
  /** Delay between SSE deltas in ms; default 5 (small, so aborts can land mid-stream). */
  deltaDelayMs?: number;
  /** Words in a normal answer before max_tokens cuts it; default 24. */
  answerWords?: number;
  mode?: AnthropicStandInMode;
}

/** A running stand-in; its `url` goes to the SDK as `baseURL` (no trailing slash). */
export type AnthropicStandIn = wire.CloudStandIn<RecordedAnthropicRequest, AnthropicStandInMode>;

/** The tool a request makes the stand-in call, or undefined: tools offered, the last turn not a tool result, choice not none. */
function toolToCall(body: Record<string, unknown>, messages: Array<{ role: string; content: unknown }>) {
  const tools = body.tools as Array<{ name: string; input_schema: unknown }> | undefined;
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  const choice = body.tool_choice as { type: string; name?: string } | undefined;
  if (choice?.type === 'none') return undefined;
  const last = messages.at(-1);
  const answersTool = Array.isArray(last?.content) && (last.content as Array<{ type?: string }>).some((b) => b.type === 'tool_result');
  if (answersTool && choice?.type !== 'tool' && choice?.type !== 'any') return undefined;
  return (choice?.type === 'tool' ? tools.find((t) => t.name === choice.name) : undefined) ?? tools[0]!;
}

/** Starts the stand-in on 127.0.0.1 with an ephemeral port. */
export async function startAnthropicStandIn(opts: AnthropicStandInOptions = {}): Promise<AnthropicStandIn> {
  const apiKey = opts.apiKey ?? 'sk-ant-standin-key';
  const delay = { ms: opts.deltaDelayMs ?? 5 };
  const answerWords = opts.answerWords ?? 24;
  const mode = new wire.ModeSwitch<AnthropicStandInMode>(opts.mode ?? { kind: 'normal' });
  let msgSeq = 0;

  const sendError = (res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_standin_${msgSeq}`, ...headers });
    res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: `req_standin_${msgSeq}` }));
  };

  const handle = async (ex: wire.Exchange<RecordedAnthropicRequest>) => {
    const { req, res, record } = ex;
    if (req.method !== 'POST' || record.path !== '/v1/messages') {
      return sendError(res, 404, 'not_found_error', `Not found: ${req.method} ${record.path}`);
    }
    // The API takes the key as `x-api-key`; @anthropic-ai/sdk 1.x sends it as `Authorization: Bearer`. Accept either.
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (req.headers['x-api-key'] !== apiKey && bearer !== apiKey) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    if (!req.headers['anthropic-version']) return sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');

    const body = record.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return sendError(res, 400, 'invalid_request_error', 'Request body must be JSON');
    if (typeof body.model !== 'string') return sendError(res, 400, 'invalid_request_error', 'model: Field required');
    if (typeof body.max_tokens !== 'number' || body.max_tokens < 1)
      return sendError(res, 400, 'invalid_request_error', 'max_tokens: Field required');
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0)
      return sendError(res, 400, 'invalid_request_error', 'messages: at least one message is required');
    for (const m of messages as Array<{ role?: unknown }>) {
      if (m.role !== 'user' && m.role !== 'assistant') {
        return sendError(
          res,
          400,
          'invalid_request_error',
          `messages: Unexpected role "${String(m.role)}". The Messages API accepts a top-level \`system\` parameter, not "system" as an input message role.`,
        );
      }
    }
    if (body.temperature !== undefined && body.top_p !== undefined) {
      // Claude 4.5 models refuse both at once; the engine must send only one.
      return sendError(
        res,
        400,
        'invalid_request_error',
        '`temperature` and `top_p` cannot both be specified for this model. Please use only one.',
      );
    }

    const failure = mode.takeError();
    if (failure) {
      const e = errorTypes[failure.status];
      // Claude always sends retry-after with a 429; other statuses only when the test asks for one.
      return sendError(res, failure.status, e.type, failure.message ?? e.message, wire.retryAfterHeader(failure));
    }
    const current = mode.current;
    if (current.kind === 'hang') return; // never answer; close() destroys the socket

    const lastUser = [...(messages as Array<{ role: string; content: unknown }>)].reverse().find((m) => m.role === 'user');
    const inputTokens =
      wire.roughTokens(wire.textOf(body.system)) +
      (messages as Array<{ content: unknown }>).reduce((n, m) => n + wire.roughTokens(wire.textOf(m.content)), 0);
    // Deterministic answer: echo the prompt, then count, up to answerWords words.
    const words = wire.answerWords(['Stand-in', 'Claude', 'heard:'], wire.textOf(lastUser?.content), answerWords);
    const cut = words.slice(0, body.max_tokens);
    const stopReason = cut.length < words.length ? 'max_tokens' : 'end_turn';
    const id = `msg_standin_${++msgSeq}`;
    const model = body.model;
    // A Messages API message: the whole answer (JSON), or its start on a stream (no content, no stop reason yet).
    const message = (content: unknown[], stopReason: string | null, usage: { input_tokens: number; output_tokens: number }) => ({
      id,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
    const tool = toolToCall(body, messages as Array<{ role: string; content: unknown }>);
    if (tool) {
      // A tool call: the first (or the forced) tool, with input sampled from its schema.
      const input = wire.sampleFor(tool.input_schema);
      const block = { type: 'tool_use', id: `toolu_standin_${msgSeq}`, name: tool.name, input };
      const usage = { input_tokens: inputTokens, output_tokens: 5 };
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_standin_${msgSeq}` });
        res.end(JSON.stringify(message([block], 'tool_use', usage)));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': `req_standin_${msgSeq}` });
      const json = JSON.stringify(input);
      const half = Math.floor(json.length / 2);
      const frames: Array<[string, unknown]> = [
        ['message_start', { type: 'message_start', message: message([], null, { ...usage, output_tokens: 1 }) }],
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { ...block, input: {} } }],
        [
          'content_block_delta',
          { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(0, half) } },
        ],
        [
          'content_block_delta',
          { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(half) } },
        ],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 5 } }],
        ['message_stop', { type: 'message_stop' }],
      ];
      for (const [event, data] of frames) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.end();
      return;
    }

    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_standin_${msgSeq}` });
      res.end(
        JSON.stringify(
          message([{ type: 'text', text: cut.join(' ') }], stopReason, { input_tokens: inputTokens, output_tokens: cut.length }),
        ),
      );
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': `req_standin_${msgSeq}`,
    });
    const send = (event: string, data: unknown) => {
      if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    send('message_start', { type: 'message_start', message: message([], null, { input_tokens: inputTokens, output_tokens: 1 }) });
    send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    send('ping', { type: 'ping' });
    const complete = await wire.streamDeltas(server, ex, {
      count: cut.length,
      delayMs: () => delay.ms,
      fault: wire.streamFaultOf(current),
      emit: (i) =>
        send('content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: (i === 0 ? '' : ' ') + cut[i] },
        }),
      streamError: () =>
        send('error', {
          type: 'error',
          error: { type: (current.kind === 'stream-error' ? current.errorType : undefined) ?? 'overloaded_error', message: 'Overloaded' },
        }),
    });
    if (!complete) return;
    send('content_block_stop', { type: 'content_block_stop', index: 0 });
    send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: cut.length },
    });
    send('message_stop', { type: 'message_stop' });
    res.end();
  };

  const server = await wire.startRecordingServer<RecordedAnthropicRequest>({
    record: (req, body) => ({ method: req.method ?? '', path: wire.pathOf(req), headers: { ...req.headers }, body, disconnected: false }),
    handle,
  });

  return wire.cloudStandIn(`http://127.0.0.1:${server.port}`, server, mode, delay);
}
