// The decision once a cloud budget reservation was refused: the policy again on the spend the ledger saw, never the cloud.
import type { RouteCandidate, RouteDecision } from '../contracts/decision.js';
import { budgetGuard, type SpendSoFar } from './budget.js';
import { isCloudEngine } from './cloud.js';
import { decideRoute, type RouteInput, type RouteOutcome } from './policy.js';

/**
 * `first` went to the cloud, but reserving its estimate (`micros`) was refused: concurrent requests, here or in
 * another gateway sharing the ledger, took the headroom meanwhile, and `seen` is the spend the ledger saw. Decide again
 * on that spend and keep the request local; its reasons say why. A named cloud model cannot be kept local: refused.
 */
export function decideWithoutCloud(input: RouteInput, seen: SpendSoFar, first: RouteDecision, micros: number): RouteOutcome {
  const verdict = budgetGuard(seen, input.config.budget, micros);
  const why = verdict.allowCloud ? 'the cloud budget was taken by concurrent requests' : verdict.reason;
  const again = decideRoute({ ...input, spend: seen });
  if (!again.ok) return again;
  const noCloud = (c: RouteCandidate): boolean => !isCloudEngine(c.engine);
  if (!isCloudEngine(again.decision.engine))
    return { ok: true, decision: { ...again.decision, fallbacks: again.decision.fallbacks.filter(noCloud) } };
  // The policy estimated with the default cloud model's price; this request's model costs more. Keep it local here.
  const requested = input.request.model.trim();
  if (requested !== '' && requested.toLowerCase() !== 'auto') {
    return {
      ok: false,
      error: { type: 'rate_limited', message: `Model "${requested}" is a cloud model and the cloud is unavailable: ${why}.` },
    };
  }
  const locals = [first, ...first.fallbacks].filter(noCloud);
  const best = locals[0];
  if (!best)
    return { ok: false, error: { type: 'no_model_available', message: `No local model can answer and the cloud is unavailable: ${why}.` } };
  return {
    ok: true,
    decision: {
      ...first,
      ...best,
      reasons: [...first.reasons, `cloud disabled (${why}) → best local model ${best.model} instead`],
      fallbacks: locals.slice(1),
    },
  };
}
