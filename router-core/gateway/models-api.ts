// Machine and model-file routes: /api/v1/system, local model list, pulls (with an SSE progress stream), cancel, delete.
import type { DeletedModelDto, DownloadAnswerDto, DownloadsDto, LocalModelsDto, QueueDto, SystemDto } from '../contracts/api.js';
import type { FastifyInstance } from 'fastify';
import type { DownloadEvent } from '../contracts/events.js';
import type { EmbeddedLoad, SystemInfo } from '../contracts/hardware.js';
import { CoreError } from '../errors.js';
import type { ModelsOnDisk } from '../host/catalog.js';
import type { DownloadManager } from '../host/downloads.js';
import { downloadDto, localModelsDto, queueDto, systemDto } from './models-dto.js';
import { appKeyIdOf } from './security.js';
import { sseFrame } from './sse.js';

/** SSE comment every 15 s: proxies and browsers drop idle streams after 30–60 s. */
const HEARTBEAT_MS = 15_000;

/** What the routes need; built by server/wiring.ts. */
export interface ModelsApiDeps {
  system(): Promise<SystemInfo>;
  /** The embedded engine's running and waiting requests (cheap: no probe), for GET /api/v1/queue. */
  queue(): Pick<EmbeddedLoad, 'queueLimit' | 'running' | 'queue' | 'models'>;
  downloads: DownloadManager;
  modelsOnDisk(): Promise<ModelsOnDisk>;
  /** Free bytes where models are stored (null when unknown). */
  diskFreeBytes(): Promise<number | null>;
  /** The one file HYBRID_AI_LOCAL_MODEL makes serve every local route (null when unset; size null when unreadable). */
  localModelFile?(): Promise<{ path: string; name: string; sizeBytes: number | null } | null>;
  /** Delete a model's files; throws CoreError (not_found, invalid_request). */
  deleteModel(id: string): Promise<{ id: string; freedBytes: number }>;
}

function idParam(params: unknown): string {
  const id = (params as { id?: unknown }).id;
  if (typeof id !== 'string' || id.trim() === '') throw new CoreError('invalid_request', 'Missing model id in the URL.');
  return id;
}

/**
 * Mount the machine, model-file and download routes (master token only: they have no protocol config), and
 * GET /api/v1/queue, which app keys may read too.
 */
export function mountModelsApi(app: FastifyInstance, deps: ModelsApiDeps): void {
  app.get('/api/v1/system', async () => systemDto(await deps.system()) satisfies SystemDto);

  // Its own place in the queue, for an app key: a route of the native protocol (the auth hook lets app keys call those,
  // and holds them to their rate limit as on /api/v1/models), answering with the caller's own requests only.
  // A dedicated route rather than a filtered /api/v1/system: that answer holds the machine, engines, downloads and
  // warnings, all master-only, so a filter would have to follow every field added to it; this one is built from
  // nothing but the queue, and leaks nothing by default.
  app.get('/api/v1/queue', { config: { protocol: 'native' } }, async (req) => queueDto(deps.queue(), appKeyIdOf(req)) satisfies QueueDto);

  app.get('/api/v1/models/local', async () => {
    const [disk, free, override] = await Promise.all([deps.modelsOnDisk(), deps.diskFreeBytes(), deps.localModelFile?.() ?? null]);
    return localModelsDto(disk, deps.downloads.list(), free, override) satisfies LocalModelsDto;
  });

  app.post('/api/v1/models/:id/pull', async (req, reply) => {
    const via = (req.query as { via?: unknown }).via ?? 'http';
    if (via !== 'http' && via !== 'ollama') {
      throw new CoreError('invalid_request', `Invalid "via": "${String(via)}". Valid: http (the GGUF file), ollama (Ollama's /api/pull).`);
    }
    const progress = await deps.downloads.start(idParam(req.params), { via });
    return reply.code(202).send({ download: downloadDto(progress) } satisfies DownloadAnswerDto);
  });

  app.delete('/api/v1/models/:id', async (req) => {
    const { id, freedBytes } = await deps.deleteModel(idParam(req.params));
    return { id, freed_bytes: freedBytes } satisfies DeletedModelDto;
  });

  app.get('/api/v1/downloads', async () => ({ downloads: deps.downloads.list().map(downloadDto) }) satisfies DownloadsDto);

  app.delete(
    '/api/v1/downloads/:id',
    async (req) => ({ download: downloadDto(deps.downloads.cancel(idParam(req.params))) }) satisfies DownloadAnswerDto,
  );

  app.get('/api/v1/downloads/events', async (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    // Headers now, not with the first event (which may be minutes away); then the current state, so a subscriber
    // needs no second request.
    res.flushHeaders();
    for (const p of deps.downloads.list()) res.write(sseFrame('download', downloadDto(p)));
    const send = (e: DownloadEvent): void => {
      if (!res.destroyed && !res.writableEnded) res.write(sseFrame(e.type, downloadDto(e.progress)));
    };
    const off = deps.downloads.subscribe(send);
    const beat = setInterval(() => {
      if (!res.destroyed) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    beat.unref();
    const stop = (): void => {
      off();
      clearInterval(beat);
      if (!res.writableEnded) res.end();
    };
    req.raw.once('close', stop);
    res.once('close', stop);
  });
}
