// Config from flags + environment (+ optional JSON file), validated; every error names the bad field.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CloudProvider, Tier } from '../contracts/decision.js';
import { parseCompatPrices, type Price } from '../data/prices.js';
import { CoreError } from '../errors.js';
import { LedgerUrlError, parseLedgerUrl } from '../ledger/ledger-url.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** From HYBRID_AI_TOKEN; undefined = generate/load one from the data dir (loopback only). */
  token?: string;
  localModel?: string;
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  /** OPENAI_API_KEY (or _FILE) and OPENAI_BASE_URL, as the official OpenAI SDK reads them. */
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  /** GEMINI_API_KEY (or _FILE): a Gemini key from Google AI Studio. */
  geminiApiKey?: string;
  /** GOOGLE_GEMINI_BASE_URL (GOOGLE_VERTEX_BASE_URL on Vertex AI): where the Gemini SDK sends requests (the SDK's own names). */
  geminiBaseUrl?: string;
  /** GOOGLE_VERTEX_BASE_URL, read whether or not Vertex AI is on in the environment (Settings may turn it on). */
  vertexBaseUrl?: string;
  /** GOOGLE_GEMINI_BASE_URL, likewise (Settings may turn Vertex AI off again). */
  geminiStudioBaseUrl?: string;
  /**
   * GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION (and optionally
   * GOOGLE_APPLICATION_CREDENTIALS, a service-account file; else application-default credentials): Gemini on Vertex AI.
   */
  geminiVertex?: { project: string; location: string; credentialsFile?: string };
  /** HYBRID_AI_CLOUD_COMPAT_URL + HYBRID_AI_CLOUD_COMPAT_KEY (or _FILE): an OpenAI-compatible cloud (OpenRouter, Groq, …). */
  cloudCompatUrl?: string;
  cloudCompatKey?: string;
  /** HYBRID_AI_CLOUD_COMPAT_MODEL: the compatible cloud's model for the cloud route (default: the first it lists). */
  cloudCompatModel?: string;
  /** HYBRID_AI_CLOUD_COMPAT_PRICES: the compatible cloud's model prices (micro-dollars per million tokens); absent = unknown. */
  cloudCompatPrices?: Record<string, Price>;
  /**
   * The environment variables, of those above, that are set (non-empty): what a person must unset to remove the
   * compatible cloud or Vertex AI that the environment sets up (Settings cannot remove them).
   */
  cloudEnv?: { compat: string[]; vertex: string[] };
  /** HYBRID_AI_CLOUD: the cloud route's first choice when several clouds are configured (default: Claude, else the first configured). */
  cloud?: CloudProvider;
  ollamaHost: string;
  /** HYBRID_AI_MANAGE_OLLAMA=off: never start an Ollama process (a running one on OLLAMA_HOST is still used). */
  manageOllama?: boolean;
  /** HYBRID_AI_KEYCHAIN=off: never read or write the OS keychain (the Claude key then lives in env or a 0600 file). */
  keychain?: boolean;
  /** HYBRID_AI_OLLAMA_BIN: the `ollama` executable to start (else PATH, else the bundled one). */
  ollamaBinary?: string;
  /** HYBRID_AI_RESOURCES_DIR: the packaged app's resources folder (holds ollama/<platform>-<arch>/ollama). */
  resourcesDir?: string;
  /** HYBRID_AI_MODEL_BASE_URL: a mirror for model downloads (each URL becomes <base>/<file>). */
  modelBaseUrl?: string;
  /** HYBRID_AI_MODEL_CATALOG: JSON file overriding url/sizeBytes/sha256 of catalog models (mirrors, tests). */
  modelCatalog?: string;
  openaiCompatUrl?: string;
  /** Server model that answers every local route on the OpenAI-compatible server (else matched by name). */
  openaiCompatModel?: string;
  tier?: Tier;
  threads?: number;
  /** --parallel / HYBRID_AI_PARALLEL / `parallel`: answers per local model at once (default: the tier's, data/tiers.ts). */
  parallel?: number;
  /** HYBRID_AI_QUEUE_LIMIT / `queueLimit`: requests that may wait per local model; more get 503 + Retry-After (default 16). */
  queueLimit?: number;
  localOnly: boolean;
  history: boolean;
  dailyBudgetMicros?: number;
  monthlyBudgetMicros?: number;
  logLevel: string;
  /**
   * --ledger-url / HYBRID_AI_LEDGER_URL (or _FILE) / `ledgerUrl`: postgres://… or postgresql://… = a PostgreSQL
   * ledger that several gateway replicas share; absent (or sqlite:…) = SQLite in the data dir. May hold a password:
   * never log it (ledger/ledger-url.ts redactUrl).
   */
  ledgerUrl?: string;
  /** HYBRID_AI_LEDGER_PASSWORD (or _FILE): the PostgreSQL password when the URL has none (a Docker or systemd secret). */
  ledgerPassword?: string;
  /** HYBRID_AI_REQUEST_TIMEOUT_S / `requestTimeoutS`: wall-clock budget of one chat request (default 300 s). */
  requestTimeoutS?: number;
  /** HYBRID_AI_MAX_CONCURRENT_PER_KEY / `maxConcurrentPerKey`: chat requests one app key may run at once (default 2). */
  maxConcurrentPerKey?: number;
  /** HYBRID_AI_BODY_TIMEOUT_S / `bodyTimeoutS`: longest a client may take to send its request (default 60 s). */
  bodyTimeoutS?: number;
  /** HYBRID_AI_UI_DIR: the built UI to serve at / (default dist/renderer next to the code). */
  uiDir?: string;
  /** HYBRID_AI_TASKWARRIOR_SYNC / `taskwarriorSyncS`: sync requests into Taskwarrior every N seconds (off when absent). */
  taskwarriorSyncS?: number;
  /** Extra Host header values to accept (e.g. a reverse proxy's name). */
  allowedHosts: string[];
  allowedOrigins: string[];
}

