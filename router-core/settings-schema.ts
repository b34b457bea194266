// One table of the settings the core keeps in the ledger: key, wire name, validator and who writes each.
import { z } from 'zod';
import { isValidTimeZone } from './local-clock.js';
import type { RoutingConfig } from './routing/policy.js';
import type { PrivacyKind } from './routing/privacy.js';
import { parseHhMm, WEEKDAYS } from './routing/schedule.js';

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

/** What GET /api/v1/settings shows a setting from: the settings in force (saved, else the config's, else built in). */
export interface SettingsInForce {
  routing: RoutingConfig;
  history: boolean;
}

/** The writer whose body and answer this table drives: an entry it writes is a PUT field and (with `shown`) a GET field. */
export const SETTINGS_API = 'PUT /api/v1/settings';

/** One stored setting: its ledger key, its field on the wire (snake_case), its validator, and who may write it. */
export interface SettingSpec<S extends z.ZodType = z.ZodType> {
  key: string;
  /** The field in GET/PUT /api/v1/settings; null when no settings API shows it. */
  wire: string | null;
  schema: S;
  /** Who writes it (readers: server/wiring.ts). */
  writers: readonly string[];
  /**
   * Its value in GET /api/v1/settings (top level, under `wire`), from the settings in force; absent where GET shows it
   * elsewhere (ollama_without_token, under `api`) or not at all (tier_override: GET /api/v1/system shows the tier).
   */
  shown?: (now: SettingsInForce) => unknown;
}

/** A cloud provider, as the cloud settings name it. */
const cloudProvider = z.enum(['anthropic', 'openai', 'gemini', 'compat'], {
  error: () => 'must be one of: anthropic, openai, gemini, compat',
});

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for a URL's host that only this machine answers on (http is fine there: nothing crosses a network). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** USD per million tokens, as providers list them; 10,000 is far past any real price (a unit mistake). */
const usdPerMTok = z
  .number({ error: 'must be a number of US dollars per million tokens, e.g. 0.59' })
  .min(0, 'must be ≥ 0 (US dollars per million tokens)')
  .max(10_000, 'must be at most 10000 (US dollars per million tokens)');

/** An OpenAI-compatible cloud as Settings stores it (the wire form: snake_case). */
export const compatSetup = z
  .object({
    url: z
      .string({ error: 'must be the provider\'s base URL, e.g. "https://openrouter.ai/api/v1"' })
      .trim()
      .min(1, 'must be the provider\'s base URL, e.g. "https://openrouter.ai/api/v1"')
      .max(2048, 'must be at most 2048 characters'),
    model: z
      .string({ error: 'must be a model id the provider lists, e.g. "deepseek-chat"' })
      .trim()
      .min(1, 'must be a model id the provider lists, e.g. "deepseek-chat"')
      .max(200, 'must be at most 200 characters'),
    /** The model's prices (USD per million tokens); absent or null: unknown, so no savings are claimed. */
    prices: z.object({ input: usdPerMTok, output: usdPerMTok, cached_input: usdPerMTok.optional() }).strict().nullable().optional(),
    /** Allow plain http to a host other than this machine (a proxy on a trusted network); off by default. */
    allow_http: z.boolean().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const problem = compatUrlProblem(v.url, v.allow_http === true);
    if (problem) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
  });

/**
 * What is wrong with a compatible cloud's base URL, or undefined: http(s) only, no credentials inside, and https for
 * any host but this machine unless `allowHttp` (a proxy on a trusted network).
 */
export function compatUrlProblem(url: string, allowHttp: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return 'is not a URL; give the provider\'s base URL, e.g. "https://openrouter.ai/api/v1"';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must be an http:// or https:// URL, not "${u.protocol}"`;
  if (u.username || u.password) return 'must not hold a user name or password (save the key separately)';
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname) && !allowHttp)
    return 'must be https:// for a host other than this machine (http:// is allowed for localhost; set "allow_http": true to allow it elsewhere)';
  return undefined;
}

