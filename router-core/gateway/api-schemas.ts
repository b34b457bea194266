// Response and error shapes as zod schemas, for the OpenAPI document: each is checked at compile time against the
// wire type the handler returns (contracts/ or the protocol's own function), so the document cannot drift from it.
// (Ollama's and Anthropic's error shapes are built inside their adapters: tests/integration/openapi.test.ts parses
// every error type each adapter encodes with these schemas.)
import { z } from 'zod';
import type {
  ChatAnswerDto,
  ClaudeKeyStatus,
  CloudSettingsDto,
  CloudSetupSaved,
  CompatModelsDto,
  CompatPricesDto,
  CompatSetupDto,
  VertexSetupDto,
  ComplexityDto,
  DeletedModelDto,
  DownloadAnswerDto,
  DownloadProgressDto,
  DownloadsDto,
  FeedbackStatsDto,
  HistoryExportDto,
  LocalModelsDto,
  ModelsDto,
  QueueDto,
  RoutingStatsDto,
  SettingsDto,
  SettingsUpdate,
  StatsDto,
  SystemDto,
  TuneProposalDto,
} from '../contracts/api.js';
import type { CloudProvider, EngineId, Route, Tier } from '../contracts/decision.js';
import type { ErrorBody, ErrorKind, ErrorType } from '../contracts/errors.js';
import type { DownloadState, OllamaProcessState, OllamaSource } from '../contracts/events.js';
import type { GpuInfo, LocalEngineKind } from '../contracts/hardware.js';
import type { FinishReason } from '../contracts/stream.js';
import { errorStatus } from '../errors.js';
import type { openAiError } from './protocols/openai.js';
import type { settingsPutBody } from './settings-api.js';

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
const errorKinds = {
  'local-only': 1,
  'request-local': 1,
  schedule: 1,
  privacy: 1,
  unavailable: 1,
  budget: 1,
  tools: 1,
  format: 1,
  context: 1,
  logprobs: 1,
  'keychain-unavailable': 1,
} satisfies Record<ErrorKind, 1>;

/** The native API's error (and every /api/v1 route's): `{"error": {"type", "message", "kind"?}}`. */
export const nativeErrorSchema = z
  .object({
    error: z.object({
      type: errorType,
      message: z.string(),
      kind: z
        .enum(keysOf(errorKinds))
        .optional()
        .meta({ description: "A refusal's cause, typed (a cloud block, or a keychain that could not take a key): what a client acts on" }),
    }),
  })
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

const feedbackRating = z.enum(['up', 'down', 'retry']);

/** A stored message as the history export writes it (every field present; `routing` without the chat answer's `reasoning`). */
const storedMessage = z.object({
  id: z.string(),
  parent_id: z.string().nullable(),
  versions: z.object({ index: z.number().int(), count: z.number().int(), ids: z.array(z.string()) }),
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  created_at: z.number().int(),
  request_id: z.string().nullable(),
  status: z.enum(['ok', 'error', 'aborted']).nullable(),
  error_type: errorType.nullable(),
  routing: routingInfo.omit({ reasoning: true }).nullable(),
  rating: feedbackRating.nullable(),
  retried_from: z.object({ request_id: z.string(), model: z.string().nullable(), rating: feedbackRating.nullable() }).nullable(),
  summary: z
    .object({
      usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
      cost_micros: z.number().int(),
      all_cloud_cost_micros: z.number().int(),
      savings_micros: z.number().int(),
      latency_seconds: z.number(),
      ttft_ms: z.number().nullable(),
    })
    .nullable(),
});

