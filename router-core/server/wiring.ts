// Composition root: the one place that knows concrete engines and stores; builds the core and its gateway.
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { timeOrderedId } from '../ids.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { cloudEngineOf, type Availability, type CloudProvider, type EngineId } from '../contracts/decision.js';
import type { TierDecision } from '../contracts/hardware.js';
import { defaultCloudModelFor, findModel, localModels } from '../data/models.js';
import { createAvailabilityCache, type AvailabilityCache } from '../engines/availability.js';
import type { Engine } from '../engines/engine.js';
import type { LlamaCppEngine, LlamaCppEngineInfo } from '../engines/llamacpp.js';
import type { OllamaEngine } from '../engines/ollama.js';
import { engineFactories, type EngineSettings } from '../engines/registry.js';
import { CoreError, toCoreError } from '../errors.js';
import { buildGateway, DEFAULT_BODY_LIMIT } from '../gateway/app.js';
import type { ClaudeAuthError, KeyTest } from '../gateway/secrets-api.js';
import { periodStarts } from '../gateway/admin.js';
import { createAppKeys, type AppKeys } from '../gateway/keys-api.js';
import { envKeyWarnings } from '../gateway/cloud-api.js';
import { createMetrics, registerStateGauges, type Metrics } from '../gateway/metrics.js';
import type { LoadedModel } from '../gateway/protocol.js';
import { loopbackHosts, OLLAMA_WITHOUT_TOKEN_SETTING, type SecurityOptions } from '../gateway/security.js';
import { loadOrCreateToken, openDataDir, type DataDir } from '../host/data-dir.js';
import { CLAUDE_KEY, cloudKeyEnvNames, cloudKeyNames, createSecretStore, type SecretStore } from '../host/secrets.js';
import type { Ledger, RequestRecord } from '../ledger/ledger.js';
import { parseLedgerUrl } from '../ledger/ledger-url.js';
import { createSettingsView, type SettingsView } from '../ledger/settings-view.js';
import { openSqliteLedger } from '../ledger/sqlite.js';
import { createPipeline, type ChatPipeline, type RunningExperiment } from '../pipeline.js';
import { createRoutingExtras } from '../pipeline-routing.js';
import { overlaySettings, runningExperiment } from '../routing-experiment.js';
import { readRoutingSettings } from '../routing-settings.js';
import { defaultThresholds } from '../routing/complexity.js';
import { cloudProviders, isCloudEngine, localEnginePreference, providerNames, providerOf } from '../routing/cloud.js';
import { cloudStatus, type CloudChoice, type RoutingConfig } from '../routing/policy.js';
import { localClock } from '../local-clock.js';
import { createNodeRoutingState } from '../routing-state.js';
import { isLoopback, type Config } from './config.js';
import {
  cheapestCatalogModel,
  cloudEngineSettings,
  compatInForce,
  createCloudSetup,
  oneTokenCheck,
  vertexInForce,
  type CloudSetup as CloudSetupApi,
} from './cloud-setup.js';
import { createLocalInference, type LocalInference } from './local-inference.js';
import { createLocalModelFileDescriber } from './local-model-file.js';
import { createLogger } from './logger.js';
import { coreSettings } from '../settings-schema.js';

export const VERSION = '0.1.0';

export interface Core {
  config: Config;
  app: FastifyInstance;
  pipeline: ChatPipeline;
  ledger: Ledger;
  /** The settings as the core reads them (synchronously); writes go through to the ledger. */
  settings: SettingsView;
  engines: ReadonlyMap<EngineId, Engine>;
  token: string;
  tokenCreated: boolean;
  /** The tier in force (detected, or overridden by --tier or the `hardware.tierOverride` setting). */
  readonly tier: TierDecision;
  /** Resolves once hardware detection finished (< 1 s); `tier` may rise then (a GPU found). */
  hardwareReady: Promise<void>;
  /** Hardware, model downloads and the Ollama process. */
  local: LocalInference;
  logger: Logger;
  /**
   * Starts the background work held back by `deferBackground` (hardware detection, the Ollama process); the server
   * calls it once it listens. A no-op otherwise, and after the first call.
   */
  startBackground(): void;
  /** Close engines and the ledger (the HTTP server is closed by the caller first). */
  close(): Promise<void>;
}

/**
 * The name a HYBRID_AI_LOCAL_MODEL file answers under, everywhere (the answer's `model`, /api/ps, /api/v1/system):
 * its file name without `.gguf`. why: the file may be any GGUF; a catalog id would claim weights, a licence and
 * quirks (Qwen3's thinking switch) it may not have, and this is the name /api/ps and /api/tags show, so a client can
 * send it back.
 */
export function localModelName(file: string): string {
  return path.basename(file).replace(/\.gguf$/i, '');
}

/**
 * Model files the embedded engine may use: HYBRID_AI_LOCAL_MODEL serves every local route (under its own name first,
 * and every catalog id, so a request naming one is still answered), else the catalog's files.
 */
