// Wiring for local inference: hardware detection → tier (with overrides), model downloads, the Ollama process, /api/v1/system.
import { stat, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EngineId } from '../contracts/decision.js';
import type { OllamaProcessStatus } from '../contracts/events.js';
import type {
  EmbeddedLoad,
  EngineInUse,
  HardwareProfile,
  Known,
  LocalEngineKind,
  LocalParallelism,
  SystemInfo,
  TierDecision,
} from '../contracts/hardware.js';
import { recommendationsFor, tierLadders } from '../data/tiers.js';
import { OLLAMA_KEEP_ALIVE } from '../engines/ollama.js';
import type { AvailabilityCache } from '../engines/availability.js';
import { CoreError } from '../errors.js';
import type { ModelsApiDeps } from '../gateway/models-api.js';
import { OLLAMA_WITHOUT_TOKEN_SETTING, OLLAMA_WITHOUT_TOKEN_WARNING } from '../gateway/security.js';
import { deleteModelFiles, listModelsOnDisk, modelSourcesFrom } from '../host/catalog.js';
import { createDownloadManager, type DownloadManager } from '../host/downloads.js';
import { detectHardware, probeTimedOut } from '../host/hardware.js';
import { bundledOllamaPath, createOllamaProcessManager, type OllamaProcessManager } from '../host/ollama-process.js';
import type { SettingsView } from '../ledger/settings-view.js';
import { isCloudEngine } from '../routing/cloud.js';
import { pickTier, tierInForce } from '../routing/tiering.js';
import type { Config } from './config.js';
import { coreSettings } from '../settings-schema.js';

/** Free RAM and disk change while the app runs; /api/v1/system re-measures when the last detection is older. */
const REDETECT_AFTER_MS = 30_000;
/** A detection cut short by its time box is repeated once, 2 s later, with 5 s for the probes. */
const RETRY_AFTER_MS = 2_000;
const RETRY_BUDGET_MS = 5_000;
/** The setting the Settings screen writes to override the detected tier (1–4; absent or null = detect). */
export const TIER_OVERRIDE_SETTING = coreSettings.tierOverride.key;

/** What createLocalInference needs from the composition root. */
export interface LocalInferenceDeps {
  config: Config;
  modelsDir: string;
  /** Saved settings (the tier override). */
  settings: Pick<SettingsView, 'getSetting'>;
  availability: AvailabilityCache;
  /** Engines in use (read for /api/v1/system). */
  engines: ReadonlyMap<EngineId, unknown>;
  /** Point the Ollama engine at another base URL (a process we started); absent = leave engines alone. */
  useOllamaAt?: (url: string) => void;
  logger: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  now: () => number;
  /**
   * Hardware detection and the Ollama process start once this resolves (the server passes "listening", so they do not
   * compete with the start for the CPU); absent = at once.
   */
  startAfter?: Promise<unknown>;
  /** The embedded engine's sequences, running and waiting calls (absent when it is not in use). */
  embeddedLoad?: () => EmbeddedLoad | undefined;
}

/** The local-inference side of the core. */
export interface LocalInference {
  /** The tier in force now: --tier, else the saved setting, else detection. */
  tier(): TierDecision;
  /** Answers per local model at once: --parallel, else the tier's; with where the number comes from. */
  parallel(): { sequences: number; from: string };
  /** What /api/v1/system reports as `parallel`: sequences, running and waiting requests, Ollama's parallelism. */
  parallelism(): LocalParallelism;
  /** Resolves when the first hardware detection finished (well under a second). */
  hardwareReady: Promise<void>;
  downloads: DownloadManager;
  ollama: OllamaProcessManager | null;
  api: ModelsApiDeps;
  close(): Promise<void>;
}

/** Before detection finishes: RAM from the OS (instant), GPU unknown, so the tier is never too high. */
function preliminaryProfile(): HardwareProfile {
  const pending = { known: false as const, reason: 'detection still running' };
  return {
    totalRamMiB: { known: true, value: Math.round(os.totalmem() / 1048576) },
    freeRamMiB: pending,
    cpuCores: { known: true, value: os.availableParallelism() },
    gpus: pending,
    diskFreeMiB: pending,
    platform: process.platform,
    arch: process.arch,
    notes: [],
  };
}

const isTimeout = probeTimedOut;

/** Did any probe run out of time? */
function timedOut(p: HardwareProfile): boolean {
  return [p.totalRamMiB, p.freeRamMiB, p.cpuCores, p.gpus, p.diskFreeMiB].some(isTimeout);
}