/** GET /api/v1/history/export. */
export const historyExportSchema = z.object({
  format: z.literal('hybrid-ai-history'),
  version: z.literal(1),
  exported_at: z.string().meta({ description: 'ISO time of the export' }),
  history_enabled: z.boolean(),
  conversations: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      created_at: z.number().int(),
      updated_at: z.number().int(),
      message_count: z.number().int(),
      leaf_id: z.string().nullable().meta({ description: "The shown path's last message" }),
      messages: z.array(storedMessage),
    }),
  ),
});
assertSame<Same<z.infer<typeof historyExportSchema>, HistoryExportDto>>();

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
// The PUT body is derived from router-core/settings-schema.ts: its stored fields are exactly SettingsUpdate's.
assertSame<Same<Omit<z.infer<typeof settingsPutBody>, 'quality_cost'>, SettingsUpdate>>();

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

const compatPricesSchema = z
  .object({ input: z.number(), output: z.number(), cached_input: z.number().optional() })
  .meta({ description: 'US dollars per million tokens' });
assertSame<Same<z.infer<typeof compatPricesSchema>, CompatPricesDto>>();

const compatSetupSchema = z.object({
  url: z.string(),
  model: z.string().meta({ description: 'The model the cloud route asks for ("" = the first the provider lists)' }),
  prices: compatPricesSchema.nullable().meta({ description: 'null = unknown: no savings are claimed' }),
  allow_http: z.boolean(),
  source: z.enum(['env', 'settings']),
  env_fields: z.array(z.enum(['url', 'model', 'prices'])).meta({ description: 'Fields the environment fixes (read-only here)' }),
});
assertSame<Same<z.infer<typeof compatSetupSchema>, CompatSetupDto>>();

const vertexSetupSchema = z.object({
  project: z.string(),
  location: z.string(),
  credentials: z.enum(['application-default', 'service-account-file']),
  credentials_file: z.string().nullable().meta({ description: "The service-account key file's path (never its content)" }),
  source: z.enum(['env', 'settings']),
});
assertSame<Same<z.infer<typeof vertexSetupSchema>, VertexSetupDto>>();

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
      vertex: vertexSetupSchema.optional(),
      url: z.string().optional(),
      compat: compatSetupSchema.optional(),
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

/** PUT/DELETE /api/v1/cloud/compat and /vertex: the cloud settings and, after a save, the one-token test. */
export const cloudSetupSavedSchema = cloudSettingsSchema.extend({
  test: z
    .union([z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), error_type: z.string(), message: z.string() })])
    .optional(),
});
assertSame<Same<z.infer<typeof cloudSetupSavedSchema>, CloudSetupSaved>>();

/** POST /api/v1/cloud/compat/models. */
export const compatModelsSchema = z.object({ models: z.array(z.string()), error: z.string().nullable() });
assertSame<Same<z.infer<typeof compatModelsSchema>, CompatModelsDto>>();

const downloadStates = { queued: 1, downloading: 1, verifying: 1, done: 1, failed: 1, cancelled: 1 } satisfies Record<DownloadState, 1>;
const ollamaStates = {
  idle: 1,
  probing: 1,
  external: 1,
  unavailable: 1,
  starting: 1,
  running: 1,
  crashed: 1,
  backoff: 1,
  failed: 1,
  stopping: 1,
  stopped: 1,
} satisfies Record<OllamaProcessState, 1>;
const ollamaSources = { system: 1, path: 1, bundled: 1 } satisfies Record<OllamaSource, 1>;
const engineKinds = { embedded: 1, 'system-ollama': 1, 'bundled-ollama': 1, 'openai-compat': 1, cloud: 1 } satisfies Record<
  LocalEngineKind,
  1
>;
const gpuVendors = { nvidia: 1, amd: 1, intel: 1, apple: 1, other: 1 } satisfies Record<GpuInfo['vendor'], 1>;
const tier = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]) satisfies z.ZodType<Tier>;
const localRoute = z.enum(['small', 'medium', 'large']);

