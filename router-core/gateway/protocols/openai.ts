// OpenAI-compatible /v1/chat/completions: JSON and SSE chunks ending in `data: [DONE]`; OpenAI error shape.
import { z } from 'zod';
import type { ChatMessage } from '../../contracts/chat.js';
import type { ErrorType } from '../../contracts/errors.js';
import { CoreError } from '../../errors.js';
import type { PipelineEvent, PipelineRun } from '../../pipeline.js';
import type { Collected, Decoded, ProtocolAdapter, StreamEncoder } from '../protocol.js';
import { sseFrame } from '../sse.js';
import { parseBody } from './validate.js';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)]).nullable(),
  name: z.string().optional(),
});
const body = z.object({
  model: z.string().min(1, 'must name a model ("auto" lets the router choose)'),
  messages: z.array(message).min(1, 'must have at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().min(1).max(32_768).nullish(),
  max_completion_tokens: z.number().int().min(1).max(32_768).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.number().int().nullish(),
  seed: z.number().int().nullish(),
  user: z.string().optional(),
});

function text(content: string | Array<{ text: string }> | null): string {
  if (content === null) return '';
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

const openAiErrorType: Partial<Record<ErrorType, string>> = {
  invalid_request: 'invalid_request_error',
  unsupported_media_type: 'invalid_request_error',
  payload_too_large: 'invalid_request_error',
  not_found: 'invalid_request_error',
  authentication: 'authentication_error',
  forbidden: 'permission_error',
  rate_limited: 'rate_limit_error',
};

function finish(reason: string): 'stop' | 'length' {
  return reason === 'length' ? 'length' : 'stop';
}

export const openaiProtocol: ProtocolAdapter = {
  name: 'openai',
  chatRoutes: [{ method: 'POST', url: '/v1/chat/completions' }],

  decode(raw: unknown): Decoded {
    const b = parseBody(body, raw);
    if (b.n !== undefined && b.n !== null && b.n !== 1) {
      throw new CoreError('invalid_request', `Invalid "n": only n=1 is supported (got ${b.n}).`);
    }
    const messages: ChatMessage[] = b.messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: text(m.content) }));
    if (!messages.some((m) => m.role === 'user' && m.content.trim() !== '')) {
      throw new CoreError('invalid_request', 'Invalid "messages": at least one user message with non-empty content is required.');
    }
    return {
      stream: b.stream === true,
      options: { includeUsage: b.stream_options?.include_usage === true },
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
      },
    };
  },

  encodeResponse(run: PipelineRun, c: Collected) {
    return {
      id: `chatcmpl-${run.requestId}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: run.decision.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: c.text, refusal: null }, logprobs: null, finish_reason: finish(c.finishReason) },
      ],
      usage: {
        prompt_tokens: c.summary.usage.inputTokens,
        completion_tokens: c.summary.usage.outputTokens,
        total_tokens: c.summary.usage.inputTokens + c.summary.usage.outputTokens,
      },
      system_fingerprint: null,
    };
  },

  createStreamEncoder(run: PipelineRun, decoded: Decoded): StreamEncoder {
    const id = `chatcmpl-${run.requestId}`;
    const created = Math.floor(Date.now() / 1000);
    const model = run.decision.model;
    // Pre-serialised prefix: each delta frame is one small string concatenation, not a full JSON.stringify.
    const prefix = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":[{"index":0,"delta":{"content":`;
    const includeUsage = decoded.options?.includeUsage === true;
    let usage: { inputTokens: number; outputTokens: number } | undefined;
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      sseFrame(null, { id, object: 'chat.completion.chunk', created, model, system_fingerprint: null, choices, ...extra });
    return {
      contentType: 'text/event-stream; charset=utf-8',
      begin: () => chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
      encode(ev: PipelineEvent): string {
        switch (ev.type) {
          case 'text-delta':
            return `${prefix}${JSON.stringify(ev.text)}},"logprobs":null,"finish_reason":null}]}\n\n`;
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
            return sseFrame(null, {
              error: { message: ev.error.message, type: openAiErrorType[ev.error.type] ?? 'api_error', param: null, code: ev.error.type },
            });
          default:
            return '';
        }
      },
      end: () => 'data: [DONE]\n\n',
    };
  },

  encodeError(err: CoreError) {
    return { error: { message: err.message, type: openAiErrorType[err.type] ?? 'api_error', param: null, code: err.type } };
  },
};
