// Prometheus metrics with the seed's names, observed once per finished request from its ledger row.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestRecord } from '../ledger/ledger.js';

export interface Metrics {
  registry: Registry;
  observe(r: RequestRecord): void;
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
      const model = r.model ?? 'none';
      const backend = r.engine ?? 'none';
      // The seed's status label values: success | error (aborted is its own: nobody read it).
      requests.inc({ model, backend, status: r.status === 'ok' ? 'success' : r.status });
      duration.observe({ model, backend }, r.latencyMs / 1000);
      if (r.costMicros > 0) cost.inc({ model }, r.costMicros / 1e6);
      const saved = r.allCloudMicros - r.costMicros;
      if (r.status === 'ok' && saved > 0) savings.inc({ model }, saved / 1e6);
      if (r.inputTokens > 0) tokens.inc({ model, direction: 'input' }, r.inputTokens);
      if (r.outputTokens > 0) tokens.inc({ model, direction: 'output' }, r.outputTokens);
    },
  };
}