function modelFiles(config: Config, modelsDir: string): Record<string, string> {
  if (config.localModel) {
    if (!existsSync(config.localModel) || !statSync(config.localModel).isFile()) {
      throw new CoreError(
        'invalid_request',
        `HYBRID_AI_LOCAL_MODEL points to ${config.localModel}, which is not a file. Give the path of a .gguf model.`,
      );
    }
    return Object.fromEntries([localModelName(config.localModel), ...localModels.map((m) => m.id)].map((id) => [id, config.localModel!]));
  }
  return Object.fromEntries(localModels.map((m) => [m.id, path.join(modelsDir, m.file)]));
}

/**
 * The models the embedded engine holds in memory, most recently used first, by the name callers use: the catalog id
 * whose file it is, or the file's own name when HYBRID_AI_LOCAL_MODEL serves every local route from one file.
 */
function loadedModels(engine: Engine | undefined, files: Record<string, string>, override: string | undefined): LoadedModel[] {
  const info = (engine as Partial<LlamaCppEngine> | undefined)?.info?.();
  return [...(info?.loadedModels ?? [])].reverse().map((file) => {
    const id = override ? localModelName(file) : (Object.entries(files).find(([, f]) => f === file)?.[0] ?? path.basename(file));
    let sizeBytes: number | undefined;
    try {
      sizeBytes = statSync(file).size;
    } catch {
      // Deleted since it was loaded: size unknown.
    }
    // The window each request gets (tokens per sequence, as Ollama's num_ctx), once the worker reported the load.
    const held = info?.models.find((m) => m.path === file);
    const contextLength = held?.contextSize;
    // In memory: the weights (the file) and the context llama.cpp opened for all its sequences (KV cache, buffers).
    const memoryBytes = sizeBytes !== undefined && held ? sizeBytes + held.contextBytes : undefined;
    return {
      id,
      engine: 'llamacpp',
      sizeBytes,
      ...(memoryBytes !== undefined ? { memoryBytes } : {}),
      ...(contextLength !== undefined ? { contextLength } : {}),
      ...(held ? { uses: held.uses } : {}),
      ...(held?.freeing ? { freeing: true } : {}),
    };
  });
}

/** A budget cap saved in Settings (null = explicitly none) or, when never saved, the config's. */
function budgetCap(saved: number | null | undefined, fromConfig: number | undefined): number | undefined {
  return saved === undefined ? fromConfig : (saved ?? undefined);
}

/**
 * How often a gateway on a shared ledger (PostgreSQL) re-reads settings and app keys that other replicas may have
 * changed. why: these change by hand, rarely; a second's delay before another replica's change applies here is
 * harmless, and one small query per second per replica is nothing, while reading them on every request would not be.
 * Spend and budget reservations are never cached: they are read in the database on every decision.
 */
export const SHARED_REFRESH_MS = 1_000;

/**
 * Open the ledger the config selects: PostgreSQL for a postgres:// URL, else SQLite (the data dir's ledger.db, or
 * the file of a sqlite: URL). A bad URL or an unreachable database fails here with a plain message (password hidden).
 */
export async function openLedger(config: Config, ledgerFile: string, logger?: Logger): Promise<Ledger> {
  const target = parseLedgerUrl(config.ledgerUrl, config.ledgerPassword);
  if (target.kind === 'postgres') {
    // Loaded only for a PostgreSQL ledger: pg is ~15 MB resident that a desktop core on SQLite never needs.
    const { openPostgresLedger } = await import('../ledger/postgres.js');
    const ledger = await openPostgresLedger({
      url: target.url,
      onIdleError: (m) => logger?.warn({ ledger: target.shown }, `ledger connection lost: ${m}`),
    });
    logger?.info({ ledger: target.shown }, 'ledger: PostgreSQL (shared with other gateway replicas)');
    return ledger;
  }
  return openSqliteLedger(target.file ? path.resolve(target.file) : ledgerFile);
}

/** What {@link createCore} takes besides the config. */
export interface CoreOptions {
  logger?: Logger;
  now?: () => number;
  engines?: Map<EngineId, Engine>;
  /** Hold hardware detection and the Ollama start until {@link Core.startBackground} (the server: once it listens). */
  deferBackground?: boolean;
}

/** The data dir, the API token, the ledger and the settings read from it. */
interface Storage {
  logger: Logger;
  now: () => number;
  dir: DataDir;
  token: string;
  tokenCreated: boolean;
  /** The model files the embedded engine may use ({@link modelFiles}). */
  files: Record<string, string>;
  ledger: Ledger;
  settingsView: SettingsView;
}

/** Step 1: the data dir, the API token, the ledger and its settings. */
async function openStorage(config: Config, opts: CoreOptions): Promise<Storage> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const now = opts.now ?? Date.now;
  const dir = openDataDir(config.dataDir);
  const { token, created, warning } = config.token ? { token: config.token, created: false, warning: undefined } : loadOrCreateToken(dir);
  if (warning) logger.warn(warning);
  // Checked before the ledger opens, so a bad path leaves no connection pool behind.
  const files = modelFiles(config, dir.modelsDir);
  const ledger = await openLedger(config, dir.ledgerFile, logger);
  let settingsView: SettingsView;
  try {
    settingsView = await createSettingsView(ledger);
  } catch (e) {
    await ledger.close();
    throw e;
  }
  return { logger, now, dir, token, tokenCreated: created, files, ledger, settingsView };
}

