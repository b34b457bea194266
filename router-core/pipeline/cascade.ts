// Cascade step: a weaker model answers first, held back and judged; kept, or the request escalates to a stronger one.
import type { ChatRequest } from '../contracts/chat.js';
import type { RouteCandidate, RouteDecision } from '../contracts/decision.js';
import type { FinishReason, StreamEvent, Usage } from '../contracts/stream.js';
import type { CallIdentity, Engine } from '../engines/engine.js';
import { CoreError, toCoreError } from '../errors.js';
import { judgeAnswer, planCascade, type CascadeConfig, type CascadePlan } from '../routing/cascade.js';
import type { RoutingConfig } from '../routing/policy.js';
import { costOf, priceOf } from '../routing/pricing.js';
import { reserveLater } from './decide.js';
import { isCloudEngine } from '../routing/cloud.js';
import { abortCause, finishedIterator, streamOut, type StreamScope } from './stream-out.js';
import type { Escalation, PipelineDeps, PipelineRun } from './types.js';

/** After the cascade: answered by the first attempt (`run`), or who answers now, and why the first did not. */
export type CascadeStep =
  { run: PipelineRun } | { run?: undefined; decision: RouteDecision; candidates: RouteCandidate[]; escalated?: Escalation };

/** The outcome of a held-back first attempt. */
export type FirstAttempt =
  | { kind: 'kept'; events: StreamEvent[]; usage: Usage }
  | { kind: 'weak'; reason: string; usage: Usage; text: string }
  | { kind: 'failed'; error: CoreError };

type CascadeDeps = Pick<PipelineDeps, 'engines' | 'extras' | 'routing' | 'ledger' | 'now' | 'history' | 'periodStarts'>;

/**
 * Run the cascade when the settings (or the request's own `cascade` flag) turn it on and its first model's engine is
 * here; otherwise the decision's candidates go on unchanged. A weak or failed first answer is recorded as a routing
 * event and the request escalates; an abort ends it.
 */
export async function cascadeStep(
  deps: CascadeDeps,
  scope: StreamScope,
  request: ChatRequest,
  decision: RouteDecision,
  armConfig: RoutingConfig | undefined,
  who: CallIdentity = {},
): Promise<CascadeStep> {
  const unchanged = { decision, candidates: [decision, ...decision.fallbacks] };
  const config = deps.extras?.cascade?.();
  if (!config) return unchanged;
  const plan = planCascade(request, decision, (armConfig ?? deps.routing()).thresholds.cloud, {
    ...config,
    enabled: request.cascade ?? config.enabled,
  });
  const engine = plan ? deps.engines.get(plan.first.engine) : undefined;
  if (!plan || !engine) return unchanged;
  const { recorder } = scope;
  const attempt = await runFirstAttempt(engine, plan.first, request, config, scope.signal, who);
  if (attempt.kind === 'failed' && attempt.error.type === 'aborted') {
    const err = abortCause(attempt.error, scope.signal);
    await recorder.fail(decision, err, []);
    throw err;
  }
  if (attempt.kind === 'kept') return { run: await keepFirst(deps, scope, decision, plan, attempt) };
  const why = attempt.kind === 'weak' ? attempt.reason : `it failed (${attempt.error.type})`;
  const usage = attempt.kind === 'weak' ? attempt.usage : { inputTokens: 0, outputTokens: 0 };
  await deps.ledger.recordRoutingEvent({
    requestId: recorder.id,
    ts: recorder.started,
    kind: 'cascade_escalated',
    model: plan.first.model,
    engine: plan.first.engine,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costMicros: costOf(usage, priceOf(plan.first.model)),
    detail: why,
  });
  let candidates = plan.escalateTo;
  // Escalating to the cloud reserves its estimate now, and only if the caps still allow it.
  const firstUp = candidates[0];
  if (firstUp && isCloudEngine(firstUp.engine) && plan.mode === 'verify' && !(await reserveLater(deps, recorder, request, firstUp))) {
    candidates = candidates.filter((c) => !isCloudEngine(c.engine));
  }
  const escalatedDecision = {
    ...decision,
    reasons: [...decision.reasons, plan.reason, `cascade: ${plan.first.model}'s answer looked weak (${why}) → escalated`],
  };
  if (candidates.length === 0) {
    const err = new CoreError('no_model_available', `The local answer looked weak (${why}) and no stronger model is available.`);
    await recorder.fail(escalatedDecision, err, []);
    throw err;
  }
  return { decision: escalatedDecision, candidates, escalated: { from: plan.first.model, reason: why } };
}

/** The first answer passed the check: count what keeping it saved and replay it to the caller. */
async function keepFirst(
  deps: CascadeDeps,
  scope: StreamScope,
  decision: RouteDecision,
  plan: CascadePlan,
  attempt: Extract<FirstAttempt, { kind: 'kept' }>,
): Promise<PipelineRun> {
  const { recorder } = scope;
  // A local answer kept instead of the cloud saves what the cloud would have charged for it.
  const saved = plan.mode === 'try-local' ? costOf(attempt.usage, priceOf(decision.model)) : 0;
  await deps.ledger.recordRoutingEvent({
    requestId: recorder.id,
    ts: recorder.started,
    kind: 'cascade_kept',
    model: plan.first.model,
    engine: plan.first.engine,
    savedMicros: saved,
  });
  const chosen: RouteDecision = {
    ...decision,
    ...plan.first,
    reasons: [...decision.reasons, plan.reason, 'cascade: the answer passed the check'],
    fallbacks: [],
  };
  const events = streamOut(deps, scope, { decision: chosen, head: attempt.events, iterator: finishedIterator(), failed: [] });
  return { requestId: recorder.id, decision: chosen, fallbackFrom: [], events };
}

/**
 * Run `cand` to the end without showing anything, then judge the answer: kept (its events are replayed to the
 * caller), weak (the reason; the caller escalates) or failed (an engine error; the caller escalates unless aborted).
 * Holding back is the streaming choice: a weak answer is never shown and then taken back, which no protocol
 * (OpenAI, Anthropic, Ollama framing) could express; the price is that a cascaded answer streams only after it is
 * complete, which for a local model is a short wait.
 */
export async function runFirstAttempt(
  engine: Engine,
  cand: RouteCandidate,
  request: ChatRequest,
  config: CascadeConfig,
  signal: AbortSignal,
  who: CallIdentity = {},
): Promise<FirstAttempt> {
  const events: StreamEvent[] = [];
  let text = '';
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let finishReason: FinishReason = 'stop';
  let deltas = 0;
  try {
    for await (const ev of engine.chat({ request, model: cand.model, confidence: true, ...who }, signal)) {
      if (ev.type === 'start') continue;
      if (ev.type === 'error') return { kind: 'failed', error: new CoreError(ev.error.type, ev.error.message) };
      events.push(ev);
      if (ev.type === 'text-delta') {
        text += ev.text;
        deltas++;
      } else if (ev.type === 'usage') usage = ev.usage;
      else if (ev.type === 'done') finishReason = ev.finishReason;
    }
  } catch (e) {
    return { kind: 'failed', error: toCoreError(e) };
  }
  if (usage.outputTokens === 0 && deltas > 0) usage = { ...usage, outputTokens: deltas };
  const verdict = judgeAnswer({ text, finishReason, meanLogprob: usage.meanLogprob, outputTokens: usage.outputTokens }, request, config);
  return verdict.ok ? { kind: 'kept', events, usage } : { kind: 'weak', reason: verdict.reason, usage, text };
}
