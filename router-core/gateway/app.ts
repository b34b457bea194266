// Builds the Fastify app: security → public routes → authed protocols, admin API and metrics.
import { timeOrderedId } from '../ids.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ChatPipeline } from '../pipeline.js';
import { mountAdmin, type AdminDeps } from './admin.js';
import { mountConversationsApi, type ConversationsDeps } from './conversations-api.js';
import { mountExperimentApi } from './experiment-api.js';
import { mountFeedbackApi } from './feedback-api.js';
import { mountModelsApi, type ModelsApiDeps } from './models-api.js';
import { installErrorHandling } from './errors.js';
import { LazyChildLogger } from './lazy-logger.js';
import { mountKeysApi, type AppKeys } from './keys-api.js';
import { createProtocolServices, mountProtocol } from './mount.js';
import { protocols } from './protocols/index.js';
import { mountRoutingSettingsApi } from './routing-settings-api.js';
import { nativeProtocol } from './protocols/native.js';
import { installSecurity, type SecurityOptions } from './security.js';
import { mountSecretsApi, type SecretsApiDeps } from './secrets-api.js';
import { mountSettingsApi, type SettingsDeps } from './settings-api.js';
import { mountStatic } from './static.js';

export interface GatewayOptions extends Omit<AdminDeps, 'pipeline'>, ConversationsDeps, SettingsDeps {
  pipeline: ChatPipeline;
  /** Machine, model files and downloads (absent in tests that build a bare gateway). */
  models?: ModelsApiDeps;
  /** The built UI served at / (default dist/renderer). */
  uiDir?: string;
  logger: Logger;
  security: () => SecurityOptions;
  /** Largest accepted request body in bytes. */
  bodyLimit: number;
  /** Per-app API keys (absent = only the master token authenticates, and /api/v1/keys does not exist). */
  keys?: AppKeys;
  /** The Claude key store behind /api/v1/settings/claude-key (absent in tests that build a bare gateway). */
  secrets?: SecretsApiDeps['secrets'];
  /** Try a Claude key with a one-token call when it is saved (absent = saved untested). */
  testClaudeKey?: SecretsApiDeps['testClaudeKey'];
  lastClaudeAuthError?: SecretsApiDeps['lastAuthError'];
}

/** Default body limit: 8 MiB fits a long pasted document plus history; larger is a 413. */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

/**
 * One JSON access line (with Fastify's `reqId`) for every request the pipeline does not log itself: successful chat
 * requests are logged once by the pipeline with their ledger row; everything else (admin API, refused tokens,
 * invalid bodies) is logged here. Streamed chats are hijacked and never reach onResponse.
 */
function installAccessLog(app: FastifyInstance): void {
  // A callback hook, not an async one: no promise per request.
  app.addHook('onResponse', (req, reply, done) => {
    const isChat = req.method === 'POST' && (req.routeOptions.config as { protocol?: string } | undefined)?.protocol !== undefined;
    if (!isChat || reply.statusCode >= 400) {
      const line = { method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
      // Successful reads at debug: healthchecks (30 s), scrapes (15 s) and the UI's polling would flood info;
      // changes and every refused or failed request (401, 400, 5xx) at info.
      if (req.method === 'GET' && reply.statusCode < 400) req.log.debug(line, 'http');
      else req.log.info(line, 'http');
    }
    done();
  });
}

export function buildGateway(opts: GatewayOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit,
    // The request id is also the ledger row's id: time-ordered (v7) so rows append to the id index (see wiring.ts).
    genReqId: () => timeOrderedId(),
    // One log line per request is written by the pipeline's onRecord; Fastify's two extra lines cost ~30 µs each.
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's child logger is made when it first logs (see LazyChildLogger).
    childLoggerFactory: (logger, bindings, options) => new LazyChildLogger(logger, bindings, options),
    // Streams can be long; a single answer may legitimately take minutes.
    requestTimeout: 0,
    return503OnClosing: true,
  });
  installErrorHandling(app, protocols, nativeProtocol, opts.bodyLimit);
  installAccessLog(app);
  installSecurity(app, opts.security, opts.keys);
  mountAdmin(app, opts);
  mountConversationsApi(app, opts);
  mountSettingsApi(app, opts);
  mountRoutingSettingsApi(app, opts);
  mountExperimentApi(app, opts);
  mountFeedbackApi(app, { ledger: opts.ledger, settings: opts.settings, now: opts.now, thresholds: () => opts.routing().thresholds });
  if (opts.secrets)
    mountSecretsApi(app, { secrets: opts.secrets, testClaudeKey: opts.testClaudeKey, lastAuthError: opts.lastClaudeAuthError });
  if (opts.models) mountModelsApi(app, opts.models);
  mountStatic(app, { uiDir: opts.uiDir });
  if (opts.keys) mountKeysApi(app, opts.keys);
  const services = createProtocolServices(opts);
  for (const p of protocols) mountProtocol(app, p, opts.pipeline, services);
  return app;
}