/** The cloud keys and what they say about each provider. */
interface CloudSetup {
  secrets: SecretStore;
  /** Whether a provider is set up: its key is known (env, keychain or file), Vertex AI is configured, or a compatible cloud's URL is. */
  cloudConfigured: (p: CloudProvider) => boolean;
  /** The model a provider answers the cloud route with: the catalog's default (a compatible cloud: the configured or first listed). */
  cloudModelOf: (p: CloudProvider) => string;
}

/** Step 2: the secret store (the cloud keys) and the cloud providers it makes usable. */
function openSecrets(config: Config, dir: DataDir, logger: Logger, view: Pick<SettingsView, 'getSetting'>): CloudSetup {
  // The Claude key: env → OS keychain → 0600 file in the data dir; saved through /api/v1/settings/claude-key.
  const secrets = createSecretStore({
    dataDir: dir.root,
    env: {
      [CLAUDE_KEY]: config.anthropicApiKey,
      [cloudKeyNames.openai]: config.openaiApiKey,
      [cloudKeyNames.gemini]: config.geminiApiKey,
      [cloudKeyNames.compat]: config.cloudCompatKey,
    },
    envNames: cloudKeyEnvNames,
    keychain: config.keychain === false ? 'off' : 'auto',
    onWarning: (m) => logger.warn(m),
  });
  for (const w of envKeyWarnings({
    anthropic: { env: 'ANTHROPIC_API_KEY', value: config.anthropicApiKey },
    openai: { env: 'OPENAI_API_KEY', value: config.openaiApiKey },
    gemini: { env: 'GEMINI_API_KEY', value: config.geminiApiKey },
    compat: { env: 'HYBRID_AI_CLOUD_COMPAT_KEY', value: config.cloudCompatKey },
  }))
    logger.warn(w);
  const cloudConfigured = (p: CloudProvider): boolean => {
    // The compatible cloud and Vertex AI: the environment's, else what Settings saved (server/cloud-setup.ts).
    if (p === 'compat') return compatInForce(config, view) !== undefined;
    if (p === 'gemini' && vertexInForce(config, view)) return true;
    return secrets.peek(cloudKeyNames[p]) !== undefined;
  };
  const cloudModelOf = (p: CloudProvider): string =>
    p === 'compat' ? (compatInForce(config, view)?.model ?? '') : (defaultCloudModelFor(p) ?? '');
  return { secrets, cloudConfigured, cloudModelOf };
}

/**
 * The last refusal of each cloud key seen on a real request (Settings turns the key red with a fix-it hint), and the
 * models each cloud refused as unknown to it (no longer offered: see {@link withoutRefusedModels}): set by the
 * pipeline, cleared by a new key, a changed setup (the compatible cloud's URL or model) or the provider answering
 * again. In memory: a restart re-learns them on use.
 */
interface AuthErrors {
  claude: ClaudeAuthError | undefined;
  /** The same, for every cloud provider (the cloud settings show each provider's). */
  cloud: Map<CloudProvider, ClaudeAuthError>;
  /** Per provider, the models it refused (HTTP 404, or a 400 naming the model), each with the provider's words. */
  models: Map<CloudProvider, Map<string, { message: string; at: number }>>;
}

/** Forget what `p` refused: its key and its models (a new key, a new setup, or an answer from it). */
function forgetRefusals(authErrors: AuthErrors, p: CloudProvider): void {
  if (p === 'anthropic') authErrors.claude = undefined;
  authErrors.cloud.delete(p);
  authErrors.models.delete(p);
}

/** Refused models remembered per provider, oldest forgotten first: far more than one setup ever names. */
const MAX_REFUSED_MODELS = 64;

/** A cloud engine's failure on a call: a refused key or a refused model is remembered (see {@link AuthErrors}). */
function noteRefusal(authErrors: AuthErrors, engine: EngineId, err: CoreError, at: number): void {
  if (engine === 'anthropic' && err.type === 'upstream_auth') authErrors.claude = { error_type: 'upstream_auth', message: err.message, at };
  const provider = providerOf(engine);
  if (provider && err.type === 'upstream_auth') authErrors.cloud.set(provider, { error_type: 'upstream_auth', message: err.message, at });
  if (provider && err.refusedModel !== undefined) {
    const refused = authErrors.models.get(provider) ?? new Map<string, { message: string; at: number }>();
    refused.delete(err.refusedModel);
    // Bounded: callers may name any "gpt-…" id, and each refused one would otherwise stay for the life of the process.
    if (refused.size >= MAX_REFUSED_MODELS) refused.delete(refused.keys().next().value!);
    refused.set(err.refusedModel, { message: err.message, at });
    authErrors.models.set(provider, refused);
  }
}

/** A saved or deleted key counts from the next request: clears its refusals and re-probes before the API call answers. */
function watchCloudKeys(secrets: SecretStore, availability: AvailabilityCache, authErrors: AuthErrors): void {
  secrets.onChange(async (name) => {
    if (name === CLAUDE_KEY) authErrors.claude = undefined;
    for (const p of cloudProviders) if (cloudKeyNames[p] === name) forgetRefusals(authErrors, p);
    await availability.refresh();
  });
}

/**
 * After a key test: one that passed with the key already in use (saved again once fixed upstream) makes its last
 * refusal stale. A new key clears the refusal anyway, through onChange above.
 */
