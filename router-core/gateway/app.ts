// Builds the Fastify app: security → public routes → authed protocols, admin API and metrics.
import { createServer } from 'node:http';
import { timeOrderedId } from '../ids.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ChatPipeline } from '../pipeline.js';
import { mountAdmin, type AdminDeps } from './admin.js';
import { mountCloudApi, type CloudApiDeps } from './cloud-api.js';
import { mountConversationsApi, type ConversationsDeps } from './conversations-api.js';
import { mountExperimentApi, type ExperimentDeps } from './experiment-api.js';
import { mountFeedbackApi, type FeedbackDeps } from './feedback-api.js';
import { mountModelsApi, type ModelsApiDeps } from './models-api.js';
import { clientErrorHandler, installErrorHandling, MAX_PARAM_LENGTH, type FrameworkErrorHandler } from './errors.js';
import { LazyChildLogger } from './lazy-logger.js';
import { mountKeysApi, type AppKeys } from './keys-api.js';
import type { ChatLimits } from './chat-limits.js';
import { createChatGuard, createProtocolServices, mountProtocol, type ProtocolServicesDeps } from './mount.js';
import { protocols } from './protocols/index.js';
import { mountRoutingSettingsApi, type RoutingSettingsDeps } from './routing-settings-api.js';
import { nativeProtocol } from './protocols/native.js';
import { checkJsonShape } from './protocols/validate.js';
import { CoreError } from '../errors.js';
import type { Metrics } from './metrics.js';
import { installSecurity, type AppKeyAuth, type SecurityOptions } from './security.js';
import { mountSecretsApi, type SecretsApiDeps } from './secrets-api.js';
import { mountSettingsApi, type SettingsDeps } from './settings-api.js';
import { mountStatic } from './static.js';
import { mountOpenApi } from './openapi.js';

/** What the gateway's modules read and write in the ledger: the union of their own narrow interfaces. */
export type GatewayLedger = AdminDeps['ledger'] &
  ConversationsDeps['ledger'] &
  SettingsDeps['ledger'] &
  RoutingSettingsDeps['ledger'] &
  ExperimentDeps['ledger'] &
  FeedbackDeps['ledger'] &
  NonNullable<ProtocolServicesDeps['ledger']>;

export interface GatewayOptions
  extends Omit<AdminDeps, 'pipeline' | 'ledger'>, Omit<ConversationsDeps, 'ledger'>, Omit<SettingsDeps, 'ledger'> {
  pipeline: ChatPipeline;
  /** The parts of the ledger the mounted modules use (each module is handed its own part). */
  ledger: GatewayLedger;
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
  /** Longest a client may take to send its whole request (headers and body), ms; default {@link DEFAULT_BODY_TIMEOUT_MS}. */
  bodyTimeoutMs?: number;
  /** Time budget per chat request and concurrent chats per app key (defaults in chat-limits.ts). */
  chatLimits?: Partial<ChatLimits>;
  /** Models engines hold in memory now, for Ollama's /api/ps (absent = none known). */
  loadedModels?: ProtocolServicesDeps['loadedModels'];
  /** Models an Ollama backend holds in memory, for /api/ps (absent = no Ollama). */
  backendLoadedModels?: ProtocolServicesDeps['backendLoadedModels'];
  /** The HYBRID_AI_LOCAL_MODEL file as its header describes it, for the model lists (absent = none). */
  localModelFile?: ProtocolServicesDeps['localModelFile'];
  /** Free a model an engine holds (Ollama's keep_alive 0 and `ollama stop`); absent = nothing to free. */
  unloadModel?: ProtocolServicesDeps['unloadModel'];
  /** Load a model into an engine now (Ollama's preload); absent = nothing is loaded ahead of a request. */
  loadModel?: ProtocolServicesDeps['loadModel'];
  /** The last time Claude refused the saved key on a real request (Settings turns the key red); absent in bare gateways. */
  lastClaudeAuthError?: SecretsApiDeps['lastAuthError'];
  /** Cloud providers, first choice, fallback order and keys behind /api/v1/cloud (absent in bare gateways). */
  cloud?: CloudApiDeps;
}

