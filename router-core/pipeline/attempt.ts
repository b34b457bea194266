// Attempt with fallback: try each candidate in turn until one produces its first event; failures before it fall back.
import type { ChatRequest } from '../contracts/chat.js';
import type { RouteCandidate, RouteDecision } from '../contracts/decision.js';
import type { StreamEvent } from '../contracts/stream.js';
import { CoreError, toCoreError } from '../errors.js';
import { describeCandidate, shouldFallback } from '../routing/fallback.js';
import { reserveLater } from './decide.js';
import { isCloudEngine } from '../routing/cloud.js';
import { abortCause, streamOut, type StreamScope } from './stream-out.js';
import type { Escalation, PipelineDeps, PipelineRun, RequestContext } from './types.js';

type AttemptDeps = Pick<
  PipelineDeps,
  'engines' | 'invalidate' | 'onEngineError' | 'routing' | 'ledger' | 'now' | 'history' | 'periodStarts' | 'extras'
>;

/** Who answers: the decision (its reasons so far) and the candidates in order, the first the decision's own. */
export interface Plan {
  decision: RouteDecision;
  candidates: RouteCandidate[];
  escalated?: Escalation;
}

/** How one candidate's start went. */
type Start = { ok: true; head: StreamEvent[]; iterator: AsyncIterator<StreamEvent> } | { ok: false; error: CoreError };

/**
 * Start the first candidate that answers. A candidate whose engine is missing is skipped, a cloud one the caps no
 * longer allow is skipped with its reason, and one that fails before its first event falls back when the error allows
 * it (shouldFallback) and another candidate is left; otherwise the request's row records the failure and it throws.
 */
export async function attemptWithFallback(
  deps: AttemptDeps,
  scope: StreamScope,
  request: ChatRequest,
  ctx: Pick<RequestContext, 'stream' | 'apiKeyId' | 'clientRequestId'>,
  plan: Plan,
): Promise<PipelineRun> {
  const { recorder } = scope;
  const { decision, candidates } = plan;
  const failed: string[] = [];
  let lastError: CoreError | undefined;
  for (let i = 0; i < candidates.length; i++) {
    const cand = candidates[i]!;
    const engine = deps.engines.get(cand.engine);
    if (!engine) continue;
    // A fallback to the cloud from a local decision has no reservation yet: it needs one, within the caps.
    if (isCloudEngine(cand.engine) && !recorder.reserved && !(await reserveLater(deps, recorder, request, cand))) {
      failed.push(`${describeCandidate(cand)}: cloud budget reached`);
      continue;
    }
    const answer = engine.chat(
      {
        request,
        model: cand.model,
        stream: ctx.stream,
        owner: ctx.apiKeyId,
        requestId: recorder.id,
        clientRequestId: ctx.clientRequestId,
      },
      scope.signal,
    );
    const iterator = answer[Symbol.asyncIterator]();
    const start = await firstEvent(iterator, scope.signal);
    const reasons = withFallbackReasons(decision.reasons, failed);
    if (!start.ok) {
      const err = start.error;
      const engineFault = err.type !== 'aborted' && err.type !== 'timeout';
      if (engineFault) deps.invalidate?.(cand.engine);
      if (engineFault) deps.onEngineError?.(cand.engine, err);
      if (engineFault && shouldFallback(err.type) && i < candidates.length - 1) {
        failed.push(`${describeCandidate(cand)}: ${err.type}`);
        lastError = err;
        continue;
      }
      await recorder.fail({ ...decision, ...cand, reasons }, err, failed);
      throw err;
    }
    const chosen: RouteDecision = { ...decision, ...cand, reasons, fallbacks: candidates.slice(i + 1) };
    const events = streamOut(deps, scope, { decision: chosen, head: start.head, iterator: start.iterator, failed });
    return {
      requestId: recorder.id,
      decision: chosen,
      fallbackFrom: failed,
      ...(plan.escalated ? { escalated: plan.escalated } : {}),
      events,
    };
  }
  const err = lastError ?? new CoreError('no_model_available', 'No engine could serve this request.');
  await recorder.fail(decision, err, failed, 'error');
  throw err;
}

/** Pull until the first event after 'start': a failure up to here may still fall back. */
async function firstEvent(iterator: AsyncIterator<StreamEvent>, signal: AbortSignal): Promise<Start> {
  const head: StreamEvent[] = [];
  try {
    for (;;) {
      const r = await iterator.next();
      if (r.done) break;
      if (r.value.type === 'start') continue;
      head.push(r.value);
      break;
    }
  } catch (e) {
    return { ok: false, error: abortCause(toCoreError(e), signal) };
  }
  return { ok: true, head, iterator };
}

function withFallbackReasons(reasons: string[], failed: string[]): string[] {
  return failed.length === 0 ? reasons : [...reasons, ...failed.map((f) => `fell back: ${f}`)];
}
