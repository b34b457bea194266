// Sampling parameters read once for every engine: top_p 0 is greedy decoding, said in the terms each backend accepts.
import type { GenerationParams } from './contracts/chat.js';

/**
 * Pure: `top_p: 0` (legal in OpenAI's and Ollama's APIs, sent by clients that want a deterministic answer) keeps only the
 * most likely token, i.e. greedy decoding. The pipeline hands every engine (and the cache key) `temperature: 0`
 * without a top_p instead, once per request. why: temperature 0 is
 * greedy in every backend (llama.cpp's greedy sampler, Ollama, the cloud APIs), while top_p 0 itself is refused by some
 * (vLLM wants 0 < top_p ≤ 1, Claude 4.5 refuses top_p beside temperature) and read as "unset" by others.
 */
export function greedyWhenTopPZero(p: GenerationParams): GenerationParams {
  return p.topP === 0 ? { ...p, temperature: 0, topP: undefined } : p;
}
