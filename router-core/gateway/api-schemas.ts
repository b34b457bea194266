// Response and error shapes as zod schemas, for the OpenAPI document: each is checked at compile time against the
// wire type the handler returns (contracts/ or the protocol's own function), so the document cannot drift from it.
// (Ollama's and Anthropic's error shapes are built inside their adapters: tests/integration/openapi.test.ts parses
// every error type each adapter encodes with these schemas.)
import { z } from 'zod';
import type {
  ChatAnswerDto,
  ClaudeKeyStatus,
  CloudSettingsDto,
  ComplexityDto,
  FeedbackStatsDto,
  RoutingStatsDto,
  SettingsDto,
  StatsDto,
} from '../contracts/api.js';
import type { CloudProvider, EngineId, Route } from '../contracts/decision.js';
import type { ErrorBody, ErrorType } from '../contracts/errors.js';
import type { FinishReason } from '../contracts/stream.js';
import { errorStatus } from '../errors.js';
import type { openAiError } from './protocols/openai.js';

/** True when A and B are assignable both ways (a field added to one side only, or typed differently, fails). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only when `T` is true: `assertSame<Same<X, Y>>()` fails the type-check where the shapes drifted. */
function assertSame<T extends true>(): T | undefined {
  return undefined;
}

// Value lists typed as records of the union: a value added to the union and not here is a compile error.
const routes = { small: 1, medium: 1, large: 1, cloud: 1 } satisfies Record<Route, 1>;
const engines = { llamacpp: 1, ollama: 1, anthropic: 1, 'openai-compat': 1, openai: 1, gemini: 1, 'cloud-compat': 1 } satisfies Record<
  EngineId,
  1
>;
const providers = { anthropic: 1, openai: 1, gemini: 1, compat: 1 } satisfies Record<CloudProvider, 1>;
const finishReasons = { stop: 1, length: 1, abort: 1, tool_calls: 1 } satisfies Record<FinishReason, 1>;
const keysOf = <K extends string>(o: Record<K, unknown>): [K, ...K[]] => Object.keys(o) as [K, ...K[]];

const route = z.enum(keysOf(routes));
const engine = z.enum(keysOf(engines));
const provider = z.enum(keysOf(providers));
const errorType = z.enum(keysOf(errorStatus));

/** The native API's error (and every /api/v1 route's): `{"error": {"type", "message"}}`. */
export const nativeErrorSchema = z
  .object({ error: z.object({ type: errorType, message: z.string() }) })
  .meta({ description: 'Native error: `type` is one of the error catalogue (router-core/errors.ts), `message` says what to do.' });
assertSame<Same<z.infer<typeof nativeErrorSchema>, ErrorBody>>();

/** OpenAI's error shape (chat completions, completions, embeddings, models, responses). */
export const openAiErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().meta({ description: 'OpenAI\'s class, e.g. "invalid_request_error", "authentication_error", "api_error"' }),
      param: z.string().nullable(),
      code: z.string().meta({ description: 'Our error type (or "model_not_found")' }),
    }),
  })
  .meta({ description: 'OpenAI error shape' });
assertSame<Same<z.infer<typeof openAiErrorSchema>, ReturnType<typeof openAiError>>>();

/** Ollama's error shape. */
export const ollamaErrorSchema = z.object({ error: z.string() }).meta({ description: 'Ollama error shape' });

/** Anthropic's error shape. */
export const anthropicErrorSchema = z
  .object({
    type: z.literal('error'),
    error: z.object({
      type: z.string().meta({ description: 'Anthropic\'s class, e.g. "invalid_request_error", "authentication_error", "api_error"' }),
      message: z.string(),
    }),
  })
  .meta({ description: 'Anthropic error shape' });

const routingInfo = z.object({
  id: z.string().optional(),
  route,
  model: z.string(),
  engine,
  provider: provider.optional().meta({ description: 'The cloud provider that answered; absent for a local answer' }),
  complexity: z.number().min(0).max(1),
  reasons: z.array(z.string()),
  reasoning: z.string(),
  fallback_from: z.array(z.string()),
  cached: z.boolean().optional(),
  escalated: z.object({ from: z.string(), reason: z.string() }).optional(),
});