function keyAccepted(secrets: SecretStore, authErrors: AuthErrors, p: CloudProvider, key: string): (t: KeyTest) => KeyTest {
  return (t) => {
    if (t.ok && secrets.peek(cloudKeyNames[p]) === key) forgetRefusals(authErrors, p);
    return t;
  };
}

/**
 * Availability as routing, the model lists and the cloud settings see it: a model its cloud refused is not offered,
 * and a cloud whose route model (the configured one, or the first it lists) was refused is unavailable with the
 * provider's reason, so the cloud route falls back as for any unavailable cloud. Unchanged while nothing was refused.
 */
function withoutRefusedModels(a: Availability, refused: AuthErrors['models'], routeModelOf: (p: CloudProvider) => string): Availability {
  if (refused.size === 0) return a;
  const engines = { ...a.engines };
  for (const [p, models] of refused) {
    const id = cloudEngineOf[p];
    const e = engines[id];
    if (!e?.ok || models.size === 0) continue;
    const routeModel = routeModelOf(p) || e.models[0] || '';
    const left = e.models.filter((m) => !models.has(m));
    const refusal = models.get(routeModel) ?? (left.length === 0 ? [...models.values()].at(-1) : undefined);
    engines[id] = refusal ? { ...e, ok: false, models: [], reason: refusal.message } : { ...e, models: left };
  }
  return { engines };
}

/** The availability cache, seen through {@link withoutRefusedModels}. */
function refusalAware(
  cache: AvailabilityCache,
  refused: AuthErrors['models'],
  routeModelOf: (p: CloudProvider) => string,
): AvailabilityCache {
  const view = (a: Availability): Availability => withoutRefusedModels(a, refused, routeModelOf);
  return {
    get: () => cache.get().then(view),
    invalidate: (e) => cache.invalidate(e),
    refresh: () => cache.refresh().then(view),
  };
}

/** The embedded engine's load in its own shape (mapped for /api/v1/system in gateway/models-dto.ts), or undefined without one. */
function embeddedLoad(engines: ReadonlyMap<EngineId, Engine>): LlamaCppEngineInfo | undefined {
  const e = engines.get('llamacpp') as LlamaCppEngine | undefined;
  return e && typeof e.info === 'function' ? e.info() : undefined;
}

interface EnginesInput {
  config: Config;
  opts: CoreOptions;
  storage: Storage;
  cloud: CloudSetup;
  /** Local inference's background work waits for this (see {@link CoreOptions.deferBackground}). */
  startAfter: Promise<void> | undefined;
}

/** The engines and what watches them. */
interface Engines {
  /** What every engine is built from (the key test builds one more with another key). */
  settings: EngineSettings;
  engines: Map<EngineId, Engine>;
  availability: AvailabilityCache;
  authErrors: AuthErrors;
  local: LocalInference;
  cloudSetup: CloudSetupApi;
}

/** Step 3: the engines, their availability, the cloud keys' auth errors and local inference (hardware, models, Ollama). */
function startEngines({ config, opts, storage, cloud, startAfter }: EnginesInput): Engines {
  const { secrets } = cloud;
  const { logger, now, settingsView } = storage;
  const settings: EngineSettings = {
    modelFiles: storage.files,
    ...(config.localModel ? { servesAllLocalAs: localModelName(config.localModel) } : {}),
    threads: config.threads,
    // --parallel wins; else the tier's (data/tiers.ts), read when a model loads so a tier change applies to the next load.
    parallel: () => local.parallel().sequences,
    queueLimit: config.queueLimit,
    ollamaHost: config.ollamaHost,
    anthropicApiKey: () => secrets.peek(CLAUDE_KEY),
    anthropicBaseUrl: config.anthropicBaseUrl,
    openaiCompatUrl: config.openaiCompatUrl,
    openaiCompatModel: config.openaiCompatModel,
    // Every cloud engine reads its key through a getter: a key saved in Settings counts from the next request.
    openaiApiKey: () => secrets.peek(cloudKeyNames.openai),
    openaiBaseUrl: config.openaiBaseUrl,
    geminiApiKey: () => secrets.peek(cloudKeyNames.gemini),
    ...cloudEngineSettings(config, settingsView),
    cloudCompatKey: () => secrets.peek(cloudKeyNames.compat),
  };
  const engines = opts.engines ?? new Map<EngineId, Engine>();
  if (!opts.engines) {
    for (const [id, factory] of Object.entries(engineFactories) as Array<[EngineId, NonNullable<(typeof engineFactories)[EngineId]>]>) {
      const e = factory(settings);
      if (e) engines.set(id, e);
    }
  }
  const authErrors: AuthErrors = { claude: undefined, cloud: new Map(), models: new Map() };
  // Every reader (routing, the model lists, the cloud settings, metrics) sees the models a cloud refused as gone.
  const availability = refusalAware(createAvailabilityCache(engines, now), authErrors.models, cloud.cloudModelOf);
  // Settings may set up the compatible cloud and Vertex AI: their engines are rebuilt on a change.
  const cloudSetup = createCloudSetup({
    config,
    view: settingsView,
    settings,
    engines,
    build: (id, s) => engineFactories[id]?.(s) ?? null,
    refresh: () => availability.refresh(),
    // A saved or removed setup (URL, model) is a new start: what the old one refused no longer holds.
    changed: (p) => forgetRefusals(authErrors, p),
    // The one-token test of a saved setup asks for its model: one it finds refused is no longer offered (a refused key
    // is reported by the save itself, as before).
    failed: (p, err) => {
      if (err.refusedModel !== undefined) noteRefusal(authErrors, cloudEngineOf[p], err, now());
    },
    rebuild: !opts.engines,
    // Another replica's change arrives with the shared settings: rebuild here too.
    ...(storage.ledger.shared ? { syncEveryMs: SHARED_REFRESH_MS } : {}),
  });
  watchCloudKeys(secrets, availability, authErrors);
  // The keychain answers after a D-Bus round trip; env and file were read synchronously above.
  void secrets.status(CLAUDE_KEY).then(
    (s) => logger.info({ configured: s.configured, store: s.store }, s.warning ?? 'Claude key store ready'),
    (e: unknown) => logger.warn({ err: e }, 'Claude key lookup failed'),
  );
  const local = createLocalInference({
    config,
    startAfter,
    modelsDir: storage.dir.modelsDir,
    settings: settingsView,
    availability,
    engines,
    logger,
    now,
    embeddedLoad: () => embeddedLoad(engines),
    // An Ollama we started listens on a private port: point the Ollama engine there (not when tests inject engines).
    useOllamaAt: opts.engines
      ? undefined
      : (url) => {
          const old = engines.get('ollama');
          const next = engineFactories.ollama?.({ ...settings, ollamaHost: url });
          if (next) engines.set('ollama', next);
          void old?.close();
        },
  });
  return { settings, engines, availability, authErrors, local, cloudSetup };
}

