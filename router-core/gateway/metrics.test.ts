// The state gauges read at scrape time: engines up, budget caps, and the calendar-day spend the budget alert compares.
import { describe, expect, it } from 'vitest';
import { createMetrics, registerStateGauges } from './metrics.js';

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
