// Settings API: routing thresholds, local-only, cloud budget caps, history, and the API address + token (regenerate).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import type { ConversationStore, StatsStore } from '../ledger/ledger.js';
import type { RoutingStore } from '../ledger/routing-store.js';
import type { SettingsView } from '../ledger/settings-view.js';
import { budgetGuard } from '../routing/budget.js';
import { defaultThresholds, type ComplexityThresholds } from '../routing/complexity.js';
import { knobStopFor, qualityCostKnob, scoreForCloudProbability, weights } from '../routing/learned.js';
import type { RoutingConfig } from '../routing/policy.js';
import { parseBody } from './protocols/validate.js';
import { coreSettings, settingsApiFields, type SettingsApiField, type SettingsInForce } from '../settings-schema.js';
import type { SettingsDto } from '../contracts/api.js';
import { OLLAMA_WITHOUT_TOKEN_WARNING } from './security.js';

/** Setting keys (router-core/settings-schema.ts; wiring reads the same). */
export const settingKeys = Object.fromEntries(Object.entries(coreSettings).map(([name, s]) => [name, s.key])) as {
  readonly [K in keyof typeof coreSettings]: (typeof coreSettings)[K]['key'];
};

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** PUT /api/v1/settings' stored fields: each entry's wire name → its validator, optional (all of them, by type). */
type PutShape = UnionToIntersection<
  SettingsApiField extends infer F
    ? F extends { wire: infer W extends string; schema: infer S extends z.ZodType }
      ? { [K in W]: z.ZodOptional<S> }
      : never
    : never
>;

/** GET /api/v1/settings' stored fields: each entry with `shown`, its wire name → the value in force. */
type Shown = UnionToIntersection<
  SettingsApiField extends infer F
    ? F extends { wire: infer W extends string; shown: (now: SettingsInForce) => infer V }
      ? { [K in W]: V }
      : never
    : never
>;

function putShape(): PutShape {
  return Object.fromEntries(settingsApiFields.filter((s) => s.wire !== null).map((s) => [s.wire, s.schema.optional()])) as PutShape;
}

function shown(now: SettingsInForce): Shown {
  return Object.fromEntries(settingsApiFields.flatMap((s) => ('shown' in s && s.wire !== null ? [[s.wire, s.shown(now)]] : []))) as Shown;
}

/** What the settings routes need from the core. */
export interface SettingsDeps {
  ledger: Pick<StatsStore, 'spendSince'> & Pick<RoutingStore, 'cacheClear'> & Pick<ConversationStore, 'clearSealedResponses'>;
  /** Settings as the core reads them; writes go through it to the ledger. */
  settings: SettingsView;
  now(): number;
  /** Effective routing config (settings over config). */
  routing(): RoutingConfig;
  history(): boolean;
  /** Thresholds used when none are saved. */
  defaultThresholds: ComplexityThresholds;
  /** Start of the local day and month (budget status). */
  periodStarts(now: number): { day: number; month: number };
  /** Where the API listens and the token that opens it. */
  apiAccess(): { address: string; token: string; tokenSource: 'env' | 'data-dir' };
  /** Replace the token (saved in the data dir); the old one stops working at once. Throws when the env sets it. */
  regenerateToken(): string;
}

/** The PUT /api/v1/settings body: each stored setting's validator from the schema, plus the Quality ↔ Cost knob. */
export const settingsPutBody = z.object({
  ...putShape(),
  quality_cost: z
    .object({
      p_cloud: z
        .number()
        .gt(0, 'must be a probability between 0 and 1 (exclusive)')
        .lt(1, 'must be a probability between 0 and 1 (exclusive)'),
    })
    .strict()
    .optional(),
});
const putKeys = Object.keys(settingsPutBody.shape);

/**
 * The ledger writes (key, value) a parsed settings body asks for, in order; fields left out are not written.
 * `current` is the thresholds in force: the Quality ↔ Cost knob moves the cloud threshold and pulls medium down with it.
 */