/**
 * A minute to send the request: an 8 MiB body needs ~7 s at 10 Mbit/s; a client slower than that (or one that
 * stops sending) would otherwise hold a connection forever. Only receiving the request counts: a long streamed
 * answer is not cut by it.
 */
export const DEFAULT_BODY_TIMEOUT_MS = 60_000;
/** How often Node checks for requests past the timeout. why: its default (30 s) would let a slow body live 30 s longer than the timeout. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Default body limit: 8 MiB fits a long pasted document plus history; larger is a 413. */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

/**
 * One JSON access line (with Fastify's `reqId`) for every request the pipeline does not log itself: successful chat
 * requests are logged once by the pipeline with their ledger row; everything else (admin API, refused tokens,
 * invalid bodies) is logged here. Streamed chats are hijacked and never reach onResponse.
 */
/**
 * The path of a request as the access log writes it: no query, and a Responses API id replaced by `:id`. why: with
 * history off a stored response is sealed under a key derived from its id (gateway/response-store.ts), so the id is
 * the only way to open it; a log file beside the database must not hold it.
 */
export function loggedPath(url: string): string {
  return url.split('?')[0]!.replace(/^(\/v1\/responses\/)[^/]+/, '$1:id');
}

function installAccessLog(app: FastifyInstance): void {
  // A callback hook, not an async one: no promise per request.
  app.addHook('onResponse', (req, reply, done) => {
    const isChat = req.method === 'POST' && (req.routeOptions.config as { protocol?: string } | undefined)?.protocol !== undefined;
    if (!isChat || reply.statusCode >= 400) {
      const line = { method: req.method, url: loggedPath(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
      // Successful reads at debug: healthchecks (30 s), scrapes (15 s) and the UI's polling would flood info;
      // changes and every refused or failed request (401, 400, 5xx) at info.
      if (req.method === 'GET' && reply.statusCode < 400) req.log.debug(line, 'http');
      else req.log.info(line, 'http');
    }
    done();
  });
}

/** App-key auth whose refusals (rate limit, monthly budget: 429s before the pipeline) are counted in /metrics. */
function countingRefusals(keys: AppKeyAuth, metrics: Metrics): AppKeyAuth {
  return {
    lookup: (hashHex) => keys.lookup(hashHex),
    admit(key) {
      const refused = keys.admit(key);
      if (refused) metrics.refused();
      return refused;
    },
  };
}

/** The request matched no route: only the 404 handler will see it. */
const unrouted = (req: FastifyRequest): boolean => req.routeOptions.url === undefined;

/** Charsets a JSON body may declare: JSON is UTF-8 (RFC 8259); US-ASCII is a subset of it. */
const JSON_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * Checks on every request body: a declared charset other than UTF-8 is refused with 415 before the body is read
 * (it would be decoded as UTF-8 and mean something else), and a parsed JSON body is held to the depth and size
 * limits (protocols/validate.ts), so no later step walks a 50,000-level value.
 */
function installBodyChecks(app: FastifyInstance): void {
  app.addHook('preParsing', (req, _reply, payload, done) => {
    // A path with no route gets its 404 (which says what exists) whatever its body is declared as.
    if (unrouted(req)) return done(null, payload);
    const type = req.headers['content-type'];
    const charset = typeof type === 'string' ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase() : undefined;
    if (charset !== undefined && !JSON_CHARSETS.has(charset)) {
      throw new CoreError(
        'unsupported_media_type',
        `Unsupported charset "${charset}": send the JSON body as UTF-8 ("Content-Type: application/json; charset=utf-8").`,
        {
          details: { param: 'content-type', value: charset, valid: ['utf-8'] },
        },
      );
    }
    done(null, payload);
  });
  // A DELETE with no body is whole, whatever Content-Type a client's wrapper adds by default (many send JSON's on every
  // call): the header alone would make the JSON parser refuse the empty body.
  app.addHook('onRequest', (req, _reply, done) => {
    const h = req.headers;
    if (req.method === 'DELETE' && h['content-type'] !== undefined && (h['content-length'] ?? '0') === '0' && !h['transfer-encoding']) {
      delete h['content-type'];
    }
    done();
  });
  app.addHook('preValidation', (req, _reply, done) => {
    checkJsonShape(req.body);
    done();
  });
  // Ollama's own docs call it with `curl -d '{...}'`, which sends no JSON Content-Type (form-urlencoded, or none):
  // Ollama reads the body as JSON whatever the header says, so its routes here do too. Every other route keeps
  // refusing a body that is not declared JSON (415).
  const json = app.getDefaultJsonParser('error', 'error');
  const isOllamaRoute = (req: FastifyRequest): boolean =>
    (req.routeOptions.config as { protocol?: string } | undefined)?.protocol === 'ollama';
  // Fastify's own text/plain parser hands the route a string, which every protocol refuses as "not JSON"; an Ollama
  // route reads it as JSON instead (a client that labels its JSON as text), the others keep the string and its 400.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (req, body, done) => {
    if (unrouted(req) || !isOllamaRoute(req)) return done(null, body);
    void json(req, body as string, (err, parsed) =>
      err
        ? done(
            new CoreError(
              'invalid_request',
              'The request body is not valid JSON: it was sent as text/plain; send a JSON object (with "Content-Type: application/json").',
              { details: { param: 'content-type' } },
            ),
            undefined,
          )
        : done(null, parsed),
    );
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    if (unrouted(req)) return done(null, undefined);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (isOllamaRoute(req) && (type === '' || type === 'application/x-www-form-urlencoded')) {
      return json(req, body as string, done);
    }
    done(new CoreError('unsupported_media_type', 'Unsupported Content-Type: send "Content-Type: application/json".'), undefined);
  });
}