export class ConfigError extends CoreError {
  constructor(message: string) {
    super('invalid_request', message);
    this.name = 'CoreError';
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True when `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/**
 * The data dir when --data-dir is not given; the desktop app uses the same (electron/paths.ts coreDataDir). Windows:
 * %LOCALAPPDATA% (Local, not Roaming: multi-GB models must not follow a roaming profile).
 */
function defaultDataDir(): string {
  if (process.platform === 'win32' && !process.env.XDG_DATA_HOME) {
    return path.join(process.env.LOCALAPPDATA || path.join(os.homedir(), 'AppData', 'Local'), 'hybrid-ai');
  }
  const base =
    process.env.XDG_DATA_HOME ||
    (process.platform === 'darwin'
      ? path.join(os.homedir(), 'Library', 'Application Support')
      : path.join(os.homedir(), '.local', 'share'));
  return path.join(base, 'hybrid-ai');
}

function int(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`Invalid ${name}: "${raw}" (must be an integer from ${min} to ${max}).`);
  return n;
}

function usd(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new ConfigError(`Invalid ${name}: "${raw}" (must be a number of US dollars ≥ 0, e.g. 5 or 0.50).`);
  return Math.round(n * 1_000_000);
}

/**
 * A secret from `NAME`, or else from the file named by `NAME_FILE` (Docker/Compose secrets, systemd credentials):
 * the file's content with surrounding whitespace trimmed. An empty file counts as unset.
 */
function secret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (env[name]) return env[name];
  const file = env[`${name}_FILE`];
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (e) {
    throw new ConfigError(
      `Cannot read ${name}_FILE ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}. Give a readable file, or set ${name} instead.`,
    );
  }
}

function bool(name: string, raw: string | boolean | undefined): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'boolean') return raw;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`Invalid ${name}: "${raw}" (use true or false).`);
}

export const usage = `Usage: hybrid-ai serve [options]

Options:
  --port N            port to listen on (default 8787; 0 picks a free one)
  --host H            address to bind (default 127.0.0.1; non-loopback requires HYBRID_AI_TOKEN)
  --data-dir D        where the ledger, token and models live (default ${defaultDataDir()})
  --tier 1-4          override the detected machine tier
  --threads N         CPU threads for embedded llama.cpp (default: chosen for this machine)
  --parallel N        answers per local model at once, decoded in one batch (default: by tier and free memory)
  --local-only        never send anything to the cloud
  --history           keep prompt and answer text in the ledger
  --ledger-url URL    postgres://USER@HOST:PORT/DB: a PostgreSQL ledger shared by gateway replicas (default: SQLite in the data dir)
  --config FILE       JSON file with any of these settings (flags and env win)
  -h, --help          this text

Environment: HYBRID_AI_TOKEN (or HYBRID_AI_TOKEN_FILE), HYBRID_AI_LOCAL_MODEL=/path.gguf, ANTHROPIC_API_KEY (or ANTHROPIC_API_KEY_FILE),
ANTHROPIC_BASE_URL, OPENAI_API_KEY (or OPENAI_API_KEY_FILE), OPENAI_BASE_URL, GEMINI_API_KEY (or GEMINI_API_KEY_FILE),
GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION, GOOGLE_APPLICATION_CREDENTIALS, HYBRID_AI_CLOUD_COMPAT_URL,
HYBRID_AI_CLOUD_COMPAT_KEY (or HYBRID_AI_CLOUD_COMPAT_KEY_FILE), HYBRID_AI_CLOUD_COMPAT_MODEL, HYBRID_AI_CLOUD_COMPAT_PRICES, HYBRID_AI_CLOUD=anthropic|openai|gemini|compat, OLLAMA_HOST, HYBRID_AI_MANAGE_OLLAMA, HYBRID_AI_OLLAMA_BIN, HYBRID_AI_MODEL_BASE_URL, HYBRID_AI_MODEL_CATALOG, HYBRID_AI_OPENAI_COMPAT_URL, HYBRID_AI_OPENAI_COMPAT_MODEL, HYBRID_AI_TIER, HYBRID_AI_THREADS, HYBRID_AI_PARALLEL, HYBRID_AI_QUEUE_LIMIT, HYBRID_AI_LOCAL_ONLY, HYBRID_AI_HISTORY,
HYBRID_AI_KEYCHAIN, HYBRID_AI_DAILY_BUDGET_USD, HYBRID_AI_MONTHLY_BUDGET_USD, HYBRID_AI_LEDGER_URL (or HYBRID_AI_LEDGER_URL_FILE),
HYBRID_AI_LEDGER_PASSWORD (or HYBRID_AI_LEDGER_PASSWORD_FILE), HYBRID_AI_REQUEST_TIMEOUT_S, HYBRID_AI_MAX_CONCURRENT_PER_KEY,
HYBRID_AI_BODY_TIMEOUT_S, HYBRID_AI_UI_DIR, HYBRID_AI_TASKWARRIOR_SYNC (seconds), LOG_LEVEL`;

const fileKeys = [
  'port',
  'host',
  'dataDir',
  'tier',
  'threads',
  'parallel',
  'queueLimit',
  'localOnly',
  'history',
  'dailyBudgetUsd',
  'monthlyBudgetUsd',
  'ollamaHost',
  'localModel',
  'logLevel',
  'allowedHosts',
  'allowedOrigins',
  'ledgerUrl',
  'requestTimeoutS',
  'maxConcurrentPerKey',
  'bodyTimeoutS',
  'taskwarriorSyncS',
] as const;

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read --config file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`--config file ${file} is not valid JSON: ${(e as Error).message}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError(`--config file ${file} must hold a JSON object.`);
  for (const k of Object.keys(parsed)) {
    if (!(fileKeys as readonly string[]).includes(k))
      throw new ConfigError(`Unknown setting "${k}" in ${file}. Valid: ${fileKeys.join(', ')}.`);
  }
  return parsed as Record<string, unknown>;
}

