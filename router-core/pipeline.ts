// One request end to end: decide → engine (with fallback before the first token) → stream out → ledger once.
import type { ChatRequest, Protocol } from './contracts/chat.js';
import type { Availability, EngineId, RouteCandidate, RouteDecision, Tier } from './contracts/decision.js';
import type { FinishReason, StreamEvent, Usage } from './contracts/stream.js';
import type { Engine } from './engines/engine.js';
import { CoreError, isCoreError, toCoreError } from './errors.js';
import type { Ledger, RequestRecord, RequestStatus } from './ledger/ledger.js';
import { finishedIterator, runFirstAttempt, type RoutingExtras } from './pipeline-routing.js';
import type { CacheProbe } from './response-cache.js';
import { budgetGuard, estimateCloudCostMicros, estimatePromptTokens, type SpendSoFar } from './routing/budget.js';
import { planCascade } from './routing/cascade.js';
import { describeCandidate, shouldFallback } from './routing/fallback.js';
import { PRIVACY_REASON_PREFIX } from './routing/privacy.js';
import { assignArm, type ArmId } from './routing/experiment.js';
import { decideEmbedding, decideRoute, promptForScoring, type RouteInput, type RoutingConfig } from './routing/policy.js';
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
  /** The cascade held a weak first answer back and asked a stronger model: whose answer (`from`, a model id) and why. */
  escalated?: Escalation;
}

/** A cascade escalation: the model whose answer was held back as weak, and why (the check's words). */
export interface Escalation {
  from: string;
  reason: string;
}

export interface PipelineDeps {
  engines: ReadonlyMap<EngineId, Engine>;
  ledger: Ledger;
  availability(): Promise<Availability>;
  /** Tell the availability cache an engine just failed, so the next decision re-probes. */
  invalidate?(engine: EngineId): void;
  /** An engine failed a chat request before answering (not an abort): e.g. Claude refused the key (upstream_auth). */
  onEngineError?(engine: EngineId, err: CoreError): void;
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
  /** Response cache and cascade (pipeline-routing.ts); absent = neither. */
  extras?: RoutingExtras;
  /** The running routing experiment, its arm B's whole routing config with it; absent or undefined = none. */
  experiment?(): RunningExperiment | undefined;
}

/** A running routing experiment as the pipeline applies it (see routing/experiment.ts for the split). */
export interface RunningExperiment {
  id: string;
  /** Share of conversations (or requests without one) that arm B decides. */
  share: number;
  /** Arm B's routing config: the main config with the variant's settings laid over it. */
  variant: RoutingConfig;
}

export interface RequestContext {
  protocol: Protocol;
  requestId?: string;
  /** A stored conversation to append the prompt and the answer to (only while history is on). */
  conversationId?: string;
  /** The app key the caller authenticated with (absent = the master token); recorded on the ledger row. */
  apiKeyId?: string;
  /** With `conversationId`: the request whose answer this one replaces (Retry with Claude), stored on the new answer. */
  retryOf?: string;
  /**
   * With `conversationId`: the stored message this exchange is a new version of. An answer = a new answer to the same
   * prompt (only the answer is stored, and only when one came: a failed retry leaves the conversation as it was); a
   * prompt = an edited prompt, stored with its answer beside the original.
   */
  versionOf?: string;
  /** false: the caller reads the answer whole (engines may then fetch it in one response; EngineCall.stream). */
  stream?: boolean;
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
  /** Decide only (for /api/v1/complexity and `hybrid-ai route`); takes no budget reservation. */
  async function decide(request: ChatRequest, override?: Partial<RoutingConfig>): Promise<RouteDecision> {
    return (await decideAndReserve(request, override)).decision;
  }

  /**
   * Read spend (with every live reservation) → pure decision → for a cloud decision under a cap, reserve its estimated
   * cost atomically in the ledger (`reserveFor` = the request id). When the reservation is refused (concurrent
   * requests, here or in another gateway, took the headroom meanwhile), decide again with the spend the ledger saw:
   * the request stays local and its reasons say the cap was reached.
   */
  async function decideAndReserve(
    request: ChatRequest,
    override?: Partial<RoutingConfig>,
    reserveFor?: string,
  ): Promise<{ decision: RouteDecision; reserved: boolean }> {
    const availability = await deps.availability();
    const now = deps.now();
    const p = deps.periodStarts(now);
    const config = override ? { ...deps.routing(), ...override } : deps.routing();
    const capped = hasCaps(config);
    // No cap, nothing to check: skip the spend query (a PostgreSQL round trip) altogether.
    const spend = capped ? await deps.ledger.budgetSpend(p.day, p.month, now) : NO_SPEND;
    const input: RouteInput = { request, config, tier: deps.tier(), availability, spend };
    const first = decideOrThrow(input);
    if (reserveFor === undefined || !capped || first.engine !== CLOUD_ENGINE) return { decision: first, reserved: false };
    const micros = estimateCloudCostMicros(request, priceOf(first.model));
    const r = await deps.ledger.reserveBudget({ id: reserveFor, micros, caps: config.budget, dayStart: p.day, monthStart: p.month, now });
    if (r.reserved) return { decision: first, reserved: true };
    return { decision: decideCapped(input, r.spend, first, micros), reserved: false };
  }

