// Anthropic-compatible POST /v1/messages (JSON and SSE in the official event order) and /v1/messages/count_tokens.
//
// Stream encoder states (one answer):
//
//   begin: message_start
//     │
//     ▼
//   idle ──text-delta──► in-text ──tool-call──► (text block stopped) tool block start/delta/stop ──► idle
//     │  ◄──────────────────────────────────────────────────────────────────────────────────────────┘
//     │  (the first content_block_start is followed by a ping, as the API does)
//     ▼
//   done: open block stopped (an empty text block if none was opened) → message_delta(stop_reason, usage) → message_stop
//   error: `event: error` in Anthropic's shape; nothing after it
import { z } from 'zod';
import type { ChatMessage, ResponseFormat, ToolChoice, ToolSpec } from '../../contracts/chat.js';
import type { ErrorType } from '../../contracts/errors.js';
import type { FinishReason, Usage } from '../../contracts/stream.js';
import { findModel } from '../../data/models.js';
import { estimatePromptTokens } from '../../routing/tokens.js';
import { CoreError } from '../../errors.js';
import { checkJsonSchema } from '../../routing/json-schema.js';
import type { PipelineEvent, PipelineRun } from '../../pipeline.js';
import type { Collected, Decoded, ExtraRoute, ProtocolAdapter, StreamEncoder } from '../protocol.js';
import { sseFrame } from '../sse.js';
import { requireOfferedTool, requireUserTurn, topPSchema, unknownModel, wireFinishReason, type FinishReasonTable } from './common.js';
import { parseBody } from './validate.js';

const textBlock = z.object({
  type: z.literal('text'),
  text: z.string(),
  cache_control: z.unknown().optional(),
  citations: z.unknown().optional(),
});
const toolUseBlock = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: z.unknown().optional(),
});
const toolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(textBlock)]).optional(),
  is_error: z.boolean().optional(),
  cache_control: z.unknown().optional(),
});
// Clients echo earlier assistant turns whole, thinking blocks included: accepted, and dropped (no engine reads them).
const thinkingBlock = z.object({ type: z.enum(['thinking', 'redacted_thinking']) }).passthrough();
const BLOCK_TYPES = ['text', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'];
/** A content block: an image, document or other block is refused by its type (this server reads text only). */
const block = z
  .unknown()
  .superRefine((v, ctx) => {
    const t = v !== null && typeof v === 'object' ? (v as { type?: unknown }).type : undefined;
    if (typeof t === 'string' && !BLOCK_TYPES.includes(t)) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `content of type ${JSON.stringify(t)} is not supported (valid: ${BLOCK_TYPES.join(', ')}): this server reads text only`,
      });
    }
  })
  .pipe(z.discriminatedUnion('type', [textBlock, toolUseBlock, toolResultBlock, thinkingBlock]));
const message = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(block)]),
});
const customTool = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, underscores or dashes'),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  cache_control: z.unknown().optional(),
  type: z.literal('custom').optional(),
});
/**
 * A tool: custom tools (name, input_schema) only. Claude's versioned tools (web_search_20250305, bash_20250124,
 * text_editor_…, computer_…, code_execution_…) are refused by their type, not as a tool missing input_schema.
 */
const tool = z
  .unknown()
  .superRefine((v, ctx) => {
    const t = v !== null && typeof v === 'object' ? (v as { type?: unknown }).type : undefined;
    if (t !== undefined && t !== null && t !== 'custom') {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `tools of type ${JSON.stringify(t)} are not supported here (valid: custom tools with "name" and "input_schema"); Anthropic's server and built-in tools run only with Anthropic`,
      });
    }
  })
  .pipe(customTool);
const toolChoice = z.object({
  type: z.enum(['auto', 'any', 'tool', 'none']),
  name: z.string().optional(),
  disable_parallel_tool_use: z.boolean().optional(),
});
/** The most output tokens a request here runs to (as /v1/chat/completions and Ollama's num_predict are capped). */
const MAX_OUTPUT_TOKENS = 32_768;
/** Largest max_tokens accepted (then clamped): why: well above any Claude model's ceiling (128,000), yet a typo of 1e12 is refused. */
const MAX_TOKENS_ACCEPTED = 1_000_000;
const outputFormat = z.object({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) });

