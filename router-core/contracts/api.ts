// Wire shapes of the native /api/v1 API, shared by the server (handlers `satisfies` them) and the renderer (money in integer micro-dollars).
import type { CloudProvider, EngineId, Route, Tier } from './decision.js';
import type { ErrorKind, ErrorType } from './errors.js';
import type { DownloadState, OllamaProcessState } from './events.js';
import type { FinishReason } from './stream.js';

export type { CloudProvider, EngineId, ErrorKind, ErrorType, Route, Tier };

/** `route` SSE event and the `routing` object of a stored answer. */
export interface RoutingInfo {
  id?: string;
  route: Route;
  model: string;
  engine: EngineId;
  /** The cloud provider that answered (who bills it); absent for a local answer and from an older core. */
  provider?: CloudProvider;
  complexity: number;
  reasons: string[];
  fallback_from: string[];
  /** Answered from the response cache (no model ran, nothing charged); absent on ordinary answers. */
  cached?: boolean;
  /** The cascade held `from`'s answer back as weak (`reason`) and asked a stronger model; absent otherwise. */
  escalated?: { from: string; reason: string };
}

/** `summary` SSE event: tokens, money and timing of a finished answer. */
export interface AnswerSummary {
  usage: { input_tokens: number; output_tokens: number };
  cost_micros: number;
  all_cloud_cost_micros: number;
  savings_micros: number;
  latency_seconds: number;
  ttft_ms: number | null;
}

/** POST /api/v1/chat answered whole (`stream: false`): the text, the decision and the money. */
export interface ChatAnswerDto extends AnswerSummary {
  /** The request id (also the ledger row's and `x-request-id`). */
  id: string;
  response: string;
  model: string;
  backend: 'local' | 'cloud';
  engine: EngineId;
  finish_reason: FinishReason;
  routing: RoutingInfo & { reasoning: string };
  /** `cost_micros` in dollars (the seed's field). */
  cost: number;
  cached: boolean;
}

export interface ConversationDto {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  message_count: number;
  /** Search results only: the words around the hit in a message; null when only the title matched. */
  snippet?: string | null;
}

export interface MessageDto {
  id: string;
  role: 'system' | 'user' | 'assistant';
  content: string;
  created_at: number;
  request_id: string | null;
  status: 'ok' | 'error' | 'aborted' | null;
  error_type: ErrorType | null;
  routing: RoutingInfo | null;
  summary: AnswerSummary | null;
  /** The person's verdict on this answer (absent from a core older than reopened feedback). */
  rating?: FeedbackRating | null;
  /** This answer replaced one the person retried with Claude: that answer's request, model and stored verdict. */
  retried_from?: { request_id: string; model: string | null; rating: FeedbackRating | null } | null;
  /** The message this one follows (absent from a core without versions). */
  parent_id?: string | null;
  /** This turn's versions: 1-based index, count and every version's id, oldest first. */
  versions?: VersionsDto;
}

/** One conversation in the history export: its listing, the shown path's last message, and every stored message. */
export interface HistoryConversationDto extends Omit<ConversationDto, 'snippet'> {
  leaf_id: string | null;
  /** Every version of every turn, oldest first, each with its parent, versions, badge data and cost. */
  messages: Array<Required<MessageDto>>;
}

/** GET /api/v1/history/export: every stored conversation, one JSON document to keep or move. */
export interface HistoryExportDto {
  format: 'hybrid-ai-history';
  version: 1;
  /** ISO time of the export (the file name's date). */
  exported_at: string;
  history_enabled: boolean;
  conversations: HistoryConversationDto[];
}

/** A turn's versions (regenerated answers, edited prompts). */
export interface VersionsDto {
  index: number;
  count: number;
  ids: string[];
}

export interface StatsSlice {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  all_cloud_micros: number;
  savings_micros: number;
}

/** `routing` of GET /api/v1/stats and GET /api/v1/routing/stats: the routing features' counters (money in micro-dollars). */
export interface RoutingStatsDto {
  cache: { hits: number; semantic_hits: number; saved_micros: number };
  cascade: { runs: number; escalated: number; escalation_rate: number; saved_micros: number; first_attempt_cost_micros: number };
  privacy: { kept_local: number };
  feedback: FeedbackStatsDto;
}

/** GET /api/v1/feedback/stats and `routing.feedback` of the stats answers. */
export interface FeedbackStatsDto {
  up: number;
  down: number;
  retry: number;
  /** Share of rated local answers that were thumbs-down or retried with the cloud. */
  local_miss_rate: number;
  by_route: Array<{ route: string; up: number; down: number; retry: number }>;
}