  /** The decision once the cloud's reservation was refused: the policy again on the spend the ledger saw, never the cloud. */
  function decideCapped(input: RouteInput, seen: SpendSoFar, first: RouteDecision, micros: number): RouteDecision {
    const verdict = budgetGuard(seen, input.config.budget, micros);
    const why = verdict.allowCloud ? 'the cloud budget was taken by concurrent requests' : verdict.reason;
    const again = decideOrThrow({ ...input, spend: seen });
    const noCloud = (c: RouteCandidate): boolean => c.engine !== CLOUD_ENGINE;
    if (again.engine !== CLOUD_ENGINE) return { ...again, fallbacks: again.fallbacks.filter(noCloud) };
    // The policy estimated with the default cloud model's price; this request's model costs more. Keep it local here.
    const requested = input.request.model.trim();
    if (requested !== '' && requested.toLowerCase() !== 'auto') {
      throw new CoreError('rate_limited', `Model "${requested}" is a cloud model and the cloud is unavailable: ${why}.`);
    }
    const locals = [first, ...first.fallbacks].filter(noCloud);
    const best = locals[0];
    if (!best) throw new CoreError('no_model_available', `No local model can answer and the cloud is unavailable: ${why}.`);
    return {
      ...first,
      ...best,
      reasons: [...first.reasons, `cloud disabled (${why}) → best local model ${best.model} instead`],
      fallbacks: locals.slice(1),
    };
  }

