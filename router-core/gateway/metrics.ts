// Prometheus metrics with the seed's names, observed once per finished request from its ledger row.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Availability } from '../contracts/decision.js';
import { modelCatalog } from '../data/models.js';
import type { RequestRecord } from '../ledger/ledger.js';
import type { SpendSoFar } from '../routing/budget.js';
import { isCloudEngine } from '../routing/cloud.js';

/** Model label values: catalog ids only. Any other name (a raw claude-* id, an Ollama tag) is "other", so callers cannot mint label values (unbounded cardinality takes Prometheus down). */
const CATALOG_IDS: ReadonlySet<string> = new Set(modelCatalog.map((m) => m.id));

/** The `model` label for a request's model. */
export function modelLabel(model: string | null): string {
  if (model === null) return 'none';
  return CATALOG_IDS.has(model) ? model : 'other';
}

/** The `status` label of `api_gateway_requests_total`. */
export type RequestStatusLabel = 'success' | 'error' | 'aborted' | 'refused';

/**
 * The `status` label of a finished request: the seed's success | error, aborted (nobody read it), and refused: turned
 * away by this machine's own limits before any work, asking the caller to retry (a local model's full queue: 503
 * upstream_overloaded from a local engine; the gateway's 429 rate_limited, e.g. the cloud budget cap). A dashboard
 * then tells overload from breakage. A cloud provider's 429/529 stays an error: that is the provider failing us.
 *
 * The ledger keeps such rows as status 'error' with the refusal in error_type (its CHECK allows ok | error | aborted,
 * and the stats' error count is unchanged); this function is the one place that reads a refusal from a row.
 */
export function requestStatusLabel(r: Pick<RequestRecord, 'status' | 'errorType' | 'engine'>): RequestStatusLabel {
  if (r.status === 'ok') return 'success';
  if (r.status === 'aborted') return 'aborted';
  if (r.errorType === 'rate_limited') return 'refused';
  if (r.errorType === 'upstream_overloaded' && r.engine !== null && !isCloudEngine(r.engine)) return 'refused';
  return 'error';
}

export interface Metrics {
  registry: Registry;
  observe(r: RequestRecord): void;
  /**
   * Count a request an app key's own limits turned away before the pipeline (its rate limit, monthly budget or
   * concurrency limit: a 429 with Retry-After). It has no model or engine yet, so it counts as model="none",
   * backend="none", status="refused" (the labels a ledger row without them gets); no duration and no ledger row: no work
   * was done, and a client hammering past its limit must not cost a database write per refusal.
   */
  refused(): void;
}

/** A private registry (never the global one, so tests and several servers in one process do not collide). */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'api_gateway_requests_total',
    help: 'Total requests to API gateway',
    labelNames: ['model', 'backend', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'api_gateway_request_duration_seconds',
    help: 'Request latency in seconds',
    labelNames: ['model', 'backend'] as const,
    // From a cached/instant answer (5 ms) up to a long cloud answer (2 min).
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const cost = new Counter({
    name: 'api_gateway_cost_total',
    help: 'Total cost in USD',
    labelNames: ['model'] as const,
    registers: [registry],
  });
  const savings = new Counter({
    name: 'api_gateway_savings_total',
    help: 'USD saved versus sending the same request to the reference cloud model',
    labelNames: ['model'] as const,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'api_gateway_tokens_total',
    help: 'Tokens processed',
    labelNames: ['model', 'direction'] as const,
    registers: [registry],
  });
  return {
    registry,
    observe(r: RequestRecord): void {
      const model = modelLabel(r.model);
      const backend = r.engine ?? 'none';
      requests.inc({ model, backend, status: requestStatusLabel(r) });
      duration.observe({ model, backend }, r.latencyMs / 1000);
      if (r.costMicros > 0) cost.inc({ model }, r.costMicros / 1e6);
      const saved = r.allCloudMicros - r.costMicros;
      if (r.status === 'ok' && saved > 0) savings.inc({ model }, saved / 1e6);
      if (r.inputTokens > 0) tokens.inc({ model, direction: 'input' }, r.inputTokens);
      if (r.outputTokens > 0) tokens.inc({ model, direction: 'output' }, r.outputTokens);
    },
    refused(): void {
      requests.inc({ model: modelLabel(null), backend: 'none', status: 'refused' });
    },
  };
}