/** A verdict on an answer: thumbs up/down, or "retry" (asked Claude again: a miss for a local answer). */
export type FeedbackRating = 'up' | 'down' | 'retry';

/** POST /api/v1/feedback answer. */
export interface FeedbackDto {
  request_id: string;
  rating: FeedbackRating;
  stored: boolean;
}

export interface StatsDto {
  from: number;
  to: number;
  totals: StatsSlice & { local: number; cloud: number; local_share: number; savings_pct: number; avg_latency_ms: number };
  by_model: Array<StatsSlice & { model: string; engine: string }>;
  /** Cloud spend by provider (absent from an older core); local answers are not listed. */
  by_provider?: Array<StatsSlice & { provider: CloudProvider }>;
  by_route: Array<StatsSlice & { route: string }>;
  by_day: Array<StatsSlice & { day: string }>;
  /** Per app key; `api_key_id` null (name null) = requests made with the master token (the app's own UI, scripts). */
  by_app: Array<StatsSlice & { api_key_id: string | null; name: string | null }>;
  budget: {
    daily_cap_micros: number | null;
    monthly_cap_micros: number | null;
    spent_today_micros: number;
    spent_month_micros: number;
  };
  /** Cache hits, cascades, privacy and feedback (absent from a core older than the routing features). */
  routing?: RoutingStatsDto;
  /** Time-based routing in force now; null without an enabled schedule (absent from an older core). */
  schedule?: ScheduleNowDto | null;
}

/** What the routing schedule does right now. */
export interface ScheduleNowDto {
  cloud_blocked: boolean;
  /** "local-only hours until 18:00 (Europe/Paris)". */
  reason: string;
  until: string | null;
}

/** A weekly window of the routing schedule ("HH:MM", 24-hour; `to` ≤ `from` runs overnight). */
export interface ScheduleWindowDto {
  days: Array<'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat'>;
  from: string;
  to: string;
}

/** Time-based routing as GET/PUT /api/v1/routing/settings show it. */
export interface ScheduleDto {
  enabled: boolean;
  mode: 'local-only' | 'cloud-only';
  time_zone: string;
  windows: ScheduleWindowDto[];
}

/** One engine of GET /api/v1/models: what it serves now and what it can do. */
export interface EngineStatus {
  ok: boolean;
  models: string[];
  reason?: string;
  /** The engine passes `tools` to its models and returns their tool calls (absent: it does not). */
  tools?: boolean;
  /** The engine constrains answers to JSON or a JSON schema for real (absent: it does not). */
  structured_output?: boolean;
  /** Tokens each model's context holds on this engine (model id → tokens), where it knows better than the catalog. */
  context_lengths?: Record<string, number>;
  /** HYBRID_AI_LOCAL_MODEL: the engine answers every local catalog model from one file under this name. */
  serves_all_local_as?: string;
}

/** GET /api/v1/models. */
export interface ModelsDto {
  tier: Tier;
  tier_reason: string;
  ladder: Partial<Record<Route, string[]>>;
  models: Array<{
    id: string;
    label: string;
    kind: 'local' | 'cloud';
    routes: Route[];
    available_on: string[];
    /** A cloud model's provider (absent for local models and from an older core). */
    provider?: CloudProvider;
  }>;
  engines: Partial<Record<EngineId, EngineStatus>>;
}

export interface Thresholds {
  medium: number;
  cloud: number;
}

/** One stop of the Quality ↔ Cost knob, as measured on held-out sources. */
export interface QualityCostStop {
  p_cloud: number;
  cloud_threshold: number;
  cloud_share: number;
  under_routed: number;
  over_routed: number;
}

/** The Quality ↔ Cost knob (a threshold on the calibrated probability that a prompt needs the cloud). */
export interface QualityCostDto {
  applies: boolean;
  current_p_cloud: number | null;
  default_p_cloud: number | null;
  stops: QualityCostStop[];
}

/** GET/PUT /api/v1/settings. */
export interface SettingsDto {
  thresholds: Thresholds;
  default_thresholds: Thresholds;
  local_only: boolean;
  daily_budget_micros: number | null;
  monthly_budget_micros: number | null;
  history_enabled: boolean;
  quality_cost?: QualityCostDto;
  budget_status: { spent_today_micros: number; spent_month_micros: number; cloud_blocked: string | null };
  api: {
    address: string;
    token: string;
    token_source: 'env' | 'data-dir';
    /** Loopback clients may use the Ollama routes without a token (for the Ollama CLI); off by default. */
    ollama_without_token: boolean;
    /** What that exposes, while it is on (null when off). */
    ollama_without_token_warning: string | null;
  };
}

