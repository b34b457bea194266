// Ledger interface: one row per request, stats from SQL, settings, budget reservations; SQLite or PostgreSQL behind it.
import type { EngineId, Route } from '../contracts/decision.js';
import type { Protocol } from '../contracts/chat.js';
import type { ErrorType } from '../contracts/errors.js';
import type { BudgetCaps, SpendSoFar } from '../routing/budget.js';
import type { ArmId } from '../routing/experiment.js';
import type { FeedbackRating, RoutingStore } from './routing-store.js';

export type RequestStatus = 'ok' | 'error' | 'aborted';

/** One finished request, written once at its end. Money in integer micro-dollars. */
export interface RequestRecord {
  id: string;
  /** Start time, ms since epoch. */
  ts: number;
  protocol: Protocol;
  route: Route | null;
  model: string | null;
  engine: EngineId | null;
  complexity: number | null;
  reasons: string[];
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  allCloudMicros: number;
  latencyMs: number;
  ttftMs: number | null;
  status: RequestStatus;
  errorType: ErrorType | null;
  /** "model on engine" candidates that failed before this one answered. */
  fallbackFrom: string[];
  /** Prompt/answer text only when history is on. */
  prompt: string | null;
  response: string | null;
  /** The app key the caller authenticated with; null/absent = the master token. */
  apiKeyId?: string | null;
  /** The routing experiment running when the router decided this request; null/absent = none. */
  experimentId?: string | null;
  /** Which of its arms decided ('A' the main policy, 'B' the variant); null/absent with no experiment. */
  arm?: ArmId | null;
}

/** A named key an app uses instead of the master token. Only the key's sha256 is stored; money in micro-dollars. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** sha256 of the key, lowercase hex. */
  hash: string;
  /** The key's first characters, so a person can tell keys apart in a list. */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
  /** Requests per minute allowed; null = unlimited. */
  rateLimitPerMin: number | null;
  /** Cloud spend allowed per calendar month; null = unlimited. */
  monthlyBudgetMicros: number | null;
}

/** A slice of spend/savings, money in micro-dollars. */
export interface StatsSlice {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  allCloudMicros: number;
  savingsMicros: number;
}

export interface Stats {
  from: number;
  to: number;
  totals: StatsSlice & { local: number; cloud: number; localShare: number; savingsPct: number; avgLatencyMs: number };
  byModel: Array<StatsSlice & { model: string; engine: string }>;
  byRoute: Array<StatsSlice & { route: string }>;
  byDay: Array<StatsSlice & { day: string }>;
  /** Per app key; `apiKeyId` null (name null) = requests made with the master token (the app's own UI, scripts). */
  byApp: Array<StatsSlice & { apiKeyId: string | null; name: string | null }>;
}

/** A stored chat (kept only while history is on). Times in ms since epoch. */
export interface Conversation {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  messageCount: number;
  /** The end of the path on screen (see tree.ts); null = the newest message. */
  leafId: string | null;
  /** Search results only: the first message whose text holds the search (null when only the title matched). */
  match?: string | null;
}

/**
 * One stored message; assistant messages carry their request's row (route, cost, ...) for the badge, and what the
 * routing events and feedback say about it. Every field past `request` is null on user and system messages.
 */
export interface StoredMessage {
  id: string;
  conversationId: string;
  /** The message this one follows (null = the first turn); siblings are versions of one turn (tree.ts). */
  parentId: string | null;
  role: 'system' | 'user' | 'assistant';
  content: string;
  requestId: string | null;
  createdAt: number;
  request: Omit<RequestRecord, 'prompt' | 'response'> | null;
  /** The person's verdict on this answer (feedback table). */
  rating: FeedbackRating | null;
  /** Served from the response cache (its request row has no engine): the engine of the answer it reused. */
  cacheHit: { semantic: boolean; engine: EngineId | null } | null;
  /** The cascade held `from`'s weak answer back and asked a stronger model (its cascade_escalated routing event). */
  escalated: { from: string; reason: string } | null;
  /** This answer replaced one the person retried with Claude: that answer's request, its model and verdict. */
  retryOf: { requestId: string; model: string | null; rating: FeedbackRating | null } | null;
}

