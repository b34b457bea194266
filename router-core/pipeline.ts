// One request end to end: decide → engine (with fallback before the first token) → stream out → ledger once.
import type { ChatRequest, Protocol } from './contracts/chat.js';
import type { Availability, EngineId, RouteCandidate, RouteDecision, Tier } from './contracts/decision.js';
import type { FinishReason, StreamEvent, Usage } from './contracts/stream.js';
import type { Engine } from './engines/engine.js';
import { CoreError, toCoreError } from './errors.js';
import type { Ledger, RequestRecord, RequestStatus } from './ledger/ledger.js';
import { describeCandidate, shouldFallback } from './routing/fallback.js';
import { decideRoute, promptForScoring, type RoutingConfig } from './routing/policy.js';
import { allCloudCost, costOf, priceOf, savings } from './routing/pricing.js';

/** Money and timing of a finished answer, sent to the caller after the last token. */
export interface Summary {
  requestId: string;
  usage: Usage;
  costMicros: number;
  allCloudMicros: number;
  savingsMicros: number;
  latencyMs: number;
  ttftMs: number | null;
}

/** What the pipeline streams to a protocol encoder. */
export type PipelineEvent =
  Exclude<StreamEvent, { type: 'done' | 'start' }> | { type: 'summary'; summary: Summary } | { type: 'done'; finishReason: FinishReason };

/** A started answer: the final decision (after any fallback) and the rest of the stream. */
export interface PipelineRun {
  requestId: string;
  decision: RouteDecision;
  /** Candidates that failed before this one produced a token. */
  fallbackFrom: string[];
  events: AsyncIterable<PipelineEvent>;
}

export interface PipelineDeps {
  engines: ReadonlyMap<EngineId, Engine>;
  ledger: Ledger;
  availability(): Promise<Availability>;
  /** Tell the availability cache an engine just failed, so the next decision re-probes. */
  invalidate?(engine: EngineId): void;
  routing(): RoutingConfig;
  tier(): Tier;
  /** Keep prompt and answer text in the ledger. */
  history(): boolean;
  now(): number;
  /** Start of the local day and month for budget checks. */
  periodStarts(now: number): { day: number; month: number };
  newId(): string;
  /** Called once per request after its ledger row is written (metrics, logs). */
  onRecord?(r: RequestRecord): void;
}

export interface RequestContext {
  protocol: Protocol;
  requestId?: string;
}