export type SettingsUpdate = Partial<
  Pick<SettingsDto, 'thresholds' | 'local_only' | 'daily_budget_micros' | 'monthly_budget_micros' | 'history_enabled'> & {
    ollama_without_token: boolean;
    /** The machine tier chosen by the user; null = the detected one (GET /api/v1/system shows the tier in force). */
    tier_override: 1 | 2 | 3 | 4 | null;
  }
>;

/** GET /api/v1/settings/claude-key: the key itself never comes back. */
export interface ClaudeKeyStatus {
  configured: boolean;
  last4?: string;
  store: 'keychain' | 'file' | 'env';
  warning?: string;
  /**
   * Only in the answer to a save: what a one-token call with the new key said, made before saving. A key the provider
   * refused as unauthorized is a 400 and never saved, so a saved key's test is either ok or "could not be checked"
   * (unreachable, 5xx, rate limited), with `warning` saying so.
   */
  test?: { ok: true } | { ok: false; error_type: string; message: string };
  /** Claude refused this key on a real request since it was saved (cleared by a new key or a Claude answer). */
  last_error?: { error_type: 'upstream_auth'; message: string; at: number };
}

/** Can the cloud route answer now, and why not (the core decides; the UI shows it). */
export interface CloudStatusDto {
  available: boolean;
  /** Why not, typed: local-only, request-local, schedule, privacy, unavailable, budget, … (null when available). */
  kind: string | null;
  /** Why not, in words (null when available). */
  reason: string | null;
  /** The provider and model that would answer first (null when none can). */
  provider: CloudProvider | null;
  model: string | null;
}

/** One cloud provider as GET /api/v1/cloud shows it; its key never comes back, at most its last 4 characters. */
export interface CloudProviderDto {
  provider: CloudProvider;
  /** "Claude", "OpenAI", "Gemini", "OpenAI-compatible cloud". */
  name: string;
  engine: EngineId;
  /** Set up: a key is known (env, keychain or file), Vertex AI is configured, or a compatible cloud's URL is. */
  configured: boolean;
  /** Its engine is up now (probed). */
  available: boolean;
  /** Why it is not up (null when it is). */
  reason: string | null;
  /** The model it answers the cloud route with ("" = the first its server lists). */
  model: string;
  key: ClaudeKeyStatus;
  /** Vertex AI's setup, when Gemini runs there (no key then). */
  vertex?: VertexSetupDto;
  /** The compatible cloud's base URL (compat only). */
  url?: string;
  /** The compatible cloud's setup in force (compat only, when it has a URL). */
  compat?: CompatSetupDto;
}

/** A compatible cloud model's prices, in US dollars per million tokens (as providers list them). */
export interface CompatPricesDto {
  input: number;
  output: number;
  cached_input?: number;
}

/** The OpenAI-compatible cloud in force: from the environment (read-only there) or saved in Settings. */
export interface CompatSetupDto {
  url: string;
  /** The model the cloud route asks for ("" = the first the provider lists). */
  model: string;
  /** The model's prices; null = unknown, so no savings are claimed for its answers. */
  prices: CompatPricesDto | null;
  allow_http: boolean;
  source: 'env' | 'settings';
  /** The fields the environment fixes (HYBRID_AI_CLOUD_COMPAT_URL, _MODEL, _PRICES): Settings cannot change them. */
  env_fields: Array<'url' | 'model' | 'prices'>;
}

/** Gemini on Vertex AI in force: from the environment (read-only there) or saved in Settings. Never a key's content. */
export interface VertexSetupDto {
  project: string;
  location: string;
  credentials: 'application-default' | 'service-account-file';
  /** The service-account key file's path (null: application-default credentials). */
  credentials_file: string | null;
  source: 'env' | 'settings';
}

/** PUT /api/v1/cloud/compat (prices in USD per million tokens; the key is saved through /api/v1/cloud/keys/compat). */
export interface CompatSetupUpdate {
  url: string;
  model: string;
  prices?: CompatPricesDto | null;
  allow_http?: boolean;
}

/** PUT /api/v1/cloud/vertex (credentials_file null: application-default credentials). */
export interface VertexSetupUpdate {
  project: string;
  location: string;
  credentials_file: string | null;
}

