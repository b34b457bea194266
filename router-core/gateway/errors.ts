// The single error handler: CoreError → the route's protocol shape; framework 4xx → our types; else a safe 500.
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Protocol } from '../contracts/chat.js';
import type { ErrorBody } from '../contracts/errors.js';
import { CoreError, isCoreError } from '../errors.js';
import type { ProtocolAdapter } from './protocol.js';

/** Translate Fastify's own errors (body parsing, limits) into our catalogue with messages that say what is valid. */
export function fromFramework(err: FastifyError, bodyLimit: number): CoreError | undefined {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_INVALID_URL':
      return new CoreError(
        'invalid_request',
        'The URL path is not valid: a percent-encoded part does not decode to UTF-8 text (ids are plain ASCII, e.g. /api/v1/keys/<id>).',
        { details: { param: 'path' } },
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new CoreError('invalid_request', `A path parameter is longer than ${MAX_PARAM_LENGTH} characters: ids here are far shorter.`, {
        details: { param: 'path' },
      });
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new CoreError('invalid_request', 'The request does not match any route constraint.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new CoreError('invalid_request', 'The Content-Length header does not match the body that was sent.', {
        details: { param: 'content-length' },
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CoreError('payload_too_large', `Request body is larger than the ${Math.round(bodyLimit / 1024 / 1024)} MiB limit.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CoreError('unsupported_media_type', 'Unsupported Content-Type: send "Content-Type: application/json".');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new CoreError('invalid_request', 'The request body is empty: send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new CoreError(
        'invalid_request',
        `The request body is not valid JSON (${err.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'/, '').trim() || 'parse error'}).`,
      );
  }
  if (err.statusCode === 400 && /JSON/i.test(err.message)) return new CoreError('invalid_request', 'The request body is not valid JSON.');
  if (err.statusCode === 413)
    return new CoreError('payload_too_large', `Request body is larger than the ${Math.round(bodyLimit / 1024 / 1024)} MiB limit.`);
  if (err.statusCode === 415)
    return new CoreError('unsupported_media_type', 'Unsupported Content-Type: send "Content-Type: application/json".');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
    return new CoreError('invalid_request', 'The request could not be read.');
  return undefined;
}

/** Longest path parameter the router accepts (Fastify's default, 100); ids and model names are far shorter. */
export const MAX_PARAM_LENGTH = 100;

/** Handler for Fastify's `frameworkErrors` option: errors raised before routing (a URL that does not decode, an over-long path parameter). */
export type FrameworkErrorHandler = (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => void;

/**
 * Install onError and the 404 handler. Returns the handler for errors raised before routing, which Fastify takes as
 * a constructor option (`frameworkErrors`), so the caller forwards to it.
 */
export function installErrorHandling(
  app: FastifyInstance,
  adapters: readonly ProtocolAdapter[],
  fallback: ProtocolAdapter,
  bodyLimit: number,
): FrameworkErrorHandler {
  const byName = new Map<Protocol, ProtocolAdapter>(adapters.map((a) => [a.name, a]));
  // For requests refused before routing (a bad URL): the protocol whose route prefix is the longest match of the path.
  const prefixes = adapters
    .flatMap((a) => [
      ...[...a.chatRoutes, ...(a.extraRoutes ?? [])].map((r) => ({ adapter: a, prefix: r.url.split(':')[0]!.replace(/\/$/, '') })),
      ...(a.pathPrefixes ?? []).map((prefix) => ({ adapter: a, prefix: prefix.replace(/\/$/, '') })),
    ])
    .sort((x, y) => y.prefix.length - x.prefix.length);
  const adapterFor = (req: FastifyRequest): ProtocolAdapter => {
    const p = (req.routeOptions?.config as { protocol?: Protocol } | undefined)?.protocol;
    if (p) return byName.get(p) ?? fallback;
    if (req.routeOptions?.url !== undefined) return fallback;
    const path = (req.raw.url ?? '').split('?')[0]!;
    return prefixes.find((x) => path === x.prefix || path.startsWith(`${x.prefix}/`))?.adapter ?? fallback;
  };

  const send = (req: FastifyRequest, reply: FastifyReply, err: CoreError): FastifyReply => {
    if (err.retryAfter !== undefined) void reply.header('retry-after', String(Math.ceil(err.retryAfter)));
    // A 5xx that asking again cannot fix (no model set up, no disk, the request's own time budget): the official OpenAI
    // and Anthropic SDKs retry every 5xx unless told not to, so a missing Claude key would cost the caller two useless
    // retries and their waits.
    if (err.type === 'no_model_available' || err.type === 'insufficient_storage' || err.final) void reply.header('x-should-retry', 'false');
    return reply.code(err.status).type('application/json; charset=utf-8').send(adapterFor(req).encodeError(err));
  };

  app.setErrorHandler((error: FastifyError, req, reply) => {
    let err: CoreError;
    if (isCoreError(error)) err = error;
    else {
      const mapped = fromFramework(error, bodyLimit);
      if (mapped) err = mapped;
      else {
        req.log.error({ err: error }, 'unhandled error');
        err = new CoreError('internal', `Internal error (request id ${req.id}).`);
      }
    }
    if (err.status >= 500 && err.type !== 'internal') req.log.warn({ type: err.type, error: err.message }, 'request failed');
    return send(req, reply, err);
  });

  app.setNotFoundHandler((req, reply) =>
    send(
      req,
      reply,
      new CoreError(
        'not_found',
        `No route ${req.method} ${req.url.split('?')[0]}. Try POST /api/v1/chat, POST /v1/chat/completions, POST /v1/messages, POST /api/chat, GET /v1/models, GET /api/tags or GET /health.`,
      ),
    ),
  );
  return (error, req, reply) => {
    const err = fromFramework(error, bodyLimit) ?? new CoreError('invalid_request', 'The request could not be read.');
    void send(req, reply, err);
  };
}

/**
 * Fastify's `clientErrorHandler`: the connection-level failures Node raises before any request exists (a request not
 * received within the body-read timeout, headers over Node's 16 KiB limit, bytes that are not HTTP), answered in
 * the native error shape (no route, so no protocol, is known yet) instead of Fastify's.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, type, message]: [number, string, ErrorBody['error']['type'], string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'timeout', 'The request was not received in time: send the whole request (headers and body) promptly.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'invalid_request', 'The request headers (the URL included) are larger than 16 KiB.']
        : [400, 'Bad Request', 'invalid_request', 'The request is not valid HTTP.'];
  const body = JSON.stringify({ error: { type, message } } satisfies ErrorBody);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