/** A message to append; `retryOf` = the request whose answer this one replaces (Retry with Claude). */
export interface NewMessage {
  role: StoredMessage['role'];
  content: string;
  requestId: string | null;
  retryOf?: string | null;
}

/** What "delete all history" removed. */
export interface HistoryDeletion {
  conversations: number;
  messages: number;
  /** Request rows whose prompt/answer text was erased (their costs stay for the dashboard). */
  requestTexts: number;
}

/** A cloud call's estimated cost held against the budget caps while it runs (see reserveBudget). Money in micro-dollars. */
export interface BudgetReservationRequest {
  /** The request id: one reservation per request (a second one for the same id replaces it). */
  id: string;
  micros: number;
  caps: BudgetCaps;
  /** Start of the local day and month the caps apply to (ms). */
  dayStart: number;
  monthStart: number;
  now: number;
}

/** What reserveBudget saw: `spend` is spend so far plus every other live reservation (what a refusal is decided on). */
export interface BudgetReservationOutcome {
  reserved: boolean;
  spend: SpendSoFar;
}

/** The request log: one row per request, written once at its end. */
export interface RequestLog {
  /** Durable once it resolves (the row is committed); releases the request's budget reservation in the same transaction. */
  record(r: RequestRecord): Promise<void>;
  recent(limit: number): Promise<RequestRecord[]>;
}

/** Spend and savings over the request log, for the dashboard and /api/v1/stats. */
export interface StatsStore {
  stats(from: number, to: number): Promise<Stats>;
  /** Cloud spend since the given local-day and local-month starts (recorded rows only). */
  spendSince(dayStart: number, monthStart: number): Promise<SpendSoFar>;
}

/** Budget reservations: cloud calls in flight hold their estimate against the caps until their row is recorded. */
export interface BudgetStore {
  /** spendSince plus the estimated cost of cloud calls in flight (live reservations of every gateway sharing the store). */
  budgetSpend(dayStart: number, monthStart: number, now: number): Promise<SpendSoFar>;
  /**
   * Atomically reserve `micros` for request `id` only if spend + every other live reservation + `micros` stays within
   * the caps (budgetGuard). Concurrent callers, in this process or (PostgreSQL) in other gateways, are serialised, so
   * together they cannot overshoot a cap by more than the error of one estimate.
   */
  reserveBudget(r: BudgetReservationRequest): Promise<BudgetReservationOutcome>;
  /** Drop the reservation of request `id` (no-op when none). */
  releaseBudget(id: string): Promise<void>;
}

/** Saved settings, as JSON values by key. */
export interface SettingsStore {
  getSetting<T>(key: string): Promise<T | undefined>;
  /** Every saved setting (one read: the settings view loads them all at once). */
  allSettings(): Promise<Record<string, unknown>>;
  setSetting(key: string, value: unknown): Promise<void>;
}