/** The routing config as the pipeline reads it per request, and a running experiment's variant of it. */
interface Routing {
  routing: () => RoutingConfig;
  experiment: () => RunningExperiment | undefined;
}

/** Step 4: the routing config, read from the settings (and the config's defaults) on every call. */
function routingConfig(config: Config, settingsView: SettingsView, { secrets, cloudConfigured, cloudModelOf }: CloudSetup): Routing {
  // An explicit HYBRID_AI_LOCAL_MODEL means "use this file": the embedded engine goes first.
  const localEngines = localEnginePreference(Boolean(config.localModel));
  // The routing config from a settings view: the saved settings, or (a routing experiment's arm B) the saved settings
  // with the variant's laid over them, so the variant composes with every setting read here.
  const routingFrom = (view: Pick<SettingsView, 'getSetting'>): RoutingConfig => {
    const features = readRoutingSettings(view);
    return {
      thresholds: view.getSetting<RoutingConfig['thresholds']>(coreSettings.thresholds.key) ?? defaultThresholds,
      localOnly: view.getSetting<boolean>(coreSettings.localOnly.key) ?? config.localOnly,
      ...cloudRouting(view),
      prices: compatInForce(config, view)?.prices,
      // Caps saved in Settings win (null = no cap); otherwise the config/environment's.
      budget: {
        dailyMicros: budgetCap(view.getSetting<number | null>(coreSettings.dailyBudget.key), config.dailyBudgetMicros),
        monthlyMicros: budgetCap(view.getSetting<number | null>(coreSettings.monthlyBudget.key), config.monthlyBudgetMicros),
      },
      localEnginePreference: localEngines,
      estimator: features.estimator,
      privacy: features.privacy,
      schedule: features.schedule,
    };
  };
  // Read on every request (twice or more): built once per change of what it is read from, the settings (their version)
  // and which cloud keys are known (a key saved, removed or found in the keychain changes peekKeys' answer).
  const version = settingsView.version?.bind(settingsView);
  const peekKeys = (): number => {
    let known = 0;
    for (let i = 0; i < cloudProviders.length; i++) if (secrets.peek(cloudKeyNames[cloudProviders[i]!]) !== undefined) known |= 1 << i;
    return known;
  };
  let memo: { version: number; keys: number; config: RoutingConfig } | undefined;
  const routing = (): RoutingConfig => {
    if (!version) return routingFrom(settingsView);
    const v = version();
    const keys = peekKeys();
    if (memo?.version !== v || memo.keys !== keys) memo = { version: v, keys, config: routingFrom(settingsView) };
    return memo.config;
  };
  /**
   * The cloud route: the first choice (Settings, else HYBRID_AI_CLOUD, else Claude when its key is set, else the first
   * provider configured, else Claude as today), then the fallback order (Settings, else every other configured provider).
   */
  function cloudRouting(view: Pick<SettingsView, 'getSetting'>): Pick<RoutingConfig, 'cloudModel' | 'cloudEngine' | 'cloudFallbacks'> {
    const configured = cloudProviders.filter(cloudConfigured);
    const first: CloudProvider =
      view.getSetting<CloudProvider | null>(coreSettings.cloudProvider.key) ??
      config.cloud ??
      (configured.includes('anthropic') ? 'anthropic' : (configured[0] ?? 'anthropic'));
    // The saved order first; providers set up since it was saved follow it (a new key is never left out).
    const saved = view.getSetting<CloudProvider[]>(coreSettings.cloudFallbackOrder.key) ?? [];
    const order = [...saved, ...configured.filter((p) => !saved.includes(p))];
    const cloudFallbacks: CloudChoice[] = order
      .filter((p) => p !== first && configured.includes(p))
      .map((p) => ({ model: cloudModelOf(p), engine: cloudEngineOf[p] }));
    return { cloudModel: cloudModelOf(first), cloudEngine: cloudEngineOf[first], cloudFallbacks };
  }
  const experiment = (): RunningExperiment | undefined => {
    const e = runningExperiment(settingsView);
    return e && { id: e.id, share: e.share, variant: routingFrom(overlaySettings(settingsView, e.overrides)) };
  };
  return { routing, experiment };
}

