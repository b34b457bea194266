// Composition root: the one place that knows concrete engines and stores; builds the core and its gateway.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { EngineId } from '../contracts/decision.js';
import type { TierDecision } from '../contracts/hardware.js';
import { localModels } from '../data/models.js';
import { createAvailabilityCache } from '../engines/availability.js';
import type { Engine } from '../engines/engine.js';
import { engineFactories, type EngineSettings } from '../engines/registry.js';
import { CoreError } from '../errors.js';
import { buildGateway, DEFAULT_BODY_LIMIT } from '../gateway/app.js';
import { periodStarts } from '../gateway/admin.js';
import { createMetrics } from '../gateway/metrics.js';
import { loopbackHosts, type SecurityOptions } from '../gateway/security.js';
import { detectHardware } from '../host/hardware.js';
import { loadOrCreateToken, openDataDir } from '../host/data-dir.js';
import type { Ledger } from '../ledger/ledger.js';
import { openSqliteLedger } from '../ledger/sqlite.js';
import { createPipeline, type ChatPipeline } from '../pipeline.js';
import { defaultThresholds } from '../routing/complexity.js';
import type { RoutingConfig } from '../routing/policy.js';
import { pickTier } from '../routing/tiering.js';
import { isLoopback, type Config } from './config.js';
import { createLogger } from './logger.js';

export const VERSION = '0.1.0';

export interface Core {
  config: Config;
  app: FastifyInstance;
  pipeline: ChatPipeline;
  ledger: Ledger;
  engines: ReadonlyMap<EngineId, Engine>;
  token: string;
  tokenCreated: boolean;
  tier: TierDecision;
  logger: Logger;
  /** Close engines and the ledger (the HTTP server is closed by the caller first). */
  close(): Promise<void>;
}

/** Model files the embedded engine may use: HYBRID_AI_LOCAL_MODEL serves every local route, else the catalog's files. */
function modelFiles(config: Config, modelsDir: string): Record<string, string> {
  if (config.localModel) {
    if (!existsSync(config.localModel) || !statSync(config.localModel).isFile()) {
      throw new CoreError(
        'invalid_request',
        `HYBRID_AI_LOCAL_MODEL points to ${config.localModel}, which is not a file. Give the path of a .gguf model.`,
      );
    }
    return Object.fromEntries(localModels.map((m) => [m.id, config.localModel!]));
  }
  return Object.fromEntries(localModels.map((m) => [m.id, path.join(modelsDir, m.file)]));
}

/** Build everything; nothing listens yet. */
export function createCore(config: Config, opts: { logger?: Logger; now?: () => number; engines?: Map<EngineId, Engine> } = {}): Core {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const now = opts.now ?? Date.now;
  const dir = openDataDir(config.dataDir);
  const { token, created, warning } = config.token ? { token: config.token, created: false, warning: undefined } : loadOrCreateToken(dir);
  if (warning) logger.warn(warning);
  const ledger = openSqliteLedger(dir.ledgerFile);

  const settings: EngineSettings = {
    modelFiles: modelFiles(config, dir.modelsDir),
    threads: config.threads,
    ollamaHost: config.ollamaHost,
    anthropicApiKey: config.anthropicApiKey,
    anthropicBaseUrl: config.anthropicBaseUrl,
    openaiCompatUrl: config.openaiCompatUrl,
    openaiCompatModel: config.openaiCompatModel,
  };
  const engines = opts.engines ?? new Map<EngineId, Engine>();
  if (!opts.engines) {
    for (const [id, factory] of Object.entries(engineFactories) as Array<[EngineId, NonNullable<(typeof engineFactories)[EngineId]>]>) {
      const e = factory(settings);
      if (e) engines.set(id, e);
    }
  }
  const availability = createAvailabilityCache(engines, now);
  const tier = pickTier(detectHardware(), config.tier);
  // An explicit HYBRID_AI_LOCAL_MODEL means "use this file": the embedded engine goes first.
  const localEnginePreference: EngineId[] = config.localModel
    ? ['llamacpp', 'ollama', 'openai-compat']
    : ['ollama', 'llamacpp', 'openai-compat'];
  const routing = (): RoutingConfig => ({
    thresholds: ledger.getSetting('routing.thresholds') ?? defaultThresholds,
    localOnly: ledger.getSetting<boolean>('routing.localOnly') ?? config.localOnly,
    cloudModel: 'claude-sonnet',
    budget: { dailyMicros: config.dailyBudgetMicros, monthlyMicros: config.monthlyBudgetMicros },
    localEnginePreference,
  });
  const metrics = createMetrics();
  const pipeline = createPipeline({
    engines,
    ledger,
    availability: () => availability.get(),
    invalidate: (e) => availability.invalidate(e),
    routing,
    tier: () => tier.tier,
    history: () => ledger.getSetting<boolean>('history.enabled') ?? config.history,
    now,
    periodStarts,
    newId: randomUUID,
    onRecord: (r) => {
      metrics.observe(r);
      logger.info(
        {
          id: r.id,
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
  const app = buildGateway({
    version: VERSION,
    startedAt: now(),
    now,
    ledger,
    pipeline,
    metrics,
    availability: () => availability.get(),
    routing,
    tier: () => ({ tier: tier.tier, reason: tier.reason }),
    logger,
    bodyLimit: DEFAULT_BODY_LIMIT,
    security: () => {
      if (!security) {
        // The port is known only after listen(); computed once on the first request.
        const addr = app.server.address();
        const port = typeof addr === 'object' && addr ? addr.port : config.port;
        const hosts = isLoopback(config.host) ? loopbackHosts(port, config.host) : new Set<string>();
        for (const h of config.allowedHosts) hosts.add(h.toLowerCase());
        security = { token, allowedHosts: hosts, allowedOrigins: new Set(config.allowedOrigins.map((o) => o.toLowerCase())) };
      }
      return security;
    },
  });

  return {
    config,
    app,
    pipeline,
    ledger,
    engines,
    token,
    tokenCreated: created,
    tier,
    logger,
    async close() {
      await Promise.allSettled([...engines.values()].map((e) => e.close()));
      ledger.close();
    },
  };
}