/** A re-detection whose probe timed out keeps the value measured before (RAM and GPUs do not vanish). */
function keepKnown(old: HardwareProfile, fresh: HardwareProfile): HardwareProfile {
  const pick = <T>(o: Known<T>, f: Known<T>): Known<T> => (isTimeout(f) && o.known ? o : f);
  return {
    ...fresh,
    totalRamMiB: pick(old.totalRamMiB, fresh.totalRamMiB),
    freeRamMiB: pick(old.freeRamMiB, fresh.freeRamMiB),
    cpuCores: pick(old.cpuCores, fresh.cpuCores),
    gpus: pick(old.gpus, fresh.gpus),
    diskFreeMiB: pick(old.diskFreeMiB, fresh.diskFreeMiB),
  };
}

/** Build detection, downloads and the Ollama manager; starts detection and Ollama discovery in the background. */
export function createLocalInference(d: LocalInferenceDeps): LocalInference {
  const { config, settings, availability, logger } = d;
  // First, before anything starts: a bad mirror or override file stops the core with a message naming it.
  const sources = modelSourcesFrom({ baseUrl: config.modelBaseUrl, catalogFile: config.modelCatalog });
  let profile: HardwareProfile | null = null;
  let detectionMs: number | null = null;
  let detectedAt = 0;
  let detecting: Promise<void> | null = null;

  const detect = (budgetMs?: number): Promise<void> =>
    (detecting ??= (async () => {
      const t0 = performance.now();
      const fresh = await detectHardware({ dataDir: d.modelsDir, budgetMs });
      profile = profile ? keepKnown(profile, fresh) : fresh;
      detectionMs = Math.round((performance.now() - t0) * 10) / 10;
      detectedAt = d.now();
      logger.info({ ms: detectionMs, tier: pickTier(profile).reason, notes: profile.notes }, 'hardware detected');
    })().finally(() => {
      detecting = null;
    }));
  let retry: NodeJS.Timeout | undefined;
  const started = d.startAfter ?? Promise.resolve();
  const hardwareReady = started
    .then(() => detect())
    .then(() => {
      // A probe cut by the time box (a loaded machine, a slow driver) is measured again in the background with
      // more time, so a GPU that answered late still lifts the tier.
      if (profile && timedOut(profile)) {
        retry = setTimeout(() => void detect(RETRY_BUDGET_MS).catch(() => undefined), RETRY_AFTER_MS);
        retry.unref();
      }
    })
    .catch((e: unknown) => logger.warn({ err: e }, 'hardware detection failed'));

  const detectedTier = (): TierDecision => pickTier(profile ?? preliminaryProfile());
  const tierFor = (raw: unknown): TierDecision => tierInForce(profile ?? preliminaryProfile(), config.tier, raw);
  // The pipeline asks for the tier on every request: the decision (and its reason text) is made again only when the
  // profile (a new detection) or the saved override changed.
  let tierMemo: { profile: HardwareProfile | null; raw: unknown; decision: TierDecision } | undefined;
  const tier = (): TierDecision => {
    const raw = config.tier !== undefined ? undefined : settings.getSetting<unknown>(TIER_OVERRIDE_SETTING);
    if (tierMemo && tierMemo.profile === profile && Object.is(tierMemo.raw, raw)) return tierMemo.decision;
    const decision = tierFor(raw);
    tierMemo = { profile, raw, decision };
    return decision;
  };

  const downloads = createDownloadManager({
    modelsDir: d.modelsDir,
    sources,
    // The Ollama the engine talks to: one we started, else a system one on OLLAMA_HOST when it answered.
    ollamaUrl: () => {
      const o = ollama?.status();
      return o && (o.state === 'running' || o.state === 'external') ? o.url : null;
    },
    onFinished: (p) => {
      availability.invalidate();
      logger.info({ model: p.modelId, state: p.state, detail: p.message }, 'model download finished');
    },
  });

  const parallel = (): { sequences: number; from: string } =>
    config.parallel !== undefined
      ? { sequences: config.parallel, from: '--parallel / HYBRID_AI_PARALLEL' }
      : { sequences: tierLadders[tier().tier].parallelSequences, from: `tier ${tier().tier}` };

  let ollama: OllamaProcessManager | null = null;
  if (config.manageOllama !== false) {
    ollama = createOllamaProcessManager({
      // The same N as the embedded engine: an Ollama we start answers as many requests per model at once.
      numParallel: () => parallel().sequences,
      host: config.ollamaHost,
      binary: config.ollamaBinary,
      bundledBinary: config.resourcesDir ? bundledOllamaPath(config.resourcesDir) : undefined,
      modelsDir: path.join(d.modelsDir, 'ollama'),
      pidFile: path.join(path.dirname(d.modelsDir), 'ollama.pid'),
      logger,
    });
    let lastUrl: string | null = null;
    ollama.subscribe(({ status }) => {
      if (status.state === 'running' && status.url && status.url !== lastUrl && status.source !== 'system') {
        lastUrl = status.url;
        d.useOllamaAt?.(status.url);
        availability.invalidate();
      }
    });
    const manager = ollama;
    void started
      .then(() => manager.start())
      .then((s) => logger.info({ state: s.state, source: s.source, url: s.url, detail: s.message }, 'ollama'));
  }
  const ollamaStatus = (): OllamaProcessStatus =>
    ollama?.status() ?? {
      state: 'idle',
      source: null,
      url: null,
      binary: null,
      pid: null,
      restarts: 0,
      message: 'Ollama process management is off (HYBRID_AI_MANAGE_OLLAMA=off); an Ollama on OLLAMA_HOST is still used.',
    };

  const kindOf = (id: EngineId, o: OllamaProcessStatus): LocalEngineKind => {
    if (id === 'llamacpp') return 'embedded';
    if (isCloudEngine(id)) return 'cloud';
    if (id === 'openai-compat') return 'openai-compat';
    return o.source === 'bundled' ? 'bundled-ollama' : 'system-ollama';
  };

  const api: ModelsApiDeps = {
    downloads,
    modelsOnDisk: () => listModelsOnDisk(d.modelsDir, sources),
    localModelFile: async () => {
      const file = d.config.localModel;
      if (!file) return null;
      const size = await stat(file).then(
        (st) => st.size,
        () => null,
      );
      return { path: file, name: path.basename(file), sizeBytes: size };
    },
    // One statfs, measured now (the models folder is created with the data dir).
    diskFreeBytes: () =>
      statfs(d.modelsDir).then(
        (st) => st.bavail * st.bsize,
        () => null,
      ),
    queue: () => d.embeddedLoad?.() ?? { queueLimit: 0, running: [], queue: [], models: [] },
    async system(): Promise<SystemInfo> {
      if (!profile || d.now() - detectedAt > REDETECT_AFTER_MS) await detect().catch(() => undefined);
      const [a, disk] = await Promise.all([availability.get(), listModelsOnDisk(d.modelsDir, sources)]);
      const o = ollamaStatus();
      const engines: EngineInUse[] = [...d.engines.keys()].map((id) => {
        const e = a.engines[id];
        const row: EngineInUse = { id, kind: kindOf(id, o), ok: e?.ok ?? false, models: e?.models ?? [] };
        if (e?.reason) row.reason = e.reason;
        if (id === 'ollama') row.url = o.url ?? undefined;
        return row;
      });
      const t = tier();
      const recommendations = recommendationsFor(t.tier);
      return {
        hardware: profile,
        detectionMs,
        tier: t,
        detectedTier: detectedTier(),
        engines,
        ollama: o,
        models: {
          present: disk.models.filter((m) => m.present).map((m) => m.id),
          missing: disk.models.filter((m) => !m.present).map((m) => m.id),
        },
        recommended: recommendations.map((r) => r.id),
        recommendations,
        downloads: downloads.list(),
        warnings:
          settings.getSetting<boolean>(OLLAMA_WITHOUT_TOKEN_SETTING) === true
            ? [{ id: 'ollama-without-token', message: OLLAMA_WITHOUT_TOKEN_WARNING }]
            : [],
        parallel: parallelism(),
      };
    },
    async deleteModel(id) {
      const s = downloads.source(id);
      if (downloads.isActive(s.id)) {
        throw new CoreError('invalid_request', `Model "${s.id}" is being downloaded: cancel it first (DELETE /api/v1/downloads/${s.id}).`);
      }
      try {
        const { freedBytes } = await deleteModelFiles(d.modelsDir, s);
        availability.invalidate();
        return { id: s.id, freedBytes };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EBUSY' || code === 'EPERM' || code === 'EACCES') {
          throw new CoreError('invalid_request', `Cannot delete the files of "${s.id}" (${code}): they are in use or read-only.`);
        }
        throw e;
      }
    },
  };

  function parallelism(): LocalParallelism {
    const p = parallel();
    const e = d.embeddedLoad?.();
    return {
      sequences: p.sequences,
      sequencesFrom: p.from,
      queueLimit: e?.queueLimit ?? 0,
      running: e?.running ?? [],
      queued: e?.queued ?? 0,
      queue: e?.queue ?? [],
      models: e?.models ?? [],
      ollama: { numParallel: ollama?.numParallel() ?? null, keepAlive: OLLAMA_KEEP_ALIVE },
    };
  }

  return {
    tier,
    parallel,
    parallelism,
    hardwareReady,
    downloads,
    ollama,
    api,
    async close() {
      clearTimeout(retry);
      await Promise.allSettled([downloads.close(), ollama?.stop()]);
    },
  };
}