/**
 * One token from a provider's cheapest catalog model with `key` (an OpenAI-compatible cloud: its configured or first
 * listed model): proves the key works for a few micro-dollars. Not in the ledger: a setup check, not a request.
 */
async function testCloudKey(
  config: Config,
  settings: EngineSettings,
  p: CloudProvider,
  key: string,
  signal: AbortSignal,
): Promise<KeyTest> {
  const withKey: EngineSettings =
    p === 'anthropic'
      ? { ...settings, anthropicApiKey: key }
      : p === 'openai'
        ? { ...settings, openaiApiKey: () => key }
        : p === 'gemini'
          ? { ...settings, geminiApiKey: () => key, geminiVertex: undefined }
          : { ...settings, cloudCompatKey: () => key };
  const engine = engineFactories[cloudEngineOf[p]]?.(withKey);
  if (!engine) {
    const hint = p === 'compat' ? ' (set HYBRID_AI_CLOUD_COMPAT_URL to its base URL)' : '';
    return { ok: false, error_type: 'no_model_available', message: `This core has no ${providerNames[p]} engine${hint}.` };
  }
  try {
    const model = cheapestCatalogModel(p) ?? config.cloudCompatModel ?? (await engine.probe()).models[0];
    if (!model) return { ok: false, error_type: 'no_model_available', message: `${providerNames[p]} lists no model to test the key with.` };
    return await oneTokenCheck(engine, model, signal);
  } catch (e) {
    const err = toCoreError(e);
    return { ok: false, error_type: err.type, message: err.message };
  } finally {
    await engine.close().catch(() => undefined);
  }
}

/**
 * One token from the cheapest Claude model: proves the key works for a few micro-dollars (not in the ledger: it is a
 * setup check, not a request anyone asked to have answered).
 */
async function testClaudeKey(settings: EngineSettings, key: string, signal: AbortSignal): Promise<KeyTest> {
  const engine = engineFactories.anthropic?.({ ...settings, anthropicApiKey: key });
  if (!engine) return { ok: false, error_type: 'no_model_available', message: 'This core has no Claude engine.' };
  try {
    const request = { model: 'claude-haiku', messages: [{ role: 'user' as const, content: 'Say OK.' }], params: { maxTokens: 1 } };
    for await (const ev of engine.chat({ request, model: 'claude-haiku', stream: false }, signal)) {
      if (ev.type === 'error') return { ok: false, error_type: ev.error.type, message: ev.error.message };
    }
    return { ok: true };
  } catch (e) {
    const err = toCoreError(e);
    return { ok: false, error_type: err.type, message: err.message };
  } finally {
    await engine.close().catch(() => undefined);
  }
}

/** Re-reads the settings and app keys that other replicas on a shared ledger (PostgreSQL) may have changed. */
function refreshFromSharedLedger(settingsView: SettingsView, keys: AppKeys, logger: Logger): NodeJS.Timeout {
  let refreshing = false;
  return setInterval(() => {
    // A slow database must not pile reloads up: skip a tick while one is still running.
    if (refreshing) return;
    refreshing = true;
    Promise.all([settingsView.reload(), keys.reload()])
      .catch((e: unknown) =>
        logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not refresh settings from the shared ledger'),
      )
      .finally(() => (refreshing = false));
  }, SHARED_REFRESH_MS);
}

/** One log line per answered request. */
function logRequest(logger: Logger, r: RequestRecord): void {
  logger.info(
    {
      reqId: r.id,
      protocol: r.protocol,
      route: r.route,
      model: r.model,
      engine: r.engine,
      status: r.status,
      error: r.errorType,
      ms: Math.round(r.latencyMs),
      cost_micros: r.costMicros,
    },
    'request',
  );
}

interface PipelineInput {
  config: Config;
  storage: Storage;
  engines: Engines;
  routing: Routing;
}

/** The pipeline and what counts its requests. */
interface Requests {
  pipeline: ChatPipeline;
  metrics: Metrics;
  keys: AppKeys;
  /** The shared ledger's refresh timer (none on SQLite). */
  refresh: NodeJS.Timeout | undefined;
}

