// Response cache policy: which requests may be answered from the cache, the normalised key material, cosine similarity.
import type { ChatRequest } from '../contracts/chat.js';

/** Cache settings (Settings: cache.*). */
export interface CacheConfig {
  enabled: boolean;
  /**
   * How long an answer stays cached. why: a day keeps repeated questions (a script re-running, a team asking the
   * same thing) free, while a changed model, setting or fact refreshes by tomorrow.
   */
  ttlMs: number;
  /** Also cache requests that sample (temperature > 0 or unset): each ask would get a new answer otherwise. */
  includeSampled: boolean;
  /** Also answer prompts that MEAN the same (embedding similarity ≥ semanticThreshold) from the cache. */
  semantic: boolean;
  /**
   * Cosine similarity for a semantic hit. why: 0.95 on sentence embeddings is a paraphrase ("capital of France?"
   * vs "what's France's capital"); 0.85-0.9 already pairs different questions on one topic, whose answers differ.
   */
  semanticThreshold: number;
}

export const defaultCacheConfig: CacheConfig = {
  enabled: true,
  ttlMs: 24 * 60 * 60 * 1000,
  includeSampled: false,
  semantic: false,
  semanticThreshold: 0.95,
};

export type CacheEligibility = { eligible: true } | { eligible: false; why: string };

/**
 * May this request be answered from (and stored in) the cache? Off when the settings say so or the request says
 * `cache: false`; off for tool use (calls are actions, not text); off for sampled requests (temperature > 0, or
 * unset so the engine's default > 0 applies) unless the request says `cache: true` or the settings include them.
 */
export function cacheEligibility(request: ChatRequest, config: CacheConfig): CacheEligibility {
  if (!config.enabled) return { eligible: false, why: 'cache off in settings' };
  if (request.cache === false) return { eligible: false, why: 'request asked not to use the cache' };
  // A replay has no token log-probabilities to give back.
  if (request.logprobs) return { eligible: false, why: 'log-probabilities are never cached' };
  if ((request.tools?.length ?? 0) > 0 || request.messages.some((m) => m.role === 'tool' || (m.toolCalls?.length ?? 0) > 0)) {
    return { eligible: false, why: 'tool use is never cached' };
  }
  const t = request.params.temperature;
  const sampled = t === undefined || t > 0;
  if (sampled && request.cache !== true && !config.includeSampled) return { eligible: false, why: 'sampled request (temperature > 0)' };
  return { eligible: true };
}

/** Normalise one text for the key: Unicode NFC, LF line ends, no trailing spaces, trimmed (inner spacing kept: code). */
export function normaliseText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .trim();
}

/**
 * The canonical material of a cache key: model asked for, local-only flag, generation parameters and the
 * normalised messages. `scope` is the same without the last user message (semantic hits stay inside it).
 */
export function cacheKeyMaterial(request: ChatRequest): { key: string; scope: string; prompt: string } {
  const p = request.params;
  const params = [p.maxTokens ?? null, p.temperature ?? null, p.topP ?? null, p.stop ?? null, p.seed ?? null];
  const head = {
    v: 1,
    model: request.model.trim().toLowerCase(),
    localOnly: request.localOnly === true,
    params,
    // Only when set, so keys of requests without one stay as they were: a JSON answer never serves a free-text request.
    ...(request.responseFormat ? { format: request.responseFormat } : {}),
  };
  const messages = request.messages.map((m) => [m.role, normaliseText(m.content)] as const);
  let last = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]![0] === 'user') {
      last = i;
      break;
    }
  }
  const prompt = last >= 0 ? messages[last]![1] : '';
  return {
    key: JSON.stringify({ ...head, messages }),
    scope: JSON.stringify({ ...head, messages: messages.filter((_, i) => i !== last) }),
    prompt,
  };
}

/** Cosine similarity of two vectors (0 when either is all zeros or the lengths differ). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
