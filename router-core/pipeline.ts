// One request end to end: decide → engine (with fallback before the first token) → stream out → ledger once.
import type { ChatRequest, Protocol } from './contracts/chat.js';
import type { Availability, EngineId, RouteCandidate, RouteDecision, Tier } from './contracts/decision.js';
import type { FinishReason, StreamEvent, Usage } from './contracts/stream.js';
import type { Engine } from './engines/engine.js';
import { CoreError, toCoreError } from './errors.js';
import type { Ledger, RequestRecord, RequestStatus } from './ledger/ledger.js';
import { finishedIterator, runFirstAttempt, type RoutingExtras } from './pipeline-routing.js';
import type { CacheProbe } from './response-cache.js';
import { estimateCloudCostMicros } from './routing/budget.js';
import { planCascade } from './routing/cascade.js';
import { describeCandidate, shouldFallback } from './routing/fallback.js';
import { PRIVACY_REASON_PREFIX } from './routing/privacy.js';
import { decideEmbedding, decideRoute, promptForScoring, type RoutingConfig } from './routing/policy.js';
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
  /** Answered from the response cache (cost nothing). */
  cached?: boolean;
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
  /** Response cache, cascade and budget reservations (pipeline-routing.ts); absent = none of them. */
  extras?: RoutingExtras;
}

export interface RequestContext {
  protocol: Protocol;
  requestId?: string;
  /** A stored conversation to append the prompt and the answer to (only while history is on). */
  conversationId?: string;
  /** The app key the caller authenticated with (absent = the master token); recorded on the ledger row. */
  apiKeyId?: string;
}

/** Embedding vectors (unit length, as OpenAI's and Ollama's /api/embed are) and what computed them. */
export interface EmbedOutcome {
  model: string;
  engine: EngineId;
  embeddings: number[][];
  inputTokens: number;
}