/** Step 5: metrics, app keys and the chat pipeline, which records each request in the ledger and those counters. */
async function startPipeline({ config, storage, engines: e, routing: r }: PipelineInput): Promise<Requests> {
  const { ledger, settingsView, logger, now } = storage;
  const { engines, availability, authErrors, local } = e;
  const { routing, experiment } = r;
  const metrics = createMetrics();
  const keys = createAppKeys({ ledger, now, periodStarts });
  await keys.reload();
  // Another replica's settings and app keys (created, revoked, their spend) arrive within a second.
  const refresh = ledger.shared ? refreshFromSharedLedger(settingsView, keys, logger) : undefined;
  refresh?.unref();
  registerStateGauges(metrics, {
    availability: () => availability.get(),
    budget: () => routing().budget,
    spend: () => {
      const p = periodStarts(now());
      return ledger.spendSince(p.day, p.month);
    },
    localLoad: () => {
      const p = local.parallelism();
      return { models: p.models, queue: p.queue };
    },
  });
  // Routing's working memory and caches (privacy history, per-turn estimates), kept for the life of the process.
  const routingState = createNodeRoutingState();
  const pipeline = createPipeline({
    engines,
    ledger,
    routingState,
    availability: () => availability.get(),
    invalidate: (e) => availability.invalidate(e),
    routing,
    experiment,
    tier: () => local.tier().tier,
    history: () => settingsView.getSetting<boolean>(coreSettings.history.key) ?? config.history,
    now,
    periodStarts,
    // Time-ordered UUIDs (v7): each ledger row lands at the end of the id index instead of a random page, which
    // roughly halves the pages an insert writes to the WAL.
    newId: () => timeOrderedId(),
    // Cache and cascade; the semantic cache embeds with the local "auto" embedding model.
    extras: createRoutingExtras({
      store: ledger,
      settings: settingsView,
      now,
      embed: (texts, signal) => pipeline.embed(texts, 'auto', signal),
      history: () => settingsView.getSetting<boolean>(coreSettings.history.key) ?? config.history,
    }),
    onEngineError: (engine, err) => noteRefusal(authErrors, engine, err, now()),
    onRecord: (r) => {
      if (r.engine === 'anthropic' && r.status === 'ok') authErrors.claude = undefined;
      if (isCloudEngine(r.engine) && r.status === 'ok') {
        const p = providerOf(r.engine)!;
        authErrors.cloud.delete(p);
        // The model answered: the provider has it again.
        const refused = authErrors.models.get(p);
        if (r.model !== null) refused?.delete(r.model);
        if (refused?.size === 0) authErrors.models.delete(p);
      }
      metrics.observe(r);
      keys.observe(r);
      logRequest(logger, r);
    },
  });
  return { pipeline, metrics, keys, refresh };
}

interface GatewayInput extends PipelineInput {
  opts: CoreOptions;
  cloud: CloudSetup;
  requests: Requests;
}