/** Conversations and their message trees (kept only while history is on). */
export interface ConversationStore {
  /** Newest first; `search` matches titles and message text (case-insensitive substring). */
  listConversations(opts: { search?: string; limit: number }): Promise<Conversation[]>;
  getConversation(id: string): Promise<Conversation | undefined>;
  createConversation(title: string, now: number): Promise<Conversation>;
  /** undefined when no such conversation. */
  renameConversation(id: string, title: string, now: number): Promise<Conversation | undefined>;
  /** Deletes the conversation and its messages; false when it did not exist. */
  deleteConversation(id: string): Promise<boolean>;
  /** Oldest first, with each answer's request row, rating, cache hit, escalation and replaced answer (one query). */
  listMessages(conversationId: string): Promise<StoredMessage[]>;
  /**
   * Append in order (one transaction), each message following the one before; the first follows `parentId` (null =
   * a first turn; undefined = the conversation's current leaf). The last becomes the leaf, and the conversation's
   * updated_at moves; false when the conversation is gone.
   */
  appendMessages(conversationId: string, messages: NewMessage[], now: number, parentId?: string | null): Promise<boolean>;
  /** Make `leafId` the end of the path on screen (switching versions); false when no such message in the conversation. */
  setLeaf(conversationId: string, leafId: string): Promise<boolean>;
  /**
   * Delete one message; the messages that followed it now follow its parent (nothing else goes), and a leaf on it
   * moves to its parent. Returns how many went (0 or 1).
   */
  deleteMessage(conversationId: string, messageId: string): Promise<number>;
  /** Conversations, messages, stored responses (sealed ones too) and the prompt/answer text of request rows; costs stay. */
  deleteAllHistory(): Promise<HistoryDeletion>;
  /**
   * Keep an OpenAI Responses API object (JSON text) under its id for `owner` (an app key's id; '' = the main API
   * token); saving an id again replaces it, for the same owner only.
   */
  saveResponse(id: string, createdAt: number, body: string, owner?: string): Promise<void>;
  /** A stored response's JSON text when `owner` (default '': the main token) made it, else undefined. */
  getResponse(id: string, owner?: string): Promise<string | undefined>;
  /** false when `owner` has no such response (another owner's is left alone). */
  deleteResponse(id: string, owner?: string): Promise<boolean>;
  /**
   * Keep a sealed response (ciphertext) under `key` (a hash of its id) for `owner` until `expiresAt` (ms); saving a key
   * again replaces it, for the same owner only. Rows expired at `now` are removed on the way.
   */
  saveSealedResponse(key: string, body: string, owner: string, expiresAt: number, now: number): Promise<void>;
  /** The sealed body under `key` when `owner` made it and it has not expired at `now`, else undefined. */
  getSealedResponse(key: string, owner: string, now: number): Promise<string | undefined>;
  /** false when `owner` has no such sealed response. */
  deleteSealedResponse(key: string, owner: string): Promise<boolean>;
  /** Remove every sealed response; returns how many went. */
  clearSealedResponses(): Promise<number>;
}

/** App keys (hashes only) and what each spent. */
export interface ApiKeyStore {
  createApiKey(key: ApiKeyRecord): Promise<void>;
  /** Every key, revoked ones included, oldest first. */
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked at `at`; false when there is no such key or it was already revoked. */
  revokeApiKey(id: string, at: number): Promise<boolean>;
  /** Spend (micro-dollars) per app key over requests started at or after `since`; keys that spent nothing are absent. */
  spendByApiKeySince(since: number): Promise<Record<string, number>>;
}

/**
 * The ledger: every concern above plus the routing store (cache, routing events, feedback: routing-store.ts), in one
 * database. Consumers take only the concerns they use; both stores implement all of them. Every method is async so a
 * networked store (PostgreSQL) fits the same interface; SQLite answers synchronously inside and resolves at once.
 */
export interface Ledger extends RequestLog, StatsStore, BudgetStore, SettingsStore, ConversationStore, ApiKeyStore, RoutingStore {
  /** Which store this is; `shared` = other gateway processes may write to it at the same time (PostgreSQL). */
  readonly kind: 'sqlite' | 'postgres';
  readonly shared: boolean;
  /**
   * Prove the store takes a write now (disk full, read-only volume, database down): a row is written and rolled back,
   * so nothing is kept. Throws what the store said.
   */
  probeWrite(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The same methods answering synchronously: what the SQLite store is inside (better-sqlite3 is synchronous), for
 * tools and tests that read a local ledger directly. Generic methods lose their type parameter here.
 */
export type SyncLedger = {
  [K in keyof Ledger]: Ledger[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : Ledger[K];
};
