// Pipeline helpers for the routing features: the cache and cascade hooks, a held-back first attempt.
import type { ChatRequest } from './contracts/chat.js';
import type { RouteCandidate } from './contracts/decision.js';
import type { FinishReason, StreamEvent, Usage } from './contracts/stream.js';
import type { Engine } from './engines/engine.js';
import { CoreError, toCoreError } from './errors.js';
import type { RoutingStore } from './ledger/routing-store.js';
import type { SettingsView } from './ledger/settings-view.js';
import { createResponseCache, type Embedder, type ResponseCache } from './response-cache.js';
import { readRoutingSettings } from './routing-settings.js';
import { judgeAnswer, type CascadeConfig } from './routing/cascade.js';

/** Optional routing features the pipeline uses when wiring provides them. (Budget reservations are a ledger operation.) */
export interface RoutingExtras {
  cache?: ResponseCache;
  /** Cascade settings (a request's own `cascade` flag overrides `enabled`). */
  cascade?(): CascadeConfig;
}

/**
 * The extras as wiring builds them: settings read from the settings view on each request, the cache in the ledger,
 * and (when given) an embedder for the semantic cache.
 */
export function createRoutingExtras(deps: {
  store: RoutingStore;
  settings: Pick<SettingsView, 'getSetting'>;
  now(): number;
  embed?: (texts: readonly string[], signal: AbortSignal) => Promise<{ embeddings: number[][] }>;
  /** History on (or not given): cached answers are stored readable; off: sealed (response-cache.ts). */
  history?: () => boolean;
}): RoutingExtras {
  const embed: Embedder | undefined = deps.embed
    ? async (text, signal) => Float32Array.from((await deps.embed!([text], signal)).embeddings[0] ?? [])
    : undefined;
  return {
    cache: createResponseCache({
      store: deps.store,
      now: deps.now,
      config: () => readRoutingSettings(deps.settings).cache,
      embed,
      sealed: () => deps.history !== undefined && !deps.history(),
    }),
    cascade: () => readRoutingSettings(deps.settings).cascade,
  };
}

/** The outcome of a held-back first attempt. */
export type FirstAttempt =
  | { kind: 'kept'; events: StreamEvent[]; usage: Usage }
  | { kind: 'weak'; reason: string; usage: Usage; text: string }
  | { kind: 'failed'; error: CoreError };

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
): Promise<FirstAttempt> {
  const events: StreamEvent[] = [];
  let text = '';
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let finishReason: FinishReason = 'stop';
  let deltas = 0;
  try {
    for await (const ev of engine.chat({ request, model: cand.model, confidence: true }, signal)) {
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

/** An iterator that is already finished (the whole answer is in the head events). */
export function finishedIterator(): AsyncIterator<StreamEvent> {
  return { next: async () => ({ done: true, value: undefined }) };
}
