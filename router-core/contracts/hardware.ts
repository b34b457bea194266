// What the core knows about the machine; each field may be unknown, with the reason.
import type { EngineId, Tier } from './decision.js';
import type { DownloadProgress, OllamaProcessStatus } from './events.js';

/** A measured value or why it could not be measured. */
export type Known<T> = { known: true; value: T } | { known: false; reason: string };

export interface GpuInfo {
  vendor: 'nvidia' | 'amd' | 'intel' | 'apple' | 'other';
  model: string;
  /** Dedicated VRAM (or unified memory usable by the GPU on Apple Silicon), MiB. */
  vramMiB: number | null;
}

export interface HardwareProfile {
  /** Physical RAM, or the container's memory limit when that is lower. */
  totalRamMiB: Known<number>;
  freeRamMiB: Known<number>;
  cpuCores: Known<number>;
  gpus: Known<GpuInfo[]>;
  /** Free space on the file system holding the data dir (where models are downloaded). */
  diskFreeMiB: Known<number>;
  platform: string;
  arch: string;
  /** Facts worth showing beside the tier, e.g. "running in a container", "memory limited to 2 GB by cgroup". */
  notes: string[];
}

/** The tier chosen and the sentence shown to the user ("8 GB RAM, no GPU → tier 3"). */
export interface TierDecision {
  tier: Tier;
  reason: string;
  overridden: boolean;
}

/** How a local engine is provided on this machine. */
export type LocalEngineKind = 'embedded' | 'system-ollama' | 'bundled-ollama' | 'openai-compat' | 'cloud';

/** One engine as `GET /api/v1/system` shows it. */
export interface EngineInUse {
  id: EngineId;
  kind: LocalEngineKind;
  ok: boolean;
  /** Catalog model ids (or raw names) it can answer with now. */
  models: string[];
  reason?: string;
  /** Where it listens, for HTTP engines. */
  url?: string;
}

/** One recommended download for this machine's tier. */
export interface RecommendationInfo {
  id: string;
  route: 'small' | 'medium' | 'large';
  reason: string;
}

/** `GET /api/v1/system`: the machine, the tier and why, the engines, the models and downloads. */
export interface SystemInfo {
  /** Null until the first detection finished (it takes well under a second after start). */
  hardware: HardwareProfile | null;
  /** Milliseconds the last hardware detection took (null before it finished). */
  detectionMs: number | null;
  tier: TierDecision;
  /** The tier detection alone would pick (differs from `tier` when the user overrides it). */
  detectedTier: TierDecision;
  engines: EngineInUse[];
  /** The Ollama the core uses or manages. */
  ollama: OllamaProcessStatus;
  /** Catalog ids of local models whose file is on disk / not on disk. */
  models: { present: string[]; missing: string[] };
  /** What the tier's ladder would like on disk (the first model of each rung). */
  recommended: string[];
  /** The same, each with its rung and the reason ("best small model in 4 GB (3.0 GB per model): Qwen3 1.7B, …"). */
  recommendations: RecommendationInfo[];
  downloads: DownloadProgress[];
  /** Settings that weaken the API's protection, each with what it exposes (empty when none is on). */
  warnings: SecurityWarning[];
  /** How many answers the local engines give at once, what waits, and what the parallel sequences cost. */
  parallel?: LocalParallelism;
}

/** A local model loaded by the embedded engine, with its parallel sequences. */
export interface ParallelModelInfo {
  model: string;
  /** Sequences its context has (answers at once). */
  sequences: number;
  /** Sequences asked for (tier or --parallel); more than `sequences` when free memory was short. */
  requestedSequences: number;
  /** Sequences answering now. */
  busy: number;
  /** Requests waiting for this model. */
  queued: number;
  /** Tokens each sequence holds. */
  contextSize: number;
  /** Memory of one sequence's KV cache, bytes (llama.cpp's estimate). */
  bytesPerSequence: number;
  /** Memory of the whole context (every sequence and compute buffers), bytes; the weights are extra. */
  contextBytes: number;
  /** Whether its attention runs llama.cpp's flash-attention kernel (engines/flash-attention.ts decides). */
  flashAttention: boolean;
  /** Why it has fewer sequences than asked, when so. */
  limitedBy?: string;
}

/**
 * The embedded engine's load in its own shape (the llama.cpp engine's `info()` is one; what else it holds is not sent).
 * Mapped to the wire once, in gateway/models-dto.ts.
 */
export interface EmbeddedLoad {
  /** Requests that may wait per model; one more gets 503 with Retry-After. */
  queueLimit: number;
  /** Requests answering now, all local models (`owner`: the app key id, or "master" for the API token). */
  running: ReadonlyArray<{ id: number; requestId?: string; clientRequestId?: string; model: string; owner?: string }>;
  /** Requests waiting now, all local models. */
  queued: number;
  /** Waiting requests in the order they will run; position 1 runs next on its model (`owner` as in `running`). */
  queue: ReadonlyArray<{ id: number; requestId?: string; clientRequestId?: string; model: string; position: number; owner?: string }>;
  models: readonly ParallelModelInfo[];
}

/** Parallelism and queueing of local inference (GET /api/v1/system `parallel`). */
export interface LocalParallelism extends EmbeddedLoad {
  /** Sequences the embedded engine gives a model when it loads next (tier default or --parallel). */
  sequences: number;
  /** Where that number comes from. */
  sequencesFrom: string;
  /** The Ollama the core uses: how many requests per model it serves at once and how long it keeps a model loaded. */
  ollama: {
    /** OLLAMA_NUM_PARALLEL the bundled Ollama was started with; null when the core did not start it (a system Ollama decides). */
    numParallel: number | null;
    /** keep_alive the core sends with every request. */
    keepAlive: string;
  };
}

/** One setting that lowers the API's protection, as /api/v1/system and Settings show it. */
export interface SecurityWarning {
  /** `ollama-without-token`: loopback clients use the Ollama routes with no token (for the Ollama CLI). */
  id: 'ollama-without-token';
  message: string;
}