export function settingWrites(
  b: Partial<z.infer<typeof settingsPutBody>>,
  current: ComplexityThresholds = defaultThresholds,
): Array<[string, unknown]> {
  const w: Array<[string, unknown]> = [];
  if (b.thresholds !== undefined && b.quality_cost !== undefined) {
    throw new CoreError('invalid_request', 'Send either "thresholds" or "quality_cost", not both: the knob sets the cloud threshold.');
  }
  if (b.thresholds !== undefined) w.push([coreSettings.thresholds.key, b.thresholds]);
  if (b.quality_cost !== undefined) {
    const stops = qualityCostKnob();
    const p = b.quality_cost.p_cloud;
    const cloud = stops.length > 0 ? scoreForCloudProbability(p) : null;
    if (cloud === null) {
      throw new CoreError('invalid_request', 'The routing model has no calibration, so "quality_cost" cannot be set; use "thresholds".');
    }
    // Only between the knob's ends: that is where its cloud share and under-routing were measured, and where the cloud
    // threshold stays above the default medium one (a knob that pulled medium down could not put it back).
    const lo = stops[0]!.pCloud;
    const hi = stops[stops.length - 1]!.pCloud;
    if (p < lo || p > hi) {
      throw new CoreError(
        'invalid_request',
        `Invalid "quality_cost.p_cloud": must be between ${lo} and ${hi} (the knob's stops), got ${p}.`,
        {
          details: { param: 'quality_cost.p_cloud', value: String(p), valid: stops.map((k) => String(k.pCloud)) },
        },
      );
    }
    w.push([coreSettings.thresholds.key, { medium: Math.min(current.medium, cloud), cloud }]);
  }
  // The rest one for one, wire field → key (a null budget cap is stored: "no cap", over the config's).
  const fields = b as Record<string, unknown>;
  for (const s of settingsApiFields) {
    if (s.key === coreSettings.thresholds.key || s.wire === null) continue;
    if (fields[s.wire] !== undefined) w.push([s.key, fields[s.wire]]);
  }
  return w;
}

/**
 * The Quality ↔ Cost knob: one threshold on the calibrated probability that a prompt needs the cloud, with what each
 * stop did on prompts from sources the estimator was not trained on (from the shipped weights).
 */
function qualityCostView(r: RoutingConfig) {
  const stops = qualityCostKnob();
  const op = (weights().meta.operatingPoint ?? {}) as { pCloud?: number };
  return {
    applies: r.estimator !== 'rules' && stops.length > 0,
    current_p_cloud: knobStopFor(r.thresholds.cloud)?.pCloud ?? null,
    default_p_cloud: op.pCloud ?? null,
    stops: stops.map((k) => ({
      p_cloud: k.pCloud,
      cloud_threshold: k.score,
      cloud_share: k.cloudShare,
      under_routed: k.under,
      over_routed: k.over,
    })),
  };
}

/** The settings as the UI shows them. */
async function view(deps: SettingsDeps): Promise<SettingsDto> {
  const r = deps.routing();
  const p = deps.periodStarts(deps.now());
  const spend = await deps.ledger.spendSince(p.day, p.month);
  const verdict = budgetGuard(spend, r.budget);
  const access = deps.apiAccess();
  const ollamaOpen = deps.settings.getSetting<boolean>(coreSettings.ollamaWithoutToken.key) === true;
  return {
    ...shown({ routing: r, history: deps.history() }),
    default_thresholds: deps.defaultThresholds,
    quality_cost: qualityCostView(r),
    budget_status: {
      spent_today_micros: spend.todayMicros,
      spent_month_micros: spend.monthMicros,
      cloud_blocked: verdict.allowCloud ? null : verdict.reason,
    },
    api: {
      address: access.address,
      token: access.token,
      token_source: access.tokenSource,
      ollama_without_token: ollamaOpen,
      ollama_without_token_warning: ollamaOpen ? OLLAMA_WITHOUT_TOKEN_WARNING : null,
    },
  } satisfies SettingsDto;
}

/** Register the routes (all need the token). */
export function mountSettingsApi(app: FastifyInstance, deps: SettingsDeps): void {
  app.get('/api/v1/settings', async () => view(deps));

  app.put('/api/v1/settings', async (req) => {
    if (req.body && typeof req.body === 'object' && !Array.isArray(req.body)) {
      const unknown = Object.keys(req.body).filter((k) => !putKeys.includes(k));
      if (unknown.length > 0) {
        throw new CoreError('invalid_request', `Unknown setting "${unknown[0]}". Valid: ${putKeys.join(', ')}.`);
      }
    }
    const b = parseBody(settingsPutBody, req.body);
    const wasOn = deps.history();
    for (const [key, value] of settingWrites(b, deps.routing().thresholds)) await deps.settings.setSetting(key, value);
    // History off: answers already in the response cache go too (the cache is off while history is).
    if (b.history_enabled === false) await deps.ledger.cacheClear();
    // Switching history off also drops sealed responses left from an earlier time it was off, as the cache drops its
    // sealed answers: each off period starts with nothing kept. Only on a real switch (was on): why: a repeated
    // `history_enabled: false` (a provisioning script) must not break the conversations that clients are continuing
    // now. Switching on drops nothing: sealed responses stay unreadable, and their holders may go on until they expire.
    // Readable stored responses stay for when history is on again (hidden while off).
    if (b.history_enabled === false && wasOn) await deps.ledger.clearSealedResponses();
    return view(deps);
  });

  app.post('/api/v1/settings/token/regenerate', async () => {
    const token = deps.regenerateToken();
    return { token, address: deps.apiAccess().address };
  });
}
