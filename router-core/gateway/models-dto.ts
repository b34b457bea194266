// The machine, local-model and download answers on the wire (snake_case, as the rest of /api/v1): mapped from the
// catalog's, the download manager's and the hardware probe's camelCase objects here, at the boundary, so those keep
// their own names.
import type {
  DownloadProgressDto,
  EngineStatus,
  EngineId,
  HardwareDto,
  LocalModelFileDto,
  LocalModelRow,
  LocalModelsDto,
  ParallelDto,
  QueueDto,
  SystemDto,
  TuneProposalDto,
} from '../contracts/api.js';
import type { EngineAvailability } from '../contracts/decision.js';
import type { DownloadProgress } from '../contracts/events.js';
import type { EmbeddedLoad, HardwareProfile, LocalParallelism, SystemInfo } from '../contracts/hardware.js';
import type { LocalModelStatus, ModelsOnDisk } from '../host/catalog.js';
import type { TuningProposal } from '../routing/tuner.js';

/** One download snapshot (list, SSE event, pull and cancel answers, a model row's `download`). */
export function downloadDto(p: DownloadProgress): DownloadProgressDto {
  return {
    model_id: p.modelId,
    file: p.file,
    via: p.via,
    state: p.state,
    bytes: p.bytes,
    total_bytes: p.totalBytes,
    resumed_from_bytes: p.resumedFromBytes,
    bytes_per_second: p.bytesPerSecond,
    eta_seconds: p.etaSeconds,
    started_at: p.startedAt,
    updated_at: p.updatedAt,
    ...(p.message !== undefined ? { message: p.message } : {}),
    ...(p.errorType !== undefined ? { error_type: p.errorType } : {}),
  };
}

/** One catalog model with what is on disk and its download, as a row of GET /api/v1/models/local. */
export function localModelRowDto(m: LocalModelStatus, download: DownloadProgress | null): LocalModelRow {
  return {
    id: m.id,
    label: m.label,
    file: m.file,
    quantization: m.quantization,
    licence: m.licence,
    licence_permissive: m.licencePermissive,
    licence_url: m.licenceUrl,
    repo: m.repo,
    revision: m.revision,
    url: m.url,
    ollama_tag: m.ollamaTag,
    ollama_note: m.ollamaNote,
    evidence: { summary: m.evidence.summary, source: m.evidence.source },
    hybrid_thinking: m.hybridThinking,
    ladder_route: m.ladderRoute,
    min_tier: m.minTier,
    ram_mib: m.ramMiB,
    context_length: m.contextLength,
    size_bytes: m.sizeBytes,
    present: m.present,
    bytes_on_disk: m.bytesOnDisk,
    partial_bytes: m.partialBytes,
    download: download ? downloadDto(download) : null,
  };
}

/** GET /api/v1/models/local (also `hybrid-ai models list --json`, which prints the same rows). */
export function localModelsDto(
  disk: ModelsOnDisk,
  downloads: readonly DownloadProgress[],
  diskFreeBytes: number | null,
  localModelFile: { path: string; name: string; sizeBytes: number | null } | null,
): LocalModelsDto {
  const byModel = new Map(downloads.map((d) => [d.modelId, d]));
  const file: LocalModelFileDto | null = localModelFile
    ? { path: localModelFile.path, name: localModelFile.name, size_bytes: localModelFile.sizeBytes }
    : null;
  return {
    models: disk.models.map((m) => localModelRowDto(m, byModel.get(m.id) ?? null)),
    disk_used_bytes: disk.diskUsedBytes,
    disk_free_bytes: diskFreeBytes,
    // Every local model name is answered from this one file, whatever the catalog files above say.
    local_model_file: file,
  };
}

/** The hardware probe's profile. */
export function hardwareDto(h: HardwareProfile): HardwareDto {
  return {
    total_ram_mib: h.totalRamMiB,
    free_ram_mib: h.freeRamMiB,
    cpu_cores: h.cpuCores,
    gpus: h.gpus.known
      ? { known: true, value: h.gpus.value.map((g) => ({ vendor: g.vendor, model: g.model, vram_mib: g.vramMiB })) }
      : h.gpus,
    disk_free_mib: h.diskFreeMiB,
    platform: h.platform,
    arch: h.arch,
    notes: h.notes,
  };
}

