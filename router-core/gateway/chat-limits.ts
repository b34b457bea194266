// Per-request limits on chat routes: a wall-clock budget per request and a cap on concurrent requests per app key.
import { CoreError } from '../errors.js';

/** Limits every chat route applies (server/config.ts sets them; defaults below). */
export interface ChatLimits {
  /** Longest a chat request may run, start to last byte, in ms; past it the work stops and the caller gets a timeout. */
  requestBudgetMs: number;
  /** Chat requests one app key may have in flight at once; more are refused with 429 (the API token is not limited). */
  maxConcurrentPerKey: number;
}

/**
 * Five minutes: a long local answer on a CPU (512 tokens of a 7B model at ~5 tokens/s is ~100 s) or a long Claude
 * answer (8k tokens at ~50 tokens/s is ~160 s) fits, while a request that would hold the engine for the 14 minutes
 * seen in the field is stopped.
 */
export const DEFAULT_REQUEST_BUDGET_MS = 300_000;
/**
 * Two: the embedded engine answers a few requests per model at once (its parallel sequences, 2-8 by tier), so a key's
 * third request would take a sequence or a queue place other callers need; two still lets an app stream one answer
 * while it starts the next.
 */
export const DEFAULT_MAX_CONCURRENT_PER_KEY = 2;

/** Counts in-flight chat requests per app key. */
export interface ConcurrencyGate {
  /** Take a slot for `keyId` (undefined = the API token: never limited); returns its release, or throws a 429. */
  acquire(keyId: string | undefined, keyName: string | undefined): () => void;
  /** In-flight requests per key (tests, metrics). */
  inFlight(keyId: string): number;
}

/** A gate that admits at most `limit` concurrent requests per app key; `onRefused` hears of each 429 (metrics). */
export function createConcurrencyGate(limit: number, onRefused?: () => void): ConcurrencyGate {
  const counts = new Map<string, number>();
  return {
    acquire(keyId, keyName) {
      if (keyId === undefined) return () => undefined;
      const n = counts.get(keyId) ?? 0;
      if (n >= limit) {
        onRefused?.();
        throw new CoreError(
          'rate_limited',
          `App key "${keyName ?? keyId}" already has ${n} chat request${n === 1 ? '' : 's'} in flight (the limit is ${limit} at once): wait for one to finish.`,
          // One second: a local answer frees its slot within seconds; the client should not hammer meanwhile.
          { retryAfter: 1 },
        );
      }
      counts.set(keyId, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(keyId) ?? 1) - 1;
        if (left <= 0) counts.delete(keyId);
        else counts.set(keyId, left);
      };
    },
    inFlight: (keyId) => counts.get(keyId) ?? 0,
  };
}

/** The error a request that ran out of its budget ends with (also the abort reason the pipeline recognises). */
export function budgetExceeded(budgetMs: number): CoreError {
  return new CoreError(
    'timeout',
    `The request ran longer than its ${Math.round(budgetMs / 1000)} s time budget and was stopped (set HYBRID_AI_REQUEST_TIMEOUT_S to change it); ask for fewer tokens (max_tokens) or a shorter prompt.`,
    // The same request runs into the same budget: an SDK retrying the 504 made the caller wait three budgets (15 min
    // by default) while the engine spent a sequence on it all that time.
    { final: true },
  );
}