/** Step 6: the HTTP gateway (nothing listens yet), and the API token it checks, which Settings may regenerate. */
function startGateway({ config, opts, storage, cloud, engines: e, routing: r, requests }: GatewayInput): {
  app: FastifyInstance;
  currentToken: () => string;
} {
  const { dir, files, ledger, settingsView, logger, now } = storage;
  const { settings, engines, availability, authErrors, local } = e;
  const { secrets, cloudConfigured } = cloud;
  const { routing } = r;
  const { pipeline, metrics, keys } = requests;
  let security: SecurityOptions | undefined;
  let currentToken = storage.token;
  const regenerateToken = (): string => {
    if (config.token) {
      throw new CoreError('forbidden', 'The API token is set by HYBRID_AI_TOKEN: change it there and restart the server.');
    }
    rmSync(dir.tokenFile, { force: true });
    currentToken = loadOrCreateToken(dir).token;
    if (security) security.token = currentToken;
    logger.info('API token regenerated; the old one no longer works');
    return currentToken;
  };
  const address = (): string => {
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    return `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  };
  const app = buildGateway({
    chatLimits: {
      requestBudgetMs: config.requestTimeoutS === undefined ? undefined : config.requestTimeoutS * 1000,
      maxConcurrentPerKey: config.maxConcurrentPerKey,
    },
    bodyTimeoutMs: config.bodyTimeoutS === undefined ? undefined : config.bodyTimeoutS * 1000,
    uiDir: config.uiDir,
    history: () => settingsView.getSetting<boolean>(coreSettings.history.key) ?? config.history,
    defaultThresholds,
    periodStarts,
    apiAccess: () => ({ address: address(), token: currentToken, tokenSource: config.token ? 'env' : 'data-dir' }),
    regenerateToken,
    version: VERSION,
    startedAt: now(),
    now,
    ledger,
    settings: settingsView,
    pipeline,
    metrics,
    availability: () => availability.get(),
    routing,
    tier: () => local.tier(),
    models: local.api,
    loadedModels: () => loadedModels(engines.get('llamacpp'), files, config.localModel),
    backendLoadedModels: async () => {
      const o = engines.get('ollama') as Partial<OllamaEngine> | undefined;
      const held = (await o?.ps?.()) ?? [];
      return held.map((m) => ({
        id: m.name,
        engine: 'ollama' as const,
        sizeBytes: m.sizeBytes,
        expiresAt: m.expiresAt,
        ...(m.contextLength !== undefined ? { contextLength: m.contextLength } : {}),
      }));
    },
    ...(config.localModel ? { localModelFile: createLocalModelFileDescriber(config.localModel, localModelName(config.localModel)) } : {}),
    unloadModel: async (model) => {
      const e = engines.get('llamacpp') as Partial<LlamaCppEngine> | undefined;
      const o = engines.get('ollama') as Partial<OllamaEngine> | undefined;
      const entry = findModel(model);
      const id = entry?.kind === 'local' ? entry.id : model;
      // Ollama frees a model it serves itself (keep_alive 0); the embedded engine frees whatever it holds of it.
      const ollama = (await availability.get()).engines.ollama;
      const viaOllama = o?.unload && ollama?.ok && ollama.models.includes(id) ? o.unload(id) : undefined;
      await Promise.all([e?.unload?.(id), viaOllama]);
    },
    loadModel: async (model, keepAlive) => {
      const e = engines.get('llamacpp') as Partial<LlamaCppEngine> | undefined;
      const o = engines.get('ollama') as Partial<OllamaEngine> | undefined;
      const entry = findModel(model);
      const id = entry?.kind === 'local' ? entry.id : model;
      // Only a local model has anything to load ahead ('auto' and clouds not): the embedded engine's if it serves it,
      // else Ollama's (which holds it for the caller's keep_alive, or the engine's default).
      const { llamacpp: llama, ollama } = (await availability.get()).engines;
      if (e?.load && llama?.ok && llama.models.includes(id)) await e.load(id);
      else if (o?.load && ollama?.ok && ollama.models.includes(id)) await o.load(id, keepAlive);
    },
    logger,
    bodyLimit: DEFAULT_BODY_LIMIT,
    keys,
    secrets,
    lastClaudeAuthError: () => authErrors.claude,
    cloud: {
      secrets,
      settings: settingsView,
      routing,
      availability: () => availability.get(),
      cloudStatus: async () => {
        const config = routing();
        const t = now();
        const p = periodStarts(t);
        const spend = await ledger.budgetSpend(p.day, p.month, t);
        const clock = config.schedule?.enabled ? localClock(t, config.schedule.timeZone) : undefined;
        return cloudStatus({ config, tier: local.tier().tier, availability: await availability.get(), spend, clock });
      },
      configured: cloudConfigured,
      lastAuthError: (p) => (p === 'anthropic' ? authErrors.claude : authErrors.cloud.get(p)),
      // Tests that inject engines get no key test: it would reach for the real cloud.
      testKey: opts.engines
        ? undefined
        : (p, key, signal) =>
            testCloudKey({ ...config, cloudCompatModel: e.cloudSetup.compat()?.model || undefined }, settings, p, key, signal).then(
              keyAccepted(secrets, authErrors, p, key),
            ),
      setup: e.cloudSetup,
    },
    // Tests that inject engines get no key test: it would reach for the real Claude.
    testClaudeKey: opts.engines
      ? undefined
      : (key, signal) => testClaudeKey(settings, key, signal).then(keyAccepted(secrets, authErrors, 'anthropic', key)),
    security: () => {
      if (!security) {
        // The port is known only after listen(); computed once on the first request.
        const addr = app.server.address();
        const port = typeof addr === 'object' && addr ? addr.port : config.port;
        const hosts = isLoopback(config.host) ? loopbackHosts(port, config.host) : new Set<string>();
        for (const h of config.allowedHosts) hosts.add(h.toLowerCase());
        security = {
          token: currentToken,
          allowedHosts: hosts,
          allowedOrigins: new Set(config.allowedOrigins.map((o) => o.toLowerCase())),
          ollamaWithoutToken: () => settingsView.getSetting<boolean>(OLLAMA_WITHOUT_TOKEN_SETTING) === true,
        };
      }
      return security;
    },
  });
  return { app, currentToken: () => currentToken };
}

/**
 * Build everything; nothing listens yet. The steps, in order: storage (data dir, token, ledger, settings), the
 * secrets and cloud config, the engines and local inference, the routing config, the pipeline, the gateway.
 */
export async function createCore(config: Config, opts: CoreOptions = {}): Promise<Core> {
  let startBackground = (): void => undefined;
  const backgroundGate = opts.deferBackground ? new Promise<void>((resolve) => (startBackground = resolve)) : undefined;
  const storage = await openStorage(config, opts);
  const cloud = openSecrets(config, storage.dir, storage.logger, storage.settingsView);
  const engines = startEngines({ config, opts, storage, cloud, startAfter: backgroundGate });
  const routing = routingConfig(config, storage.settingsView, cloud);
  const requests = await startPipeline({ config, storage, engines, routing });
  const { app, currentToken } = startGateway({ config, opts, storage, cloud, engines, routing, requests });
  const { local } = engines;
  return {
    config,
    app,
    pipeline: requests.pipeline,
    ledger: storage.ledger,
    settings: storage.settingsView,
    engines: engines.engines,
    get token() {
      return currentToken();
    },
    tokenCreated: storage.tokenCreated,
    get tier() {
      return local.tier();
    },
    hardwareReady: local.hardwareReady,
    local,
    logger: storage.logger,
    startBackground: () => startBackground(),
    async close() {
      await local.close();
      clearInterval(requests.refresh);
      await Promise.allSettled([...engines.engines.values()].map((e) => e.close()));
      await engines.cloudSetup.close();
      await storage.ledger.close();
    },
  };
}
