// Per-model prices as integer micro-dollars per million tokens (Anthropic list prices).
import type { ModelId } from './models.js';

/** Price of one model: micro-dollars per 1,000,000 tokens. */
export interface Price {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** Local models cost nothing per token (electricity is not billed per request). */
const free: Price = { inputPerMTok: 0, outputPerMTok: 0 };

export const prices = {
  tinyllama: free,
  phi2: free,
  'mistral-7b': free,
  'qwen2.5-1.5b': free,
  'llama-3.2-3b': free,
  'qwen3-1.7b': free,
  'qwen3-4b': free,
  'smollm3-3b': free,
  'granite-4.0-micro': free,
  'phi-4-mini': free,
  'gemma-3-4b': free,
  // Anthropic list prices, USD per million tokens: Haiku 4.5 $1/$5, Sonnet 4.6 $3/$15, Opus 4.6 $5/$25.
  'claude-haiku': { inputPerMTok: 1_000_000, outputPerMTok: 5_000_000 },
  'claude-sonnet': { inputPerMTok: 3_000_000, outputPerMTok: 15_000_000 },
  'claude-opus': { inputPerMTok: 5_000_000, outputPerMTok: 25_000_000 },
} as const satisfies Record<ModelId, Price>;