/** POST /api/v1/chat, answered whole. */
export const chatAnswerSchema = z.object({
  id: z.string(),
  response: z.string(),
  model: z.string(),
  backend: z.enum(['local', 'cloud']),
  engine,
  finish_reason: z.enum(keysOf(finishReasons)),
  routing: routingInfo,
  usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
  cost: z.number().meta({ description: 'US dollars' }),
  cost_micros: z.number().int(),
  all_cloud_cost_micros: z.number().int(),
  savings_micros: z.number().int(),
  latency_seconds: z.number(),
  ttft_ms: z.number().nullable(),
  cached: z.boolean(),
});
assertSame<Same<z.infer<typeof chatAnswerSchema>, ChatAnswerDto>>();

/** POST /api/v1/complexity. */
export const complexitySchema = z.object({
  complexity: z.number().min(0).max(1),
  level: z.enum(['small', 'medium', 'cloud']),
  available: z.boolean(),
  route: route.nullable(),
  recommended_model: z.string().nullable(),
  engine: engine.nullable(),
  backend: z.enum(['local', 'cloud']).nullable(),
  reasons: z.array(z.string()),
  reasoning: z.string(),
  fallbacks: z.array(z.object({ route, model: z.string(), engine })),
});
assertSame<Same<z.infer<typeof complexitySchema>, ComplexityDto>>();

const slice = {
  requests: z.number().int(),
  errors: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost_micros: z.number().int(),
  all_cloud_micros: z.number().int(),
  savings_micros: z.number().int(),
};

/** GET /api/v1/feedback/stats and `routing.feedback` of the stats answers. */
export const feedbackStatsSchema = z.object({
  up: z.number().int(),
  down: z.number().int(),
  retry: z.number().int(),
  local_miss_rate: z.number(),
  by_route: z.array(z.object({ route: z.string(), up: z.number().int(), down: z.number().int(), retry: z.number().int() })),
});
assertSame<Same<z.infer<typeof feedbackStatsSchema>, FeedbackStatsDto>>();

/** The routing features' counters: `routing` of GET /api/v1/stats and GET /api/v1/routing/stats. */
export const routingStatsSchema = z.object({
  cache: z.object({ hits: z.number().int(), semantic_hits: z.number().int(), saved_micros: z.number().int() }),
  cascade: z.object({
    runs: z.number().int(),
    escalated: z.number().int(),
    escalation_rate: z.number(),
    saved_micros: z.number().int(),
    first_attempt_cost_micros: z.number().int(),
  }),
  privacy: z.object({ kept_local: z.number().int() }),
  feedback: feedbackStatsSchema,
});
assertSame<Same<z.infer<typeof routingStatsSchema>, RoutingStatsDto>>();

/** GET /api/v1/routing/stats: the counters of a named period. */
export const routingStatsAnswerSchema = routingStatsSchema.extend({ range: z.string() });

/** GET /api/v1/stats (money in integer micro-dollars). */
export const statsSchema = z.object({
  from: z.number(),
  to: z.number(),
  totals: z.object({
    ...slice,
    local: z.number().int(),
    cloud: z.number().int(),
    local_share: z.number(),
    savings_pct: z.number(),
    avg_latency_ms: z.number(),
  }),
  by_model: z.array(z.object({ ...slice, model: z.string(), engine: z.string() })),
  by_provider: z.array(z.object({ ...slice, provider })).optional(),
  by_route: z.array(z.object({ ...slice, route: z.string() })),
  by_day: z.array(z.object({ ...slice, day: z.string() })),
  by_app: z.array(z.object({ ...slice, api_key_id: z.string().nullable(), name: z.string().nullable() })),
  budget: z.object({
    daily_cap_micros: z.number().int().nullable(),
    monthly_cap_micros: z.number().int().nullable(),
    spent_today_micros: z.number().int(),
    spent_month_micros: z.number().int(),
  }),
  routing: routingStatsSchema.optional(),
  schedule: z.object({ cloud_blocked: z.boolean(), reason: z.string(), until: z.string().nullable() }).nullable().optional(),
});
assertSame<Same<z.infer<typeof statsSchema>, StatsDto>>();

