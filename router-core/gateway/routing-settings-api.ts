// Routing feature settings (estimator, privacy guard, response cache, cascade) and routing stats: /api/v1/routing/*.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { rangeStart } from './ranges.js';
import type { RoutingStore } from '../ledger/routing-store.js';
import type { SettingsView } from '../ledger/settings-view.js';
import { localClock } from '../local-clock.js';
import { readRoutingSettings, routingSettingKeys, type RoutingFeatureSettings } from '../routing-settings.js';
import type { CacheConfig } from '../routing/cache-policy.js';
import type { CascadeConfig } from '../routing/cascade.js';
import type { PrivacyRules } from '../routing/privacy.js';
import { scheduleState, type RoutingSchedule } from '../routing/schedule.js';
import { parseBody } from './protocols/validate.js';
import { routingFeatureSettings } from '../settings-schema.js';
import { routingStatsDto } from './stats-dto.js';

/** The PUT /api/v1/routing/settings body: each feature's validator from the settings schema (routing experiments build their variant's schema from it). */
export const routingPutBody = z
  .object({
    estimator: routingFeatureSettings.estimator.schema.optional(),
    privacy: routingFeatureSettings.privacy.schema.optional(),
    cache: routingFeatureSettings.cache.schema.optional(),
    cascade: routingFeatureSettings.cascade.schema.optional(),
    schedule: routingFeatureSettings.schedule.schema.optional(),
  })
  .strict();

/**
 * The ledger writes (key, value) a parsed routing settings body asks for, each feature merged over `cur` (the
 * settings in force); features left out are not written.
 */
export function routingSettingWrites(b: Partial<z.infer<typeof routingPutBody>>, cur: RoutingFeatureSettings): Array<[string, unknown]> {
  const w: Array<[string, unknown]> = [];
  if (b.estimator !== undefined) w.push([routingSettingKeys.estimator, b.estimator]);
  if (b.privacy) {
    w.push([
      routingSettingKeys.privacy,
      {
        enabled: b.privacy.enabled ?? cur.privacy.enabled,
        words: b.privacy.words ?? cur.privacy.words,
        disabledKinds: b.privacy.disabled_kinds ?? cur.privacy.disabledKinds ?? [],
      } satisfies PrivacyRules,
    ]);
  }
  if (b.cache) {
    w.push([
      routingSettingKeys.cache,
      {
        enabled: b.cache.enabled ?? cur.cache.enabled,
        ttlMs: b.cache.ttl_ms ?? cur.cache.ttlMs,
        includeSampled: b.cache.include_sampled ?? cur.cache.includeSampled,
        semantic: b.cache.semantic ?? cur.cache.semantic,
        semanticThreshold: b.cache.semantic_threshold ?? cur.cache.semanticThreshold,
      } satisfies CacheConfig,
    ]);
  }
  if (b.cascade) {
    w.push([
      routingSettingKeys.cascade,
      {
        enabled: b.cascade.enabled ?? cur.cascade.enabled,
        minMeanLogprob: b.cascade.min_mean_logprob ?? cur.cascade.minMeanLogprob,
        unsureMargin: b.cascade.unsure_margin ?? cur.cascade.unsureMargin,
      } satisfies CascadeConfig,
    ]);
  }
  if (b.schedule !== undefined) {
    w.push([
      routingSettingKeys.schedule,
      b.schedule === null
        ? null
        : ({
            enabled: b.schedule.enabled,
            mode: b.schedule.mode,
            timeZone: b.schedule.time_zone,
            windows: b.schedule.windows,
          } satisfies RoutingSchedule),
    ]);
  }
  return w;
}

/** The schedule's effect at `now` as the API shows it (null without an enabled schedule). */
export function scheduleNow(schedule: RoutingSchedule | null, now: number) {
  const s = schedule?.enabled ? scheduleState(schedule, localClock(now, schedule.timeZone)) : null;
  return s && { cloud_blocked: s.cloudBlocked, reason: s.reason, until: s.until };
}

function scheduleView(s: RoutingSchedule | null) {
  return s && { enabled: s.enabled, mode: s.mode, time_zone: s.timeZone, windows: s.windows };
}

function view(s: RoutingFeatureSettings) {
  return {
    estimator: s.estimator,
    privacy: { enabled: s.privacy.enabled, words: s.privacy.words, disabled_kinds: s.privacy.disabledKinds ?? [] },
    cache: {
      enabled: s.cache.enabled,
      ttl_ms: s.cache.ttlMs,
      include_sampled: s.cache.includeSampled,
      semantic: s.cache.semantic,
      semantic_threshold: s.cache.semanticThreshold,
    },
    cascade: { enabled: s.cascade.enabled, min_mean_logprob: s.cascade.minMeanLogprob, unsure_margin: s.cascade.unsureMargin },
    schedule: scheduleView(s.schedule),
  };
}

/** What the routes need. */
export interface RoutingSettingsDeps {
  ledger: Pick<RoutingStore, 'cacheClear' | 'routingStats'>;
  /** Settings as the core reads them; writes go through it to the ledger. */
  settings: SettingsView;
  now(): number;
  periodStarts(now: number): { day: number; month: number };
}

/** Register /api/v1/routing/settings (GET, PUT), /api/v1/routing/cache (DELETE) and /api/v1/routing/stats (GET). */
export function mountRoutingSettingsApi(app: FastifyInstance, deps: RoutingSettingsDeps): void {
  const withNow = (s: RoutingFeatureSettings) => ({ ...view(s), schedule_now: scheduleNow(s.schedule, deps.now()) });
  app.get('/api/v1/routing/settings', async () => withNow(readRoutingSettings(deps.settings)));

  app.put('/api/v1/routing/settings', async (req) => {
    const b = parseBody(routingPutBody, req.body);
    const { settings } = deps;
    for (const [key, value] of routingSettingWrites(b, readRoutingSettings(settings))) await settings.setSetting(key, value);
    return withNow(readRoutingSettings(settings));
  });

  app.delete('/api/v1/routing/cache', async () => ({ deleted: await deps.ledger.cacheClear() }));

  app.get('/api/v1/routing/stats', async (req) => {
    const q = req.query as { range?: string };
    const now = deps.now();
    const s = deps.periodStarts(now);
    const range = q.range ?? '30d';
    const from = rangeStart(range, s);
    return { range, ...routingStatsDto(await deps.ledger.routingStats(from, now + 1)) };
  });
}