/** Build the pipeline over its dependencies (server/wiring.ts is the only caller that knows concrete ones). */
export function createPipeline(deps: PipelineDeps) {
  /** Decide only (for /api/v1/complexity and `hybrid-ai route`). */
  async function decide(
    request: ChatRequest,
    override?: Partial<RoutingConfig>,
    /** Called synchronously with the decision (before any other request can decide): budget reservations. */
    onDecided?: (d: RouteDecision) => void,
  ): Promise<RouteDecision> {
    const availability = await deps.availability();
    const now = deps.now();
    const p = deps.periodStarts(now);
    const spend = deps.ledger.spendSince(p.day, p.month);
    const outcome = decideRoute({
      request,
      config: override ? { ...deps.routing(), ...override } : deps.routing(),
      tier: deps.tier(),
      availability,
      spend: deps.extras?.reservations?.withReserved(spend) ?? spend,
    });
    if (!outcome.ok) throw new CoreError(outcome.error.type, outcome.error.message, { details: outcome.error.details });
    onDecided?.(outcome.decision);
    return outcome.decision;
  }

  /** Engines that can compute embeddings. */
  function embedEngines(): EngineId[] {
    return [...deps.engines].filter(([, e]) => typeof e.embed === 'function').map(([id]) => id);
  }

  /**
   * Embedding vectors for `texts` from a local model (no ledger row: embeddings cost nothing and have no
   * all-cloud counterfactual, since Claude has no embeddings API).
   */
  async function embed(texts: readonly string[], model: string, signal: AbortSignal): Promise<EmbedOutcome> {
    const outcome = decideEmbedding({
      model,
      tier: deps.tier(),
      availability: await deps.availability(),
      embedEngines: embedEngines(),
      preference: deps.routing().localEnginePreference,
    });
    if (!outcome.ok) throw new CoreError(outcome.error.type, outcome.error.message, { details: outcome.error.details });
    const engine = deps.engines.get(outcome.engine)!;
    try {
      const r = await engine.embed!(texts, outcome.model, signal);
      return { model: outcome.model, engine: outcome.engine, embeddings: r.embeddings.map(unitLength), inputTokens: r.inputTokens };
    } catch (e) {
      const err = toCoreError(e);
      if (err.type !== 'aborted') deps.invalidate?.(outcome.engine);
      throw err;
    }
  }

  /**
   * Start answering. Resolves once some engine produced its first event past `start` (so headers can name
   * the model that really answers), or rejects with a CoreError after every candidate failed.
   */
  async function handle(request: ChatRequest, ctx: RequestContext, signal: AbortSignal): Promise<PipelineRun> {
    const started = deps.now();
    const requestId = ctx.requestId ?? deps.newId();
    if (ctx.conversationId !== undefined && deps.history() && !deps.ledger.getConversation(ctx.conversationId)) {
      throw new CoreError(
        'not_found',
        `Unknown conversation_id "${ctx.conversationId}": create one with POST /api/v1/conversations, or leave it out.`,
      );
    }
    const base = {
      id: requestId,
      ts: started,
      protocol: ctx.protocol,
      prompt: deps.history() ? promptForScoring(request) : null,
      conversationId: ctx.conversationId,
      apiKeyId: ctx.apiKeyId ?? null,
    } as RequestBase;
    const extras = deps.extras;
    const probe = extras?.cache ? await extras.cache.probe(request, signal) : null;
    if (probe?.hit) {
      const { entry, semantic, similarity } = probe.hit;
      const ageMin = Math.max(0, Math.round((started - entry.createdAt) / 60_000));
      const hitDecision: RouteDecision = {
        route: entry.route,
        model: entry.model,
        engine: entry.engine,
        complexity: entry.complexity,
        reasons: [
          semantic
            ? `semantic cache hit (similarity ${similarity.toFixed(3)}): a prompt with the same meaning was answered ${ageMin} min ago by ${entry.model} → served from the cache at no cost`
            : `cache hit: the same request was answered ${ageMin} min ago by ${entry.model} → served from the cache at no cost`,
        ],
        fallbacks: [],
      };
      deps.ledger.recordRoutingEvent({
        requestId,
        ts: started,
        kind: semantic ? 'semantic_hit' : 'cache_hit',
        model: entry.model,
        engine: entry.engine,
        savedMicros: entry.costMicros,
        detail: `answer of request ${entry.requestId}`,
      });
      const head: StreamEvent[] = [
        { type: 'text-delta', text: entry.response },
        { type: 'usage', usage: { inputTokens: entry.inputTokens, outputTokens: entry.outputTokens } },
        { type: 'done', finishReason: entry.finishReason },
      ];
      const hitBase = { ...base, cached: true };
      return {
        requestId,
        decision: hitDecision,
        fallbackFrom: [],
        cached: true,
        events: rest(hitDecision, head, finishedIterator(), hitBase, [], started),
      };
    }
    if (probe) base.cacheProbe = probe;
    let decision: RouteDecision;
    try {
      // A cloud decision reserves its estimated cost at once, so concurrent requests see it (released in finish()).
      decision = await decide(request, undefined, (d) => {
        if (d.engine === 'anthropic') extras?.reservations?.reserve(requestId, estimateCloudCostMicros(request, priceOf(d.model)));
      });
    } catch (e) {
      const err = toCoreError(e);
      // A refused request (bad model name, nothing available) is still a request: it gets its row.
      finish({ ...base, decision: null, usage: zero, status: 'error', errorType: err.type, fallbackFrom: [], ttft: null, text: '' });
      throw err;
    }

    if (decision.reasons.some((r) => r.includes(PRIVACY_REASON_PREFIX))) {
      deps.ledger.recordRoutingEvent({
        requestId,
        ts: started,
        kind: 'privacy_local',
        detail: 'secrets or personal data: kept on this machine',
      });
    }
    let candidates: RouteCandidate[] = [decision, ...decision.fallbacks];
    const cascadeConfig = extras?.cascade?.();
    const plan = cascadeConfig
      ? planCascade(request, decision, deps.routing().thresholds.cloud, {
          ...cascadeConfig,
          enabled: request.cascade ?? cascadeConfig.enabled,
        })
      : null;
    const firstEngine = plan ? deps.engines.get(plan.first.engine) : undefined;
    if (plan && cascadeConfig && firstEngine) {
      const attempt = await runFirstAttempt(firstEngine, plan.first, request, cascadeConfig, signal);
      if (attempt.kind === 'failed' && attempt.error.type === 'aborted') {
        finish({ ...base, decision, usage: zero, status: 'aborted', errorType: 'aborted', fallbackFrom: [], ttft: null, text: '' });
        throw attempt.error;
      }
      if (attempt.kind === 'kept') {
        // A local answer kept instead of the cloud saves what the cloud would have charged for it.
        const saved = plan.mode === 'try-local' ? costOf(attempt.usage, priceOf(decision.model)) : 0;
        deps.ledger.recordRoutingEvent({
          requestId,
          ts: started,
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
        return {
          requestId,
          decision: chosen,
          fallbackFrom: [],
          events: rest(chosen, attempt.events, finishedIterator(), base, [], started),
        };
      }
      const why = attempt.kind === 'weak' ? attempt.reason : `it failed (${attempt.error.type})`;
      const usage = attempt.kind === 'weak' ? attempt.usage : zero;
      deps.ledger.recordRoutingEvent({
        requestId,
        ts: started,
        kind: 'cascade_escalated',
        model: plan.first.model,
        engine: plan.first.engine,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costMicros: costOf(usage, priceOf(plan.first.model)),
        detail: why,
      });
      candidates = plan.escalateTo;
      const up = candidates[0];
      // Escalating to the cloud reserves its estimate now, and only if the caps still allow it.
      if (up?.engine === 'anthropic' && extras?.reservations && plan.mode === 'verify') {
        const p = deps.periodStarts(deps.now());
        if (
          !extras.reservations.tryReserve(
            requestId,
            estimateCloudCostMicros(request, priceOf(up.model)),
            deps.ledger.spendSince(p.day, p.month),
            deps.routing().budget,
          )
        ) {
          candidates = candidates.filter((c) => c.engine !== 'anthropic');
        }
      }
      decision = {
        ...decision,
        reasons: [...decision.reasons, plan.reason, `cascade: ${plan.first.model}'s answer looked weak (${why}) → escalated`],
      };
      if (candidates.length === 0) {
        finish({
          ...base,
          decision,
          usage: zero,
          status: 'error',
          errorType: 'no_model_available',
          fallbackFrom: [],
          ttft: null,
          text: '',
        });
        throw new CoreError('no_model_available', `The local answer looked weak (${why}) and no stronger model is available.`);
      }
    }
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
    base: RequestBase,
    failed: string[],
    started: number,
  ): AsyncGenerator<PipelineEvent> {
    let usage: Usage | undefined;
    let deltas = 0;
    let ttft: number | null = null;
    const keepText = deps.history() || base.cacheProbe !== undefined;
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
      // A consumer that stops reading (break) skips finish(): the budget reservation must not outlive the request.
      deps.extras?.reservations?.release(base.id);
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
    if (base.cacheProbe) {
      deps.extras?.cache?.store(base.cacheProbe, {
        requestId: base.id,
        decision,
        text,
        usage: summary.usage,
        finishReason,
        costMicros: summary.costMicros,
      });
    }
    yield { type: 'summary', summary };
    yield { type: 'done', finishReason };
  }

  function finish(
    r: RequestBase & {
      decision: RouteDecision | null;
      usage: Usage;
      status: RequestStatus;
      errorType: RequestRecord['errorType'];
      fallbackFrom: string[];
      ttft: number | null;
      text: string;
    },
  ): Summary {
    const latencyMs = deps.now() - r.ts;
    deps.extras?.reservations?.release(r.id);
    // A cache hit costs nothing and is neither a local nor a cloud call (no engine ran).
    const costMicros = r.decision && !r.cached ? costOf(r.usage, priceOf(r.decision.model)) : 0;
    const allCloudMicros = allCloudCost(r.usage);
    const record: RequestRecord = {
      id: r.id,
      ts: r.ts,
      protocol: r.protocol,
      route: r.decision?.route ?? null,
      model: r.decision?.model ?? null,
      engine: r.cached ? null : (r.decision?.engine ?? null),
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
      apiKeyId: r.apiKeyId,
    };
    deps.ledger.record(record);
    // History on (prompt kept) and a conversation named: the exchange joins it, the answer even when cut short.
    if (r.conversationId !== undefined && r.prompt !== null) {
      deps.ledger.appendMessages(
        r.conversationId,
        [
          { role: 'user', content: r.prompt, requestId: r.id },
          ...(r.text ? [{ role: 'assistant' as const, content: r.text, requestId: r.id }] : []),
        ],
        deps.now(),
      );
    }
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

  return { decide, handle, embed, embedEngines };
}

export type ChatPipeline = ReturnType<typeof createPipeline>;

const zero: Usage = { inputTokens: 0, outputTokens: 0 };

/** What every ledger row of one request shares, set when it starts. */
interface RequestBase {
  id: string;
  ts: number;
  protocol: Protocol;
  prompt: string | null;
  conversationId?: string;
  apiKeyId: string | null;
  /** Answered from the cache: no cost, no engine. */
  cached?: boolean;
  /** The cache lookup of an eligible request: a complete answer is stored under it. */
  cacheProbe?: CacheProbe;
}

/** Scale a vector to length 1 (cosine similarity becomes a dot product); a zero vector stays as it is. */
function unitLength(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return norm === 0 ? v : v.map((x) => x / norm);
}

function withFallbackReasons(reasons: string[], failed: string[]): string[] {
  return failed.length === 0 ? reasons : [...reasons, ...failed.map((f) => `fell back: ${f}`)];
}
