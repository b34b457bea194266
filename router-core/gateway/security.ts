// Bearer-token auth (master token timing-safe, app keys by hash), Host/Origin checks against DNS rebinding and foreign pages.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CoreError } from '../errors.js';
import { coreSettings } from '../settings-schema.js';

export interface SecurityOptions {
  token: string;
  /** Host header values accepted (host:port), lower-case. Empty = accept any (non-loopback servers behind a proxy). */
  allowedHosts: ReadonlySet<string>;
  /** Origins accepted on browser requests, e.g. "http://127.0.0.1:8080". */
  allowedOrigins: ReadonlySet<string>;
  /**
   * The opt-in for the Ollama CLI, which cannot send a token: true lets the Ollama-compatible routes (/api/chat,
   * /api/tags, /api/pull, ...) answer loopback clients that present no token. Off by default.
   */
  ollamaWithoutToken?: () => boolean;
}

/** The setting (ledger key) behind {@link SecurityOptions.ollamaWithoutToken}; off when absent. */
export const OLLAMA_WITHOUT_TOKEN_SETTING = coreSettings.ollamaWithoutToken.key;

/** What Settings and /api/v1/system say while the opt-in is on. */
export const OLLAMA_WITHOUT_TOKEN_WARNING =
  'The Ollama-compatible routes (/api/chat, /api/generate, /api/pull, /api/delete, ...) answer any program on this computer without a token: every local app and user can run models (and spend on Claude) through them. Turn this off unless you use the Ollama CLI.';

/** A loopback peer (IPv4, IPv6, or IPv4-mapped IPv6). */
export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/**
 * Whether a request without a token may use an Ollama route under the opt-in: from a loopback peer, and not passed
 * on by a proxy (a reverse proxy on this machine makes remote clients look local; it says so in these headers).
 */