/** `parallel` of GET /api/v1/system. */
export function parallelDto(p: LocalParallelism): ParallelDto {
  return {
    sequences: p.sequences,
    sequences_from: p.sequencesFrom,
    queue_limit: p.queueLimit,
    running: p.running.length,
    queued: p.queued,
    queue: p.queue.map((q) => ({
      id: q.id,
      request_id: q.requestId ?? null,
      client_request_id: q.clientRequestId ?? null,
      model: q.model,
      position: q.position,
    })),
    models: p.models.map((m) => ({
      model: m.model,
      sequences: m.sequences,
      requested_sequences: m.requestedSequences,
      busy: m.busy,
      queued: m.queued,
      context_size: m.contextSize,
      bytes_per_sequence: m.bytesPerSequence,
      context_bytes: m.contextBytes,
      flash_attention: m.flashAttention,
      ...(m.limitedBy ? { limited_by: m.limitedBy } : {}),
    })),
    ollama: { num_parallel: p.ollama.numParallel, keep_alive: p.ollama.keepAlive },
  };
}

/**
 * GET /api/v1/queue for one caller: `appKeyId` (an app key) sees its own requests only, and of everyone else's only the
 * per-model counts; undefined (the API token) sees every request. The engine names the API token's calls "master";
 * app key ids never take that name (keys-api makes them), so no key matches the token's calls.
 */
export function queueDto(load: Pick<EmbeddedLoad, 'queueLimit' | 'running' | 'queue' | 'models'>, appKeyId: string | undefined): QueueDto {
  const mine = (e: { owner?: string }): boolean => appKeyId === undefined || e.owner === appKeyId;
  const ids = (e: { requestId?: string; clientRequestId?: string; model: string }) => ({
    request_id: e.requestId ?? null,
    client_request_id: e.clientRequestId ?? null,
    model: e.model,
  });
  // Every model something runs on or waits for, loaded ones first (a waiting request may be for a model still loading).
  const models = new Map(
    load.models.map((m) => [m.model, { model: m.model, sequences: m.sequences as number | null, running: 0, queued: 0 }]),
  );
  const row = (model: string) => models.get(model) ?? models.set(model, { model, sequences: null, running: 0, queued: 0 }).get(model)!;
  for (const r of load.running) row(r.model).running++;
  for (const q of load.queue) row(q.model).queued++;
  return {
    scope: appKeyId === undefined ? 'all' : 'own',
    queue_limit: load.queueLimit,
    queued: load.queue.filter(mine).map((q) => ({ ...ids(q), position: q.position })),
    running: load.running.filter(mine).map(ids),
    models: [...models.values()],
  };
}

/** GET /api/v1/system. */
export function systemDto(s: SystemInfo): SystemDto {
  return {
    hardware: s.hardware ? hardwareDto(s.hardware) : null,
    detection_ms: s.detectionMs,
    tier: s.tier,
    detected_tier: s.detectedTier,
    engines: s.engines,
    ollama: s.ollama,
    models: s.models,
    recommended: s.recommended,
    recommendations: s.recommendations,
    downloads: s.downloads.map(downloadDto),
    warnings: s.warnings,
    ...(s.parallel ? { parallel: parallelDto(s.parallel) } : {}),
  };
}

/** One engine of GET /api/v1/models `engines` (what it serves now and what it can do). */
export function engineStatusDto(a: EngineAvailability): EngineStatus {
  return {
    ok: a.ok,
    models: a.models,
    ...(a.reason !== undefined ? { reason: a.reason } : {}),
    ...(a.tools !== undefined ? { tools: a.tools } : {}),
    ...(a.structuredOutput !== undefined ? { structured_output: a.structuredOutput } : {}),
    ...(a.contextLengths !== undefined ? { context_lengths: a.contextLengths } : {}),
    ...(a.servesAllLocalAs !== undefined ? { serves_all_local_as: a.servesAllLocalAs } : {}),
  };
}

/** `engines` of GET /api/v1/models, keyed by engine id. */
export function enginesDto(engines: Partial<Record<EngineId, EngineAvailability>>): Partial<Record<EngineId, EngineStatus>> {
  return Object.fromEntries(Object.entries(engines).map(([id, a]) => [id, engineStatusDto(a)]));
}

/** GET /api/v1/feedback/tune. */
export function tuneProposalDto(p: TuningProposal): TuneProposalDto {
  return {
    current: p.current,
    proposed: p.proposed,
    changed: p.current.medium !== p.proposed.medium || p.current.cloud !== p.proposed.cloud,
    enough_data: p.enoughData,
    evidence: {
      rated: p.evidence.rated,
      local_rated: p.evidence.localRated,
      local_misses: p.evidence.localMisses,
      small_rated: p.evidence.smallRated,
      small_misses: p.evidence.smallMisses,
    },
    expected: { cloud_share: p.expected.cloudShare, miss_rate: p.expected.missRate },
    reasons: p.reasons,
  };
}
