// Ledger interface: one row per request, stats from SQL, settings; SQLite today, another store later.
import type { EngineId, Route } from '../contracts/decision.js';
import type { Protocol } from '../contracts/chat.js';
import type { ErrorType } from '../contracts/errors.js';
import type { SpendSoFar } from '../routing/budget.js';

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
}

export interface Ledger {
  /** Durable once it returns (the row is committed). */
  record(r: RequestRecord): void;
  stats(from: number, to: number): Stats;
  /** Cloud spend since the given local-day and local-month starts. */
  spendSince(dayStart: number, monthStart: number): SpendSoFar;
  recent(limit: number): RequestRecord[];
  getSetting<T>(key: string): T | undefined;
  setSetting(key: string, value: unknown): void;
  close(): void;
}