function tokenlessOllamaAllowed(req: FastifyRequest, o: SecurityOptions): boolean {
  if (o.ollamaWithoutToken?.() !== true) return false;
  // Ollama's routes, and paths with no route at all (they only get the 404 that lists what exists).
  const unrouted = req.routeOptions.url === undefined;
  if (!unrouted && (req.routeOptions.config as { protocol?: string } | undefined)?.protocol !== 'ollama') return false;
  const h = req.headers;
  if (h['x-forwarded-for'] !== undefined || h.forwarded !== undefined || h['x-real-ip'] !== undefined) return false;
  return isLoopbackAddress(req.socket.remoteAddress);
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** An app key the caller authenticated with, and the limits it runs under. */
export interface AuthenticatedKey {
  id: string;
  name: string;
}

/**
 * App keys as the auth hook sees them (implemented by keys-api.ts over an in-memory cache, so no database
 * query runs per request).
 */
export interface AppKeyAuth {
  /** The active (unrevoked) key whose sha256 is `hashHex`, if any. */
  lookup(hashHex: string): AuthenticatedKey | undefined;
  /** Rate limit and monthly budget for one request: undefined = admitted, else the 429 to answer with. */
  admit(key: AuthenticatedKey): CoreError | undefined;
}

/** Which app key authenticated each request (absent = the master token or a public route). */
const appKeyByRequest = new WeakMap<FastifyRequest, AuthenticatedKey>();

/** The id of the app key `req` authenticated with; undefined for the master token. */
export function appKeyIdOf(req: FastifyRequest): string | undefined {
  return appKeyByRequest.get(req)?.id;
}

/** The app key `req` authenticated with; undefined for the master token. */
export function appKeyOf(req: FastifyRequest): AuthenticatedKey | undefined {
  return appKeyByRequest.get(req);
}

/** Constant-time comparison of a presented token with the expected one (hashing first equalises lengths). */
export function tokenMatches(presented: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(digest(presented), expectedDigest);
}

/** The token a request presents: `Authorization: Bearer`, or `x-api-key` (Anthropic-style clients). */
export function presentedToken(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  const key = req.headers['x-api-key'];
  return typeof key === 'string' ? key : undefined;
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  const o = origin.toLowerCase();
  const h = host.toLowerCase();
  return o === `http://${h}` || o === `https://${h}`;
}

/** Hosts a loopback server answers to on `port`. */
export function loopbackHosts(port: number, bindHost: string): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${bindHost}:${port}`].map((h) => h.toLowerCase()));
}

/**
 * Install the checks as the first onRequest hook. Routes with `config.public` skip the token check only.
 * The master token opens every route; an app key opens only the model APIs (routes that declare a protocol:
 * chat, model lists, embeddings), never key management, settings, history or stats, and is held to its own
 * rate limit and monthly budget.
 */
export function installSecurity(app: FastifyInstance, opts: () => SecurityOptions, keys?: AppKeyAuth): void {
  let cachedToken = '';
  let cachedDigest = digest('');
  let cachedBytes = Buffer.alloc(0);
  // A callback hook, not an async one: no promise per request. A refusal is thrown; Fastify passes it on as the hook's error.
  app.addHook('onRequest', (req, _reply, done) => {
    const o = opts();
    if (o.allowedHosts.size > 0) {
      const host = (req.headers.host ?? '').toLowerCase();
      if (!o.allowedHosts.has(host)) {
        throw new CoreError(
          'forbidden',
          `Host "${host || '(none)'}" is not allowed: this server answers only to ${[...o.allowedHosts].join(', ')}.`,
        );
      }
    }
    const origin = req.headers.origin;
    // Same-origin (the served UI) is always fine; other pages only when listed (e.g. the desktop shell).
    if (origin !== undefined && !sameOrigin(origin, req.headers.host) && !o.allowedOrigins.has(origin.toLowerCase())) {
      throw new CoreError('forbidden', `Requests from web pages at ${origin} are not allowed.`);
    }
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public === true) return done();
    if (o.token !== cachedToken) {
      cachedToken = o.token;
      cachedDigest = digest(o.token);
      cachedBytes = Buffer.from(o.token);
    }
    const presented = presentedToken(req);
    if (presented === undefined && tokenlessOllamaAllowed(req, o)) return done();
    if (presented === undefined) {
      throw new CoreError(
        'authentication',
        'Missing API token: send "Authorization: Bearer <token>" (the token is printed by `npm run serve`).',
      );
    }
    // The master token: constant-time comparison of the bytes when the lengths agree (the length of a token is
    // not a secret: every generated token has the same), which spares a sha256 on every request.
    const bytes = Buffer.from(presented);
    if (bytes.length === cachedBytes.length && cachedBytes.length > 0 && timingSafeEqual(bytes, cachedBytes)) return done();
    // Otherwise one sha256 serves both checks: constant-time against the master token, then a hash lookup for app
    // keys (a lookup by hash leaks nothing useful: finding a key from its hash is a preimage attack on sha256).
    const presentedDigest = digest(presented);
    if (timingSafeEqual(presentedDigest, cachedDigest)) return done();
    const key = keys?.lookup(presentedDigest.toString('hex'));
    if (!key) throw new CoreError('authentication', 'Invalid API token.');
    const config = req.routeOptions.config as { protocol?: string } | undefined;
    // Unmatched URLs (no route) fall through to the 404 handler, which says what exists.
    if (config?.protocol === undefined && req.routeOptions.url !== undefined) {
      throw new CoreError(
        'forbidden',
        `App key "${key.name}" may call the model APIs only (chat, model lists, embeddings); ${req.method} ${req.routeOptions.url} needs the master token.`,
      );
    }
    if (config?.protocol !== undefined && (req.routeOptions.config as { manage?: boolean }).manage === true) {
      throw new CoreError(
        'forbidden',
        `App key "${key.name}" may not download or delete models: ${req.method} ${req.routeOptions.url} needs the master token.`,
      );
    }
    const refused = keys!.admit(key);
    if (refused) throw refused;
    appKeyByRequest.set(req, key);
    done();
  });
}
