// Response cache over the ledger: exact match on the normalised request (sha256 key), optional semantic match on embeddings.
import { createHash } from 'node:crypto';
import type { ChatRequest } from './contracts/chat.js';
import type { RouteDecision } from './contracts/decision.js';
import type { FinishReason, Usage } from './contracts/stream.js';
import type { CacheEntry, RoutingStore } from './ledger/routing-store.js';
import { cacheEligibility, cacheKeyMaterial, cosine, type CacheConfig } from './routing/cache-policy.js';
import { openText, SEALED, sealText } from './seal.js';

/** Embeds one text for the semantic cache (a local model; the vector is compared by cosine). */
export type Embedder = (text: string, signal: AbortSignal) => Promise<Float32Array>;

export interface ResponseCacheDeps {
  store: RoutingStore;
  now(): number;
  config(): CacheConfig;
  /** Absent: exact-match cache only. */
  embed?: Embedder;
  /**
   * True while history is off: answers are stored sealed (AES-256-GCM under a key derived from the full request, which
   * is never stored), so the table holds no readable prompt or answer; the semantic cache (prompt embeddings) is off.
   */
  sealed?(): boolean;
}

/** A looked-up request: its keys, its embedding (semantic mode) and the hit, if any. */
export interface CacheProbe {
  key: string;
  scope: string;
  /** Key that seals and opens this request's answer; derived from the request, held in memory only. */
  seal: Buffer;
  embedding?: Float32Array;
  hit?: { entry: CacheEntry; semantic: boolean; similarity: number };
}

/** A finished answer to store. */
export interface CachedAnswer {
  requestId: string;
  decision: RouteDecision;
  text: string;
  usage: Usage;
  finishReason: FinishReason;
  costMicros: number;
}

export interface ResponseCache {
  /** Null when the request may not use the cache (see cacheEligibility). */
  probe(request: ChatRequest, signal: AbortSignal): Promise<CacheProbe | null>;
  /** Store a complete answer under the probe's key (cut-off or empty answers are not stored). */
  store(probe: CacheProbe, answer: CachedAnswer): Promise<void>;
}

/** why: brute-force cosine over 500 vectors of a few hundred dimensions takes well under a millisecond. */
const SEMANTIC_SCAN_LIMIT = 500;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export function createResponseCache(deps: ResponseCacheDeps): ResponseCache {
  return {
    async probe(request, signal) {
      const config = deps.config();
      if (!cacheEligibility(request, config).eligible) return null;
      const material = cacheKeyMaterial(request);
      const seal = createHash('sha256').update('hybrid-ai response seal\0').update(material.key).digest();
      const probe: CacheProbe = { key: sha256(material.key), scope: sha256(material.scope), seal };
      const now = deps.now();
      const exact = await deps.store.cacheGet(probe.key, now);
      const response = exact ? openText(exact.response, seal) : undefined;
      if (exact && response !== undefined) return { ...probe, hit: { entry: { ...exact, response }, semantic: false, similarity: 1 } };
      if (deps.sealed?.() || !config.semantic || !deps.embed || material.prompt === '') return probe;
      try {
        probe.embedding = await deps.embed(material.prompt, signal);
      } catch {
        // No embedding (no local model, engine down): the exact cache still works.
        return probe;
      }
      let best: { entry: CacheEntry; similarity: number } | undefined;
      for (const entry of await deps.store.cacheWithEmbeddings(probe.scope, deps.now(), SEMANTIC_SCAN_LIMIT)) {
        if (entry.response.startsWith(SEALED)) continue; // another request's sealed answer: not ours to open
        const s = cosine(probe.embedding, entry.embedding!);
        if (s >= config.semanticThreshold && (!best || s > best.similarity)) best = { entry, similarity: s };
      }
      return best ? { ...probe, hit: { entry: best.entry, semantic: true, similarity: best.similarity } } : probe;
    },
    async store(probe, a) {
      if (a.finishReason !== 'stop' || a.text.trim() === '') return;
      const now = deps.now();
      const sealed = deps.sealed?.() === true;
      await deps.store.cachePut(
        {
          key: probe.key,
          scope: probe.scope,
          createdAt: now,
          expiresAt: now + deps.config().ttlMs,
          requestId: a.requestId,
          route: a.decision.route,
          model: a.decision.model,
          engine: a.decision.engine,
          complexity: a.decision.complexity,
          response: sealed ? sealText(a.text, probe.seal) : a.text,
          inputTokens: a.usage.inputTokens,
          outputTokens: a.usage.outputTokens,
          finishReason: a.finishReason,
          costMicros: a.costMicros,
          ...(probe.embedding && !sealed ? { embedding: probe.embedding } : {}),
        },
        now,
      );
    },
  };
}