  /**
   * Reserve the estimate of a cloud candidate reached by fallback or escalation (the first decision was local):
   * true when the caps allow it (or there are none).
   */
  async function reserveLater(request: ChatRequest, requestId: string, cand: RouteCandidate): Promise<boolean> {
    const config = deps.routing();
    if (!hasCaps(config)) return true;
    const now = deps.now();
    const p = deps.periodStarts(now);
    const r = await deps.ledger.reserveBudget({
      id: requestId,
      micros: estimateCloudCostMicros(request, priceOf(cand.model)),
      caps: config.budget,
      dayStart: p.day,
      monthStart: p.month,
      now,
    });
    return r.reserved;
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
    if (ctx.conversationId !== undefined && deps.history() && !(await deps.ledger.getConversation(ctx.conversationId))) {
      throw new CoreError(
        'not_found',
        `Unknown conversation_id "${ctx.conversationId}": create one with POST /api/v1/conversations, or leave it out.`,
      );
    }
    let version: RequestBase['version'];
    if (ctx.versionOf !== undefined) {
      if (ctx.conversationId === undefined) {
        throw new CoreError('invalid_request', 'Invalid "version_of": it needs "conversation_id" (the conversation the message is in).');
      }
      if (deps.history()) {
        const target = (await deps.ledger.listMessages(ctx.conversationId)).find((m) => m.id === ctx.versionOf);
        if (!target || target.role === 'system') {
          throw new CoreError(
            'invalid_request',
            `Invalid "version_of": no prompt or answer "${ctx.versionOf}" in conversation "${ctx.conversationId}" (GET /api/v1/conversations/${ctx.conversationId} lists them).`,
          );
        }
        version = { of: target.role, parentId: target.parentId };
      }
    }
    const base = {
      id: requestId,
      ts: started,
      protocol: ctx.protocol,
      prompt: deps.history() ? promptForScoring(request) : null,
      conversationId: ctx.conversationId,
      apiKeyId: ctx.apiKeyId ?? null,
      retryOf: ctx.retryOf,
      version,
      budget: { reserved: false, recorded: false },
      signal,
      estimatedInputTokens: estimatePromptTokens(request),
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
      await deps.ledger.recordRoutingEvent({
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
    // A routing experiment decides only what the router decides ("auto"): the arm comes from the conversation (every
    // turn of a chat in one arm) or, without one, the request; arm B decides with its own config.
    const experiment = isAuto(request) ? deps.experiment?.() : undefined;
    let armConfig: RoutingConfig | undefined;
    if (experiment) {
      base.experimentId = experiment.id;
      base.arm = assignArm(experiment.id, experiment.share, ctx.conversationId ?? requestId);
      if (base.arm === 'B') armConfig = experiment.variant;
    }
    let decision: RouteDecision;
    try {
      // A cloud decision reserves its estimated cost in the ledger, so concurrent requests (in any gateway sharing
      // it) see it; the reservation goes when the request's row is recorded.
      const decided = await decideAndReserve(request, armConfig, requestId);
      decision = decided.decision;
      base.budget.reserved = decided.reserved;
    } catch (e) {
      const err = toCoreError(e);
      // A refused request (bad model name, nothing available) is still a request: it gets its row.
      await finish({ ...base, decision: null, usage: zero, status: 'error', errorType: err.type, fallbackFrom: [], ttft: null, text: '' });
      throw err;
    }

    if (decision.reasons.some((r) => r.includes(PRIVACY_REASON_PREFIX))) {
      await deps.ledger.recordRoutingEvent({
        requestId,
        ts: started,
        kind: 'privacy_local',
        detail: 'secrets or personal data: kept on this machine',
      });
    }
    let candidates: RouteCandidate[] = [decision, ...decision.fallbacks];
    let escalated: Escalation | undefined;
    const cascadeConfig = extras?.cascade?.();
    const plan = cascadeConfig
      ? planCascade(request, decision, (armConfig ?? deps.routing()).thresholds.cloud, {
          ...cascadeConfig,
          enabled: request.cascade ?? cascadeConfig.enabled,
        })
      : null;
    const firstEngine = plan ? deps.engines.get(plan.first.engine) : undefined;
    if (plan && cascadeConfig && firstEngine) {
      const attempt = await runFirstAttempt(firstEngine, plan.first, request, cascadeConfig, signal);
      if (attempt.kind === 'failed' && attempt.error.type === 'aborted') {
        const err = abortCause(attempt.error, signal);
        const status = err.type === 'aborted' ? 'aborted' : 'error';
        await finish({ ...base, decision, usage: zero, status, errorType: err.type, fallbackFrom: [], ttft: null, text: '' });
        throw err;
      }
      if (attempt.kind === 'kept') {
        // A local answer kept instead of the cloud saves what the cloud would have charged for it.
        const saved = plan.mode === 'try-local' ? costOf(attempt.usage, priceOf(decision.model)) : 0;
        await deps.ledger.recordRoutingEvent({
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
      escalated = { from: plan.first.model, reason: why };
      const usage = attempt.kind === 'weak' ? attempt.usage : zero;
      await deps.ledger.recordRoutingEvent({
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
      if (up?.engine === CLOUD_ENGINE && plan.mode === 'verify') {
        if (await reserveLater(request, requestId, up)) base.budget.reserved = true;
        else candidates = candidates.filter((c) => c.engine !== CLOUD_ENGINE);
      }
      decision = {
        ...decision,
        reasons: [...decision.reasons, plan.reason, `cascade: ${plan.first.model}'s answer looked weak (${why}) → escalated`],
      };
      if (candidates.length === 0) {
        await finish({
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
      // A fallback to the cloud from a local decision has no reservation yet: it needs one, within the caps.
      if (cand.engine === CLOUD_ENGINE && !base.budget.reserved) {
        if (!(await reserveLater(request, requestId, cand))) {
          failed.push(`${describeCandidate(cand)}: cloud budget reached`);
          continue;
        }
        base.budget.reserved = true;
      }
      const iterator = engine.chat({ request, model: cand.model, stream: ctx.stream, owner: ctx.apiKeyId }, signal)[Symbol.asyncIterator]();
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
        const err = abortCause(toCoreError(e), signal);
        if (err.type !== 'aborted' && err.type !== 'timeout') deps.invalidate?.(cand.engine);
        if (err.type !== 'aborted' && err.type !== 'timeout') deps.onEngineError?.(cand.engine, err);
        if (err.type !== 'aborted' && err.type !== 'timeout' && shouldFallback(err.type) && i < candidates.length - 1) {
          failed.push(`${describeCandidate(cand)}: ${err.type}`);
          lastError = err;
          continue;
        }
        const chosen: RouteDecision = { ...decision, ...cand, reasons: withFallbackReasons(decision.reasons, failed) };
        await finish({
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
      return {
        requestId,
        decision: chosen,
        fallbackFrom: failed,
        ...(escalated ? { escalated } : {}),
        events: rest(chosen, head, iterator, base, failed, started),
      };
    }
    const err = lastError ?? new CoreError('no_model_available', 'No engine could serve this request.');
    await finish({ ...base, decision, usage: zero, status: 'error', errorType: err.type, fallbackFrom: failed, ttft: null, text: '' });
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
      const err = abortCause(toCoreError(e), base.signal);
      const status: RequestStatus = err.type === 'aborted' ? 'aborted' : 'error';
      // Usage is unknown after a break: the prompt was sent whole (estimated), and each streamed chunk is about one
      // token, so spend is not hidden.
      await finish({
        ...base,
        decision,
        usage: usage ?? { inputTokens: base.estimatedInputTokens, outputTokens: deltas },
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
      // (After a row is recorded its reservation is already gone: no query then.)
      if (base.budget.reserved && !base.budget.recorded) await deps.ledger.releaseBudget(base.id).catch(() => undefined);
    }
    const summary = await finish({
      ...base,
      decision,
      usage: usage ?? { inputTokens: base.estimatedInputTokens, outputTokens: deltas },
      status: 'ok',
      errorType: null,
      fallbackFrom: failed,
      ttft,
      text,
    });
    if (base.cacheProbe) {
      await deps.extras?.cache?.store(base.cacheProbe, {
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

  async function finish(
    r: RequestBase & {
      decision: RouteDecision | null;
      usage: Usage;
      status: RequestStatus;
      errorType: RequestRecord['errorType'];
      fallbackFrom: string[];
      ttft: number | null;
      text: string;
    },
  ): Promise<Summary> {
    const latencyMs = deps.now() - r.ts;
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
      experimentId: r.experimentId ?? null,
      arm: r.arm ?? null,
    };
    // Committed before the answer is reported; the request's budget reservation goes in the same transaction.
    await deps.ledger.record(record);
    r.budget.recorded = true;
    // History on (prompt kept) and a conversation named: the exchange joins it, the answer even when cut short.
    // A new version of an answer adds only the answer, beside the old one, and only if one came (a failed retry
    // keeps the conversation as it was; its row above still records the attempt and its cost).
    if (r.conversationId !== undefined && r.prompt !== null && !(r.version?.of === 'assistant' && !r.text)) {
      const answer = r.text ? [{ role: 'assistant' as const, content: r.text, requestId: r.id, retryOf: r.retryOf ?? null }] : [];
      await deps.ledger.appendMessages(
        r.conversationId,
        r.version?.of === 'assistant' ? answer : [{ role: 'user', content: r.prompt, requestId: r.id }, ...answer],
        deps.now(),
        r.version ? r.version.parentId : undefined,
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
  /** The request whose answer this one replaces (Retry with Claude); stored on the conversation's new answer. */
  retryOf?: string;
  /** A new version of a stored message: which kind it replaces on screen and the message both follow. */
  version?: { of: 'user' | 'assistant'; parentId: string | null };
  /** Answered from the cache: no cost, no engine. */
  cached?: boolean;
  /** The routing experiment and arm that decided the request (none for a named model or a cache hit). */
  experimentId?: string;
  arm?: ArmId;
  /** The cache lookup of an eligible request: a complete answer is stored under it. */
  cacheProbe?: CacheProbe;
  /** Shared by every copy of the base: a budget reservation is held (released with the row, or when the stream is abandoned), the row is written. */
  budget: { reserved: boolean; recorded: boolean };
  /** The request's signal: its abort reason tells a client that left from a request that ran out of time. */
  signal: AbortSignal;
  /** Prompt tokens as estimated before sending, recorded when the engine never reported usage. */
  estimatedInputTokens: number;
}

/**
 * An engine reports any abort as 'aborted'; when the signal was aborted with a CoreError (the gateway's time budget),
 * that error is the real cause.
 */
function abortCause(err: CoreError, signal: AbortSignal | undefined): CoreError {
  if (err.type !== 'aborted' || !signal?.aborted) return err;
  return isCoreError(signal.reason) ? signal.reason : err;
}

const CLOUD_ENGINE: EngineId = 'anthropic';
const NO_SPEND: SpendSoFar = { todayMicros: 0, monthMicros: 0 };

/** Whether a daily or monthly cloud cap is set. */
function hasCaps(config: RoutingConfig): boolean {
  return config.budget.dailyMicros !== undefined || config.budget.monthlyMicros !== undefined;
}

/** The router decides (no model named, or "auto"), so a routing experiment's arm applies. */
function isAuto(request: ChatRequest): boolean {
  const m = request.model.trim().toLowerCase();
  return m === '' || m === 'auto';
}

/** The policy's decision, or its refusal as a CoreError. */
function decideOrThrow(input: RouteInput): RouteDecision {
  const outcome = decideRoute(input);
  if (!outcome.ok) throw new CoreError(outcome.error.type, outcome.error.message, { details: outcome.error.details });
  return outcome.decision;
}

/** Scale a vector to length 1 (cosine similarity becomes a dot product); a zero vector stays as it is. */
function unitLength(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return norm === 0 ? v : v.map((x) => x / norm);
}

function withFallbackReasons(reasons: string[], failed: string[]): string[] {
  return failed.length === 0 ? reasons : [...reasons, ...failed.map((f) => `fell back: ${f}`)];
}
