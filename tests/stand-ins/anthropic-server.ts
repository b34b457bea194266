// Stand-in for Claude (the Anthropic Messages API, POST /v1/messages, JSON and SSE) in tests: no network here.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

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
  | { kind: 'error'; status: AnthropicStandInErrorStatus; message?: string; retryAfter?: string; times?: number }
  | { kind: 'hang' }
  | { kind: 'break'; afterDeltas: number }
  | { kind: 'stream-error'; afterDeltas: number; errorType?: string };

/** One request as the stand-in saw it. */
export interface RecordedAnthropicRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined when not JSON). */
  body: unknown;
  /** True when the client closed the connection before the response ended. */
  disconnected: boolean;
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

/** A running stand-in. */
export interface AnthropicStandIn {
  /** Base URL to give the SDK as `baseURL` (no trailing slash). */
  url: string;
  /** Every request received, in order. */
  requests: RecordedAnthropicRequest[];
  /** How many responses the client abandoned before they ended. */
  readonly disconnects: number;
  setMode(mode: AnthropicStandInMode): void;
  setDeltaDelay(ms: number): void;
  close(): Promise<void>;
}

/** Rough token count: words, the same rule the stand-in uses for usage. */
export function roughTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((b: unknown) => (b && typeof b === 'object' && 'text' in b && typeof b.text === 'string' ? b.text : '')).join(' ');
  }
  return '';
}

/**
 * A value that fits `schema` (the subset tool schemas use: object, array, string, number, integer, boolean, null,
 * enum, const, anyOf/oneOf, $ref into $defs), so a forced tool call answers as Claude must: with valid input.
 */
export function sampleFor(schema: unknown, defs: Record<string, unknown> = {}, depth = 0): unknown {
  const s = (schema ?? {}) as Record<string, unknown>;
  const allDefs = { ...defs, ...((s.$defs ?? s.definitions ?? {}) as Record<string, unknown>) };
  if (depth > 20) return null;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const choice = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(choice)) return sampleFor(choice[0], allDefs, depth + 1);
  if (typeof s.$ref === 'string') return sampleFor(allDefs[s.$ref.split('/').pop()!], allDefs, depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleFor(v, allDefs, depth + 1)]));
    }
    case 'array': {
      const n = Math.max(1, Number(s.minItems ?? 1));
      return Array.from({ length: n }, () => sampleFor(s.items, allDefs, depth + 1));
    }
    case 'string':
      return s.format === 'date' ? '2026-01-02' : s.format === 'date-time' ? '2026-01-02T03:04:05Z' : 'Paris';
    case 'integer':
    case 'number':
      return Number(s.minimum ?? 1);
    case 'boolean':
      return true;
    default:
      return null;
  }
}

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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts the stand-in on 127.0.0.1 with an ephemeral port. */
export async function startAnthropicStandIn(opts: AnthropicStandInOptions = {}): Promise<AnthropicStandIn> {
  const apiKey = opts.apiKey ?? 'sk-ant-standin-key';
  let deltaDelayMs = opts.deltaDelayMs ?? 5;
  const answerWords = opts.answerWords ?? 24;
  let mode: AnthropicStandInMode = opts.mode ?? { kind: 'normal' };
  let errorsServed = 0;
  let disconnects = 0;
  let msgSeq = 0;
  const requests: RecordedAnthropicRequest[] = [];
  const sockets = new Set<Socket>();
  // Responses the stand-in itself cut (mode 'break'): not counted as client disconnects.
  const broken = new WeakSet<RecordedAnthropicRequest>();

  const sendError = (res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_standin_${msgSeq}`, ...headers });
    res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: `req_standin_${msgSeq}` }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, record: RecordedAnthropicRequest) => {
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

    if (mode.kind === 'error' && (mode.times === undefined || errorsServed < mode.times)) {
      errorsServed++;
      const e = errorTypes[mode.status];
      // Claude always sends retry-after with a 429; other statuses only when the test asks for one.
      const retryAfter = mode.retryAfter ?? (mode.status === 429 ? '1' : undefined);
      const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': retryAfter };
      return sendError(res, mode.status, e.type, mode.message ?? e.message, headers);
    }
    if (mode.kind === 'hang') return; // never answer; close() destroys the socket

    const lastUser = [...(messages as Array<{ role: string; content: unknown }>)].reverse().find((m) => m.role === 'user');
    const promptWords = textOf(lastUser?.content).split(/\s+/).filter(Boolean);
    const inputTokens =
      roughTokens(textOf(body.system)) + (messages as Array<{ content: unknown }>).reduce((n, m) => n + roughTokens(textOf(m.content)), 0);
    // Deterministic answer: echo the prompt, then count, up to answerWords words.
    const words = ['Stand-in', 'Claude', 'heard:', ...promptWords].slice(0, answerWords);
    for (let i = 1; words.length < answerWords; i++) words.push(`w${i}`);
    const cut = words.slice(0, body.max_tokens);
    const stopReason = cut.length < words.length ? 'max_tokens' : 'end_turn';
    const id = `msg_standin_${++msgSeq}`;
    const model = body.model;
    const tool = toolToCall(body, messages as Array<{ role: string; content: unknown }>);
    if (tool) {
      // A tool call: the first (or the forced) tool, with input sampled from its schema.
      const input = sampleFor(tool.input_schema);
      const block = { type: 'tool_use', id: `toolu_standin_${msgSeq}`, name: tool.name, input };
      const usage = { input_tokens: inputTokens, output_tokens: 5 };
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_standin_${msgSeq}` });
        res.end(
          JSON.stringify({
            id,
            type: 'message',
            role: 'assistant',
            model,
            content: [block],
            stop_reason: 'tool_use',
            stop_sequence: null,
            usage,
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': `req_standin_${msgSeq}` });
      const json = JSON.stringify(input);
      const half = Math.floor(json.length / 2);
      const frames: Array<[string, unknown]> = [
        [
          'message_start',
          {
            type: 'message_start',
            message: {
              id,
              type: 'message',
              role: 'assistant',
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { ...usage, output_tokens: 1 },
            },
          },
        ],
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
        JSON.stringify({
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: [{ type: 'text', text: cut.join(' ') }],
          stop_reason: stopReason,
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: cut.length },
        }),
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
    send('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: 1 },
      },
    });
    send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    send('ping', { type: 'ping' });
    for (let i = 0; i < cut.length; i++) {
      if (mode.kind === 'break' && i === mode.afterDeltas) {
        broken.add(record);
        req.socket.destroy();
        return;
      }
      if (mode.kind === 'stream-error' && i === mode.afterDeltas) {
        send('error', { type: 'error', error: { type: mode.errorType ?? 'overloaded_error', message: 'Overloaded' } });
        res.end();
        return;
      }
      await sleep(deltaDelayMs);
      if (res.destroyed || record.disconnected) return;
      send('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: (i === 0 ? '' : ' ') + cut[i] },
      });
    }
    send('content_block_stop', { type: 'content_block_stop', index: 0 });
    send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: cut.length },
    });
    send('message_stop', { type: 'message_stop' });
    res.end();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const record: RecordedAnthropicRequest = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        headers: { ...req.headers },
        body,
        disconnected: false,
      };
      requests.push(record);
      res.on('close', () => {
        if (!res.writableFinished && !broken.has(record)) {
          record.disconnected = true;
          disconnects++;
        }
      });
      handle(req, res, record).catch(() => res.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get disconnects() {
      return disconnects;
    },
    setMode(m) {
      mode = m;
      errorsServed = 0;
    },
    setDeltaDelay(ms) {
      deltaDelayMs = ms;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
