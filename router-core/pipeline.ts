// One request end to end: cache → decide and reserve → cascade → engine with fallback → stream out → ledger row once.
import type { ChatRequest } from './contracts/chat.js';
import type { EmbedOptions } from './engines/engine.js';
import { greedyWhenTopPZero } from './sampling.js';
import type { EngineId, RouteDecision } from './contracts/decision.js';
import { CoreError, toCoreError } from './errors.js';
import { attemptWithFallback } from './pipeline/attempt.js';
import { cacheStep } from './pipeline/cache.js';
import { cascadeStep } from './pipeline/cascade.js';
import { decideAndReserve, decideStep } from './pipeline/decide.js';
import { createRequestRecorder, type RequestIdentity, type RequestRecorder } from './pipeline/recorder.js';
import type { StreamScope } from './pipeline/stream-out.js';
import type { ChatPipeline, EmbedOutcome, PipelineDeps, PipelineRun, RequestContext } from './pipeline/types.js';
import { estimatePromptTokens } from './routing/budget.js';
import { assignArm } from './routing/experiment.js';
import { decideEmbedding, promptForScoring, type RoutingConfig } from './routing/policy.js';

export type {
  ChatPipeline,
  EmbedOutcome,
  Escalation,
  PipelineDeps,
  PipelineEvent,
  PipelineRun,
  RequestContext,
  RunningExperiment,
  Summary,
} from './pipeline/types.js';

/** Build the pipeline over its dependencies (server/wiring.ts is the only caller that knows concrete ones). */
export function createPipeline(deps: PipelineDeps): ChatPipeline {
  async function handle(asked: ChatRequest, ctx: RequestContext, signal: AbortSignal): Promise<PipelineRun> {
    // One reading of the sampling parameters for every engine (and the cache key): top_p 0 is greedy decoding.
    const params = greedyWhenTopPZero(asked.params);
    const request: ChatRequest = params === asked.params ? asked : { ...asked, params };
    const recorder = createRequestRecorder(deps, await identify(deps, request, ctx));
    const scope: StreamScope = { recorder, signal, estimatedInputTokens: estimatePromptTokens(request) };
    const cached = await cacheStep(deps, scope, request);
    if (cached.run) return cached.run;
    scope.cacheProbe = cached.probe;
    const armConfig = experimentArm(deps, recorder, request, ctx);
    const { decision, cloudBlock } = await decideStep(deps, recorder, request, armConfig);
    if (cloudBlock?.kind === 'privacy') await notePrivacy(deps, recorder);
    const cascade = await cascadeStep(deps, scope, request, decision, armConfig, {
      owner: ctx.apiKeyId,
      requestId: recorder.id,
      clientRequestId: ctx.clientRequestId,
    });
    if (cascade.run) return cascade.run;
    return attemptWithFallback(deps, scope, request, ctx, cascade);
  }

  function embedEngines(): EngineId[] {
    return [...deps.engines].filter(([, e]) => typeof e.embed === 'function').map(([id]) => id);
  }

  async function embed(texts: readonly string[], model: string, signal: AbortSignal, options?: EmbedOptions): Promise<EmbedOutcome> {
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
      const r = await engine.embed!(texts, outcome.model, signal, options);
      return { model: outcome.model, engine: outcome.engine, embeddings: r.embeddings.map(unitLength), inputTokens: r.inputTokens };
    } catch (e) {
      const err = toCoreError(e);
      if (err.type !== 'aborted') deps.invalidate?.(outcome.engine);
      throw err;
    }
  }

  return {
    decide: async (request: ChatRequest, override?: Partial<RoutingConfig>): Promise<RouteDecision> =>
      (await decideAndReserve(deps, request, override)).decision,
    handle,
    embed,
    embedEngines,
  };
}

/**
 * Who the request is, checked before anything runs: a named conversation must exist (while history is on), and a
 * `version_of` must name a prompt or answer in it.
 */
async function identify(deps: PipelineDeps, request: ChatRequest, ctx: RequestContext): Promise<RequestIdentity> {
  const started = deps.now();
  const id = ctx.requestId ?? deps.newId();
  const history = deps.history();
  if (ctx.conversationId !== undefined && history && !(await deps.ledger.getConversation(ctx.conversationId))) {
    throw new CoreError(
      'not_found',
      `Unknown conversation_id "${ctx.conversationId}": create one with POST /api/v1/conversations, or leave it out.`,
    );
  }
  let version: RequestIdentity['version'];
  if (ctx.versionOf !== undefined) {
    if (ctx.conversationId === undefined) {
      throw new CoreError('invalid_request', 'Invalid "version_of": it needs "conversation_id" (the conversation the message is in).');
    }
    if (history) {
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
  let parentId: string | undefined;
  if (ctx.parentId !== undefined && version === undefined) {
    if (ctx.conversationId === undefined) {
      throw new CoreError('invalid_request', 'Invalid "parent_id": it needs "conversation_id" (the conversation the message is in).');
    }
    if (history) {
      if (!(await deps.ledger.listMessages(ctx.conversationId)).some((m) => m.id === ctx.parentId && m.role !== 'system')) {
        throw new CoreError(
          'invalid_request',
          `Invalid "parent_id": no prompt or answer "${ctx.parentId}" in conversation "${ctx.conversationId}" (GET /api/v1/conversations/${ctx.conversationId} lists them).`,
        );
      }
      parentId = ctx.parentId;
    }
  }
  return {
    id,
    ts: started,
    protocol: ctx.protocol,
    prompt: deps.history() ? promptForScoring(request) : null,
    conversationId: ctx.conversationId,
    apiKeyId: ctx.apiKeyId ?? null,
    retryOf: ctx.retryOf,
    version,
    parentId,
  };
}

/**
 * A routing experiment decides only what the router decides ("auto"): the arm comes from the conversation (every turn
 * of a chat in one arm) or, without one, the request; arm B decides with its own config (returned), arm A with the main.
 */
function experimentArm(
  deps: PipelineDeps,
  recorder: RequestRecorder,
  request: ChatRequest,
  ctx: RequestContext,
): RoutingConfig | undefined {
  const m = request.model.trim().toLowerCase();
  const experiment = m === '' || m === 'auto' ? deps.experiment?.() : undefined;
  if (!experiment) return undefined;
  const arm = assignArm(experiment.id, experiment.share, ctx.conversationId ?? recorder.id);
  recorder.markArm(experiment.id, arm);
  return arm === 'B' ? experiment.variant : undefined;
}

/** A request the privacy guard kept on this machine is counted as a routing event. */
async function notePrivacy(deps: PipelineDeps, recorder: RequestRecorder): Promise<void> {
  await deps.ledger.recordRoutingEvent({
    requestId: recorder.id,
    ts: recorder.started,
    kind: 'privacy_local',
    detail: 'secrets or personal data: kept on this machine',
  });
}

/** Scale a vector to length 1 (cosine similarity becomes a dot product); a zero vector stays as it is. */
function unitLength(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return norm === 0 ? v : v.map((x) => x / norm);
}
