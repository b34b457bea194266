// Composition root: the one place that knows concrete engines and stores; builds the core and its gateway.
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { timeOrderedId } from '../ids.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { cloudEngineOf, type CloudProvider, type EngineId } from '../contracts/decision.js';
import type { TierDecision } from '../contracts/hardware.js';
import { cloudModelsOf, defaultCloudModelFor, findModel, localModels } from '../data/models.js';
import { prices, type Price } from '../data/prices.js';
import { createAvailabilityCache } from '../engines/availability.js';
import type { Engine } from '../engines/engine.js';
import type { LlamaCppEngine } from '../engines/llamacpp.js';
import { engineFactories, type EngineSettings } from '../engines/registry.js';
import { CoreError, toCoreError } from '../errors.js';
import { buildGateway, DEFAULT_BODY_LIMIT } from '../gateway/app.js';
import type { ClaudeAuthError, KeyTest } from '../gateway/secrets-api.js';
import { periodStarts } from '../gateway/admin.js';
import { createAppKeys } from '../gateway/keys-api.js';
import { envKeyWarnings } from '../gateway/cloud-api.js';
import { createMetrics, registerStateGauges } from '../gateway/metrics.js';
import type { LoadedModel } from '../gateway/protocol.js';
import { loopbackHosts, OLLAMA_WITHOUT_TOKEN_SETTING, type SecurityOptions } from '../gateway/security.js';
import { loadOrCreateToken, openDataDir } from '../host/data-dir.js';
import { CLAUDE_KEY, cloudKeyEnvNames, cloudKeyNames, createSecretStore } from '../host/secrets.js';
import type { Ledger } from '../ledger/ledger.js';
import { parseLedgerUrl } from '../ledger/ledger-url.js';
import { createSettingsView, type SettingsView } from '../ledger/settings-view.js';
import { openSqliteLedger } from '../ledger/sqlite.js';
import { createPipeline, type ChatPipeline, type RunningExperiment } from '../pipeline.js';
import { createRoutingExtras } from '../pipeline-routing.js';
import { overlaySettings, runningExperiment } from '../routing-experiment.js';
import { readRoutingSettings } from '../routing-settings.js';
import { defaultThresholds } from '../routing/complexity.js';
import { cloudProviders, isCloudEngine, providerNames, providerOf } from '../routing/cloud.js';
import { cloudStatus, type CloudChoice, type RoutingConfig } from '../routing/policy.js';
import { localClock } from '../local-clock.js';
import { createNodeRoutingState } from '../routing-state.js';
import { isLoopback, type Config } from './config.js';
import { createLocalInference, type LocalInference } from './local-inference.js';
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
    return { id, engine: 'llamacpp', sizeBytes };
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