/** The answer to PUT /api/v1/cloud/compat or /vertex: the cloud settings, and what a one-token call with the new setup said. */
export interface CloudSetupSaved extends CloudSettingsDto {
  test?: { ok: true } | { ok: false; error_type: string; message: string };
}

/** POST /api/v1/cloud/compat/models: what the provider's /v1/models lists (empty with `error` when it did not answer). */
export interface CompatModelsDto {
  models: string[];
  error: string | null;
}

/** GET /api/v1/cloud: the providers, the cloud route's first choice and fallback order, and whether it can answer. */
export interface CloudSettingsDto {
  providers: CloudProviderDto[];
  /** The first choice in force (saved, else HYBRID_AI_CLOUD, else Claude when its key is set, else the first configured). */
  first_choice: CloudProvider;
  /** The first choice saved in Settings (null = the default above). */
  saved_first_choice: CloudProvider | null;
  /** Providers tried after the first choice when it fails before its first token, in order (configured ones only). */
  fallback_order: CloudProvider[];
  status: CloudStatusDto;
}

/** PUT /api/v1/cloud. */
export interface CloudSettingsUpdate {
  first_choice?: CloudProvider | null;
  fallback_order?: CloudProvider[];
}

/** POST /api/v1/complexity. With no model to answer (`available` false) the route fields are null and the last reason says why. */
export interface ComplexityDto {
  complexity: number;
  level: 'small' | 'medium' | 'cloud';
  available: boolean;
  route: Route | null;
  recommended_model: string | null;
  engine: EngineId | null;
  backend: 'local' | 'cloud' | null;
  reasons: string[];
  /** `reasons` joined by "; ". */
  reasoning: string;
  /** What would be tried next if the chosen model failed before its first token (empty without a model). */
  fallbacks: Array<{ route: Route; model: string; engine: EngineId }>;
}

/** A routing experiment (GET/PUT/DELETE /api/v1/routing/experiment): arm A runs the main policy, arm B the variant. */
export interface ExperimentDto {
  id: string;
  name: string;
  status: 'running' | 'stopped';
  /** Share of conversations (or requests without one) the variant decides, in (0, 1). */
  share: number;
  /** A partial of the settings (e.g. {thresholds}, {estimator}) laid over the main policy for arm B. */
  variant: Record<string, unknown>;
  started_at: number;
  stopped_at: number | null;
  adopted: 'A' | 'B' | null;
}

/** A proportion with its 95% Wilson interval. */
export interface ProportionDto {
  count: number;
  total: number;
  rate: number;
  low: number;
  high: number;
}

/** One arm of GET /api/v1/routing/experiment/stats (money in integer micro-dollars). */
export interface ArmStatsDto {
  arm: 'A' | 'B';
  policy: 'main' | 'variant';
  requests: number;
  cloud_share: ProportionDto;
  cost_micros: number;
  /** Mean cost per request with its 95% normal-approximation interval (null bounds: fewer than two requests). */
  mean_cost_micros: { mean: number; low: number | null; high: number | null };
  thumbs_down: ProportionDto;
  retry_with_claude: ProportionDto;
}

/** GET /api/v1/routing/experiment/stats. */
export interface ExperimentStatsDto {
  experiment: ExperimentDto;
  confidence: number;
  arms: ArmStatsDto[];
  /** The arm the 95% intervals favour (quality first, then cost), or null arm: no clear winner yet. */
  winner: { arm: 'A' | 'B' | null; reason: string };
}

/**
 * A download on the wire: `GET /api/v1/downloads`, each `download` event of `GET /api/v1/downloads/events`, the pull
 * and cancel answers, `download` of a local model row and `downloads` of `GET /api/v1/system`. Every event carries the
 * whole snapshot, so a late subscriber needs nothing else.
 */
export interface DownloadProgressDto {
  /** Catalog model id. */
  model_id: string;
  /** File name inside the models folder; the Ollama tag when `via` is ollama. */
  file: string;
  /** `http`: a GGUF into the models folder (embedded engine); `ollama`: pulled by Ollama (`/api/pull`) into its store. */
  via: 'http' | 'ollama';
  state: DownloadState;
  /** Bytes on disk so far (a resumed part included); while verifying, bytes hashed so far. */
  bytes: number;
  /** Expected size from the catalog. */
  total_bytes: number;
  /** Bytes that were already on disk when this download started (resumed from a `.part`). */
  resumed_from_bytes: number;
  /** Recent transfer rate (or hashing rate while verifying); null until measured. */
  bytes_per_second: number | null;
  /** Seconds left at the recent rate; null when unknown. */
  eta_seconds: number | null;
  /** Epoch ms. */
  started_at: number;
  updated_at: number;
  /** Human-readable detail: the error for `failed`, a retry note while `downloading`. */
  message?: string;
  /** Error category for `failed`. */
  error_type?: ErrorType;
}

