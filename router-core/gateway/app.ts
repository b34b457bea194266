// Builds the Fastify app: security → public routes → authed protocols, admin API and metrics.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ChatPipeline } from '../pipeline.js';
import { mountAdmin, type AdminDeps } from './admin.js';
import { installErrorHandling } from './errors.js';
import { mountProtocol } from './mount.js';
import { protocols } from './protocols/index.js';
import { nativeProtocol } from './protocols/native.js';
import { installSecurity, type SecurityOptions } from './security.js';

export interface GatewayOptions extends Omit<AdminDeps, 'pipeline'> {
  pipeline: ChatPipeline;
  logger: Logger;
  security: () => SecurityOptions;
  /** Largest accepted request body in bytes. */
  bodyLimit: number;
}

/** Default body limit: 8 MiB fits a long pasted document plus history; larger is a 413. */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

export function buildGateway(opts: GatewayOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit,
    genReqId: () => randomUUID(),
    // One log line per request is written by the pipeline's onRecord; Fastify's two extra lines cost ~30 µs each.
    logController: new LogController({ disableRequestLogging: true }),
    // Streams can be long; a single answer may legitimately take minutes.
    requestTimeout: 0,
    return503OnClosing: true,
  });
  installErrorHandling(app, protocols, nativeProtocol, opts.bodyLimit);
  installSecurity(app, opts.security);
  mountAdmin(app, opts);
  for (const p of protocols) mountProtocol(app, p, opts.pipeline);
  return app;
}
