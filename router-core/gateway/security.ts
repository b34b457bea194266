// Bearer-token auth (timing-safe) and Host/Origin checks against DNS rebinding and foreign pages.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CoreError } from '../errors.js';

export interface SecurityOptions {
  token: string;
  /** Host header values accepted (host:port), lower-case. Empty = accept any (non-loopback servers behind a proxy). */
  allowedHosts: ReadonlySet<string>;
  /** Origins accepted on browser requests, e.g. "http://127.0.0.1:8080". */
  allowedOrigins: ReadonlySet<string>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

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

/** Install the checks as the first onRequest hook. Routes with `config.public` skip the token check only. */
export function installSecurity(app: FastifyInstance, opts: () => SecurityOptions): void {
  let cachedToken = '';
  let cachedDigest = digest('');
  app.addHook('onRequest', async (req) => {
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
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public === true) return;
    if (o.token !== cachedToken) {
      cachedToken = o.token;
      cachedDigest = digest(o.token);
    }
    const presented = presentedToken(req);
    if (presented === undefined) {
      throw new CoreError(
        'authentication',
        'Missing API token: send "Authorization: Bearer <token>" (the token is printed by `npm run serve`).',
      );
    }
    if (!tokenMatches(presented, cachedDigest)) throw new CoreError('authentication', 'Invalid API token.');
  });
}