/** One row of GET /api/v1/models/local. */
export interface LocalModelRow {
  id: string;
  label: string;
  file: string;
  quantization: string;
  /** The SPDX id, or "custom: <name> (not permissive: …)". */
  licence: string;
  /** False for a custom licence with use restrictions: shown as a warning, not as an equal of Apache-2.0. */
  licence_permissive: boolean;
  licence_url: string;
  /** Hugging Face repository and the commit the file is pinned to. */
  repo: string;
  revision: string;
  /** Where the file is downloaded from (the catalog's URL, or the mirror's). */
  url: string;
  ollama_tag: string;
  /** What Ollama's tag is compared with this file (e.g. a Q4_0 build of the same model). */
  ollama_note: string;
  evidence: { summary: string; source: string };
  /** The model thinks aloud by default; routed answers switch that off. */
  hybrid_thinking: boolean;
  ladder_route: Exclude<Route, 'cloud'>;
  min_tier: Tier;
  ram_mib: number;
  context_length: number;
  size_bytes: number;
  /** A file exists under the model's name. */
  present: boolean;
  /** Size of that file (0 when missing). */
  bytes_on_disk: number;
  /** Size of an unfinished `<file>.part` (0 when none): a pull resumes from here. */
  partial_bytes: number;
  /** The running (or last) download of this model, if any since the server started. */
  download: DownloadProgressDto | null;
}

/** HYBRID_AI_LOCAL_MODEL: the one file that serves every local model name (size null when unreadable). */
export interface LocalModelFileDto {
  path: string;
  name: string;
  size_bytes: number | null;
}

/** GET /api/v1/models/local. */
export interface LocalModelsDto {
  models: LocalModelRow[];
  disk_used_bytes: number;
  disk_free_bytes: number | null;
  /** Null when HYBRID_AI_LOCAL_MODEL is unset. */
  local_model_file: LocalModelFileDto | null;
}

/** POST /api/v1/models/:id/pull (202) and DELETE /api/v1/downloads/:id. */
export interface DownloadAnswerDto {
  download: DownloadProgressDto;
}

/** GET /api/v1/downloads. */
export interface DownloadsDto {
  downloads: DownloadProgressDto[];
}

/** DELETE /api/v1/models/:id. */
export interface DeletedModelDto {
  id: string;
  freed_bytes: number;
}

/** A measured value or why it could not be measured. */
export type KnownDto<T> = { known: true; value: T } | { known: false; reason: string };

/** The machine as `GET /api/v1/system` shows it. */
export interface HardwareDto {
  /** Physical RAM, or the container's memory limit when that is lower. */
  total_ram_mib: KnownDto<number>;
  free_ram_mib: KnownDto<number>;
  cpu_cores: KnownDto<number>;
  gpus: KnownDto<Array<{ vendor: 'nvidia' | 'amd' | 'intel' | 'apple' | 'other'; model: string; vram_mib: number | null }>>;
  /** Free space on the file system holding the data dir (where models are downloaded). */
  disk_free_mib: KnownDto<number>;
  platform: string;
  arch: string;
  notes: string[];
}

/** The tier chosen and the sentence shown to the user ("8 GB RAM, no GPU → tier 3"). */
export interface TierDecisionDto {
  tier: Tier;
  reason: string;
  overridden: boolean;
}

/** A local model loaded by the embedded engine, with its parallel sequences. */
export interface ParallelModelDto {
  model: string;
  /** Sequences its context has (answers at once). */
  sequences: number;
  /** Sequences asked for (tier or --parallel); more than `sequences` when free memory was short. */
  requested_sequences: number;
  busy: number;
  queued: number;
  /** Tokens each sequence holds. */
  context_size: number;
  /** Memory of one sequence's KV cache, bytes. */
  bytes_per_sequence: number;
  /** Memory of the whole context, bytes; the weights are extra. */
  context_bytes: number;
  /** Whether its attention runs llama.cpp's flash-attention kernel (off on the CPU for heads under 64 wide). */
  flash_attention: boolean;
  /** Why it has fewer sequences than asked, when so. */
  limited_by?: string;
}

