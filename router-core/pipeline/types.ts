// The pipeline's vocabulary: its dependencies, a request's context, what a started answer streams, the ChatPipeline interface.
import type { ChatRequest, Protocol } from '../contracts/chat.js';
import type { Availability, EngineId, RouteDecision, Tier } from '../contracts/decision.js';
import type { FinishReason, StreamEvent, Usage } from '../contracts/stream.js';
import type { EmbedOptions, Engine } from '../engines/engine.js';
import type { CoreError } from '../errors.js';
import type { BudgetStore, ConversationStore, RequestLog, RequestRecord } from '../ledger/ledger.js';
import type { RoutingStore } from '../ledger/routing-store.js';
import type { RoutingExtras } from '../pipeline-routing.js';
import type { RoutingConfig } from '../routing/policy.js';
import type { RoutingState } from '../routing/state.js';

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
  | Exclude<StreamEvent, { type: 'done' | 'start' }>
  | { type: 'summary'; summary: Summary }
  | { type: 'done'; finishReason: FinishReason; stopSequence?: string };

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

/**
 * What the pipeline uses of the ledger: the request log, budget reservations, the conversation a request joins, and
 * routing events (cache hits, cascade, privacy).
 */
export type PipelineLedger = RequestLog &
  BudgetStore &
  Pick<ConversationStore, 'getConversation' | 'listMessages' | 'appendMessages'> &
  Pick<RoutingStore, 'recordRoutingEvent'>;

/** What the pipeline needs from the rest of the core; server/wiring.ts builds the real ones, tests build fakes. */
export interface PipelineDeps {
  engines: ReadonlyMap<EngineId, Engine>;
  ledger: PipelineLedger;
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
  /** Routing's working memory and caches, kept for the process (routing/state.ts); absent = fresh per decision. */
  routingState?: RoutingState;
}

/** A running routing experiment as the pipeline applies it (see routing/experiment.ts for the split). */
export interface RunningExperiment {
  id: string;
  /** Share of conversations (or requests without one) that arm B decides. */
  share: number;
  /** Arm B's routing config: the main config with the variant's settings laid over it. */
  variant: RoutingConfig;
}

/** Who asked and where the answer goes, as the protocol adapter read it. */
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
  /**
   * With `conversationId`: the stored message this exchange follows (the last one the caller shows). Without it, the
   * conversation's current leaf, which another window may have moved since the caller loaded it. `versionOf` wins.
   */
  parentId?: string;
  /** false: the caller reads the answer whole (engines may then fetch it in one response; EngineCall.stream). */
  stream?: boolean;
  /** The caller's own id for the request (x-client-request-id), passed to engines to show beside a queued call. */
  clientRequestId?: string;
}

/** Embedding vectors (unit length, as OpenAI's and Ollama's /api/embed are) and what computed them. */
export interface EmbedOutcome {
  model: string;
  engine: EngineId;
  embeddings: number[][];
  inputTokens: number;
}

/** One request end to end, as the gateway, the CLI and the admin routes use it. */
export interface ChatPipeline {
  /** Decide only (for /api/v1/complexity and `hybrid-ai route`); takes no budget reservation. */
  decide(request: ChatRequest, override?: Partial<RoutingConfig>): Promise<RouteDecision>;
  /**
   * Start answering. Resolves once some engine produced its first event past `start` (so headers can name the model
   * that really answers), or rejects with a CoreError after every candidate failed; the ledger row is written once.
   */
  handle(request: ChatRequest, ctx: RequestContext, signal: AbortSignal): Promise<PipelineRun>;
  /** Embedding vectors for `texts` from a local model (no ledger row: embeddings cost nothing and have no cloud counterfactual). */
  embed(texts: readonly string[], model: string, signal: AbortSignal, options?: EmbedOptions): Promise<EmbedOutcome>;
  /** Engines that can compute embeddings. */
  embedEngines(): EngineId[];
}
