// Decide and reserve: spend → pure decision → a cloud decision under a cap reserves its estimate in the ledger.
import type { ChatRequest } from '../contracts/chat.js';
import type { RouteCandidate, RouteDecision } from '../contracts/decision.js';
import { CoreError, toCoreError } from '../errors.js';
import { localClock } from '../local-clock.js';
import { estimateCloudCostMicros, type SpendSoFar } from '../routing/budget.js';
import { decideWithoutCloud } from '../routing/capped.js';
import { isCloudEngine } from '../routing/cloud.js';
import { decideRouteWithGuard, type CloudBlock, type RouteInput, type RouteOutcome, type RoutingConfig } from '../routing/policy.js';
import { priceOf } from '../routing/pricing.js';
import type { RequestRecorder } from './recorder.js';
import type { PipelineDeps } from './types.js';

const NO_SPEND: SpendSoFar = { todayMicros: 0, monthMicros: 0 };

type DecideDeps = Pick<PipelineDeps, 'availability' | 'now' | 'periodStarts' | 'routing' | 'tier' | 'ledger' | 'routingState'>;

/** A decision, whether its cloud estimate is reserved, and why the cloud was off for it (typed; null when it was not). */
export interface Decided {
  decision: RouteDecision;
  reserved: boolean;
  cloudBlock: CloudBlock | null;
}

/**
 * Read spend (with every live reservation) → pure decision → for a cloud decision under a cap, reserve its estimated
 * cost atomically in the ledger (`reserveFor` = the request id). When the reservation is refused (concurrent
 * requests, here or in another gateway, took the headroom meanwhile), decide again with the spend the ledger saw:
 * the request stays local and its reasons say the cap was reached (routing/capped.ts).
 */
export async function decideAndReserve(
  deps: DecideDeps,
  request: ChatRequest,
  override?: Partial<RoutingConfig>,
  reserveFor?: string,
): Promise<Decided> {
  const availability = await deps.availability();
  const now = deps.now();
  const p = deps.periodStarts(now);
  const config = override ? { ...deps.routing(), ...override } : deps.routing();
  const capped = hasCaps(config);
  // No cap, nothing to check: skip the spend query (a PostgreSQL round trip) altogether.
  const spend = capped ? await deps.ledger.budgetSpend(p.day, p.month, now) : NO_SPEND;
  // Time-based routing reads the wall clock in the schedule's own time zone (the policy itself never reads the time).
  const clock = config.schedule?.enabled ? localClock(now, config.schedule.timeZone) : undefined;
  const input: RouteInput = { request, config, tier: deps.tier(), availability, spend, clock, state: deps.routingState };
  const guarded = decideRouteWithGuard(input);
  const first = orThrow(guarded.outcome);
  const { cloudBlock } = guarded;
  if (reserveFor === undefined || !capped || !isCloudEngine(first.engine)) return { decision: first, reserved: false, cloudBlock };
  const micros = estimateCloudCostMicros(request, priceOf(first.model, config.prices));
  const r = await deps.ledger.reserveBudget({ id: reserveFor, micros, caps: config.budget, dayStart: p.day, monthStart: p.month, now });
  if (r.reserved) return { decision: first, reserved: true, cloudBlock };
  return { decision: orThrow(decideWithoutCloud(input, r.spend, first, micros)), reserved: false, cloudBlock };
}

/**
 * The decide step of a request: decide (with the experiment arm's config, if any) and reserve; a refused request (bad
 * model name, nothing available) is still a request, so it gets its row before the error goes back.
 */
export async function decideStep(
  deps: DecideDeps,
  recorder: RequestRecorder,
  request: ChatRequest,
  armConfig: RoutingConfig | undefined,
): Promise<Decided> {
  try {
    // A cloud decision reserves its estimated cost in the ledger, so concurrent requests (in any gateway sharing it)
    // see it; the reservation goes when the request's row is recorded.
    const decided = await decideAndReserve(deps, request, armConfig, recorder.id);
    if (decided.reserved) recorder.holdReservation();
    return decided;
  } catch (e) {
    const err = toCoreError(e);
    await recorder.fail(null, err, [], 'error');
    throw err;
  }
}

/**
 * Reserve the estimate of a cloud candidate reached by fallback or escalation (the first decision was local): true
 * when the caps allow it (or there are none), and the recorder then holds the reservation.
 */
export async function reserveLater(
  deps: Pick<PipelineDeps, 'routing' | 'now' | 'periodStarts' | 'ledger'>,
  recorder: RequestRecorder,
  request: ChatRequest,
  cand: RouteCandidate,
): Promise<boolean> {
  const config = deps.routing();
  if (hasCaps(config)) {
    const now = deps.now();
    const p = deps.periodStarts(now);
    const micros = estimateCloudCostMicros(request, priceOf(cand.model, config.prices));
    const r = await deps.ledger.reserveBudget({ id: recorder.id, micros, caps: config.budget, dayStart: p.day, monthStart: p.month, now });
    if (!r.reserved) return false;
  }
  recorder.holdReservation();
  return true;
}

/** Whether a daily or monthly cloud cap is set. */
function hasCaps(config: RoutingConfig): boolean {
  return config.budget.dailyMicros !== undefined || config.budget.monthlyMicros !== undefined;
}

/** The policy's decision, or its refusal as a CoreError. */
export function orThrow(outcome: RouteOutcome): RouteDecision {
  if (!outcome.ok) throw new CoreError(outcome.error.type, outcome.error.message, { details: outcome.error.details });
  return outcome.decision;
}
