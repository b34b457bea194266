// Routing experiments as saved settings: the running (or last) experiment, and its variant as an overlay on the settings.
import type { SettingsView } from './ledger/settings-view.js';

/** Ledger setting key of the experiment (one JSON object; the last one stays after it stops, for its comparison). */
export const experimentSettingKey = 'routing.experiment';

/**
 * A routing experiment: arm A runs the main policy, arm B the main policy with `overrides` laid over it.
 *
 * ```
 *   (none) ──PUT──▶ running ──DELETE (stop)──────────▶ stopped
 *                      │ ──adopt A (keep main policy)──▶ stopped, adopted A
 *                      │ ──adopt B (variant → main)───▶ stopped, adopted B
 *                      └──PUT (new variant or share)──▶ running (a new id: a fresh comparison)
 * ```
 */
export interface ExperimentRecord {
  /** Fresh for every start: rows carry it, so a new experiment's comparison starts from zero. */
  id: string;
  name: string;
  /** Share of traffic (conversations, or requests without one) decided by arm B, in (0, 1). */
  share: number;
  /** The variant as the caller gave it: a partial of the settings bodies (e.g. {thresholds}, {estimator}). */
  variant: Record<string, unknown>;
  /**
   * The same variant as ledger setting writes (key → value): arm B reads the settings with these laid over them,
   * so it composes with every setting the routing config is built from, including ones added later.
   */
  overrides: Record<string, unknown>;
  startedAt: number;
  stoppedAt: number | null;
  adopted: 'A' | 'B' | null;
}

/** The saved experiment (running or stopped), or undefined when none was ever started. */
export function readExperiment(settings: Pick<SettingsView, 'getSetting'>): ExperimentRecord | undefined {
  return settings.getSetting<ExperimentRecord>(experimentSettingKey);
}

/** The running experiment, or undefined. */
export function runningExperiment(settings: Pick<SettingsView, 'getSetting'>): ExperimentRecord | undefined {
  const e = readExperiment(settings);
  return e && e.stoppedAt === null ? e : undefined;
}

/** `base` with `overrides` laid over it: a key the overrides hold reads their value, any other key the base's. */
export function overlaySettings(
  base: Pick<SettingsView, 'getSetting'>,
  overrides: Readonly<Record<string, unknown>>,
): Pick<SettingsView, 'getSetting'> {
  return {
    getSetting: <T>(key: string): T | undefined =>
      Object.prototype.hasOwnProperty.call(overrides, key) ? (overrides[key] as T) : base.getSetting<T>(key),
  };
}
