// Fallback: which failures justify trying the next candidate, and the ordered candidate chain.
import type { Availability, EngineId, Route, RouteCandidate } from '../contracts/decision.js';
import type { ErrorType } from '../contracts/errors.js';

/** Failures before the first token that another engine or model may not have. */
const retryable: ReadonlySet<ErrorType> = new Set<ErrorType>([
  'no_model_available',
  'upstream_auth',
  'upstream_rate_limited',
  'upstream_overloaded',
  'upstream_error',
  'upstream_unavailable',
  'timeout',
  // The engine's real token count did not fit this model's context: a model with a larger one may take it.
  'context_length_exceeded',
]);

/** True when an engine failure (before any token reached the caller) should move to the next candidate. */
export function shouldFallback(error: ErrorType): boolean {
  return retryable.has(error);
}

/** Engines that can serve `model` now, in preference order. */
export function enginesFor(model: string, availability: Availability, preference: readonly EngineId[]): EngineId[] {
  return preference.filter((e) => {
    const a = availability.engines[e];
    return a?.ok === true && a.models.includes(model);
  });
}

/** Remove duplicates (same model on same engine) keeping the first occurrence. */
export function dedupeCandidates(list: readonly RouteCandidate[]): RouteCandidate[] {
  const seen = new Set<string>();
  return list.filter((c) => {
    const k = `${c.engine}\u0000${c.model}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Human-readable label used in reasons: "phi2 on ollama". */
export function describeCandidate(c: { model: string; engine: EngineId; route?: Route }): string {
  return `${c.model} on ${c.engine}`;
}
