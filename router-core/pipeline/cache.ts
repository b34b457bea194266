// Cache step: look the request up in the response cache; a hit is answered from it at no cost, with its reason.
import type { ChatRequest } from '../contracts/chat.js';
import type { RouteDecision } from '../contracts/decision.js';
import type { StreamEvent } from '../contracts/stream.js';
import type { CacheProbe } from '../response-cache.js';
import { finishedIterator, streamOut, type StreamScope } from './stream-out.js';
import type { PipelineDeps, PipelineRun } from './types.js';

/** A hit answered (`run`), or the probe a complete answer is stored under (absent: the request is not cacheable). */
export type CacheStep = { run: PipelineRun } | { run?: undefined; probe?: CacheProbe };

/** Probe the cache; on a hit, note it in the ledger's routing events and replay the stored answer. */
export async function cacheStep(
  deps: Pick<PipelineDeps, 'extras' | 'ledger' | 'now' | 'history'>,
  scope: Omit<StreamScope, 'cacheProbe'>,
  request: ChatRequest,
): Promise<CacheStep> {
  const cache = deps.extras?.cache;
  const probe = cache ? await cache.probe(request, scope.signal) : null;
  if (!probe) return {};
  if (!probe.hit) return { probe };
  const { recorder } = scope;
  const { entry } = probe.hit;
  const decision = hitDecision(probe.hit, recorder.started);
  await deps.ledger.recordRoutingEvent({
    requestId: recorder.id,
    ts: recorder.started,
    kind: probe.hit.semantic ? 'semantic_hit' : 'cache_hit',
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
  recorder.markCached();
  const events = streamOut(deps, scope, { decision, head, iterator: finishedIterator(), failed: [] });
  return { run: { requestId: recorder.id, decision, fallbackFrom: [], cached: true, events } };
}

/** The decision shown for a cache hit: the model that answered first, and how long ago. */
function hitDecision(hit: NonNullable<CacheProbe['hit']>, now: number): RouteDecision {
  const { entry, semantic, similarity } = hit;
  const ageMin = Math.max(0, Math.round((now - entry.createdAt) / 60_000));
  const reason = semantic
    ? `semantic cache hit (similarity ${similarity.toFixed(3)}): a prompt with the same meaning was answered ${ageMin} min ago by ${entry.model} → served from the cache at no cost`
    : `cache hit: the same request was answered ${ageMin} min ago by ${entry.model} → served from the cache at no cost`;
  return { route: entry.route, model: entry.model, engine: entry.engine, complexity: entry.complexity, reasons: [reason], fallbacks: [] };
}
