// Admin and read-only routes: /health, /ready, /api/v1/stats, /api/v1/complexity, model lists, /metrics.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ChatMessage, ChatRequest } from '../contracts/chat.js';
import type { Availability } from '../contracts/decision.js';
import { modelCatalog } from '../data/models.js';
import { tierLadders } from '../data/tiers.js';
import { CoreError } from '../errors.js';
import type { Ledger, RequestLog, StatsStore } from '../ledger/ledger.js';
import type { RoutingStore } from '../ledger/routing-store.js';
import type { ChatPipeline } from '../pipeline.js';
import type { RoutingConfig } from '../routing/policy.js';
import type { Tier } from '../contracts/decision.js';
import { levelOf } from '../routing/complexity.js';
import { isCloudEngine, providerOfModel } from '../routing/cloud.js';
import { estimateReasons, estimateRequest } from '../routing/policy.js';
import type { Metrics } from './metrics.js';
import { requireUserTurn } from './protocols/common.js';
import { parseBody } from './protocols/validate.js';
import { rangeStart } from './ranges.js';
import type { ComplexityDto, ModelsDto, StatsDto } from '../contracts/api.js';
import type { HealthDto, ReadyDto } from './api-schemas.js';
import { scheduleNow } from './routing-settings-api.js';
import { enginesDto } from './models-dto.js';
import { routingStatsDto, spendStatsDto } from './stats-dto.js';

export interface AdminDeps {
  version: string;
  startedAt: number;
  now(): number;
  /** /ready probes a write (rolled back: a probe keeps nothing) and a read; /api/v1/stats reads the log, the spend and the routing events. */
  ledger: Pick<Ledger, 'kind' | 'probeWrite'> & Pick<RequestLog, 'recent'> & StatsStore & Pick<RoutingStore, 'routingStats'>;
  pipeline: ChatPipeline;
  metrics: Metrics;
  availability(): Promise<Availability>;
  routing(): RoutingConfig;
  tier(): { tier: Tier; reason: string };
}

/** Start of the local day containing `t`, and of its month. */
export function periodStarts(t: number): { day: number; month: number } {
  // Every request asks (budgets): the answer holds for the whole local day, so it is kept until the day ends.
  if (periodMemo && t >= periodMemo.day && t < periodMemo.nextDay) return { day: periodMemo.day, month: periodMemo.month };
  const d = new Date(t);
  const day = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const month = new Date(d.getFullYear(), d.getMonth(), 1).getTime();
  periodMemo = { day, month, nextDay: new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime() };
  return { day, month };
}
let periodMemo: { day: number; month: number; nextDay: number } | undefined;

// The conversation fields as /api/v1/chat takes them (prompt or messages, max_tokens, local_only): the decision is the
// one chat would make, so a follow-up is judged with its conversation and a long one against the models' contexts.
const complexityBody = z
  .object({
    prompt: z.string().trim().min(1, 'must be a non-empty string').optional(),
    messages: z
      .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
      .min(1, 'must have at least one message')
      .optional(),
    model: z.string().min(1).default('auto'),
    max_tokens: z.number().int().min(1).max(32_768).optional(),
    local_only: z.boolean().optional(),
    thresholds: z
      .object({ medium: z.number().min(0).max(1), cloud: z.number().min(0).max(1.01) })
      .refine((t) => t.medium <= t.cloud, { message: 'medium must be ≤ cloud' })
      .optional(),
  })
  .refine((b) => b.prompt !== undefined || b.messages !== undefined, {
    message: 'provide "prompt" (a non-empty string) or "messages"',
    path: ['prompt'],
  });

