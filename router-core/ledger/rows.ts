// Row → record mapping shared by the SQLite and PostgreSQL stores (both name their result columns alike).
import type { ApiKeyRecord, Conversation, RequestRecord, Stats, StatsSlice, StoredMessage } from './ledger.js';
import { cloudEngineSqlList } from '../routing/cloud.js';
import type { ArmTotals } from '../routing/experiment.js';
import type { CacheEntry, FeedbackRating, FeedbackSample, RoutingStats } from './routing-store.js';

/** One result row as a driver returns it. PostgreSQL's BIGINT/NUMERIC arrive as strings: every number goes through Number(). */
export type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v ?? 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A stats slice from the aggregate columns (requests, errors, inputTokens, ...). */
export function slice(r: Row): StatsSlice {
  return {
    requests: num(r.requests),
    errors: num(r.errors),
    inputTokens: num(r.inputTokens),
    outputTokens: num(r.outputTokens),
    costMicros: num(r.costMicros),
    allCloudMicros: num(r.allCloudMicros),
    savingsMicros: num(r.savingsMicros),
  };
}

/** The whole stats answer from the totals row and the grouped rows. */
export function statsFrom(from: number, to: number, t: Row, byModel: Row[], byRoute: Row[], byDay: Row[], byApp: Row[]): Stats {
  const s = slice(t);
  const local = num(t.local);
  const cloud = num(t.cloud);
  return {
    from,
    to,
    totals: {
      ...s,
      local,
      cloud,
      localShare: local + cloud === 0 ? 0 : local / (local + cloud),
      savingsPct: s.allCloudMicros === 0 ? 0 : s.savingsMicros / s.allCloudMicros,
      avgLatencyMs: num(t.avgLatencyMs),
    },
    byModel: byModel.map((r) => ({ model: String(r.model), engine: String(r.engine ?? ''), ...slice(r) })),
    byRoute: byRoute.map((r) => ({ route: String(r.route), ...slice(r) })),
    byDay: byDay.map((r) => ({ day: String(r.day), ...slice(r) })),
    byApp: byApp.map((r) => ({
      apiKeyId: (r.apiKeyId ?? null) as string | null,
      name: (r.name ?? null) as string | null,
      ...slice(r),
    })),
  };
}

/** A `requests` row. */
export function toRecord(r: Row): RequestRecord {
  return {
    id: String(r.id),
    ts: Number(r.ts),
    protocol: r.protocol as RequestRecord['protocol'],
    route: (r.route ?? null) as RequestRecord['route'],
    model: (r.model ?? null) as string | null,
    engine: (r.engine ?? null) as RequestRecord['engine'],
    complexity: numOrNull(r.complexity),
    reasons: JSON.parse(String(r.reasons)) as string[],
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    costMicros: Number(r.cost_micros),
    allCloudMicros: Number(r.all_cloud_micros),
    latencyMs: Number(r.latency_ms),
    ttftMs: numOrNull(r.ttft_ms),
    status: r.status as RequestRecord['status'],
    errorType: (r.error_type ?? null) as RequestRecord['errorType'],
    fallbackFrom: JSON.parse(String(r.fallback_from)) as string[],
    prompt: (r.prompt ?? null) as string | null,
    response: (r.response ?? null) as string | null,
    apiKeyId: (r.api_key_id ?? null) as string | null,
    experimentId: (r.experiment_id ?? null) as string | null,
    arm: (r.arm ?? null) as RequestRecord['arm'],
  };
}

/** The `requests` columns `record()` writes, in the order of recordValues(). */
export const RECORD_COLUMNS =
  'id, ts, protocol, route, model, engine, complexity, reasons, input_tokens, output_tokens, cost_micros, ' +
  'all_cloud_micros, latency_ms, ttft_ms, status, error_type, fallback_from, prompt, response, api_key_id, experiment_id, arm';

/** `$1, $2, ...` for every column of RECORD_COLUMNS (PostgreSQL's placeholders). */
export const RECORD_PLACEHOLDERS = RECORD_COLUMNS.split(',')
  .map((_, i) => `$${i + 1}`)
  .join(', ');

/**
 * The values `record()` binds, positionally in RECORD_COLUMNS order (both stores). why positional: binding twenty
 * named parameters from a copied object cost a few µs more per row than an array, on every request.
 */
export function recordValues(r: RequestRecord): unknown[] {
  return [
    r.id,
    r.ts,
    r.protocol,
    r.route,
    r.model,
    r.engine,
    r.complexity,
    JSON.stringify(r.reasons),
    r.inputTokens,
    r.outputTokens,
    r.costMicros,
    r.allCloudMicros,
    r.latencyMs,
    r.ttftMs,
    r.status,
    r.errorType,
    JSON.stringify(r.fallbackFrom),
    r.prompt,
    r.response,
    r.apiKeyId ?? null,
    r.experimentId ?? null,
    r.arm ?? null,
  ];
}

