// Routing feature settings (estimator, privacy guard, response cache, cascade) and routing stats: /api/v1/routing/*.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { rangeStart } from './ranges.js';
import type { RoutingStore } from '../ledger/routing-store.js';
import type { SettingsView } from '../ledger/settings-view.js';
import { isValidTimeZone, localClock } from '../local-clock.js';
import { readRoutingSettings, routingSettingKeys, type RoutingFeatureSettings } from '../routing-settings.js';
import type { CacheConfig } from '../routing/cache-policy.js';
import type { CascadeConfig } from '../routing/cascade.js';
import type { PrivacyKind, PrivacyRules } from '../routing/privacy.js';
import { parseHhMm, scheduleState, WEEKDAYS, type RoutingSchedule } from '../routing/schedule.js';
import { parseBody } from './protocols/validate.js';

const kinds = [
  'private-key',
  'api-key',
  'password',
  'card-number',
  'national-id',
  'phone',
  'email',
  'custom-word',
] as const satisfies readonly PrivacyKind[];
/** why: a word list is typed by a person; 500 entries of ≤ 100 characters is plenty and keeps the regex small. */
const MAX_WORDS = 500;
/** why: a week is the longest an answer should be trusted without asking again; 0 would disable the cache (use enabled). */
const MAX_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** why: a week has 7 days; 50 windows covers any real timetable and keeps the per-request check trivial. */
const MAX_WINDOWS = 50;
const hhmm = z.string().refine((v) => Number.isFinite(parseHhMm(v)), { message: 'must be a 24-hour time "HH:MM" (00:00 to 24:00)' });

/** A schedule as the API takes it (snake_case); null turns time-based routing off. */
const scheduleBody = z
  .object({
    enabled: z.boolean().default(true),
    mode: z.enum(['local-only', 'cloud-only']),
    time_zone: z
      .string()
      .refine(isValidTimeZone, { message: 'must be an IANA time zone such as "Europe/Paris", "America/New_York" or "UTC"' }),
    windows: z
      .array(
        z
          .object({
            days: z
              .array(z.enum(WEEKDAYS))
              .min(1, 'list at least one day (sun, mon, tue, wed, thu, fri, sat)')
              .refine((d) => new Set(d).size === d.length, { message: 'list each day once' }),
            // A window starts within its day: 24:00 is an end only.
            from: hhmm.refine((v) => parseHhMm(v) < 1440, { message: 'must be 00:00 to 23:59 (24:00 is an end time only)' }),
            to: hhmm,
          })
          .strict()
          .refine((w) => parseHhMm(w.from) !== parseHhMm(w.to), {
            message: 'a window must start and end at different times (22:00 to 06:00 runs overnight)',
          }),
      )
      .min(1, 'list at least one window')
      .max(MAX_WINDOWS),
  })
  .strict()
  .nullable();

/** The PUT /api/v1/routing/settings body (routing experiments build their variant's schema from it). */
export const routingPutBody = z
  .object({
    estimator: z.enum(['learned', 'rules']).optional(),
    privacy: z
      .object({
        enabled: z.boolean().optional(),
        words: z
          .array(z.string().trim().min(1, 'words must not be empty').max(100, 'words are at most 100 characters'))
          .max(MAX_WORDS)
          .optional(),
        disabled_kinds: z.array(z.enum(kinds)).optional(),
      })
      .strict()
      .optional(),
    cache: z
      .object({
        enabled: z.boolean().optional(),
        ttl_ms: z
          .number()
          .int()
          .min(1000, 'must be at least 1000 (1 s)')
          .max(MAX_TTL_MS, `must be at most ${MAX_TTL_MS} (7 days)`)
          .optional(),
        include_sampled: z.boolean().optional(),
        semantic: z.boolean().optional(),
        semantic_threshold: z.number().min(0.5, 'must be between 0.5 and 1').max(1, 'must be between 0.5 and 1').optional(),
      })
      .strict()
      .optional(),
    cascade: z
      .object({
        enabled: z.boolean().optional(),
        min_mean_logprob: z.number().min(-20, 'must be between -20 and 0').max(0, 'must be between -20 and 0').optional(),
        unsure_margin: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
      })
      .strict()
      .optional(),
    schedule: scheduleBody.optional(),
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
    return { range, ...(await deps.ledger.routingStats(from, now + 1)) };
  });
}
