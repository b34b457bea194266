// How much memory a local model needs, derived from its GGUF shape, and how much each machine tier can give one.
import type { Tier } from '../contracts/decision.js';

/** The shape of a GGUF model as llama.cpp sees it: what the weights, the KV cache and the compute buffers scale with. */
export interface ModelShape {
  /** `general.architecture` in the GGUF (llama.cpp's name for it). */
  arch: string;
  /** `<arch>.block_count`. */
  layers: number;
  /** `<arch>.attention.head_count_kv` (GQA: fewer than the query heads). */
  kvHeads: number;
  /** Key/value head size (`<arch>.attention.key_length`, else embedding / heads). */
  headDim: number;
  /** `<arch>.feed_forward_length`. */
  ff: number;
  /** Tokenizer vocabulary size (rows of the output matrix). */
  vocab: number;
}

/**
 * Context window the embedded engine opens (engines/llamacpp.ts DEFAULT_CONTEXT_SIZE), capped by the model's own.
 * RAM needs are computed at this context: it is what the product actually allocates.
 */
export const ENGINE_CONTEXT = 4096;

// llama.cpp's default micro-batch: the compute graph is reserved for this many tokens at once.
const UBATCH = 512;
// Bytes per KV element: node-llama-cpp keeps the cache in f16 unless told otherwise.
const KV_BYTES = 2;
/**
 * Fixed cost of the runtime beside the model, measured on the project VM (Debian 12, node 20, node-llama-cpp
 * 3.22.1): loading the llama.cpp addon and its ggml libraries raised the process RSS by 12 MiB, loading a model and
 * its context another ~10 MiB over the mapped weights; the engine runs in a worker thread whose V8 isolate adds a
 * few tens of MiB. 100 MiB covers all three with margin.
 */
export const RUNTIME_OVERHEAD_MIB = 100;

const MiB = 1024 * 1024;

/** f16 K and V for every layer at `context` tokens, in bytes. */
export function kvCacheBytes(shape: ModelShape, context: number): number {
  return 2 * shape.layers * shape.kvHeads * shape.headDim * KV_BYTES * context;
}

/**
 * Upper bound of llama.cpp's CPU compute buffer, in bytes. The worst-case graph is reserved for one micro-batch
 * with every token's logits (n_vocab f32 each), the attention mask over the context (f16), and the widest
 * feed-forward activations; flash attention (on by default in this build) keeps K·Q out of it. Checked against the
 * "compute buffer size" llama.cpp reports for generated models (tests/integration/model-architectures.test.ts):
 * the bound stays above the measured value and within 2× of it.
 */
export function computeBufferBytes(shape: ModelShape, context: number): number {
  return UBATCH * (4 * shape.vocab + 2 * context + 16 * shape.ff);
}

/** What {@link ramNeed} derives for one model. */
export interface RamNeed {
  /** Context the figures are for: min(engine context, model's trained context). */
  context: number;
  weightsMiB: number;
  kvMiB: number;
  computeMiB: number;
  overheadMiB: number;
  /** The sum, rounded up: resident memory needed to serve this model. */
  totalMiB: number;
}

/**
 * Resident memory a local model needs: the GGUF weights (memory-mapped, all touched during generation) + the f16 KV
 * cache at the engine's context + llama.cpp's compute buffer + the runtime's fixed overhead. The one place RAM
 * needs come from: the catalog's `ramMiB`, each model's minimum tier and the tier ladders all use it.
 */
export function ramNeed(m: { sizeBytes: number; contextLength: number; shape: ModelShape }): RamNeed {
  const context = Math.min(ENGINE_CONTEXT, m.contextLength);
  const weightsMiB = m.sizeBytes / MiB;
  const kvMiB = kvCacheBytes(m.shape, context) / MiB;
  const computeMiB = computeBufferBytes(m.shape, context) / MiB;
  const totalMiB = Math.ceil(weightsMiB + kvMiB + computeMiB + RUNTIME_OVERHEAD_MIB);
  return {
    context,
    weightsMiB: Math.round(weightsMiB),
    kvMiB: Math.round(kvMiB),
    computeMiB: Math.round(computeMiB),
    overheadMiB: RUNTIME_OVERHEAD_MIB,
    totalMiB,
  };
}

/**
 * Memory one local model may use on the smallest machine of each tier. The embedded engine keeps one model loaded at
 * a time (engines/llamacpp.ts maxLoadedModels = 1), so this is a per-model budget, not a per-ladder one.
 * Each figure is the least RAM a machine of the tier reports (routing/tiering.ts: "2 GB" VPSes show ~1.9 GiB;
 * tiers 2-4 start at 3,600 / 7,200 / 14,500 MiB) minus 500 MiB for the OS and the core server process itself
 * (a Debian 12 VPS idles at ~250 MiB; the core's Node process with its HTTP server and SQLite ledger at ~150 MiB).
 */
export const MODEL_BUDGET_MIB: Record<Tier, number> = {
  1: 1_900 - 500,
  2: 3_600 - 500,
  3: 7_200 - 500,
  4: 14_500 - 500,
};

/** The smallest tier whose per-model budget holds `ramMiB`; undefined when even tier 4 cannot. */
export function minTierFor(ramMiB: number): Tier | undefined {
  return ([1, 2, 3, 4] as const).find((t) => MODEL_BUDGET_MIB[t] >= ramMiB);
}