/** What the state gauges read at scrape time. */
export interface StateSources {
  availability(): Promise<Availability>;
  /** The cloud caps in force (settings or config), micro-dollars; undefined = no cap. */
  budget(): { dailyMicros?: number; monthlyMicros?: number };
  /** Recorded cloud spend in the budget's current calendar day and month (the numbers the budget guard compares). */
  spend(): Promise<SpendSoFar>;
  /** Local models' parallel sequences, running and waiting requests (the embedded engine's queue). */
  localLoad?(): LocalLoad;
}

/** Local models' load as the gauges read it. */
export interface LocalLoad {
  models: ReadonlyArray<{ model: string; sequences: number; busy: number }>;
  queue: ReadonlyArray<{ model: string }>;
}

/**
 * Gauges computed when Prometheus scrapes: `api_gateway_engine_up{engine}` (1 when the engine answers its probe
 * and has a model; the "Ollama down" alert reads it, since Ollama exports no metrics of its own) and
 * `api_gateway_budget_usd{period}` (the cloud caps, so the "spend over budget" alert needs no copy of them) and
 * `api_gateway_cloud_spend_usd{period}` (spend in the current calendar day and month, from the ledger: the alert
 * compares the same numbers as the budget guard; `increase(api_gateway_cost_total[1d])` is a rolling 24 h that
 * spans two budget days).
 */
export function registerStateGauges(metrics: Metrics, sources: StateSources): void {
  new Gauge({
    name: 'api_gateway_engine_up',
    help: 'Whether the engine is reachable and has at least one model (1) or not (0)',
    labelNames: ['engine'] as const,
    registers: [metrics.registry],
    async collect() {
      const a = await sources.availability();
      this.reset();
      for (const [engine, v] of Object.entries(a.engines)) this.set({ engine }, v.ok && v.models.length > 0 ? 1 : 0);
    },
  });
  new Gauge({
    name: 'api_gateway_budget_usd',
    help: 'Cloud spend cap per period in USD (absent when no cap is set)',
    labelNames: ['period'] as const,
    registers: [metrics.registry],
    collect() {
      const b = sources.budget();
      this.reset();
      if (b.dailyMicros !== undefined) this.set({ period: 'day' }, b.dailyMicros / 1e6);
      if (b.monthlyMicros !== undefined) this.set({ period: 'month' }, b.monthlyMicros / 1e6);
    },
  });
  new Gauge({
    name: 'api_gateway_cloud_spend_usd',
    help: 'Cloud spend in USD so far in the current budget period (calendar day or month, the gateway local time)',
    labelNames: ['period'] as const,
    registers: [metrics.registry],
    async collect() {
      const s = await sources.spend();
      this.reset();
      this.set({ period: 'day' }, s.todayMicros / 1e6);
      this.set({ period: 'month' }, s.monthMicros / 1e6);
    },
  });
  const localLoad = sources.localLoad;
  if (!localLoad) return;
  // Queue depth is the position the next request would take; with running and sequences it shows how close to a 503.
  const perModel = (pick: (l: LocalLoad) => Map<string, number>) =>
    function (this: Gauge<'model'>): void {
      this.reset();
      for (const [model, v] of pick(localLoad())) this.set({ model }, v);
    };
  const queued = (l: LocalLoad): Map<string, number> => {
    const m = new Map<string, number>(l.models.map((x) => [x.model, 0]));
    for (const q of l.queue) m.set(q.model, (m.get(q.model) ?? 0) + 1);
    return m;
  };
  new Gauge({
    name: 'api_gateway_local_queue_depth',
    help: 'Requests waiting for a local model of the embedded engine (the position the next one would take)',
    labelNames: ['model'] as const,
    registers: [metrics.registry],
    collect: perModel(queued),
  });
  new Gauge({
    name: 'api_gateway_local_running',
    help: 'Requests a local model of the embedded engine is answering now',
    labelNames: ['model'] as const,
    registers: [metrics.registry],
    collect: perModel((l) => new Map(l.models.map((x) => [x.model, x.busy]))),
  });
  new Gauge({
    name: 'api_gateway_local_sequences',
    help: 'Parallel sequences of each loaded local model (requests it answers at once)',
    labelNames: ['model'] as const,
    registers: [metrics.registry],
    collect: perModel((l) => new Map(l.models.map((x) => [x.model, x.sequences]))),
  });
}