export function mountAdmin(app: FastifyInstance, deps: AdminDeps): void {
  app.get('/health', { config: { public: true } }, async () => health(deps));
  app.get('/ready', { config: { public: true } }, async (_req, reply) => readiness(deps, reply));
  app.get('/api/v1/stats', async (req) => statsDto(deps, req.query as StatsQuery));
  app.post('/api/v1/complexity', async (req) => complexity(deps, req.body));
  // A model list: app keys may read it (README, "Per-app keys"), which the auth hook allows for routes of a protocol.
  app.get('/api/v1/models', { config: { protocol: 'native' } }, async () => modelList(deps));
  app.get('/metrics', async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
}

/** GET /health: up, with the version and uptime. */
function health(deps: AdminDeps): HealthDto {
  return {
    status: 'ok',
    service: 'hybrid-ai-stack',
    version: deps.version,
    uptime_s: Math.round((deps.now() - deps.startedAt) / 1000),
  };
}

/** GET /ready: 200 when a request can be answered and recorded, else 503 with the reasons. */
async function readiness(deps: AdminDeps, reply: FastifyReply): Promise<FastifyReply> {
  const a = await deps.availability();
  const engines = Object.fromEntries(
    Object.entries(a.engines).map(([k, v]) => [k, { ok: v.ok, models: v.models.length, reason: v.reason }]),
  );
  // Ready = a request can be answered AND recorded: the ledger takes a write (rolled back) and a read (spend and settings are
  // cached in memory, so only a real statement proves the database is still usable: disk full, read-only volume,
  // deleted file, PostgreSQL down or unreachable), and at least one engine has a model.
  const reasons: string[] = [];
  let ledgerOk = true;
  try {
    await deps.ledger.probeWrite();
    await deps.ledger.recent(1);
  } catch (e) {
    ledgerOk = false;
    reasons.push(`ledger (${deps.ledger.kind}): ${e instanceof Error ? e.message : String(e)}`);
  }
  const anyEngine = Object.values(a.engines).some((e) => e.ok && e.models.length > 0);
  if (!anyEngine) {
    const why = Object.entries(a.engines).map(([k, v]) => `${k}: ${v.reason ?? 'no model'}`);
    reasons.push(`no engine has a model (${why.join('; ') || 'no engine configured'})`);
  }
  const ready = ledgerOk && anyEngine;
  return reply.code(ready ? 200 : 503).send({
    status: ready ? 'ready' : 'not_ready',
    ledger: ledgerOk,
    ledger_store: deps.ledger.kind,
    engines,
    ...(ready ? {} : { reasons }),
  } satisfies ReadyDto);
}

/** The query of GET /api/v1/stats: a named range, or epoch-millisecond bounds. */
interface StatsQuery {
  range?: string;
  from?: string;
  to?: string;
}

/** GET /api/v1/stats: the ledger's sums over a range, the budget and spend, routing events and the schedule now. */
async function statsDto(deps: AdminDeps, q: StatsQuery): Promise<StatsDto> {
  const now = deps.now();
  const starts = periodStarts(now);
  let from: number;
  let to = now + 1;
  if (q.from !== undefined || q.to !== undefined) {
    from = Number(q.from ?? 0);
    to = Number(q.to ?? now + 1);
    if (!Number.isFinite(from) || !Number.isFinite(to) || from > to)
      throw new CoreError('invalid_request', 'Invalid "from"/"to": give epoch milliseconds with from ≤ to.');
  } else {
    from = rangeStart(q.range ?? 'today', starts);
  }
  const [stats, spend, routing] = await Promise.all([
    deps.ledger.stats(from, to),
    deps.ledger.spendSince(starts.day, starts.month),
    deps.ledger.routingStats(from, to),
  ]);
  const budget = deps.routing().budget;
  return {
    ...spendStatsDto(stats),
    budget: {
      daily_cap_micros: budget.dailyMicros ?? null,
      monthly_cap_micros: budget.monthlyMicros ?? null,
      spent_today_micros: spend.todayMicros,
      spent_month_micros: spend.monthMicros,
    },
    // Cache hits, cascades, privacy-kept requests and feedback (gateway/routing-settings-api.ts has the same alone).
    routing: routingStatsDto(routing),
    // Time-based routing in force now (the dashboard shows it): null without an enabled schedule.
    schedule: scheduleNow(deps.routing().schedule ?? null, now),
  } satisfies StatsDto;
}

/** POST /api/v1/complexity: the decision chat would make for this conversation, without answering it. */
async function complexity(deps: AdminDeps, body: unknown): Promise<ComplexityDto> {
  const b = parseBody(complexityBody, body);
  const messages: ChatMessage[] = b.messages ?? [{ role: 'user', content: b.prompt! }];
  requireUserTurn(messages);
  const request: ChatRequest = { model: b.model, messages, params: { maxTokens: b.max_tokens }, localOnly: b.local_only };
  let decision;
  try {
    decision = b.thresholds ? await deps.pipeline.decide(request, { thresholds: b.thresholds }) : await deps.pipeline.decide(request);
  } catch (e) {
    // Nothing installed or reachable yet: the estimate is still worth showing (Settings previews thresholds before a
    // model is pulled), with the route empty and the reason nothing can answer.
    if (!(e instanceof CoreError) || e.type !== 'no_model_available') throw e;
    const estimate = estimateRequest(request, { ...deps.routing(), ...(b.thresholds ? { thresholds: b.thresholds } : {}) });
    const reasons = [...estimateReasons(estimate), e.message];
    return {
      complexity: Number(estimate.score.toFixed(3)),
      level: estimate.level,
      available: false,
      route: null,
      recommended_model: null,
      engine: null,
      backend: null,
      reasons,
      reasoning: reasons.join('; '),
      fallbacks: [],
    } satisfies ComplexityDto;
  }
  return {
    complexity: Number(decision.complexity.toFixed(3)),
    level: levelOf(decision.complexity, b.thresholds ?? deps.routing().thresholds),
    available: true,
    route: decision.route,
    recommended_model: decision.model,
    engine: decision.engine,
    backend: isCloudEngine(decision.engine) ? 'cloud' : 'local',
    reasons: decision.reasons,
    reasoning: decision.reasons.join('; '),
    fallbacks: decision.fallbacks,
  } satisfies ComplexityDto;
}

/** GET /api/v1/models: the tier, its ladder and every catalog model with the engines that have it. */
async function modelList(deps: AdminDeps): Promise<ModelsDto> {
  const a = await deps.availability();
  const t = deps.tier();
  return {
    tier: t.tier,
    tier_reason: t.reason,
    ladder: Object.fromEntries(Object.entries(tierLadders[t.tier].routes).map(([r, ids]) => [r, [...ids]])),
    models: modelCatalog.map((m) => ({
      id: m.id,
      label: m.label,
      kind: m.kind,
      routes: [...m.routes],
      ...(m.kind === 'cloud' ? { provider: providerOfModel(m.id) } : {}),
      available_on: Object.entries(a.engines)
        .filter(([, v]) => v.ok && v.models.includes(m.id))
        .map(([k]) => k),
    })),
    engines: enginesDto(a.engines),
  } satisfies ModelsDto;
}

/** Request body schemas, for the OpenAPI document (gateway/openapi.ts). */
export { complexityBody };
