// Ledger interface: one row per request, stats from SQL, settings; SQLite today, another store later.
import type { EngineId, Route } from '../contracts/decision.js';
import type { Protocol } from '../contracts/chat.js';
import type { ErrorType } from '../contracts/errors.js';
import type { SpendSoFar } from '../routing/budget.js';
import type { RoutingStore } from './routing-store.js';

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
}

/** One stored message; assistant messages carry their request's row (route, cost, ...) for the badge. */
export interface StoredMessage {
  id: string;
  conversationId: string;
  role: 'system' | 'user' | 'assistant';
  content: string;
  requestId: string | null;
  createdAt: number;
  request: Omit<RequestRecord, 'prompt' | 'response'> | null;
}

/** What "delete all history" removed. */
export interface HistoryDeletion {
  conversations: number;
  messages: number;
  /** Request rows whose prompt/answer text was erased (their costs stay for the dashboard). */
  requestTexts: number;
}

/** The ledger also holds the routing store (cache, routing events, feedback: routing-store.ts). */
export interface Ledger extends RoutingStore {
  /** Durable once it returns (the row is committed). */
  record(r: RequestRecord): void;
  stats(from: number, to: number): Stats;
  /** Cloud spend since the given local-day and local-month starts. */
  spendSince(dayStart: number, monthStart: number): SpendSoFar;
  recent(limit: number): RequestRecord[];
  getSetting<T>(key: string): T | undefined;
  setSetting(key: string, value: unknown): void;
  /** Newest first; `search` matches titles and message text (case-insensitive substring). */
  listConversations(opts: { search?: string; limit: number }): Conversation[];
  getConversation(id: string): Conversation | undefined;
  createConversation(title: string, now: number): Conversation;
  /** undefined when no such conversation. */
  renameConversation(id: string, title: string, now: number): Conversation | undefined;
  /** Deletes the conversation and its messages; false when it did not exist. */
  deleteConversation(id: string): boolean;
  /** Oldest first. */
  listMessages(conversationId: string): StoredMessage[];
  /** Append in order (one transaction) and bump the conversation's updated_at; false when the conversation is gone. */
  appendMessages(
    conversationId: string,
    messages: Array<{ role: StoredMessage['role']; content: string; requestId: string | null }>,
    now: number,
  ): boolean;
  /** Delete `messageId` and every later message of the conversation (regenerate); returns how many went. */
  deleteMessagesFrom(conversationId: string, messageId: string): number;
  /** Conversations, messages and the prompt/answer text of request rows; costs stay. */
  deleteAllHistory(): HistoryDeletion;
  createApiKey(key: ApiKeyRecord): void;
  /** Every key, revoked ones included, oldest first. */
  listApiKeys(): ApiKeyRecord[];
  /** Marks the key revoked at `at`; false when there is no such key or it was already revoked. */
  revokeApiKey(id: string, at: number): boolean;
  /** Spend (micro-dollars) per app key over requests started at or after `since`; keys that spent nothing are absent. */
  spendByApiKeySince(since: number): Record<string, number>;
  close(): void;
}