/** Claude's `output_config.format` / `output_format` → our ResponseFormat; a schema no engine can enforce is a 400. */
function responseFormatOf(f: z.infer<typeof outputFormat> | null | undefined, param: string): ResponseFormat | undefined {
  if (!f) return undefined;
  const checked = checkJsonSchema(f.schema);
  if (!checked.ok) {
    throw new CoreError(
      'invalid_request',
      `Invalid "${param}": the JSON schema cannot be enforced: at ${checked.path || '(root)'}, ${checked.problem}.`,
      {
        details: { param },
      },
    );
  }
  return { type: 'json_schema', schema: checked.schema };
}

const common = {
  model: z.string().min(1, 'must name a model ("auto" lets the router choose)'),
  messages: z.array(message).min(1, 'must have at least one message'),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  tools: z.array(tool).max(128).optional(),
  tool_choice: toolChoice.optional(),
};
const body = z.object({
  ...common,
  // Clients send the model's own ceiling when the caller gives none (the AI SDK: 64,000-128,000 for current Claude
  // models): accepted and clamped to MAX_OUTPUT_TOKENS, as the other protocols' caps are, rather than refused.
  max_tokens: z.number().int().min(1).max(MAX_TOKENS_ACCEPTED),
  stop_sequences: z.array(z.string()).max(16).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: topPSchema.optional(),
  top_k: z.number().int().min(0).optional(),
  stream: z.boolean().optional(),
  metadata: z.object({ user_id: z.string().nullish() }).optional(),
  thinking: z.unknown().optional(),
  service_tier: z.string().optional(),
  // Claude's structured outputs: `output_config.format` (and the beta's `output_format`), a JSON schema the answer follows.
  output_config: z.object({ format: outputFormat.nullish(), effort: z.unknown().optional() }).passthrough().nullish(),
  output_format: outputFormat.nullish(),
});
const countBody = z.object({ ...common, thinking: z.unknown().optional() });

type Block = z.infer<typeof block>;

const textOf = (c: string | Array<{ text: string }> | undefined): string =>
  c === undefined ? '' : typeof c === 'string' ? c : c.map((b) => b.text).join('\n\n');

/** Claude's messages (system apart, content blocks) → our messages: tool_result blocks become 'tool' turns. */
export function fromAnthropicMessages(system: string, messages: ReadonlyArray<{ role: 'user' | 'assistant'; content: string | Block[] }>) {
  const out: ChatMessage[] = system.trim() === '' ? [] : [{ role: 'system', content: system }];
  const toolNames = new Map<string, string>();
  for (const m of messages) {
    if (typeof m.content === 'string') {
      out.push({ role: m.role, content: m.content });
      continue;
    }
    const texts: string[] = [];
    if (m.role === 'assistant') {
      const calls = [];
      for (const b of m.content) {
        if (b.type === 'text') texts.push(b.text);
        else if (b.type === 'tool_use') {
          toolNames.set(b.id, b.name);
          calls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input) });
        }
      }
      out.push(
        calls.length > 0
          ? { role: 'assistant', content: texts.join(''), toolCalls: calls }
          : { role: 'assistant', content: texts.join('') },
      );
      continue;
    }
    for (const b of m.content) {
      if (b.type === 'tool_result') {
        const name = toolNames.get(b.tool_use_id);
        const content = `${b.is_error ? 'Error: ' : ''}${textOf(b.content)}`;
        out.push({ role: 'tool', content, toolCallId: b.tool_use_id, ...(name ? { name } : {}) });
      } else if (b.type === 'text') texts.push(b.text);
    }
    if (texts.length > 0) out.push({ role: 'user', content: texts.join('\n\n') });
  }
  return out;
}

function toolsOf(tools: z.infer<typeof tool>[] | undefined): ToolSpec[] | undefined {
  return tools?.map((t) => ({ name: t.name, description: t.description, parameters: t.input_schema }));
}

