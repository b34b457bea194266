// The stats answers on the wire (snake_case, as the rest of /api/v1): mapped from the ledger's camelCase rows here, at
// the boundary, so the ledger and its columns keep their own names.
import type { CloudProvider, FeedbackStatsDto, RoutingStatsDto, StatsDto, StatsSlice } from '../contracts/api.js';
import type { Stats, StatsSlice as LedgerSlice } from '../ledger/ledger.js';
import type { RoutingStats } from '../ledger/routing-store.js';
import { providerOf } from '../routing/cloud.js';

/** One ledger slice as the wire names it. */
export function sliceDto(s: LedgerSlice): StatsSlice {
  return {
    requests: s.requests,
    errors: s.errors,
    input_tokens: s.inputTokens,
    output_tokens: s.outputTokens,
    cost_micros: s.costMicros,
    all_cloud_micros: s.allCloudMicros,
    savings_micros: s.savingsMicros,
  };
}

/** The spend part of GET /api/v1/stats: totals and the per-model, per-provider, per-route and per-day slices. */
export function spendStatsDto(
  s: Stats,
): Pick<StatsDto, 'from' | 'to' | 'totals' | 'by_model' | 'by_provider' | 'by_route' | 'by_day' | 'by_app'> {
  const t = s.totals;
  const byModel = s.byModel.map((m) => ({ ...sliceDto(m), model: m.model, engine: m.engine }));
  return {
    from: s.from,
    to: s.to,
    totals: {
      ...sliceDto(t),
      local: t.local,
      cloud: t.cloud,
      local_share: t.localShare,
      savings_pct: t.savingsPct,
      avg_latency_ms: t.avgLatencyMs,
    },
    by_model: byModel,
    by_provider: spendByProvider(byModel),
    by_route: s.byRoute.map((r) => ({ ...sliceDto(r), route: r.route })),
    by_day: s.byDay.map((d) => ({ ...sliceDto(d), day: d.day })),
    by_app: s.byApp.map((a) => ({ ...sliceDto(a), api_key_id: a.apiKeyId, name: a.name })),
  };
}

/** Cloud spend by provider, summed from the per-model rows (the provider is the engine's kind; local rows are left out). */
export function spendByProvider(byModel: ReadonlyArray<StatsSlice & { engine: string }>): Array<StatsSlice & { provider: CloudProvider }> {
  const out = new Map<CloudProvider, StatsSlice & { provider: CloudProvider }>();
  for (const m of byModel) {
    const provider = providerOf(m.engine);
    if (!provider) continue;
    const t = out.get(provider) ?? {
      provider,
      requests: 0,
      errors: 0,
      input_tokens: 0,
      output_tokens: 0,
      cost_micros: 0,
      all_cloud_micros: 0,
      savings_micros: 0,
    };
    t.requests += m.requests;
    t.errors += m.errors;
    t.input_tokens += m.input_tokens;
    t.output_tokens += m.output_tokens;
    t.cost_micros += m.cost_micros;
    t.all_cloud_micros += m.all_cloud_micros;
    t.savings_micros += m.savings_micros;
    out.set(provider, t);
  }
  return [...out.values()].sort((a, b) => b.cost_micros - a.cost_micros);
}

/** GET /api/v1/feedback/stats and `routing.feedback`. */
export function feedbackStatsDto(f: RoutingStats['feedback']): FeedbackStatsDto {
  return { up: f.up, down: f.down, retry: f.retry, local_miss_rate: f.localMissRate, by_route: f.byRoute };
}

/** The routing features' counters as the wire names them. */
export function routingStatsDto(r: RoutingStats): RoutingStatsDto {
  return {
    cache: { hits: r.cache.hits, semantic_hits: r.cache.semanticHits, saved_micros: r.cache.savedMicros },
    cascade: {
      runs: r.cascade.runs,
      escalated: r.cascade.escalated,
      escalation_rate: r.cascade.escalationRate,
      saved_micros: r.cascade.savedMicros,
      first_attempt_cost_micros: r.cascade.firstAttemptCostMicros,
    },
    privacy: { kept_local: r.privacy.keptLocal },
    feedback: feedbackStatsDto(r.feedback),
  };
}
