// One table of the settings the core keeps in the ledger: key, wire name, validator and who writes each.
import { z } from 'zod';

/** Largest cap accepted: $1,000,000 in micro-dollars; more is surely a unit mistake. */
const MAX_BUDGET_MICROS = 1_000_000_000_000;

const budgetCap = z
  .number()
  .int('must be an integer number of micro-dollars (1 USD = 1000000)')
  .min(0, 'must be ≥ 0')
  .max(MAX_BUDGET_MICROS, `must be at most ${MAX_BUDGET_MICROS} (1,000,000 USD)`)
  .nullable();

const thresholds = z
  .object({
    medium: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
    cloud: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  })
  .refine((t) => t.medium <= t.cloud, { message: 'medium must be ≤ cloud (0 ≤ medium ≤ cloud ≤ 1)', path: ['medium'] });

/** One stored setting: its ledger key, its field on the wire (snake_case), its validator, and who may write it. */
export interface SettingSpec<S extends z.ZodType = z.ZodType> {
  key: string;
  /** The field in GET/PUT /api/v1/settings; null when no settings API shows it. */
  wire: string | null;
  schema: S;
  /** Who writes it (readers: server/wiring.ts). */
  writers: readonly string[];
}

/** A cloud provider, as the cloud settings name it. */
const cloudProvider = z.enum(['anthropic', 'openai', 'gemini', 'compat'], {
  error: () => 'must be one of: anthropic, openai, gemini, compat',
});

const spec = <S extends z.ZodType>(s: SettingSpec<S>): SettingSpec<S> => s;

/**
 * The core's settings, in the order PUT /api/v1/settings lists and writes them. A value absent from the ledger means
 * the default (the config or environment's, else the built-in one): wiring reads each through its key here.
 */
export const coreSettings = {
  thresholds: spec({
    key: 'routing.thresholds',
    wire: 'thresholds',
    schema: thresholds,
    writers: ['PUT /api/v1/settings', 'POST /api/v1/feedback/tune/apply', 'hybrid-ai tune'],
  }),
  localOnly: spec({ key: 'routing.localOnly', wire: 'local_only', schema: z.boolean(), writers: ['PUT /api/v1/settings'] }),
  // null is stored on purpose: "no cap", overriding a cap from the config or environment.
  dailyBudget: spec({ key: 'budget.dailyMicros', wire: 'daily_budget_micros', schema: budgetCap, writers: ['PUT /api/v1/settings'] }),
  monthlyBudget: spec({ key: 'budget.monthlyMicros', wire: 'monthly_budget_micros', schema: budgetCap, writers: ['PUT /api/v1/settings'] }),
  history: spec({ key: 'history.enabled', wire: 'history_enabled', schema: z.boolean(), writers: ['PUT /api/v1/settings'] }),
  /** Loopback clients may use the Ollama routes without a token (the Ollama CLI cannot send one); off by default. */
  ollamaWithoutToken: spec({
    key: 'api.ollamaLoopbackWithoutToken',
    wire: 'ollama_without_token',
    schema: z.boolean(),
    writers: ['PUT /api/v1/settings'],
  }),
  /** Only the tests write it today; a config or `--tier` flag wins over it. */
  tierOverride: spec({
    key: 'hardware.tierOverride',
    wire: null,
    schema: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
    writers: [],
  }),
  /** The cloud route's first choice (null or absent: HYBRID_AI_CLOUD, else Claude when its key is set, else the first configured). */
  cloudProvider: spec({
    key: 'cloud.provider',
    wire: 'first_choice',
    schema: cloudProvider.nullable(),
    writers: ['PUT /api/v1/cloud'],
  }),
  /** Providers tried, in order, when the first choice fails before its first token (absent: every configured one). */
  cloudFallbackOrder: spec({
    key: 'cloud.fallbackOrder',
    wire: 'fallback_order',
    schema: z
      .array(cloudProvider)
      .max(4)
      .refine((a) => new Set(a).size === a.length, { message: 'must not name a provider twice' }),
    writers: ['PUT /api/v1/cloud'],
  }),
  /** When /ready last proved the ledger takes a write. */
  readyProbeAt: spec({ key: 'health.readyProbeAt', wire: null, schema: z.number(), writers: ['GET /ready'] }),
} as const;

/** The settings PUT /api/v1/settings writes one for one (its wire field → the stored value). */
export const settingsApiFields = [
  coreSettings.thresholds,
  coreSettings.localOnly,
  coreSettings.dailyBudget,
  coreSettings.monthlyBudget,
  coreSettings.history,
  coreSettings.ollamaWithoutToken,
] as const;