/** Parse argv (without node and script) and env into a validated Config; throws ConfigError. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        tier: { type: 'string' },
        threads: { type: 'string' },
        parallel: { type: 'string' },
        'local-only': { type: 'boolean' },
        history: { type: 'boolean' },
        'ledger-url': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new ConfigError(`${(e as Error).message}\n\n${usage}`);
  }
  if (values.help) return 'help';
  const file = typeof values.config === 'string' ? readConfigFile(values.config) : {};
  const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
  const pick = (flag: unknown, envName: string, fileKey: string): string | undefined =>
    str(flag) ?? (env[envName] || undefined) ?? str(file[fileKey]);
  /** As pick, with the name of where the value came from, so an error names what the user set (flag, variable or key). */
  const from = (flagName: string, flag: unknown, envName: string, fileKey: string): [string, string | undefined] =>
    str(flag) !== undefined
      ? [flagName, str(flag)]
      : env[envName]
        ? [envName, env[envName]]
        : [`"${fileKey}" in ${String(values.config)}`, str(file[fileKey])];

  const host = pick(values.host, 'HYBRID_AI_HOST', 'host') ?? '127.0.0.1';
  const port = int(...from('--port', values.port, 'HYBRID_AI_PORT', 'port'), 0, 65535) ?? 8787;
  const tier = int(...from('--tier', values.tier, 'HYBRID_AI_TIER', 'tier'), 1, 4) as Tier | undefined;
  const threads = int(...from('--threads', values.threads, 'HYBRID_AI_THREADS', 'threads'), 1, 256);
  // 64: far past what batching helps on any one machine; a typo (1000) would reserve a KV cache per sequence.
  const parallel = int(...from('--parallel', values.parallel, 'HYBRID_AI_PARALLEL', 'parallel'), 1, 64);
  const queueLimit = int('HYBRID_AI_QUEUE_LIMIT', pick(undefined, 'HYBRID_AI_QUEUE_LIMIT', 'queueLimit'), 0, 10_000);
  const token = secret(env, 'HYBRID_AI_TOKEN');
  if (token !== undefined && token.length < 16) throw new ConfigError('Invalid HYBRID_AI_TOKEN: use at least 16 characters.');
  if (!isLoopback(host) && token === undefined) {
    throw new ConfigError(
      `Refusing to listen on ${host} without HYBRID_AI_TOKEN: anyone on the network could use your models and your Claude key. Set HYBRID_AI_TOKEN (or HYBRID_AI_TOKEN_FILE), or bind to 127.0.0.1.`,
    );
  }
  const localModel = pick(undefined, 'HYBRID_AI_LOCAL_MODEL', 'localModel');
  const list = (k: 'allowedHosts' | 'allowedOrigins', envName: string): string[] => {
    const fromEnv = env[envName];
    if (fromEnv)
      return fromEnv
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const v = file[k];
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ConfigError(`Invalid "${k}": must be a list of strings.`);
    return v as string[];
  };
  const ledger = ledgerSettings(values['ledger-url'], env, file);
  return {
    host,
    port,
    dataDir: path.resolve(pick(values['data-dir'], 'HYBRID_AI_DATA_DIR', 'dataDir') ?? defaultDataDir()),
    token,
    localModel: localModel ? path.resolve(localModel) : undefined,
    anthropicApiKey: secret(env, 'ANTHROPIC_API_KEY'),
    anthropicBaseUrl: env.ANTHROPIC_BASE_URL || undefined,
    ...cloudSettings(env),
    ollamaHost: pick(undefined, 'OLLAMA_HOST', 'ollamaHost') ?? '127.0.0.1:11434',
    manageOllama: bool('HYBRID_AI_MANAGE_OLLAMA', env.HYBRID_AI_MANAGE_OLLAMA?.replace(/^auto$/i, 'on')) ?? true,
    keychain: bool('HYBRID_AI_KEYCHAIN', env.HYBRID_AI_KEYCHAIN?.replace(/^auto$/i, 'on')) ?? true,
    ollamaBinary: env.HYBRID_AI_OLLAMA_BIN ? path.resolve(env.HYBRID_AI_OLLAMA_BIN) : undefined,
    resourcesDir: env.HYBRID_AI_RESOURCES_DIR ? path.resolve(env.HYBRID_AI_RESOURCES_DIR) : undefined,
    modelBaseUrl: env.HYBRID_AI_MODEL_BASE_URL || undefined,
    modelCatalog: env.HYBRID_AI_MODEL_CATALOG ? path.resolve(env.HYBRID_AI_MODEL_CATALOG) : undefined,
    openaiCompatUrl: env.HYBRID_AI_OPENAI_COMPAT_URL || undefined,
    openaiCompatModel: env.HYBRID_AI_OPENAI_COMPAT_MODEL || undefined,
    tier,
    threads,
    parallel,
    queueLimit,
    localOnly:
      (values['local-only'] as boolean | undefined) ??
      bool(...from('--local-only', undefined, 'HYBRID_AI_LOCAL_ONLY', 'localOnly')) ??
      false,
    history: (values.history as boolean | undefined) ?? bool(...from('--history', undefined, 'HYBRID_AI_HISTORY', 'history')) ?? false,
    dailyBudgetMicros: usd('HYBRID_AI_DAILY_BUDGET_USD', env.HYBRID_AI_DAILY_BUDGET_USD ?? str(file.dailyBudgetUsd)),
    monthlyBudgetMicros: usd('HYBRID_AI_MONTHLY_BUDGET_USD', env.HYBRID_AI_MONTHLY_BUDGET_USD ?? str(file.monthlyBudgetUsd)),
    logLevel: pick(undefined, 'LOG_LEVEL', 'logLevel') ?? 'info',
    ...ledger,
    // A day at most: beyond that a "budget" protects nothing.
    requestTimeoutS: int('HYBRID_AI_REQUEST_TIMEOUT_S', pick(undefined, 'HYBRID_AI_REQUEST_TIMEOUT_S', 'requestTimeoutS'), 1, 86_400),
    // 1,000 in flight for one key is already past what any local machine serves.
    maxConcurrentPerKey: int(
      'HYBRID_AI_MAX_CONCURRENT_PER_KEY',
      pick(undefined, 'HYBRID_AI_MAX_CONCURRENT_PER_KEY', 'maxConcurrentPerKey'),
      1,
      1_000,
    ),
    // An hour at most: an 8 MiB body needs ~1 min even at 1 Mbit/s.
    bodyTimeoutS: int('HYBRID_AI_BODY_TIMEOUT_S', pick(undefined, 'HYBRID_AI_BODY_TIMEOUT_S', 'bodyTimeoutS'), 1, 3_600),
    uiDir: env.HYBRID_AI_UI_DIR ? path.resolve(env.HYBRID_AI_UI_DIR) : undefined,
    // 10 s at least: each sync runs the `task` binary; a day at most, past that it is not "continuous".
    taskwarriorSyncS: int('HYBRID_AI_TASKWARRIOR_SYNC', pick(undefined, 'HYBRID_AI_TASKWARRIOR_SYNC', 'taskwarriorSyncS'), 10, 86_400),
    allowedHosts: list('allowedHosts', 'HYBRID_AI_ALLOWED_HOSTS'),
    allowedOrigins: list('allowedOrigins', 'HYBRID_AI_ALLOWED_ORIGINS'),
  };
}

