// Routing experiments API: start/replace, read, stop, compare the arms, adopt one: /api/v1/routing/experiment*.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import { timeOrderedId } from '../ids.js';
import type { RoutingStore } from '../ledger/routing-store.js';
import type { SettingsView } from '../ledger/settings-view.js';
import { experimentSettingKey, readExperiment, runningExperiment, type ExperimentRecord } from '../routing-experiment.js';
import { readRoutingSettings } from '../routing-settings.js';
import { compareArms, pickWinner, type ArmComparison, type Proportion } from '../routing/experiment.js';
import { parseBody } from './protocols/validate.js';
import { routingPutBody, routingSettingWrites } from './routing-settings-api.js';
import { settingsPutBody, settingWrites } from './settings-api.js';

/**
 * The variant: a partial of the two settings bodies, built from their schemas so a setting added there is a variant
 * field here too. Left out on purpose: budgets and local-only (caps and "nothing leaves this machine" are promises
 * to the person, not a policy to compare; so is the schedule's local-only hours), the privacy guard (an experiment must never send private data out),
 * history and the cache (storage, not decisions), and the cascade (its settings are read outside the routing config).
 */
const variantSchema = z
  .object({
    ...settingsPutBody.omit({
      local_only: true,
      daily_budget_micros: true,
      monthly_budget_micros: true,
      history_enabled: true,
      ollama_without_token: true,
      // The machine tier says which models fit in memory; it is not a routing policy an arm could try.
      tier_override: true,
    }).shape,
    ...routingPutBody.omit({ privacy: true, cache: true, cascade: true, schedule: true }).shape,
  })
  .strict();
const variantFields = Object.keys(variantSchema.shape);

const putBody = z
  .object({
    share: z
      .number({ message: 'must be a number between 0 and 1 (the share of traffic the variant decides, e.g. 0.5)' })
      .gt(0, 'must be between 0 and 1, exclusive (the share of traffic the variant decides, e.g. 0.5)')
      .lt(1, 'must be between 0 and 1, exclusive (the share of traffic the variant decides, e.g. 0.5)'),
    variant: variantSchema,
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
  })
  .strict();

const putKeys = Object.keys(putBody.shape);

const adoptBody = z
  .object({
    arm: z.enum(['A', 'B'], { message: 'must be "A" (keep the main policy) or "B" (make the variant the main policy)' }),
  })
  .strict();

/** What the routes need. */
export interface ExperimentDeps {
  ledger: Pick<RoutingStore, 'experimentTotals'>;
  /** Where the experiment and an adopted variant are saved (written through to the ledger). */
  settings: SettingsView;
  now(): number;
}

function view(e: ExperimentRecord) {
  return {
    id: e.id,
    name: e.name,
    status: e.stoppedAt === null ? ('running' as const) : ('stopped' as const),
    share: e.share,
    variant: e.variant,
    started_at: e.startedAt,
    stopped_at: e.stoppedAt,
    adopted: e.adopted,
  };
}

const proportionView = (p: Proportion) => ({ count: p.count, total: p.total, rate: p.rate, low: p.low, high: p.high });

function armView(a: ArmComparison) {
  return {
    arm: a.arm,
    policy: a.arm === 'A' ? ('main' as const) : ('variant' as const),
    requests: a.requests,
    cloud_share: proportionView(a.cloudShare),
    cost_micros: a.costMicros,
    mean_cost_micros: a.meanCostMicros,
    thumbs_down: proportionView(a.thumbsDown),
    retry_with_claude: proportionView(a.retryWithClaude),
  };
}

const noneRunning = (): CoreError =>
  new CoreError('not_found', 'No routing experiment is running: start one with PUT /api/v1/routing/experiment {"share", "variant"}.');

/** Register GET/PUT/DELETE /api/v1/routing/experiment, GET .../stats and POST .../adopt. */
export function mountExperimentApi(app: FastifyInstance, deps: ExperimentDeps): void {
  app.get('/api/v1/routing/experiment', async () => {
    const e = readExperiment(deps.settings);
    return { experiment: e ? view(e) : null, variant_fields: variantFields };
  });

  app.put('/api/v1/routing/experiment', async (req) => {
    const raw = req.body as { variant?: unknown } | undefined;
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      const unknown = Object.keys(raw).filter((k) => !putKeys.includes(k));
      if (unknown.length > 0) throw new CoreError('invalid_request', `Unknown field "${unknown[0]}". Valid: ${putKeys.join(', ')}.`);
    }
    if (raw && typeof raw.variant === 'object' && raw.variant !== null && !Array.isArray(raw.variant)) {
      const unknown = Object.keys(raw.variant).filter((k) => !variantFields.includes(k));
      if (unknown.length > 0) {
        throw new CoreError('invalid_request', `Unknown variant field "${unknown[0]}". Valid: ${variantFields.join(', ')}.`);
      }
    }
    const b = parseBody(putBody, req.body);
    const given = Object.fromEntries(Object.entries(b.variant).filter(([, v]) => v !== undefined));
    if (Object.keys(given).length === 0) {
      throw new CoreError('invalid_request', `Invalid "variant": give at least one of ${variantFields.join(', ')}.`);
    }
    const overrides = Object.fromEntries([
      ...settingWrites(b.variant),
      ...routingSettingWrites(b.variant, readRoutingSettings(deps.settings)),
    ]);
    const now = deps.now();
    // Every start is a new experiment (a new id): rows decided under another share or variant are not compared with it.
    const e: ExperimentRecord = {
      id: timeOrderedId(),
      name: b.name ?? `Variant ${Object.keys(given).join(' + ')}`,
      share: b.share,
      variant: given,
      overrides,
      startedAt: now,
      stoppedAt: null,
      adopted: null,
    };
    await deps.settings.setSetting(experimentSettingKey, e);
    return { experiment: view(e), variant_fields: variantFields };
  });

  app.delete('/api/v1/routing/experiment', async () => {
    const e = runningExperiment(deps.settings);
    if (!e) throw noneRunning();
    const stopped: ExperimentRecord = { ...e, stoppedAt: deps.now() };
    await deps.settings.setSetting(experimentSettingKey, stopped);
    return { experiment: view(stopped), variant_fields: variantFields };
  });

  app.get('/api/v1/routing/experiment/stats', async () => {
    const e = readExperiment(deps.settings);
    if (!e) throw new CoreError('not_found', 'No routing experiment was ever started: start one with PUT /api/v1/routing/experiment.');
    const arms = compareArms(await deps.ledger.experimentTotals(e.id));
    return { experiment: view(e), confidence: 0.95, arms: arms.map(armView), winner: pickWinner(arms) };
  });

  app.post('/api/v1/routing/experiment/adopt', async (req) => {
    const { arm } = parseBody(adoptBody, req.body);
    const e = runningExperiment(deps.settings);
    if (!e) throw noneRunning();
    // B: its overrides become the main settings (they are ledger writes already); A: the main policy stays as it is.
    if (arm === 'B') for (const [key, value] of Object.entries(e.overrides)) await deps.settings.setSetting(key, value);
    const stopped: ExperimentRecord = { ...e, stoppedAt: deps.now(), adopted: arm };
    await deps.settings.setSetting(experimentSettingKey, stopped);
    return { experiment: view(stopped), variant_fields: variantFields };
  });
}

/** Request body schemas, for the OpenAPI document (gateway/openapi.ts). */
export { putBody as experimentPutBody, adoptBody as experimentAdoptBody };
