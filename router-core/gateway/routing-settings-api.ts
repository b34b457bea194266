// Routing feature settings (estimator, privacy guard, response cache, cascade) and routing stats: /api/v1/routing/*.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import type { RoutingStore } from '../ledger/routing-store.js';
import type { SettingsView } from '../ledger/settings-view.js';
import { readRoutingSettings, routingSettingKeys, type RoutingFeatureSettings } from '../routing-settings.js';
import type { CacheConfig } from '../routing/cache-policy.js';
import type { CascadeConfig } from '../routing/cascade.js';
import type { PrivacyKind, PrivacyRules } from '../routing/privacy.js';
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
  return w;
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

const DAY = 86_400_000;

/** Register /api/v1/routing/settings (GET, PUT), /api/v1/routing/cache (DELETE) and /api/v1/routing/stats (GET). */
export function mountRoutingSettingsApi(app: FastifyInstance, deps: RoutingSettingsDeps): void {
  app.get('/api/v1/routing/settings', async () => view(readRoutingSettings(deps.settings)));

  app.put('/api/v1/routing/settings', async (req) => {
    const b = parseBody(routingPutBody, req.body);
    const { settings } = deps;
    for (const [key, value] of routingSettingWrites(b, readRoutingSettings(settings))) await settings.setSetting(key, value);
    return view(readRoutingSettings(settings));
  });

  app.delete('/api/v1/routing/cache', async () => ({ deleted: await deps.ledger.cacheClear() }));

  app.get('/api/v1/routing/stats', async (req) => {
    const q = req.query as { range?: string };
    const now = deps.now();
    const s = deps.periodStarts(now);
    const ranges: Record<string, number> = { today: s.day, '7d': s.day - 6 * DAY, '30d': s.day - 29 * DAY, month: s.month, all: 0 };
    const range = q.range ?? '30d';
    // Own keys only: "constructor" or "__proto__" must not read the object prototype.
    const from = typeof range === 'string' && Object.hasOwn(ranges, range) ? ranges[range] : undefined;
    if (from === undefined)
      throw new CoreError('invalid_request', `Invalid "range": "${range}". Valid: ${Object.keys(ranges).join(', ')}.`);
    return { range, ...(await deps.ledger.routingStats(from, now + 1)) };
  });
}