const providers: readonly CloudProvider[] = ['anthropic', 'openai', 'gemini', 'compat'];

/** An http(s) URL from `name`, or a ConfigError naming the variable and what is valid. */
function httpUrl(name: string, raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`Invalid ${name}: "${raw.slice(0, 80)}" is not a URL (give e.g. https://openrouter.ai/api/v1).`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ConfigError(`Invalid ${name}: "${u.protocol}" URLs are not supported (use http:// or https://).`);
  return raw;
}

/** HYBRID_AI_CLOUD_COMPAT_PRICES parsed (data/prices.ts), its error as a ConfigError. */
function compatPrices(raw: string | undefined): Record<string, Price> | undefined {
  if (!raw?.trim()) return undefined;
  try {
    return parseCompatPrices(raw);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

/** The cloud providers besides Claude, from each SDK's own environment names; errors name the variable. */
function cloudSettings(env: NodeJS.ProcessEnv): Partial<Config> {
  const cloudRaw = env.HYBRID_AI_CLOUD?.trim().toLowerCase();
  if (cloudRaw && !(providers as readonly string[]).includes(cloudRaw))
    throw new ConfigError(`Invalid HYBRID_AI_CLOUD: "${env.HYBRID_AI_CLOUD!.slice(0, 40)}". Valid: ${providers.join(', ')}.`);
  const vertex = bool('GOOGLE_GENAI_USE_VERTEXAI', env.GOOGLE_GENAI_USE_VERTEXAI) === true;
  let geminiVertex: Config['geminiVertex'];
  if (vertex) {
    const project = env.GOOGLE_CLOUD_PROJECT?.trim();
    const location = env.GOOGLE_CLOUD_LOCATION?.trim();
    const missing = [!project && 'GOOGLE_CLOUD_PROJECT', !location && 'GOOGLE_CLOUD_LOCATION'].filter(Boolean);
    if (missing.length > 0)
      throw new ConfigError(
        `GOOGLE_GENAI_USE_VERTEXAI is on but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: Gemini on Vertex AI needs the project id and a location (e.g. us-central1 or global).`,
      );
    const credentialsFile = env.GOOGLE_APPLICATION_CREDENTIALS ? path.resolve(env.GOOGLE_APPLICATION_CREDENTIALS) : undefined;
    geminiVertex = { project: project!, location: location!, ...(credentialsFile ? { credentialsFile } : {}) };
  }
  const compatUrl = httpUrl('HYBRID_AI_CLOUD_COMPAT_URL', env.HYBRID_AI_CLOUD_COMPAT_URL || undefined);
  const compatKey = secret(env, 'HYBRID_AI_CLOUD_COMPAT_KEY');
  if (compatKey && !compatUrl)
    throw new ConfigError(
      "HYBRID_AI_CLOUD_COMPAT_KEY is set but HYBRID_AI_CLOUD_COMPAT_URL is not: give the cloud's base URL (e.g. https://openrouter.ai/api/v1).",
    );
  return {
    openaiApiKey: secret(env, 'OPENAI_API_KEY'),
    openaiBaseUrl: httpUrl('OPENAI_BASE_URL', env.OPENAI_BASE_URL || undefined),
    geminiApiKey: secret(env, 'GEMINI_API_KEY'),
    geminiBaseUrl: vertex
      ? httpUrl('GOOGLE_VERTEX_BASE_URL', env.GOOGLE_VERTEX_BASE_URL || undefined)
      : httpUrl('GOOGLE_GEMINI_BASE_URL', env.GOOGLE_GEMINI_BASE_URL || undefined),
    vertexBaseUrl: httpUrl('GOOGLE_VERTEX_BASE_URL', env.GOOGLE_VERTEX_BASE_URL || undefined),
    geminiStudioBaseUrl: httpUrl('GOOGLE_GEMINI_BASE_URL', env.GOOGLE_GEMINI_BASE_URL || undefined),
    geminiVertex,
    cloudCompatUrl: compatUrl,
    cloudCompatKey: compatKey,
    cloudCompatModel: env.HYBRID_AI_CLOUD_COMPAT_MODEL?.trim() || undefined,
    cloudCompatPrices: compatPrices(env.HYBRID_AI_CLOUD_COMPAT_PRICES),
    cloud: cloudRaw ? (cloudRaw as CloudProvider) : undefined,
    cloudEnv: {
      compat: compatUrl ? setVars(env, compatEnvVars) : [],
      vertex: geminiVertex ? setVars(env, vertexEnvVars) : [],
    },
  };
}

/** Every variable that sets up the compatible cloud (the key may come from its _FILE instead). */
const compatEnvVars = [
  'HYBRID_AI_CLOUD_COMPAT_URL',
  'HYBRID_AI_CLOUD_COMPAT_KEY',
  'HYBRID_AI_CLOUD_COMPAT_KEY_FILE',
  'HYBRID_AI_CLOUD_COMPAT_MODEL',
  'HYBRID_AI_CLOUD_COMPAT_PRICES',
];
/** Every variable that sets up Gemini on Vertex AI. */
const vertexEnvVars = ['GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_LOCATION', 'GOOGLE_APPLICATION_CREDENTIALS'];

/** Those of `names` set to something other than blanks (an empty variable sets nothing: it is read as unset). */
function setVars(env: NodeJS.ProcessEnv, names: string[]): string[] {
  return names.filter((n) => env[n]?.trim());
}

/** The ledger URL (flag, then env or its _FILE, then the config file) and password, checked; errors name the field they came from. */
function ledgerSettings(
  flag: string | boolean | undefined,
  env: NodeJS.ProcessEnv,
  file: Record<string, unknown>,
): { ledgerUrl?: string; ledgerPassword?: string } {
  let field: string;
  let url: string | undefined;
  if (typeof flag === 'string') {
    field = '--ledger-url';
    url = flag;
  } else if (env.HYBRID_AI_LEDGER_URL || env.HYBRID_AI_LEDGER_URL_FILE) {
    field = env.HYBRID_AI_LEDGER_URL ? 'HYBRID_AI_LEDGER_URL' : 'HYBRID_AI_LEDGER_URL_FILE';
    url = secret(env, 'HYBRID_AI_LEDGER_URL');
  } else {
    field = '"ledgerUrl" in the --config file';
    if (file.ledgerUrl !== undefined && typeof file.ledgerUrl !== 'string') {
      throw new ConfigError(`Invalid ${field}: must be a string such as "postgres://user@host:5432/hybrid_ai".`);
    }
    url = file.ledgerUrl as string | undefined;
  }
  const password = secret(env, 'HYBRID_AI_LEDGER_PASSWORD');
  try {
    parseLedgerUrl(url, password);
  } catch (e) {
    if (e instanceof LedgerUrlError) throw new ConfigError(`${e.message.replace(/^Invalid ledger URL/, `Invalid ${field}`)}`);
    throw e;
  }
  return { ledgerUrl: url || undefined, ledgerPassword: password };
}