/** Gemini on Vertex AI as Settings stores it: the project, the region, and a service-account file (null: application-default credentials). */
export const vertexSetup = z
  .object({
    project: z
      .string({ error: 'must be a Google Cloud project id, e.g. "my-project-123"' })
      .trim()
      .regex(/^([a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
        message:
          'must be a Google Cloud project id: 6 to 30 lowercase letters, digits or hyphens, starting with a letter (e.g. "my-project-123")',
      }),
    location: z
      .string({ error: 'must be a Vertex AI location, e.g. "us-central1" or "global"' })
      .trim()
      .regex(/^(global|[a-z]+-[a-z]+[0-9]+)$/, {
        message: 'must be a Vertex AI location such as "us-central1", "europe-west4" or "global"',
      }),
    credentials_file: z
      .string({ error: 'must be the path of a service-account JSON key file, or null for application-default credentials' })
      .trim()
      .min(1, 'must be the path of a service-account JSON key file, or null for application-default credentials')
      .max(4096, 'must be at most 4096 characters')
      .nullable(),
  })
  .strict();

/** An entry, typed as written (its wire name, validator and `shown` stay precise for the API's derived types). */
const spec = <const T extends SettingSpec>(s: T): T => s;

/**
 * The core's settings, in the order PUT /api/v1/settings lists and writes them. A value absent from the ledger means
 * the default (the config or environment's, else the built-in one): wiring reads each through its key here.
 */
export const coreSettings = {
  thresholds: spec({
    key: 'routing.thresholds',
    wire: 'thresholds',
    schema: thresholds,
    writers: [SETTINGS_API, 'POST /api/v1/feedback/tune/apply', 'hybrid-ai tune'],
    shown: (now) => now.routing.thresholds,
  }),
  localOnly: spec({
    key: 'routing.localOnly',
    wire: 'local_only',
    schema: z.boolean(),
    writers: [SETTINGS_API],
    shown: (now) => now.routing.localOnly,
  }),
  // null is stored on purpose: "no cap", overriding a cap from the config or environment.
  dailyBudget: spec({
    key: 'budget.dailyMicros',
    wire: 'daily_budget_micros',
    schema: budgetCap,
    writers: [SETTINGS_API],
    shown: (now) => now.routing.budget.dailyMicros ?? null,
  }),
  monthlyBudget: spec({
    key: 'budget.monthlyMicros',
    wire: 'monthly_budget_micros',
    schema: budgetCap,
    writers: [SETTINGS_API],
    shown: (now) => now.routing.budget.monthlyMicros ?? null,
  }),
  history: spec({
    key: 'history.enabled',
    wire: 'history_enabled',
    schema: z.boolean(),
    writers: [SETTINGS_API],
    shown: (now) => now.history,
  }),
  /** Loopback clients may use the Ollama routes without a token (the Ollama CLI cannot send one); off by default. */
  ollamaWithoutToken: spec({
    key: 'api.ollamaLoopbackWithoutToken',
    wire: 'ollama_without_token',
    schema: z.boolean(),
    writers: [SETTINGS_API],
  }),
  /**
   * The machine tier chosen by the user (null = the detected one); `--tier`, HYBRID_AI_TIER or the config file's
   * `tier` win over it. The server, `ask` and `route` read it (routing/tiering.ts tierInForce).
   */
  tierOverride: spec({
    key: 'hardware.tierOverride',
    wire: 'tier_override',
    schema: z
      .union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)], { error: 'must be a tier: 1, 2, 3 or 4 (null = detected)' })
      .nullable(),
    writers: [SETTINGS_API],
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
  /**
   * An OpenAI-compatible cloud set up in Settings (null/absent: none, unless HYBRID_AI_CLOUD_COMPAT_URL is set, which
   * wins). The key is not here: it lives in the SecretStore like every provider's.
   */
  cloudCompat: spec({
    key: 'cloud.compat',
    wire: 'compat',
    schema: compatSetup.nullable(),
    writers: ['PUT /api/v1/cloud/compat', 'DELETE /api/v1/cloud/compat'],
  }),
  /**
   * Gemini on Vertex AI set up in Settings (null/absent: AI Studio by key, unless GOOGLE_GENAI_USE_VERTEXAI is set,
   * which wins). Holds a service-account file's path, never its content.
   */
  cloudVertex: spec({
    key: 'cloud.vertex',
    wire: 'vertex',
    schema: vertexSetup.nullable(),
    writers: ['PUT /api/v1/cloud/vertex', 'DELETE /api/v1/cloud/vertex'],
  }),
} as const;

/** The entries of `coreSettings` that PUT /api/v1/settings writes (typed: the API's body and answer derive from them). */
export type SettingsApiField = {
  [K in keyof typeof coreSettings]: typeof SETTINGS_API extends (typeof coreSettings)[K]['writers'][number]
    ? (typeof coreSettings)[K]
    : never;
}[keyof typeof coreSettings];

/** The settings PUT /api/v1/settings writes one for one (its wire field → the stored value), in `coreSettings`' order. */
export const settingsApiFields: readonly SettingsApiField[] = Object.values(coreSettings).filter((s): s is SettingsApiField =>
  (s.writers as readonly string[]).includes(SETTINGS_API),
);

// The routing features' settings (PUT /api/v1/routing/settings): each stored as one JSON object merged over the
// feature's defaults (routing-settings.ts reads them; the wire is snake_case, the stored object camelCase).
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

const privacyBody = z
  .object({
    enabled: z.boolean().optional(),
    words: z
      .array(z.string().trim().min(1, 'words must not be empty').max(100, 'words are at most 100 characters'))
      .max(MAX_WORDS)
      .optional(),
    disabled_kinds: z.array(z.enum(kinds)).optional(),
  })
  .strict();

const cacheBody = z
  .object({
    enabled: z.boolean().optional(),
    ttl_ms: z.number().int().min(1000, 'must be at least 1000 (1 s)').max(MAX_TTL_MS, `must be at most ${MAX_TTL_MS} (7 days)`).optional(),
    include_sampled: z.boolean().optional(),
    semantic: z.boolean().optional(),
    semantic_threshold: z.number().min(0.5, 'must be between 0.5 and 1').max(1, 'must be between 0.5 and 1').optional(),
  })
  .strict();

const cascadeBody = z
  .object({
    enabled: z.boolean().optional(),
    min_mean_logprob: z.number().min(-20, 'must be between -20 and 0').max(0, 'must be between -20 and 0').optional(),
    unsure_margin: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
  })
  .strict();

const routingWriters = ['PUT /api/v1/routing/settings'] as const;

/**
 * The routing features' settings, in the order PUT /api/v1/routing/settings writes them. `schema` validates the wire
 * form (a partial object merged over what is in force); routing-settings.ts reads the stored form over the defaults.
 */
export const routingFeatureSettings = {
  estimator: spec({
    key: 'routing.estimator',
    wire: 'estimator',
    schema: z.enum(['learned', 'rules']),
    writers: [...routingWriters, 'POST /api/v1/routing/experiment/adopt'],
  }),
  privacy: spec({ key: 'privacy', wire: 'privacy', schema: privacyBody, writers: routingWriters }),
  cache: spec({ key: 'cache', wire: 'cache', schema: cacheBody, writers: routingWriters }),
  cascade: spec({ key: 'cascade', wire: 'cascade', schema: cascadeBody, writers: routingWriters }),
  schedule: spec({ key: 'routing.schedule', wire: 'schedule', schema: scheduleBody, writers: routingWriters }),
} as const;