function toolChoiceOf(c: z.infer<typeof toolChoice> | undefined, tools: ToolSpec[] | undefined): ToolChoice | undefined {
  if (!c) return undefined;
  if (c.type === 'tool') {
    if (!c.name) throw new CoreError('invalid_request', 'Invalid "tool_choice.name": required when tool_choice.type is "tool".');
    requireOfferedTool(c.name, tools, 'tool_choice.name');
    return { name: c.name };
  }
  return c.type === 'any' ? 'required' : c.type;
}

/** A tokenizer-free estimate of a request's input tokens (count_tokens and message_start report it): the quick estimate. */
export const estimateInputTokens = estimatePromptTokens;

/** Anthropic's error types by ours (the SDK picks its error class from the status; `type` is for humans and logs). */
const anthropicErrorType: Partial<Record<ErrorType, string>> = {
  invalid_request: 'invalid_request_error',
  unsupported_media_type: 'invalid_request_error',
  authentication: 'authentication_error',
  forbidden: 'permission_error',
  not_found: 'not_found_error',
  payload_too_large: 'request_too_large',
  context_length_exceeded: 'invalid_request_error',
  rate_limited: 'rate_limit_error',
  upstream_overloaded: 'overloaded_error',
  timeout: 'timeout_error',
};

function anthropicError(type: ErrorType, message: string) {
  return { type: 'error', error: { type: anthropicErrorType[type] ?? 'api_error', message } };
}

/** Claude's stop_reason (an aborted answer ends its turn). */
const stopReasons: FinishReasonTable<'end_turn' | 'max_tokens' | 'tool_use'> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  abort: 'end_turn',
};
const stopReason = (f: FinishReason) => wireFinishReason(stopReasons, f);

/** stop_reason and stop_sequence as Claude sends them: "stop_sequence" and which one when a stop sequence ended it. */
function stopOf(f: FinishReason, stopSequence: string | undefined) {
  return f === 'stop' && stopSequence !== undefined
    ? { stop_reason: 'stop_sequence' as const, stop_sequence: stopSequence }
    : { stop_reason: stopReason(f), stop_sequence: null };
}

/** Message ids look like Claude's ("msg_" + 24 alphanumerics): some clients check the prefix. */
const messageId = (requestId: string): string => `msg_${requestId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 24)}`;

