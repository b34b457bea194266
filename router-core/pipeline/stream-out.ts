// Stream out: pass an answer's events to the caller, tally them, record the row once at the end, fill the cache.
import type { RouteDecision } from '../contracts/decision.js';
import type { FinishReason, StreamEvent, Usage } from '../contracts/stream.js';
import { isCoreError, toCoreError, type CoreError } from '../errors.js';
import type { CacheProbe } from '../response-cache.js';
import type { RequestRecorder } from './recorder.js';
import type { PipelineDeps, PipelineEvent } from './types.js';

/** An answer being streamed: the events already pulled (`head`) and the engine's iterator for the rest. */
export interface Answer {
  decision: RouteDecision;
  head: StreamEvent[];
  iterator: AsyncIterator<StreamEvent>;
  /** Candidates that failed before this one answered. */
  failed: string[];
}

/** What a request's stream-out needs besides the answer. */
export interface StreamScope {
  recorder: RequestRecorder;
  signal: AbortSignal;
  /** Prompt tokens as estimated before sending, recorded when the engine never reported usage. */
  estimatedInputTokens: number;
  /** The cache lookup of an eligible request: a complete answer is stored under it. */
  cacheProbe?: CacheProbe;
}

/** The running count of one answer's events. */
class Tally {
  usage: Usage | undefined;
  deltas = 0;
  ttft: number | null = null;
  text = '';
  finishReason: FinishReason = 'stop';
  /** The stop sequence that ended the answer, when the engine said which. */
  stopSequence: string | undefined;

  constructor(
    private readonly keepText: boolean,
    private readonly since: number,
    private readonly now: () => number,
  ) {}

  /** Count `ev`; the event to pass on, or null for one the pipeline keeps (start, done). */
  take(ev: StreamEvent): PipelineEvent | null {
    if (ev.type === 'text-delta') {
      this.deltas++;
      if (this.ttft === null) this.ttft = this.now() - this.since;
      if (this.keepText) this.text += ev.text;
      return ev;
    }
    if (ev.type === 'usage') this.usage = ev.usage;
    if (ev.type === 'done') {
      this.finishReason = ev.finishReason;
      this.stopSequence = ev.stopSequence;
    }
    return ev.type === 'done' || ev.type === 'start' ? null : ev;
  }

  /**
   * The engine's usage; when it never reported one (a break), what its error says it used (an aborted local answer);
   * else the prompt was sent whole (estimated), and each streamed chunk is about one token, so spend is not hidden.
   */
  usageOr(estimatedInput: number, stopped?: Usage): Usage {
    return this.usage ?? stopped ?? { inputTokens: estimatedInput, outputTokens: this.deltas };
  }
}

/** The rest of an answer as the caller reads it: its events, then `summary` and `done` once the row is written. */
export async function* streamOut(
  deps: Pick<PipelineDeps, 'now' | 'history' | 'extras'>,
  scope: StreamScope,
  answer: Answer,
): AsyncGenerator<PipelineEvent> {
  const { recorder } = scope;
  const tally = new Tally(deps.history() || scope.cacheProbe !== undefined, recorder.started, deps.now);
  const outcome = { decision: answer.decision, fallbackFrom: answer.failed };
  let ended = false;
  try {
    for (const ev of answer.head) {
      const out = tally.take(ev);
      if (out) yield out;
    }
    for (;;) {
      const r = await answer.iterator.next();
      if (r.done) break;
      const out = tally.take(r.value);
      if (out) yield out;
    }
    ended = true;
  } catch (e) {
    const thrown = toCoreError(e);
    const err = abortCause(thrown, scope.signal);
    const status = err.type === 'aborted' ? 'aborted' : 'error';
    const usage = tally.usageOr(scope.estimatedInputTokens, thrown.usage);
    await recorder.record({ ...outcome, usage, status, errorType: err.type, ttft: tally.ttft, text: tally.text });
    if (status === 'error') yield { type: 'error', error: { type: err.type, message: err.message } };
    return;
  } finally {
    if (!ended) await answer.iterator.return?.();
    // A consumer that stops reading (break) skips the row: the budget reservation must not outlive the request.
    await recorder.releaseUnrecorded();
  }
  const usage = tally.usageOr(scope.estimatedInputTokens);
  const summary = await recorder.record({ ...outcome, usage, status: 'ok', errorType: null, ttft: tally.ttft, text: tally.text });
  // An answer a stop sequence cut is not kept: the cache stores no stop sequence, and a replay would say the answer
  // ended on its own (Anthropic's stop_reason "stop_sequence" would become "end_turn").
  if (scope.cacheProbe && tally.stopSequence === undefined) {
    const { finishReason, text } = tally;
    await deps.extras?.cache?.store(scope.cacheProbe, {
      requestId: recorder.id,
      decision: answer.decision,
      text,
      usage: summary.usage,
      finishReason,
      costMicros: summary.costMicros,
    });
  }
  yield { type: 'summary', summary };
  yield {
    type: 'done',
    finishReason: tally.finishReason,
    ...(tally.stopSequence !== undefined ? { stopSequence: tally.stopSequence } : {}),
  };
}

/**
 * An engine reports any abort as 'aborted'; when the signal was aborted with a CoreError (the gateway's time budget),
 * that error is the real cause.
 */
export function abortCause(err: CoreError, signal: AbortSignal | undefined): CoreError {
  if (err.type !== 'aborted' || !signal?.aborted) return err;
  return isCoreError(signal.reason) ? signal.reason : err;
}

/** An iterator that is already finished (the whole answer is in the head events). */
export function finishedIterator(): AsyncIterator<StreamEvent> {
  return { next: async () => ({ done: true, value: undefined }) };
}