/**
 * The cloud engines as an SQL list, `'anthropic', 'openai', …`: a row is a cloud answer when its engine is one of them.
 * Generated from the engine kinds (contracts/decision.ts), so stored rows of every cloud, old and new, count alike.
 */
export const CLOUD_ENGINES_SQL = cloudEngineSqlList();

/**
 * Per-arm totals of one experiment, the same SQL in both dialects (`?` is replaced by the store's placeholder): the
 * requests each arm decided, cloud answers, cost (Σ and Σ² as a float: a sum of squared micro-dollars can pass 2^63),
 * thumbs-down verdicts, and "retry with Claude" (a retry verdict, or an answer stored as replacing this one).
 */
export const EXPERIMENT_TOTALS_SQL = `SELECT r.arm AS arm, COUNT(*) AS requests,
    SUM(CASE WHEN r.engine IN (${CLOUD_ENGINES_SQL}) THEN 1 ELSE 0 END) AS cloud,
    COALESCE(SUM(r.cost_micros), 0) AS cost,
    COALESCE(SUM(r.cost_micros * 1.0 * r.cost_micros), 0) AS cost_sq,
    SUM(CASE WHEN f.rating = 'down' THEN 1 ELSE 0 END) AS down,
    SUM(CASE WHEN f.rating = 'retry' OR EXISTS (SELECT 1 FROM messages m WHERE m.retry_of = r.id) THEN 1 ELSE 0 END) AS retried
  FROM requests r LEFT JOIN feedback f ON f.request_id = r.id
  WHERE r.experiment_id = ? AND r.arm IS NOT NULL
  GROUP BY r.arm ORDER BY r.arm`;

/** A row of {@link EXPERIMENT_TOTALS_SQL}. */
export function toArmTotals(r: Row): ArmTotals {
  return {
    arm: String(r.arm) as ArmTotals['arm'],
    requests: num(r.requests),
    cloud: num(r.cloud),
    costMicros: num(r.cost),
    costSquaresMicros: num(r.cost_sq),
    down: num(r.down),
    retried: num(r.retried),
  };
}

/** An `api_keys` row. */
export function toApiKey(r: Row): ApiKeyRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    hash: String(r.hash),
    prefix: String(r.prefix),
    createdAt: Number(r.created_at),
    revokedAt: numOrNull(r.revoked_at),
    rateLimitPerMin: numOrNull(r.rate_limit_per_min),
    monthlyBudgetMicros: numOrNull(r.monthly_budget_micros),
  };
}

/**
 * SQL (both dialects) true when the request `t` gave no useful answer, so it saved nothing: it failed, the person rated
 * it down or retried it (feedback), or a stored answer replaced it (Retry with Claude). Its cost still counts as spend.
 */
export function notHelpful(t: string): string {
  return `(${t}.status <> 'ok'
    OR EXISTS (SELECT 1 FROM feedback f WHERE f.request_id = ${t}.id AND f.rating IN ('down', 'retry'))
    OR EXISTS (SELECT 1 FROM messages m WHERE m.retry_of = ${t}.id))`;
}

/** A `conversations` row with its message_count. */
export function toConversation(r: Row): Conversation {
  return {
    id: String(r.id),
    title: String(r.title),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    messageCount: num(r.message_count),
    leafId: r.leaf_id === null || r.leaf_id === undefined ? null : String(r.leaf_id),
    // Only a search selects match_content: the first message holding the search text (null when only the title matched).
    ...(r.match_content !== undefined ? { match: r.match_content === null ? null : String(r.match_content) } : {}),
  };
}

/** The first routing event of `kinds` for the answer's request: one of `column`. */
const eventOf = (column: string, kinds: string): string =>
  `(SELECT e.${column} FROM routing_events e WHERE e.request_id = r.id AND e.kind IN (${kinds}) ORDER BY e.ts LIMIT 1)`;

/**
 * Select list and joins of listMessages, the same SQL in both dialects (each store adds its WHERE and ORDER BY): every
 * message with, for answers, its request row (r.*), its rating, its cache hit and cascade escalation (routing events,
 * by their request_id index) and the answer it replaced with its verdict. One query for the whole conversation.
 */
export const MESSAGES_SQL = `SELECT m.id AS m_id, m.conversation_id AS m_conversation_id, m.role AS m_role, m.content AS m_content,
    m.request_id AS m_request_id, m.created_at AS m_created_at, m.retry_of AS m_retry_of,
    m.parent_id AS m_parent_id, r.*,
    f.rating AS m_rating,
    ${eventOf('kind', `'cache_hit', 'semantic_hit'`)} AS m_hit_kind,
    ${eventOf('engine', `'cache_hit', 'semantic_hit'`)} AS m_hit_engine,
    ${eventOf('model', `'cascade_escalated'`)} AS m_escalated_from,
    ${eventOf('detail', `'cascade_escalated'`)} AS m_escalated_reason,
    o.model AS m_retry_model, ofb.rating AS m_retry_rating
  FROM messages m
  LEFT JOIN requests r ON m.role = 'assistant' AND r.id = m.request_id
  LEFT JOIN feedback f ON f.request_id = r.id
  LEFT JOIN requests o ON m.role = 'assistant' AND o.id = m.retry_of
  LEFT JOIN feedback ofb ON m.role = 'assistant' AND ofb.request_id = m.retry_of`;

