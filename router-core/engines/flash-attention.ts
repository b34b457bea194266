// Whether the embedded engine asks llama.cpp for flash attention, from the model's attention head size.

/**
 * On the CPU, llama.cpp's flash-attention kernel is much slower than its plain attention (matrix products) for heads
 * smaller than this; from this size on the two are close and flash attention keeps the compute buffer small, so
 * llama.cpp's own choice (`"auto"`: on wherever supported) stands.
 *
 * why 64: measured with `npx tsx bench/attention.ts` (one thread; flash attention on ÷ off for a 65-token chunk at
 * position 1,400, a follow-up turn, and for one-token steps at ~1,465, generation; generated models of each head size):
 * - head size 4 (the bench's tiny GGUF; a 16-head 64-wide model): chunk ×2.7-3.3, steps ×1.1-2.8;
 * - head size 16 and 32: chunk ×0.9, steps ×3.0-3.7;
 * - head size 64 and 128, 128 to 1,024 wide: chunk ×0.9-1.03, steps ×0.7-1.2 (flash attention's smaller compute
 *   buffer then decides).
 * Real models have heads of 64 or more, so they keep llama.cpp's choice; only toy and test models change.
 */
export const FLASH_ATTENTION_MIN_HEAD_SIZE = 64;

/** The architecture metadata this needs, as node-llama-cpp reads it from the GGUF (`model.fileInfo.architectureMetadata`). */
export interface AttentionMetadata {
  embedding_length?: number;
  attention?: { head_count?: number | readonly number[]; key_length?: number };
}

/** The attention head size (keys) a model declares, or undefined when its metadata does not say. */
export function attentionHeadSize(meta: AttentionMetadata | undefined): number | undefined {
  const declared = meta?.attention?.key_length;
  if (typeof declared === 'number' && declared > 0) return declared;
  const heads = meta?.attention?.head_count;
  // Per-layer head counts (OpenELM): the smallest head is the one the kernel handles worst.
  const count = Array.isArray(heads) ? Math.max(...heads.filter((h) => h > 0)) : heads;
  const width = meta?.embedding_length;
  if (typeof count !== 'number' || !(count > 0) || typeof width !== 'number' || !(width > 0)) return undefined;
  return width / count;
}

/**
 * The `flashAttention` option for a context of this model: `false` on the CPU when its heads are smaller than
 * {@link FLASH_ATTENTION_MIN_HEAD_SIZE}, otherwise llama.cpp's `"auto"` (on the GPU its kernels are the fast path).
 */
export function flashAttentionFor(meta: AttentionMetadata | undefined, onGpu: boolean): false | 'auto' {
  if (onGpu) return 'auto';
  const head = attentionHeadSize(meta);
  return head !== undefined && head < FLASH_ATTENTION_MIN_HEAD_SIZE ? false : 'auto';
}
