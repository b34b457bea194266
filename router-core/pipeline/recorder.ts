// RequestRecorder: owns a request's one ledger row (and its budget reservation), built from what each exit knows.
import type { Protocol } from '../contracts/chat.js';
import type { RouteDecision } from '../contracts/decision.js';
import type { Usage } from '../contracts/stream.js';
import type { CoreError } from '../errors.js';
import type { RequestRecord, RequestStatus } from '../ledger/ledger.js';
import type { ArmId } from '../routing/experiment.js';
import { isCloudEngine } from '../routing/cloud.js';
import { allCloudCost, costOf, knownCloudPrice, priceOf, savings } from '../routing/pricing.js';
import type { PipelineDeps, Summary } from './types.js';

/** What every exit of a request knows about how it ended; the recorder adds the rest. */
export interface Outcome {
  decision: RouteDecision | null;
  usage: Usage;
  status: RequestStatus;
  errorType: RequestRecord['errorType'];
  fallbackFrom: string[];
  ttft: number | null;
  text: string;
}

/** What a request is known by from its start (set once, before any decision). */
export interface RequestIdentity {
  id: string;
  ts: number;
  protocol: Protocol;
  /** The prompt kept in the ledger (null while history is off). */
  prompt: string | null;
  conversationId?: string;
  apiKeyId: string | null;
  /** The request whose answer this one replaces (Retry with Claude); stored on the conversation's new answer. */
  retryOf?: string;
  /** A new version of a stored message: which kind it replaces on screen and the message both follow. */
  version?: { of: 'user' | 'assistant'; parentId: string | null };
  /** Not a new version: the stored message the exchange follows (undefined = the conversation's current leaf). */
  parentId?: string;
}

/**
 * The one place a request's ledger row is built and written. Each exit of the pipeline calls `record` (or `fail`)
 * exactly once; the row is committed, with the budget reservation's release in the same transaction, before the
 * answer is reported. A stream abandoned before its row calls `releaseUnrecorded`.
 */
export interface RequestRecorder {
  readonly id: string;
  /** Start time, ms since epoch. */
  readonly started: number;
  /** A budget reservation is held under this request's id. */
  readonly reserved: boolean;
  holdReservation(): void;
  /** Answered from the cache: no cost, no engine on the row. */
  markCached(): void;
  /** The routing experiment and arm that decided the request. */
  markArm(experimentId: string, arm: ArmId): void;
  /** Write the row (and join the conversation); the summary the caller is sent. */
  record(outcome: Outcome): Promise<Summary>;
  /** Write the row of a request that ended with `err` before any answer. */
  fail(decision: RouteDecision | null, err: CoreError, fallbackFrom: string[], status?: RequestStatus): Promise<Summary>;
  /** Release a reservation whose row was never written (a consumer stopped reading). */
  releaseUnrecorded(): Promise<void>;
}

const zero: Usage = { inputTokens: 0, outputTokens: 0 };

type RecorderDeps = Pick<PipelineDeps, 'ledger' | 'now' | 'onRecord'> & Partial<Pick<PipelineDeps, 'routing'>>;

/** A recorder for one request. */
export function createRequestRecorder(deps: RecorderDeps, who: RequestIdentity): RequestRecorder {
  let reserved = false;
  let recorded = false;
  let cached = false;
  let experiment: { id: string; arm: ArmId } | undefined;

  async function record(o: Outcome): Promise<Summary> {
    const latencyMs = deps.now() - who.ts;
    // A cache hit costs nothing and is neither a local nor a cloud call (no engine ran).
    // Read once: each call builds the routing config anew from the settings.
    const routing = deps.routing?.();
    const extra = routing?.prices;
    const costMicros = o.decision && !cached ? costOf(o.usage, priceOf(o.decision.model, extra)) : 0;
    // The counterfactual prices the same tokens on the cloud model this user chose (their cloud route's first choice).
    // An answer from a cloud whose price is unknown (an OpenAI-compatible cloud's model) claims no savings: its cost
    // is not known, so neither is what it saved.
    const unpriced =
      o.decision !== null && !cached && isCloudEngine(o.decision.engine) && knownCloudPrice(o.decision.model, extra) === undefined;
    const allCloudMicros = unpriced ? costMicros : allCloudCost(o.usage, routing?.cloudModel, extra);
    const row = toRow(who, o, { costMicros, allCloudMicros, latencyMs, cached, experiment });
    // Committed before the answer is reported; the request's budget reservation goes in the same transaction.
    await deps.ledger.record(row);
    recorded = true;
    await joinConversation(deps, who, o.text);
    deps.onRecord?.(row);
    return {
      requestId: who.id,
      usage: o.usage,
      costMicros,
      allCloudMicros,
      savingsMicros: savings(costMicros, allCloudMicros),
      latencyMs,
      ttftMs: o.ttft,
    };
  }

  return {
    id: who.id,
    started: who.ts,
    get reserved() {
      return reserved;
    },
    holdReservation: () => void (reserved = true),
    markCached: () => void (cached = true),
    markArm: (id, arm) => void (experiment = { id, arm }),
    record,
    fail: (decision, err, fallbackFrom, status) =>
      record({
        decision,
        usage: zero,
        status: status ?? (err.type === 'aborted' ? 'aborted' : 'error'),
        errorType: err.type,
        fallbackFrom,
        ttft: null,
        text: '',
      }),
    async releaseUnrecorded() {
      // After a row is recorded its reservation is already gone: no query then.
      if (reserved && !recorded) await deps.ledger.releaseBudget(who.id).catch(() => undefined);
    },
  };
}

/** The ledger row of a finished request. */
function toRow(
  who: RequestIdentity,
  o: Outcome,
  m: { costMicros: number; allCloudMicros: number; latencyMs: number; cached: boolean; experiment?: { id: string; arm: ArmId } },
): RequestRecord {
  return {
    id: who.id,
    ts: who.ts,
    protocol: who.protocol,
    route: o.decision?.route ?? null,
    model: o.decision?.model ?? null,
    engine: m.cached ? null : (o.decision?.engine ?? null),
    complexity: o.decision?.complexity ?? null,
    reasons: o.decision?.reasons ?? [],
    inputTokens: o.usage.inputTokens,
    outputTokens: o.usage.outputTokens,
    costMicros: m.costMicros,
    allCloudMicros: m.allCloudMicros,
    latencyMs: m.latencyMs,
    ttftMs: o.ttft,
    status: o.status,
    errorType: o.errorType,
    fallbackFrom: o.fallbackFrom,
    prompt: who.prompt,
    response: who.prompt === null ? null : o.text,
    apiKeyId: who.apiKeyId,
    experimentId: m.experiment?.id ?? null,
    arm: m.experiment?.arm ?? null,
  };
}

/**
 * History on (prompt kept) and a conversation named: the exchange joins it, the answer even when cut short. A new
 * version of an answer adds only the answer, beside the old one, and only if one came (a failed retry keeps the
 * conversation as it was; its row still records the attempt and its cost).
 */
async function joinConversation(deps: RecorderDeps, who: RequestIdentity, text: string): Promise<void> {
  if (who.conversationId === undefined || who.prompt === null) return;
  if (who.version?.of === 'assistant' && !text) return;
  const answer = text ? [{ role: 'assistant' as const, content: text, requestId: who.id, retryOf: who.retryOf ?? null }] : [];
  await deps.ledger.appendMessages(
    who.conversationId,
    who.version?.of === 'assistant' ? answer : [{ role: 'user', content: who.prompt, requestId: who.id }, ...answer],
    deps.now(),
    who.version ? who.version.parentId : who.parentId,
  );
}