/** A download snapshot: GET /api/v1/downloads, each `download` event of its SSE stream, the pull and cancel answers. */
export const downloadProgressSchema = z.object({
  model_id: z.string(),
  file: z.string().meta({ description: 'File name in the models folder; the Ollama tag when `via` is ollama' }),
  via: z.enum(['http', 'ollama']),
  state: z.enum(keysOf(downloadStates)),
  bytes: z.number().int().meta({ description: 'Bytes on disk so far (while verifying: bytes hashed so far)' }),
  total_bytes: z.number().int(),
  resumed_from_bytes: z.number().int(),
  bytes_per_second: z.number().nullable(),
  eta_seconds: z.number().nullable(),
  started_at: z.number().int().meta({ description: 'Epoch ms' }),
  updated_at: z.number().int().meta({ description: 'Epoch ms' }),
  message: z.string().optional(),
  error_type: errorType.optional(),
});
assertSame<Same<z.infer<typeof downloadProgressSchema>, DownloadProgressDto>>();

/** GET /api/v1/downloads. */
export const downloadsSchema = z.object({ downloads: z.array(downloadProgressSchema) });
assertSame<Same<z.infer<typeof downloadsSchema>, DownloadsDto>>();

/** POST /api/v1/models/{id}/pull (202) and DELETE /api/v1/downloads/{id}. */
export const downloadAnswerSchema = z.object({ download: downloadProgressSchema });
assertSame<Same<z.infer<typeof downloadAnswerSchema>, DownloadAnswerDto>>();

/** DELETE /api/v1/models/{id}. */
export const deletedModelSchema = z.object({ id: z.string(), freed_bytes: z.number().int() });
assertSame<Same<z.infer<typeof deletedModelSchema>, DeletedModelDto>>();

/** GET /api/v1/models/local. */
export const localModelsSchema = z.object({
  models: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      file: z.string(),
      quantization: z.string(),
      licence: z.string(),
      licence_permissive: z.boolean(),
      licence_url: z.string(),
      repo: z.string(),
      revision: z.string(),
      url: z.string(),
      ollama_tag: z.string(),
      ollama_note: z.string(),
      evidence: z.object({ summary: z.string(), source: z.string() }),
      hybrid_thinking: z.boolean(),
      ladder_route: localRoute,
      min_tier: tier,
      ram_mib: z.number().int(),
      context_length: z.number().int(),
      size_bytes: z.number().int(),
      present: z.boolean(),
      bytes_on_disk: z.number().int(),
      partial_bytes: z.number().int(),
      download: downloadProgressSchema.nullable(),
    }),
  ),
  disk_used_bytes: z.number().int(),
  disk_free_bytes: z.number().int().nullable(),
  local_model_file: z
    .object({ path: z.string(), name: z.string(), size_bytes: z.number().int().nullable() })
    .nullable()
    .meta({ description: 'HYBRID_AI_LOCAL_MODEL: the one file that answers every local model name (null when unset)' }),
});
assertSame<Same<z.infer<typeof localModelsSchema>, LocalModelsDto>>();

/** A measured value, or why it could not be measured. */
const known = <T extends z.ZodType>(value: T) =>
  z.discriminatedUnion('known', [z.object({ known: z.literal(true), value }), z.object({ known: z.literal(false), reason: z.string() })]);
const tierDecision = z.object({ tier, reason: z.string(), overridden: z.boolean() });