/** `parallel` of GET /api/v1/system: how many answers the local engines give at once and what waits. */
export interface ParallelDto {
  sequences: number;
  /** Where that number comes from. */
  sequences_from: string;
  /** Requests that may wait per model; one more gets 503 with Retry-After. */
  queue_limit: number;
  running: number;
  queued: number;
  /**
   * Waiting requests in the order they will run; position 1 runs next on its model. `id` is the engine's own job
   * number; `request_id` the id the request will be answered under (its x-request-id and ledger row id; null for a
   * call that has none, e.g. an embedding); `client_request_id` the caller's own x-client-request-id (null when it sent
   * none): a waiting client cannot see its x-request-id yet, so it finds itself by the id it chose.
   */
  queue: Array<{ id: number; request_id: string | null; client_request_id: string | null; model: string; position: number }>;
  models: ParallelModelDto[];
  ollama: {
    /** OLLAMA_NUM_PARALLEL the bundled Ollama was started with; null when the core did not start it. */
    num_parallel: number | null;
    /** keep_alive the core sends with every request. */
    keep_alive: string;
  };
}

/** One of the caller's own requests in `GET /api/v1/queue`: waiting (with its position) or answering now. */
export interface QueueEntryDto {
  /** The id it will be answered under (its x-request-id and ledger row id); null for a call that has none. */
  request_id: string | null;
  /** The caller's own x-client-request-id (null when it sent none): a waiting client finds itself by it. */
  client_request_id: string | null;
  model: string;
}

/**
 * `GET /api/v1/queue`: the local queue as one caller may see it. An app key gets its own requests in detail and only
 * counts of everyone else's; the API token (`scope: "all"`) gets every request.
 */
export interface QueueDto {
  /** "own": the entries are the calling app key's requests only; "all": every caller's (the API token). */
  scope: 'own' | 'all';
  /** Requests that may wait per model; one more gets 503 with Retry-After. */
  queue_limit: number;
  /** Waiting requests in the order they will run; position 1 runs next on its model. */
  queued: Array<QueueEntryDto & { position: number }>;
  /** Requests a local model is answering now. */
  running: QueueEntryDto[];
  /** Per local model, all callers together: parallel sequences (null while not loaded), running and waiting requests. */
  models: Array<{ model: string; sequences: number | null; running: number; queued: number }>;
}

/** One engine as `GET /api/v1/system` shows it. */
export interface EngineInUseDto {
  id: EngineId;
  kind: 'embedded' | 'system-ollama' | 'bundled-ollama' | 'openai-compat' | 'cloud';
  ok: boolean;
  models: string[];
  reason?: string;
  url?: string;
}

/** GET /api/v1/system: the machine, the tier and why, the engines, the models and downloads. */
export interface SystemDto {
  /** Null until the first detection finished. */
  hardware: HardwareDto | null;
  /** Milliseconds the last hardware detection took (null before it finished). */
  detection_ms: number | null;
  tier: TierDecisionDto;
  /** The tier detection alone would pick (differs from `tier` when the user overrides it). */
  detected_tier: TierDecisionDto;
  engines: EngineInUseDto[];
  /** The Ollama the core uses or manages. */
  ollama: {
    state: OllamaProcessState;
    source: 'system' | 'path' | 'bundled' | null;
    url: string | null;
    binary: string | null;
    pid: number | null;
    restarts: number;
    message?: string;
  };
  /** Catalog ids of local models whose file is on disk / not on disk. */
  models: { present: string[]; missing: string[] };
  /** What the tier's ladder would like on disk (the first model of each rung). */
  recommended: string[];
  recommendations: Array<{ id: string; route: 'small' | 'medium' | 'large'; reason: string }>;
  downloads: DownloadProgressDto[];
  /** Settings that weaken the API's protection, each with what it exposes (empty when none is on). */
  warnings: Array<{ id: 'ollama-without-token'; message: string }>;
  parallel?: ParallelDto;
}

/** GET /api/v1/feedback/tune: proposed thresholds from feedback, with the evidence and the expected effect. */
export interface TuneProposalDto {
  current: Thresholds;
  proposed: Thresholds;
  changed: boolean;
  enough_data: boolean;
  evidence: { rated: number; local_rated: number; local_misses: number; small_rated: number; small_misses: number };
  expected: { cloud_share: { before: number; after: number }; miss_rate: { before: number; after: number } };
  reasons: string[];
}
