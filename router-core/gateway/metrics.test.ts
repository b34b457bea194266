// The state gauges read at scrape time: engines up, budget caps, and the calendar-day spend the budget alert compares.
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../ledger/ledger.js';
import { createMetrics, registerStateGauges, requestStatusLabel } from './metrics.js';

describe('state gauges', () => {
  it('export the spend of the current calendar day and month next to the caps, as the sources report them', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let spend = { todayMicros: 1_250_000, monthMicros: 30_000_000 };
    registerStateGauges(metrics, {
      availability: () => Promise.resolve({ engines: {} } as never),
      budget: () => ({ dailyMicros: 5_000_000 }),
      spend: () => Promise.resolve(spend),
    });
    let text = await metrics.registry.metrics();
    expect(text).toMatch(/^api_gateway_cloud_spend_usd\{period="day"\} 1\.25$/m);
    expect(text).toMatch(/^api_gateway_cloud_spend_usd\{period="month"\} 30$/m);
    expect(text).toMatch(/^api_gateway_budget_usd\{period="day"\} 5$/m);
    // Read at every scrape: a new day (spend back to 0) shows at once, not after 24 hours.
    spend = { todayMicros: 0, monthMicros: 30_000_000 };
    text = await metrics.registry.metrics();
    expect(text).toMatch(/^api_gateway_cloud_spend_usd\{period="day"\} 0$/m);
  });
});

describe('requestStatusLabel', () => {
  const row = (status: RequestRecord['status'], errorType: RequestRecord['errorType'], engine: RequestRecord['engine']) => ({
    status,
    errorType,
    engine,
  });
  it("tells this machine's refusals (full local queue, the gateway's own 429s) from failures", () => {
    expect(requestStatusLabel(row('ok', null, 'llamacpp'))).toBe('success');
    expect(requestStatusLabel(row('aborted', 'aborted', 'llamacpp'))).toBe('aborted');
    expect(requestStatusLabel(row('error', 'upstream_overloaded', 'llamacpp'))).toBe('refused');
    expect(requestStatusLabel(row('error', 'rate_limited', null))).toBe('refused');
    expect(requestStatusLabel(row('error', 'upstream_error', 'llamacpp'))).toBe('error');
    // A cloud provider's overload or rate limit is the provider failing, not our back-pressure.
    expect(requestStatusLabel(row('error', 'upstream_overloaded', 'anthropic'))).toBe('error');
    expect(requestStatusLabel(row('error', 'upstream_rate_limited', 'anthropic'))).toBe('error');
  });
});