function parseInput(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const countTokensRoute: ExtraRoute = {
  method: 'POST',
  url: '/v1/messages/count_tokens',
  async handle({ body: raw }, services) {
    const b = parseBody(countBody, raw);
    const messages = fromAnthropicMessages(textOf(b.system), b.messages);
    requireUserTurn(messages);
    const name = b.model.trim();
    const models = await services.models();
    // Any name a chat could use counts: auto, catalog names and aliases, raw Claude ids, engine-native names.
    if (!/^claude-/i.test(name) && !findModel(name) && !models.some((m) => m.id === name || m.id === name.toLowerCase())) {
      throw unknownModel(
        name,
        models.map((m) => m.id),
      );
    }
    return { input_tokens: estimateInputTokens({ messages, tools: toolsOf(b.tools) }) };
  },
};

/** The stream's first event: the message, empty, with an estimate of its input tokens. */
function messageStart(run: PipelineRun, decoded: Decoded<undefined>): string {
  return sseFrame('message_start', {
    type: 'message_start',
    message: {
      id: messageId(run.requestId),
      type: 'message',
      role: 'assistant',
      model: run.decision.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // The engine reports real input tokens only at the end (message_delta carries them): an estimate until then.
      usage: { input_tokens: estimateInputTokens(decoded.request), output_tokens: 0 },
    },
  });
}

export const anthropicProtocol: ProtocolAdapter<undefined> = {
  name: 'anthropic',
  chatRoutes: [{ method: 'POST', url: '/v1/messages' }],
  extraRoutes: [countTokensRoute],

  decode(raw: unknown): Decoded<undefined> {
    const b = parseBody(body, raw);
    const messages = fromAnthropicMessages(textOf(b.system), b.messages);
    requireUserTurn(messages);
    const tools = toolsOf(b.tools);
    const choice = toolChoiceOf(b.tool_choice, tools);
    const format =
      responseFormatOf(b.output_config?.format, 'output_config.format.schema') ?? responseFormatOf(b.output_format, 'output_format.schema');
    return {
      stream: b.stream === true,
      request: {
        model: b.model,
        messages,
        params: { maxTokens: Math.min(b.max_tokens, MAX_OUTPUT_TOKENS), temperature: b.temperature, topP: b.top_p, stop: b.stop_sequences },
        ...(tools && tools.length > 0 ? { tools } : {}),
        ...(choice && tools && tools.length > 0 ? { toolChoice: choice } : {}),
        ...(format ? { responseFormat: format } : {}),
      },
    };
  },

  encodeResponse(run: PipelineRun, c: Collected) {
    const content: unknown[] = c.text === '' ? [] : [{ type: 'text', text: c.text }];
    for (const t of c.toolCalls) content.push({ type: 'tool_use', id: t.id, name: t.name, input: parseInput(t.arguments) });
    return {
      id: messageId(run.requestId),
      type: 'message',
      role: 'assistant',
      model: run.decision.model,
      content,
      ...stopOf(c.finishReason, c.stopSequence),
      usage: { input_tokens: c.summary.usage.inputTokens, output_tokens: c.summary.usage.outputTokens },
    };
  },

  createStreamEncoder(run: PipelineRun, decoded: Decoded<undefined>): StreamEncoder {
    let index = -1;
    let open: 'text' | null = null;
    let pinged = false;
    let usage: Usage | undefined;
    const start = (contentBlock: unknown): string => {
      index++;
      const frame = sseFrame('content_block_start', { type: 'content_block_start', index, content_block: contentBlock });
      if (pinged) return frame;
      pinged = true;
      return frame + sseFrame('ping', { type: 'ping' });
    };
    const stopOpen = (): string => {
      if (open === null) return '';
      open = null;
      return sseFrame('content_block_stop', { type: 'content_block_stop', index });
    };
    return {
      contentType: 'text/event-stream; charset=utf-8',
      begin: () => messageStart(run, decoded),
      encode(ev: PipelineEvent): string {
        switch (ev.type) {
          case 'text-delta': {
            let out = '';
            if (open !== 'text') {
              out += start({ type: 'text', text: '' });
              open = 'text';
            }
            return (
              out + sseFrame('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: ev.text } })
            );
          }
          case 'tool-call': {
            let out = stopOpen();
            out += start({ type: 'tool_use', id: ev.call.id, name: ev.call.name, input: {} });
            out += sseFrame('content_block_delta', {
              type: 'content_block_delta',
              index,
              delta: { type: 'input_json_delta', partial_json: ev.call.arguments },
            });
            return out + sseFrame('content_block_stop', { type: 'content_block_stop', index });
          }
          case 'usage':
            usage = ev.usage;
            return '';
          case 'summary':
            usage = ev.summary.usage;
            return '';
          case 'done': {
            let out = stopOpen();
            if (index < 0) out += start({ type: 'text', text: '' }) + sseFrame('content_block_stop', { type: 'content_block_stop', index });
            out += sseFrame('message_delta', {
              type: 'message_delta',
              delta: stopOf(ev.finishReason, ev.stopSequence),
              usage: { input_tokens: usage?.inputTokens ?? 0, output_tokens: usage?.outputTokens ?? 0 },
            });
            return out + sseFrame('message_stop', { type: 'message_stop' });
          }
          case 'error':
            return sseFrame('error', anthropicError(ev.error.type, ev.error.message));
          default:
            return '';
        }
      },
      end: () => '',
    };
  },

  encodeError(err: CoreError) {
    return anthropicError(err.type, err.message);
  },
};

/** Request body schemas, for the OpenAPI document (gateway/openapi.ts). */
export { body as anthropicMessagesBody, countBody as anthropicCountTokensBody };