/** One route as registered: method and URL pattern (`:id` parameters, `*` wildcards), and the protocol it belongs to. */
export interface RouteInfo {
  method: string;
  url: string;
  protocol?: string;
  public: boolean;
}

const routeTables = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Every route `app` serves, as registered (tests drive their bad-input corpus from it, so a new route is covered). */
export function routeTable(app: FastifyInstance): readonly RouteInfo[] {
  return routeTables.get(app) ?? [];
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
    // Node's requestTimeout covers receiving the request only; the answer may stream for minutes. The server is made
    // here because the check interval can only be set when it is created.
    serverFactory: (handler) =>
      createServer(
        { requestTimeout: opts.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
        handler,
      ),
    return503OnClosing: true,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors raised before routing (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) in our shape, not Fastify's.
    frameworkErrors: (error, req, reply) => onFrameworkError(error, req, reply),
    clientErrorHandler,
  });
  const routes: RouteInfo[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (r) => {
    const config = r.config as { protocol?: string; public?: boolean } | undefined;
    for (const method of [r.method].flat())
      routes.push({ method, url: r.url, protocol: config?.protocol, public: config?.public === true });
  });
  const onFrameworkError: FrameworkErrorHandler = installErrorHandling(app, protocols, nativeProtocol, opts.bodyLimit);
  installAccessLog(app);
  // Refusals by an app key's own limits happen before the pipeline, so no ledger row reaches /metrics: counted here.
  installSecurity(app, opts.security, opts.keys && countingRefusals(opts.keys, opts.metrics));
  installBodyChecks(app);
  mountAdmin(app, opts);
  mountConversationsApi(app, opts);
  mountSettingsApi(app, opts);
  mountRoutingSettingsApi(app, opts);
  mountExperimentApi(app, opts);
  mountFeedbackApi(app, { ledger: opts.ledger, settings: opts.settings, now: opts.now, thresholds: () => opts.routing().thresholds });
  if (opts.secrets)
    mountSecretsApi(app, { secrets: opts.secrets, testClaudeKey: opts.testClaudeKey, lastAuthError: opts.lastClaudeAuthError });
  if (opts.cloud) mountCloudApi(app, opts.cloud);
  if (opts.models) mountModelsApi(app, opts.models);
  mountStatic(app, { uiDir: opts.uiDir });
  mountOpenApi(app, opts.version);
  if (opts.keys) mountKeysApi(app, opts.keys);
  const services = createProtocolServices(opts);
  const guard = createChatGuard(opts.chatLimits, () => opts.metrics.refused());
  for (const p of protocols) mountProtocol(app, p, opts.pipeline, services, guard);
  return app;
}
