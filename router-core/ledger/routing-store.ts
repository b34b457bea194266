// What the ledger keeps for routing features: the response cache, routing events (cache hits, cascades, privacy), feedback.
import type { EngineId, Route } from '../contracts/decision.js';
import type { FinishReason } from '../contracts/stream.js';
import type { ArmTotals } from '../routing/experiment.js';

/** One cached answer. Keyed by a hash of the normalised request; the prompt itself is not stored. */
export interface CacheEntry {
  key: string;
  /** Hash of everything but the last user message (model, parameters, earlier turns): semantic hits stay within it. */
  scope: string;
  createdAt: number;
  expiresAt: number;
  /** The request that produced the answer. */
  requestId: string;
  route: Route;
  model: string;
  engine: EngineId;
  complexity: number;
  response: string;
  inputTokens: number;
  outputTokens: number;
  finishReason: FinishReason;
  /** What the original answer cost (what a hit saves). */
  costMicros: number;
  /** Prompt embedding for the semantic cache, when one is in use. */
  embedding?: Float32Array;
}

/** Kinds of routing event, one row each, linked to the request row by id. */
export type RoutingEventKind = 'cache_hit' | 'semantic_hit' | 'privacy_local' | 'cascade_kept' | 'cascade_escalated';

/** A routing event. For cascades it is the FIRST attempt (model, tokens, cost); the request row is the answer shown. */
export interface RoutingEvent {
  requestId: string;
  ts: number;
  kind: RoutingEventKind;
  model?: string | null;
  engine?: string | null;
  inputTokens?: number;
  outputTokens?: number;
  costMicros?: number;
  /** Money not spent because of this event (a cache hit, a local answer kept instead of the cloud). */
  savedMicros?: number;
  /** Short human-readable detail (why escalated, which kinds of private data); never prompt text. */
  detail?: string | null;
}

/** A person's verdict on an answer: thumbs up/down, or "retry with Claude" (a miss for a local answer). */
export type FeedbackRating = 'up' | 'down' | 'retry';

export interface FeedbackRecord {
  requestId: string;
  ts: number;
  rating: FeedbackRating;
  comment: string | null;
}

/** A rated request with what the router did, for the tuner. */
export interface FeedbackSample {
  requestId: string;
  ts: number;
  rating: FeedbackRating;
  route: string | null;
  engine: string | null;
  model: string | null;
  complexity: number | null;
}

/** Routing feature counters for the dashboard; money in micro-dollars. */
export interface RoutingStats {
  cache: { hits: number; semanticHits: number; savedMicros: number };
  cascade: {
    runs: number;
    escalated: number;
    escalationRate: number;
    /** Cloud money not spent because a local answer passed the check. */
    savedMicros: number;
    /** What the weak first attempts cost (local ones: nothing). */
    firstAttemptCostMicros: number;
  };
  privacy: { keptLocal: number };
  feedback: {
    up: number;
    down: number;
    retry: number;
    /** Share of rated local answers that were thumbs-down or retried with the cloud. */
    localMissRate: number;
    byRoute: Array<{ route: string; up: number; down: number; retry: number }>;
  };
}

/** Async like the rest of the ledger (see ledger.ts). */
export interface RoutingStore {
  /** A live (unexpired) cached answer for `key`, or undefined. */
  cacheGet(key: string, now: number): Promise<CacheEntry | undefined>;
  /** Insert or replace an entry; expired entries are purged on the way. */
  cachePut(entry: CacheEntry, now: number): Promise<void>;
  /** Newest live entries of `scope` that have an embedding (semantic lookup), at most `limit`. */
  cacheWithEmbeddings(scope: string, now: number, limit: number): Promise<CacheEntry[]>;
  /** Drop every cached answer; returns how many. */
  cacheClear(): Promise<number>;
  recordRoutingEvent(e: RoutingEvent): Promise<void>;
  /** Store (or replace) the feedback on a request; false when no such request exists. */
  recordFeedback(f: FeedbackRecord): Promise<boolean>;
  /** Rated requests since `from` (ms), joined with their route, engine, model and complexity. */
  feedbackSamples(from: number): Promise<FeedbackSample[]>;
  /** Complexity scores of answered auto-routed requests since `from` (what a threshold change would move). */
  requestScores(from: number): Promise<Array<{ complexity: number; engine: string | null }>>;
  routingStats(from: number, to: number): Promise<RoutingStats>;
  /** Per-arm totals of routing experiment `experimentId` (arms without requests are absent). */
  experimentTotals(experimentId: string): Promise<ArmTotals[]>;
}