const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A row of {@link MESSAGES_SQL}: the message (m_* columns) with its request row (r.*) and what is known about the answer. */
export function toStoredMessage(r: Row): StoredMessage {
  let request: StoredMessage['request'] = null;
  if (r.id !== null && r.id !== undefined) {
    const { prompt: _prompt, response: _response, ...rest } = toRecord(r);
    request = rest;
  }
  const hit = strOrNull(r.m_hit_kind);
  const escalatedFrom = strOrNull(r.m_escalated_from);
  const retryOf = r.m_role === 'assistant' ? strOrNull(r.m_retry_of) : null;
  return {
    id: String(r.m_id),
    conversationId: String(r.m_conversation_id),
    parentId: strOrNull(r.m_parent_id),
    role: r.m_role as StoredMessage['role'],
    content: String(r.m_content),
    requestId: strOrNull(r.m_request_id),
    createdAt: Number(r.m_created_at),
    request,
    rating: strOrNull(r.m_rating) as FeedbackRating | null,
    cacheHit: hit ? { semantic: hit === 'semantic_hit', engine: strOrNull(r.m_hit_engine) as RequestRecord['engine'] } : null,
    escalated: escalatedFrom ? { from: escalatedFrom, reason: strOrNull(r.m_escalated_reason) ?? '' } : null,
    retryOf: retryOf
      ? { requestId: retryOf, model: strOrNull(r.m_retry_model), rating: strOrNull(r.m_retry_rating) as FeedbackRating | null }
      : null,
  };
}

/** `%text%` for LIKE, with LIKE's wildcards in `text` escaped by a backslash (paired with ESCAPE '\' in the SQL). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A `response_cache` row (the embedding column is a Buffer in both drivers: BLOB / BYTEA). */
export function toEntry(r: Row): CacheEntry {
  const blob = r.embedding as Buffer | null;
  return {
    key: String(r.key),
    scope: String(r.scope),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    requestId: String(r.request_id),
    route: r.route as CacheEntry['route'],
    model: String(r.model),
    engine: r.engine as CacheEntry['engine'],
    complexity: Number(r.complexity),
    response: String(r.response),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    finishReason: r.finish_reason as CacheEntry['finishReason'],
    costMicros: Number(r.cost_micros),
    ...(blob ? { embedding: new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength)) } : {}),
  };
}

/** The embedding as the driver stores it (a Buffer over the same bytes), or null. */
export function embeddingParam(e: CacheEntry): Buffer | null {
  return e.embedding ? Buffer.from(e.embedding.buffer, e.embedding.byteOffset, e.embedding.byteLength) : null;
}

/**
 * Routing stats from the per-kind event counts (kind, n, saved, cost) and the per-route feedback rows
 * (route, up, down, retry, local_rated, local_missed).
 */
export function routingStatsFrom(eventRows: Row[], feedbackRows: Row[]): RoutingStats {
  const ev = new Map(eventRows.map((r) => [String(r.kind), { n: num(r.n), saved: num(r.saved), cost: num(r.cost) }]));
  const n = (k: string): number => ev.get(k)?.n ?? 0;
  const saved = (k: string): number => ev.get(k)?.saved ?? 0;
  const kept = n('cascade_kept');
  const escalated = n('cascade_escalated');
  const sum = (k: string): number => feedbackRows.reduce((a, r) => a + num(r[k]), 0);
  const localRated = sum('local_rated');
  return {
    cache: { hits: n('cache_hit'), semanticHits: n('semantic_hit'), savedMicros: saved('cache_hit') + saved('semantic_hit') },
    cascade: {
      runs: kept + escalated,
      escalated,
      escalationRate: kept + escalated === 0 ? 0 : escalated / (kept + escalated),
      savedMicros: saved('cascade_kept'),
      firstAttemptCostMicros: ev.get('cascade_escalated')?.cost ?? 0,
    },
    privacy: { keptLocal: n('privacy_local') },
    feedback: {
      up: sum('up'),
      down: sum('down'),
      retry: sum('retry'),
      localMissRate: localRated === 0 ? 0 : sum('local_missed') / localRated,
      byRoute: feedbackRows.map((r) => ({ route: String(r.route), up: num(r.up), down: num(r.down), retry: num(r.retry) })),
    },
  };
}

/** A feedback row joined with its request (route, engine, model, complexity), for the tuner. */
export function toFeedbackSample(r: Row): FeedbackSample {
  return {
    requestId: String(r.request_id),
    ts: Number(r.ts),
    rating: r.rating as FeedbackSample['rating'],
    route: (r.route ?? null) as string | null,
    engine: (r.engine ?? null) as string | null,
    model: (r.model ?? null) as string | null,
    complexity: r.complexity === null ? null : Number(r.complexity),
  };
}