const thresholds = z.object({ medium: z.number(), cloud: z.number() });

/** GET/PUT /api/v1/settings. */
export const settingsSchema = z.object({
  thresholds,
  default_thresholds: thresholds,
  local_only: z.boolean(),
  daily_budget_micros: z.number().int().nullable(),
  monthly_budget_micros: z.number().int().nullable(),
  history_enabled: z.boolean(),
  quality_cost: z
    .object({
      applies: z.boolean(),
      current_p_cloud: z.number().nullable(),
      default_p_cloud: z.number().nullable(),
      stops: z.array(
        z.object({
          p_cloud: z.number(),
          cloud_threshold: z.number(),
          cloud_share: z.number(),
          under_routed: z.number(),
          over_routed: z.number(),
        }),
      ),
    })
    .optional(),
  budget_status: z.object({
    spent_today_micros: z.number().int(),
    spent_month_micros: z.number().int(),
    cloud_blocked: z.string().nullable(),
  }),
  api: z.object({
    address: z.string(),
    token: z.string(),
    token_source: z.enum(['env', 'data-dir']),
    ollama_without_token: z.boolean(),
    ollama_without_token_warning: z.string().nullable(),
  }),
});
assertSame<Same<z.infer<typeof settingsSchema>, SettingsDto>>();

/** GET/PUT/DELETE /api/v1/settings/claude-key: never the key. */
export const claudeKeyStatusSchema = z.object({
  configured: z.boolean(),
  last4: z.string().optional(),
  store: z.enum(['keychain', 'file', 'env']),
  warning: z.string().optional(),
  test: z
    .discriminatedUnion('ok', [
      z.object({ ok: z.literal(true) }),
      z.object({ ok: z.literal(false), error_type: z.string(), message: z.string() }),
    ])
    .optional(),
  last_error: z.object({ error_type: z.literal('upstream_auth'), message: z.string(), at: z.number() }).optional(),
});
assertSame<Same<z.infer<typeof claudeKeyStatusSchema>, ClaudeKeyStatus>>();

/** GET/PUT /api/v1/cloud. */
export const cloudSettingsSchema = z.object({
  providers: z.array(
    z.object({
      provider,
      name: z.string(),
      engine,
      configured: z.boolean(),
      available: z.boolean(),
      reason: z.string().nullable(),
      model: z.string(),
      key: claudeKeyStatusSchema,
      vertex: z.object({ project: z.string(), location: z.string() }).optional(),
      url: z.string().optional(),
    }),
  ),
  first_choice: provider,
  saved_first_choice: provider.nullable(),
  fallback_order: z.array(provider),
  status: z.object({
    available: z.boolean(),
    kind: z.string().nullable(),
    reason: z.string().nullable(),
    provider: provider.nullable(),
    model: z.string().nullable(),
  }),
});
assertSame<Same<z.infer<typeof cloudSettingsSchema>, CloudSettingsDto>>();

/** GET /health. */
export const healthSchema = z.object({
  status: z.literal('ok'),
  service: z.literal('hybrid-ai-stack'),
  version: z.string(),
  uptime_s: z.number().int(),
});
export type HealthDto = z.infer<typeof healthSchema>;

/** GET /ready (200 ready, 503 not ready with `reasons`). */
export const readySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  ledger: z.boolean(),
  ledger_store: z.enum(['sqlite', 'postgres']),
  engines: z.record(z.string(), z.object({ ok: z.boolean(), models: z.number().int(), reason: z.string().optional() })),
  reasons: z.array(z.string()).optional(),
});
export type ReadyDto = z.infer<typeof readySchema>;

/** Error types, for the document's description of the catalogue (type → HTTP status). */
export const errorCatalogue: ReadonlyArray<[ErrorType, number]> = Object.entries(errorStatus) as Array<[ErrorType, number]>;