/** Build the pipeline over its dependencies (server/wiring.ts is the only caller that knows concrete ones). */
export function createPipeline(deps: PipelineDeps) {
  /** Decide only (for /api/v1/complexity and `hybrid-ai route`). */
  async function decide(request: ChatRequest, override?: Partial<RoutingConfig>): Promise<RouteDecision> {
    const now = deps.now();
    const p = deps.periodStarts(now);
    const outcome = decideRoute({
      request,
      config: override ? { ...deps.routing(), ...override } : deps.routing(),
      tier: deps.tier(),
      availability: await deps.availability(),
      spend: deps.ledger.spendSince(p.day, p.month),
    });
    if (!outcome.ok) throw new CoreError(outcome.error.type, outcome.error.message);
    return outcome.decision;
  }

  /**
   * Start answering. Resolves once some engine produced its first event past `start` (so headers can name
   * the model that really answers), or rejects with a CoreError after every candidate failed.
   */
  async function handle(request: ChatRequest, ctx: RequestContext, signal: AbortSignal): Promise<PipelineRun> {
    const started = deps.now();
    const requestId = ctx.requestId ?? deps.newId();
    const base = {
      id: requestId,
      ts: started,
      protocol: ctx.protocol,
      prompt: deps.history() ? promptForScoring(request) : null,
    };
    let decision: RouteDecision;
    try {
      decision = await decide(request);
    } catch (e) {
      const err = toCoreError(e);
      // A refused request (bad model name, nothing available) is still a request: it gets its row.
      finish({ ...base, decision: null, usage: zero, status: 'error', errorType: err.type, fallbackFrom: [], ttft: null, text: '' });
      throw err;
    }

    const candidates: RouteCandidate[] = [decision, ...decision.fallbacks];
    const failed: string[] = [];
    let lastError: CoreError | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const cand = candidates[i]!;
      const engine = deps.engines.get(cand.engine);
      if (!engine) continue;
      const iterator = engine.chat({ request, model: cand.model }, signal)[Symbol.asyncIterator]();
      const head: StreamEvent[] = [];
      try {
        // Pull until the first event after 'start': a failure up to here may fall back.
        for (;;) {
          const r = await iterator.next();
          if (r.done) break;
          if (r.value.type === 'start') continue;
          head.push(r.value);
          break;
        }
      } catch (e) {
        const err = toCoreError(e);
        if (err.type !== 'aborted') deps.invalidate?.(cand.engine);
        if (err.type !== 'aborted' && shouldFallback(err.type) && i < candidates.length - 1) {
          failed.push(`${describeCandidate(cand)}: ${err.type}`);
          lastError = err;
          continue;
        }
        const chosen: RouteDecision = { ...decision, ...cand, reasons: withFallbackReasons(decision.reasons, failed) };
        finish({
          ...base,
          decision: chosen,
          usage: zero,
          status: err.type === 'aborted' ? 'aborted' : 'error',
          errorType: err.type,
          fallbackFrom: failed,
          ttft: null,
          text: '',
        });
        throw err;
      }
      const chosen: RouteDecision = {
        ...decision,
        ...cand,
        reasons: withFallbackReasons(decision.reasons, failed),
        fallbacks: candidates.slice(i + 1),
      };
      return { requestId, decision: chosen, fallbackFrom: failed, events: rest(chosen, head, iterator, base, failed, started) };
    }
    const err = lastError ?? new CoreError('no_model_available', 'No engine could serve this request.');
    finish({ ...base, decision, usage: zero, status: 'error', errorType: err.type, fallbackFrom: failed, ttft: null, text: '' });
    throw err;
  }

  async function* rest(
    decision: RouteDecision,
    head: StreamEvent[],
    iterator: AsyncIterator<StreamEvent>,
    base: { id: string; ts: number; protocol: Protocol; prompt: string | null },
    failed: string[],
    started: number,
  ): AsyncGenerator<PipelineEvent> {
    let usage: Usage | undefined;
    let deltas = 0;
    let ttft: number | null = null;
    const keepText = deps.history();
    let text = '';
    let finishReason: FinishReason = 'stop';
    let ended = false;
    const handleEvent = (ev: StreamEvent): PipelineEvent | null => {
      if (ev.type === 'text-delta') {
        deltas++;
        if (ttft === null) ttft = deps.now() - started;
        if (keepText) text += ev.text;
        return ev;
      }
      if (ev.type === 'usage') {
        usage = ev.usage;
        return ev;
      }
      if (ev.type === 'done') {
        finishReason = ev.finishReason;
        return null;
      }
      if (ev.type === 'start') return null;
      return ev;
    };
    try {
      for (const ev of head) {
        const out = handleEvent(ev);
        if (out) yield out;
      }
      for (;;) {
        const r = await iterator.next();
        if (r.done) break;
        const out = handleEvent(r.value);
        if (out) yield out;
      }
      ended = true;
    } catch (e) {
      const err = toCoreError(e);
      const status: RequestStatus = err.type === 'aborted' ? 'aborted' : 'error';
      // Usage is unknown after a break: count streamed chunks (about one token each) so spend is not hidden.
      finish({
        ...base,
        decision,
        usage: usage ?? { inputTokens: 0, outputTokens: deltas },
        status,
        errorType: err.type,
        fallbackFrom: failed,
        ttft,
        text,
      });
      if (status === 'aborted') return;
      yield { type: 'error', error: { type: err.type, message: err.message } };
      return;
    } finally {
      if (!ended) await iterator.return?.();
    }
    const summary = finish({
      ...base,
      decision,
      usage: usage ?? { inputTokens: 0, outputTokens: deltas },
      status: 'ok',
      errorType: null,
      fallbackFrom: failed,
      ttft,
      text,
    });
    yield { type: 'summary', summary };
    yield { type: 'done', finishReason };
  }

  function finish(r: {
    id: string;
    ts: number;
    protocol: Protocol;
    prompt: string | null;
    decision: RouteDecision | null;
    usage: Usage;
    status: RequestStatus;
    errorType: RequestRecord['errorType'];
    fallbackFrom: string[];
    ttft: number | null;
    text: string;
  }): Summary {
    const latencyMs = deps.now() - r.ts;
    const costMicros = r.decision ? costOf(r.usage, priceOf(r.decision.model)) : 0;
    const allCloudMicros = allCloudCost(r.usage);
    const record: RequestRecord = {
      id: r.id,
      ts: r.ts,
      protocol: r.protocol,
      route: r.decision?.route ?? null,
      model: r.decision?.model ?? null,
      engine: r.decision?.engine ?? null,
      complexity: r.decision?.complexity ?? null,
      reasons: r.decision?.reasons ?? [],
      inputTokens: r.usage.inputTokens,
      outputTokens: r.usage.outputTokens,
      costMicros,
      allCloudMicros,
      latencyMs,
      ttftMs: r.ttft,
      status: r.status,
      errorType: r.errorType,
      fallbackFrom: r.fallbackFrom,
      prompt: r.prompt,
      response: r.prompt === null ? null : r.text,
    };
    deps.ledger.record(record);
    deps.onRecord?.(record);
    return {
      requestId: r.id,
      usage: r.usage,
      costMicros,
      allCloudMicros,
      savingsMicros: savings(costMicros, allCloudMicros),
      latencyMs,
      ttftMs: r.ttft,
    };
  }

  return { decide, handle };
}

export type ChatPipeline = ReturnType<typeof createPipeline>;

const zero: Usage = { inputTokens: 0, outputTokens: 0 };

function withFallbackReasons(reasons: string[], failed: string[]): string[] {
  return failed.length === 0 ? reasons : [...reasons, ...failed.map((f) => `fell back: ${f}`)];
}