/** Build everything; nothing listens yet. */
export async function createCore(
  config: Config,
  opts: {
    logger?: Logger;
    now?: () => number;
    engines?: Map<EngineId, Engine>;
    /** Hold hardware detection and the Ollama start until {@link Core.startBackground} (the server: once it listens). */
    deferBackground?: boolean;
  } = {},
): Promise<Core> {
  let startBackground = (): void => undefined;
  const backgroundGate = opts.deferBackground ? new Promise<void>((resolve) => (startBackground = resolve)) : undefined;
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

  const settings: EngineSettings = {
    modelFiles: files,
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
    geminiVertex: config.geminiVertex,
    geminiBaseUrl: config.geminiBaseUrl,
    cloudCompatUrl: config.cloudCompatUrl,
    cloudCompatKey: () => secrets.peek(cloudKeyNames.compat),
  };
  /** Whether a provider is set up: its key is known (env, keychain or file), Vertex AI is configured, or a compatible cloud's URL is. */
  const cloudConfigured = (p: CloudProvider): boolean => {
    if (p === 'compat') return config.cloudCompatUrl !== undefined;
    if (p === 'gemini' && config.geminiVertex) return true;
    return secrets.peek(cloudKeyNames[p]) !== undefined;
  };
  /** The model a provider answers the cloud route with: the catalog's default (a compatible cloud: the configured or first listed). */
  const cloudModelOf = (p: CloudProvider): string => (p === 'compat' ? (config.cloudCompatModel ?? '') : (defaultCloudModelFor(p) ?? ''));
  const engines = opts.engines ?? new Map<EngineId, Engine>();
  if (!opts.engines) {
    for (const [id, factory] of Object.entries(engineFactories) as Array<[EngineId, NonNullable<(typeof engineFactories)[EngineId]>]>) {
      const e = factory(settings);
      if (e) engines.set(id, e);
    }
  }
  const availability = createAvailabilityCache(engines, now);
  // A saved or deleted key counts from the next request: re-probe before the API call answers.
  // The last refusal of the Claude key seen on a real request (Settings turns the key red with a fix-it hint): set
  // by the pipeline, cleared by a new key or by Claude answering again. In memory: a restart re-learns it on use.
  let claudeAuthError: ClaudeAuthError | undefined;
  /** The same, for every cloud provider (the cloud settings show each provider's). */
  const cloudAuthErrors = new Map<CloudProvider, ClaudeAuthError>();
  secrets.onChange(async (name) => {
    if (name === CLAUDE_KEY) claudeAuthError = undefined;
    for (const p of cloudProviders) if (cloudKeyNames[p] === name) cloudAuthErrors.delete(p);
    await availability.refresh();
  });
  /** A key test passed with the key already in use (saved again once fixed upstream): its last refusal is stale. */
  const keyAccepted = (p: CloudProvider, key: string): void => {
    if (secrets.peek(cloudKeyNames[p]) !== key) return; // A new key: saving it clears the refusal (onChange above).
    if (p === 'anthropic') claudeAuthError = undefined;
    cloudAuthErrors.delete(p);
  };
  // The keychain answers after a D-Bus round trip; env and file were read synchronously above.
  void secrets.status(CLAUDE_KEY).then(
    (s) => logger.info({ configured: s.configured, store: s.store }, s.warning ?? 'Claude key store ready'),
    (e: unknown) => logger.warn({ err: e }, 'Claude key lookup failed'),
  );
  const local = createLocalInference({
    config,
    startAfter: backgroundGate,
    modelsDir: dir.modelsDir,
    settings: settingsView,
    availability,
    engines,
    logger,
    now,
    embeddedLoad: () => {
      const e = engines.get('llamacpp') as LlamaCppEngine | undefined;
      if (!e || typeof e.info !== 'function') return undefined;
      const i = e.info();
      return {
        queueLimit: i.queueLimit,
        running: i.running.length,
        queued: i.queued,
        queue: i.queue.map((q) => ({ id: q.id, model: q.model, position: q.position })),
        models: i.models.map((m) => ({
          model: m.model,
          sequences: m.sequences,
          requestedSequences: m.requestedSequences,
          busy: m.busy,
          queued: m.queued,
          contextSize: m.contextSize,
          bytesPerSequence: m.bytesPerSequence,
          contextBytes: m.contextBytes,
          ...(m.limitedBy ? { limitedBy: m.limitedBy } : {}),
        })),
      };
    },
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
  // An explicit HYBRID_AI_LOCAL_MODEL means "use this file": the embedded engine goes first.
  const localEnginePreference: EngineId[] = config.localModel
    ? ['llamacpp', 'ollama', 'openai-compat']
    : ['ollama', 'llamacpp', 'openai-compat'];
  // The routing config from a settings view: the saved settings, or (a routing experiment's arm B) the saved settings
  // with the variant's laid over them, so the variant composes with every setting read here.
  const routingFrom = (view: Pick<SettingsView, 'getSetting'>): RoutingConfig => {
    const features = readRoutingSettings(view);
    return {
      thresholds: view.getSetting<RoutingConfig['thresholds']>(coreSettings.thresholds.key) ?? defaultThresholds,
      localOnly: view.getSetting<boolean>(coreSettings.localOnly.key) ?? config.localOnly,
      ...cloudRouting(view),
      prices: config.cloudCompatPrices,
      // Caps saved in Settings win (null = no cap); otherwise the config/environment's.
      budget: {
        dailyMicros: budgetCap(view.getSetting<number | null>(coreSettings.dailyBudget.key), config.dailyBudgetMicros),
        monthlyMicros: budgetCap(view.getSetting<number | null>(coreSettings.monthlyBudget.key), config.monthlyBudgetMicros),
      },
      localEnginePreference,
      estimator: features.estimator,
      privacy: features.privacy,
      schedule: features.schedule,
    };
  };
  const routing = (): RoutingConfig => routingFrom(settingsView);
  /**
   * One token from a provider's cheapest catalog model with `key` (an OpenAI-compatible cloud: its configured or first
   * listed model): proves the key works for a few micro-dollars. Not in the ledger: a setup check, not a request.
   */
  const testCloudKey = async (p: CloudProvider, key: string, signal: AbortSignal): Promise<KeyTest> => {
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
      const priceOfModel = (id: string): number => (prices as Record<string, Price>)[id]?.inputPerMTok ?? Infinity;
      const cheapest = [...cloudModelsOf(p)].sort((a, b) => priceOfModel(a.id) - priceOfModel(b.id))[0]?.id;
      const model = cheapest ?? config.cloudCompatModel ?? (await engine.probe()).models[0];
      if (!model)
        return { ok: false, error_type: 'no_model_available', message: `${providerNames[p]} lists no model to test the key with.` };
      const request = { model, messages: [{ role: 'user' as const, content: 'Say OK.' }], params: { maxTokens: 1 } };
      for await (const ev of engine.chat({ request, model, stream: false }, signal)) {
        if (ev.type === 'error') return { ok: false, error_type: ev.error.type, message: ev.error.message };
      }
      keyAccepted(p, key);
      return { ok: true };
    } catch (e) {
      const err = toCoreError(e);
      return { ok: false, error_type: err.type, message: err.message };
    } finally {
      await engine.close().catch(() => undefined);
    }
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
  const metrics = createMetrics();
  const keys = createAppKeys({ ledger, now, periodStarts });
  await keys.reload();
  // Another replica's settings and app keys (created, revoked, their spend) arrive within a second.
  let refreshing = false;
  const refresh = ledger.shared
    ? setInterval(() => {
        // A slow database must not pile reloads up: skip a tick while one is still running.
        if (refreshing) return;
        refreshing = true;
        Promise.all([settingsView.reload(), keys.reload()])
          .catch((e: unknown) =>
            logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not refresh settings from the shared ledger'),
          )
          .finally(() => (refreshing = false));
      }, SHARED_REFRESH_MS)
    : undefined;
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
    onEngineError: (engine, err) => {
      if (engine === 'anthropic' && err.type === 'upstream_auth')
        claudeAuthError = { error_type: 'upstream_auth', message: err.message, at: now() };
      const provider = providerOf(engine);
      if (provider && err.type === 'upstream_auth')
        cloudAuthErrors.set(provider, { error_type: 'upstream_auth', message: err.message, at: now() });
    },
    onRecord: (r) => {
      if (r.engine === 'anthropic' && r.status === 'ok') claudeAuthError = undefined;
      if (isCloudEngine(r.engine) && r.status === 'ok') cloudAuthErrors.delete(providerOf(r.engine)!);
      metrics.observe(r);
      keys.observe(r);
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
    },
  });

  let security: SecurityOptions | undefined;
  let currentToken = token;
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
    unloadModel: async (model) => {
      const e = engines.get('llamacpp') as Partial<LlamaCppEngine> | undefined;
      const entry = findModel(model);
      await e?.unload?.(entry?.kind === 'local' ? entry.id : model);
    },
    logger,
    bodyLimit: DEFAULT_BODY_LIMIT,
    keys,
    secrets,
    lastClaudeAuthError: () => claudeAuthError,
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
      lastAuthError: (p) => (p === 'anthropic' ? claudeAuthError : cloudAuthErrors.get(p)),
      // Tests that inject engines get no key test: it would reach for the real cloud.
      testKey: opts.engines ? undefined : testCloudKey,
      vertex: config.geminiVertex && { project: config.geminiVertex.project, location: config.geminiVertex.location },
      compatUrl: config.cloudCompatUrl,
    },
    // One token from the cheapest Claude model: proves the key works for a few micro-dollars (not in the ledger:
    // it is a setup check, not a request anyone asked to have answered).
    // Tests that inject engines get no key test: it would reach for the real Claude.
    testClaudeKey: opts.engines
      ? undefined
      : async (key, signal) => {
          const engine = engineFactories.anthropic?.({ ...settings, anthropicApiKey: key });
          if (!engine) return { ok: false, error_type: 'no_model_available', message: 'This core has no Claude engine.' };
          try {
            const request = { model: 'claude-haiku', messages: [{ role: 'user' as const, content: 'Say OK.' }], params: { maxTokens: 1 } };
            for await (const ev of engine.chat({ request, model: 'claude-haiku', stream: false }, signal)) {
              if (ev.type === 'error') return { ok: false, error_type: ev.error.type, message: ev.error.message };
            }
            keyAccepted('anthropic', key);
            return { ok: true };
          } catch (e) {
            const err = toCoreError(e);
            return { ok: false, error_type: err.type, message: err.message };
          } finally {
            await engine.close().catch(() => undefined);
          }
        },
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

  return {
    config,
    app,
    pipeline,
    ledger,
    settings: settingsView,
    engines,
    get token() {
      return currentToken;
    },
    tokenCreated: created,
    get tier() {
      return local.tier();
    },
    hardwareReady: local.hardwareReady,
    local,
    logger,
    startBackground: () => startBackground(),
    async close() {
      await local.close();
      clearInterval(refresh);
      await Promise.allSettled([...engines.values()].map((e) => e.close()));
      await ledger.close();
    },
  };
}