/** GET /api/v1/system. */
export const systemSchema = z.object({
  hardware: z
    .object({
      total_ram_mib: known(z.number()),
      free_ram_mib: known(z.number()),
      cpu_cores: known(z.number()),
      gpus: known(z.array(z.object({ vendor: z.enum(keysOf(gpuVendors)), model: z.string(), vram_mib: z.number().nullable() }))),
      disk_free_mib: known(z.number()),
      platform: z.string(),
      arch: z.string(),
      notes: z.array(z.string()),
    })
    .nullable(),
  detection_ms: z.number().nullable(),
  tier: tierDecision,
  detected_tier: tierDecision,
  engines: z.array(
    z.object({
      id: engine,
      kind: z.enum(keysOf(engineKinds)),
      ok: z.boolean(),
      models: z.array(z.string()),
      reason: z.string().optional(),
      url: z.string().optional(),
    }),
  ),
  ollama: z.object({
    state: z.enum(keysOf(ollamaStates)),
    source: z.enum(keysOf(ollamaSources)).nullable(),
    url: z.string().nullable(),
    binary: z.string().nullable(),
    pid: z.number().int().nullable(),
    restarts: z.number().int(),
    message: z.string().optional(),
  }),
  models: z.object({ present: z.array(z.string()), missing: z.array(z.string()) }),
  recommended: z.array(z.string()),
  recommendations: z.array(z.object({ id: z.string(), route: localRoute, reason: z.string() })),
  downloads: z.array(downloadProgressSchema),
  warnings: z.array(z.object({ id: z.literal('ollama-without-token'), message: z.string() })),
  parallel: z
    .object({
      sequences: z.number().int(),
      sequences_from: z.string(),
      queue_limit: z.number().int(),
      running: z.number().int(),
      queued: z.number().int(),
      queue: z.array(
        z.object({
          id: z.number().int(),
          request_id: z.string().nullable(),
          client_request_id: z.string().nullable(),
          model: z.string(),
          position: z.number().int(),
        }),
      ),
      models: z.array(
        z.object({
          model: z.string(),
          sequences: z.number().int(),
          requested_sequences: z.number().int(),
          busy: z.number().int(),
          queued: z.number().int(),
          context_size: z.number().int(),
          bytes_per_sequence: z.number(),
          context_bytes: z.number(),
          flash_attention: z.boolean(),
          limited_by: z.string().optional(),
        }),
      ),
      ollama: z.object({ num_parallel: z.number().int().nullable(), keep_alive: z.string() }),
    })
    .optional(),
});
assertSame<Same<z.infer<typeof systemSchema>, SystemDto>>();

/** GET /api/v1/queue. */
const queueEntry = z.object({ request_id: z.string().nullable(), client_request_id: z.string().nullable(), model: z.string() });
export const queueSchema = z.object({
  scope: z.enum(['own', 'all']),
  queue_limit: z.number().int(),
  queued: z.array(queueEntry.extend({ position: z.number().int() })),
  running: z.array(queueEntry),
  models: z.array(
    z.object({ model: z.string(), sequences: z.number().int().nullable(), running: z.number().int(), queued: z.number().int() }),
  ),
});
assertSame<Same<z.infer<typeof queueSchema>, QueueDto>>();

/** GET /api/v1/models. */
export const modelsSchema = z.object({
  tier,
  tier_reason: z.string(),
  ladder: z.partialRecord(route, z.array(z.string())),
  models: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      kind: z.enum(['local', 'cloud']),
      routes: z.array(route),
      available_on: z.array(z.string()),
      provider: provider.optional(),
    }),
  ),
  engines: z
    .partialRecord(
      engine,
      z.object({
        ok: z.boolean(),
        models: z.array(z.string()),
        reason: z.string().optional(),
        tools: z.boolean().optional(),
        structured_output: z.boolean().optional(),
        context_lengths: z
          .record(z.string(), z.number().int())
          .optional()
          .meta({ description: 'Model id → tokens its context holds here' }),
        serves_all_local_as: z.string().optional(),
      }),
    )
    .meta({ description: 'Each engine by id: what it serves now and what it can do' }),
});
assertSame<Same<z.infer<typeof modelsSchema>, ModelsDto>>();

const rate = z.object({ before: z.number(), after: z.number() });
/** GET /api/v1/feedback/tune. */
export const tuneProposalSchema = z.object({
  current: thresholds,
  proposed: thresholds,
  changed: z.boolean(),
  enough_data: z.boolean(),
  evidence: z.object({
    rated: z.number().int(),
    local_rated: z.number().int(),
    local_misses: z.number().int(),
    small_rated: z.number().int(),
    small_misses: z.number().int(),
  }),
  expected: z.object({ cloud_share: rate, miss_rate: rate }),
  reasons: z.array(z.string()),
});
assertSame<Same<z.infer<typeof tuneProposalSchema>, TuneProposalDto>>();

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
