// Routing feature settings (estimator, privacy guard, response cache, cascade): ledger keys, defaults, one reader.
import type { SettingsView } from './ledger/settings-view.js';
import { defaultCacheConfig, type CacheConfig } from './routing/cache-policy.js';
import { defaultCascadeConfig, type CascadeConfig } from './routing/cascade.js';
import { defaultPrivacyRules, type PrivacyRules } from './routing/privacy.js';
import type { RoutingSchedule } from './routing/schedule.js';
import { routingFeatureSettings } from './settings-schema.js';

/** Ledger setting keys (one JSON object per feature, merged over the defaults), from the settings schema. */
export const routingSettingKeys = {
  estimator: routingFeatureSettings.estimator.key,
  privacy: routingFeatureSettings.privacy.key,
  cache: routingFeatureSettings.cache.key,
  cascade: routingFeatureSettings.cascade.key,
  schedule: routingFeatureSettings.schedule.key,
} as const;

/** The effective routing feature settings. */
export interface RoutingFeatureSettings {
  estimator: 'learned' | 'rules';
  privacy: PrivacyRules;
  cache: CacheConfig;
  cascade: CascadeConfig;
  /** Time-based routing; null = none. */
  schedule: RoutingSchedule | null;
}

/** Read the saved settings over the defaults (cheap: the settings view answers from memory). */
export function readRoutingSettings(ledger: Pick<SettingsView, 'getSetting'>): RoutingFeatureSettings {
  return {
    estimator: ledger.getSetting<'learned' | 'rules'>(routingSettingKeys.estimator) ?? 'learned',
    privacy: { ...defaultPrivacyRules, ...ledger.getSetting<Partial<PrivacyRules>>(routingSettingKeys.privacy) },
    cache: { ...defaultCacheConfig, ...ledger.getSetting<Partial<CacheConfig>>(routingSettingKeys.cache) },
    cascade: { ...defaultCascadeConfig, ...ledger.getSetting<Partial<CascadeConfig>>(routingSettingKeys.cascade) },
    schedule: ledger.getSetting<RoutingSchedule | null>(routingSettingKeys.schedule) ?? null,
  };
}
