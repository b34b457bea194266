// Native API (seed-compatible): POST /api/v1/chat with {prompt | messages, model}, JSON or SSE with full reasons.
import { z } from 'zod';
import type { ChatAnswerDto } from '../../contracts/api.js';
import type { ChatMessage } from '../../contracts/chat.js';
import type { ErrorBody } from '../../contracts/errors.js';
import type { CoreError } from '../../errors.js';
import type { PipelineEvent, PipelineRun, Summary } from '../../pipeline.js';
import { isCloudEngine, providerOf } from '../../routing/cloud.js';
import type { Collected, Decoded, ProtocolAdapter, StreamEncoder } from '../protocol.js';
import { requireUserTurn, topPSchema } from './common.js';
import { parseBody } from './validate.js';
import { sseFrame } from '../sse.js';

const message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const body = z
  .object({
    prompt: z.string().trim().min(1, 'must be a non-empty string').optional(),
    messages: z.array(message).min(1, 'must have at least one message').optional(),
    model: z.string().min(1).default('auto'),
    stream: z.boolean().default(false),
    max_tokens: z.number().int().min(1).max(32_768).optional(),
    temperature: z.number().min(0).max(2).optional(),
    top_p: topPSchema.optional(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
    local_only: z.boolean().optional(),
    cache: z.boolean().optional(),
    cascade: z.boolean().optional(),
    conversation_id: z.string().min(1, 'must be a conversation id from POST /api/v1/conversations').max(200).optional(),
    // With conversation_id: the answer this request replaces (Retry with Claude), so a reopened chat can say so.
    retry_of: z.string().min(1, 'must be the request id of the answer this one replaces').max(200).optional(),
    // With conversation_id: the stored message this exchange is a new version of. An answer's id = a new answer to the
    // same prompt (regenerate, retry); a prompt's id = an edited prompt and its answer. Nothing is replaced or deleted.
    version_of: z.string().min(1, 'must be the id of a message in the conversation').max(200).optional(),
    // With conversation_id: the stored message this exchange follows (the last one on the caller's screen); without it,
    // the conversation's current leaf, which another window may have moved (a regenerate, a version switch).
    parent_id: z.string().min(1, 'must be the id of a message in the conversation').max(200).optional(),
  })
  .refine((b) => b.prompt !== undefined || b.messages !== undefined, {
    message: 'provide "prompt" (a non-empty string) or "messages"',
    path: ['prompt'],
  });

/** The decision as the native API shows it: everything the badge needs. */
export function routingInfo(run: PipelineRun) {
  const escalated = run.escalated;
  const d = run.decision;
  const provider = providerOf(d.engine);
  return {
    route: d.route,
    model: d.model,
    engine: d.engine,
    // The cloud that answered (its bill), read from the engine's kind; absent for a local answer.
    ...(provider ? { provider } : {}),
    complexity: Number(d.complexity.toFixed(3)),
    reasons: d.reasons,
    reasoning: d.reasons.join('; '),
    fallback_from: run.fallbackFrom,
    // Only on hits, so an ordinary answer's route frame is unchanged.
    ...(run.cached ? { cached: true } : {}),
    // Only when the cascade held a weak local answer back and asked a stronger model (the badge says so); the
    // reasons keep the same story in words.
    ...(escalated ? { escalated: { from: escalated.from, reason: escalated.reason } } : {}),
  };
}

function summaryInfo(s: Summary) {
  return {
    usage: { input_tokens: s.usage.inputTokens, output_tokens: s.usage.outputTokens },
    cost: s.costMicros / 1e6,
    cost_micros: s.costMicros,
    all_cloud_cost_micros: s.allCloudMicros,
    savings_micros: s.savingsMicros,
    latency_seconds: s.latencyMs / 1000,
    ttft_ms: s.ttftMs,
  };
}

export const nativeProtocol: ProtocolAdapter<undefined> = {
  name: 'native',
  chatRoutes: [{ method: 'POST', url: '/api/v1/chat' }],
  // Unknown /api/v1/* paths are the native API's (the longer prefix beats Ollama's /api).
  pathPrefixes: ['/api/v1'],

  decode(raw: unknown): Decoded<undefined> {
    const b = parseBody(body, raw);
    const messages: ChatMessage[] = b.messages ?? [{ role: 'user', content: b.prompt! }];
    requireUserTurn(messages);
    return {
      stream: b.stream,
      conversationId: b.conversation_id,
      retryOf: b.retry_of,
      versionOf: b.version_of,
      parentId: b.parent_id,
      request: {
        model: b.model,
        messages,
        params: {
          maxTokens: b.max_tokens,
          temperature: b.temperature,
          topP: b.top_p,
          stop: typeof b.stop === 'string' ? [b.stop] : b.stop,
        },
        localOnly: b.local_only,
        cache: b.cache,
        cascade: b.cascade,
      },
    };
  },

  encodeResponse(run: PipelineRun, c: Collected) {
    return {
      id: run.requestId,
      response: c.text,
      model: run.decision.model,
      backend: isCloudEngine(run.decision.engine) ? 'cloud' : 'local',
      engine: run.decision.engine,
      finish_reason: c.finishReason,
      routing: routingInfo(run),
      ...summaryInfo(c.summary),
      cached: run.cached === true,
    } satisfies ChatAnswerDto;
  },

  createStreamEncoder(run: PipelineRun): StreamEncoder {
    return {
      contentType: 'text/event-stream; charset=utf-8',
      begin: () => sseFrame('route', { id: run.requestId, ...routingInfo(run) }),
      encode(ev: PipelineEvent): string {
        switch (ev.type) {
          case 'text-delta':
            return sseFrame('delta', { text: ev.text });
          case 'summary':
            return sseFrame('summary', summaryInfo(ev.summary));
          case 'done':
            return sseFrame('done', { finish_reason: ev.finishReason });
          case 'error':
            return sseFrame('error', { error: ev.error });
          default:
            return '';
        }
      },
      end: () => '',
    };
  },

  encodeError(err: CoreError): ErrorBody {
    const kind = err.details?.kind;
    return { error: { type: err.type, message: err.message, ...(kind ? { kind } : {}) } };
  },
};

/** Request body schemas, for the OpenAPI document (gateway/openapi.ts). */
export { body as nativeChatBody };
