// SQLite ledger (better-sqlite3, WAL): the only file that imports the driver.
import { v7 as uuidv7 } from 'uuid';
import Database from 'better-sqlite3';
import type { ApiKeyRecord, Conversation, Ledger, RequestRecord, Stats, StatsSlice, StoredMessage } from './ledger.js';
import { migrate } from './migrate.js';
import { createSqliteRoutingStore } from './sqlite-routing.js';
import type { SpendSoFar } from '../routing/budget.js';

const sliceColumns = `
  COUNT(*) AS requests,
  SUM(status != 'ok') AS errors,
  SUM(input_tokens) AS inputTokens,
  SUM(output_tokens) AS outputTokens,
  SUM(cost_micros) AS costMicros,
  SUM(all_cloud_micros) AS allCloudMicros,
  SUM(MAX(all_cloud_micros - cost_micros, 0)) AS savingsMicros`;

type Row = Record<string, unknown>;

function slice(r: Row): StatsSlice {
  const n = (k: string): number => Number(r[k] ?? 0);
  return {
    requests: n('requests'),
    errors: n('errors'),
    inputTokens: n('inputTokens'),
    outputTokens: n('outputTokens'),
    costMicros: n('costMicros'),
    allCloudMicros: n('allCloudMicros'),
    savingsMicros: n('savingsMicros'),
  };
}

function toRecord(r: Row): RequestRecord {
  return {
    id: String(r.id),
    ts: Number(r.ts),
    protocol: r.protocol as RequestRecord['protocol'],
    route: (r.route ?? null) as RequestRecord['route'],
    model: (r.model ?? null) as string | null,
    engine: (r.engine ?? null) as RequestRecord['engine'],
    complexity: r.complexity === null ? null : Number(r.complexity),
    reasons: JSON.parse(String(r.reasons)) as string[],
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    costMicros: Number(r.cost_micros),
    allCloudMicros: Number(r.all_cloud_micros),
    latencyMs: Number(r.latency_ms),
    ttftMs: r.ttft_ms === null ? null : Number(r.ttft_ms),
    status: r.status as RequestRecord['status'],
    errorType: (r.error_type ?? null) as RequestRecord['errorType'],
    fallbackFrom: JSON.parse(String(r.fallback_from)) as string[],
    prompt: (r.prompt ?? null) as string | null,
    response: (r.response ?? null) as string | null,
    apiKeyId: (r.api_key_id ?? null) as string | null,
  };
}

function toApiKey(r: Row): ApiKeyRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    hash: String(r.hash),
    prefix: String(r.prefix),
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    rateLimitPerMin: r.rate_limit_per_min === null ? null : Number(r.rate_limit_per_min),
    monthlyBudgetMicros: r.monthly_budget_micros === null ? null : Number(r.monthly_budget_micros),
  };
}

function toConversation(r: Row): Conversation {
  return {
    id: String(r.id),
    title: String(r.title),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    messageCount: Number(r.message_count ?? 0),
  };
}

/** `%text%` for LIKE, with LIKE's wildcards in `text` escaped by a backslash (paired with ESCAPE below). */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Open (creating if needed) the ledger at `file` (":memory:" for tests). */
export function openSqliteLedger(file: string): Ledger {
  const db = new Database(file);
  // WAL: readers never block the writer. synchronous=NORMAL: a committed row survives a process crash
  // (kill -9); only an OS crash/power loss can lose the last commits, which is the usual desktop trade-off.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);

  const insert = db.prepare(`
    INSERT INTO requests (id, ts, protocol, route, model, engine, complexity, reasons, input_tokens, output_tokens,
      cost_micros, all_cloud_micros, latency_ms, ttft_ms, status, error_type, fallback_from, prompt, response, api_key_id)
    VALUES (@id, @ts, @protocol, @route, @model, @engine, @complexity, @reasons, @inputTokens, @outputTokens,
      @costMicros, @allCloudMicros, @latencyMs, @ttftMs, @status, @errorType, @fallbackFrom, @prompt, @response, @apiKeyId)`);
  const totals = db.prepare(`SELECT ${sliceColumns},
      SUM(engine IS NOT NULL AND engine != 'anthropic' AND status = 'ok') AS local,
      SUM(engine = 'anthropic' AND status = 'ok') AS cloud,
      AVG(latency_ms) AS avgLatencyMs
    FROM requests WHERE ts >= ? AND ts < ?`);
  const byModel = db.prepare(
    `SELECT model, engine, ${sliceColumns} FROM requests WHERE ts >= ? AND ts < ? AND model IS NOT NULL GROUP BY model, engine ORDER BY requests DESC`,
  );
  const byRoute = db.prepare(
    `SELECT route, ${sliceColumns} FROM requests WHERE ts >= ? AND ts < ? AND route IS NOT NULL GROUP BY route ORDER BY requests DESC`,
  );
  const byDay = db.prepare(
    `SELECT strftime('%Y-%m-%d', ts / 1000, 'unixepoch', 'localtime') AS day, ${sliceColumns} FROM requests WHERE ts >= ? AND ts < ? GROUP BY day ORDER BY day`,
  );
  const spend = db.prepare(`SELECT
      COALESCE(SUM(CASE WHEN ts >= @day THEN cost_micros END), 0) AS today,
      COALESCE(SUM(cost_micros), 0) AS month
    FROM requests WHERE ts >= @month AND cost_micros > 0`);
  const recent = db.prepare(`SELECT * FROM requests ORDER BY ts DESC LIMIT ?`);
  const byApp = db.prepare(
    `SELECT r.api_key_id AS apiKeyId, k.name AS name, ${sliceColumns} FROM requests r LEFT JOIN api_keys k ON k.id = r.api_key_id
     WHERE r.ts >= ? AND r.ts < ? GROUP BY r.api_key_id ORDER BY requests DESC`,
  );
  const insertApiKey = db.prepare(`INSERT INTO api_keys (id, name, hash, prefix, created_at, revoked_at, rate_limit_per_min,
      monthly_budget_micros) VALUES (@id, @name, @hash, @prefix, @createdAt, @revokedAt, @rateLimitPerMin, @monthlyBudgetMicros)`);
  const listApiKeys = db.prepare(`SELECT * FROM api_keys ORDER BY created_at, rowid`);
  const revokeApiKey = db.prepare(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`);
  const spendByApiKey = db.prepare(
    `SELECT api_key_id AS id, SUM(cost_micros) AS spent FROM requests WHERE api_key_id IS NOT NULL AND ts >= ? AND cost_micros > 0 GROUP BY api_key_id`,
  );
  const conversationColumns = `c.id, c.title, c.created_at, c.updated_at,
    (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count`;
  const listConversations = db.prepare(
    `SELECT ${conversationColumns} FROM conversations c ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?`,
  );
  const searchConversations = db.prepare(`SELECT ${conversationColumns} FROM conversations c
    WHERE c.title LIKE @q ESCAPE '\\'
       OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.content LIKE @q ESCAPE '\\')
    ORDER BY c.updated_at DESC, c.rowid DESC LIMIT @limit`);
  const getConversation = db.prepare(`SELECT ${conversationColumns} FROM conversations c WHERE c.id = ?`);
  const insertConversation = db.prepare(`INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)`);
  const renameConversation = db.prepare(`UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?`);
  const touchConversation = db.prepare(`UPDATE conversations SET updated_at = ? WHERE id = ?`);
  const deleteConversation = db.prepare(`DELETE FROM conversations WHERE id = ?`);
  const listMessages = db.prepare(`SELECT m.id AS m_id, m.conversation_id AS m_conversation_id, m.role AS m_role,
      m.content AS m_content, m.request_id AS m_request_id, m.created_at AS m_created_at, r.*
    FROM messages m LEFT JOIN requests r ON m.role = 'assistant' AND r.id = m.request_id
    WHERE m.conversation_id = ? ORDER BY m.created_at, m.rowid`);
  const insertMessage = db.prepare(
    `INSERT INTO messages (id, conversation_id, role, content, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const deleteMessagesFrom = db.prepare(`DELETE FROM messages WHERE conversation_id = @c AND rowid >= (
      SELECT rowid FROM messages WHERE id = @m AND conversation_id = @c)`);
  const appendMessages = db.transaction(
    (conversationId: string, messages: Array<{ role: StoredMessage['role']; content: string; requestId: string | null }>, now: number) => {
      if (touchConversation.run(now, conversationId).changes === 0) return false;
      for (const m of messages) insertMessage.run(uuidv7(), conversationId, m.role, m.content, m.requestId, now);
      return true;
    },
  );
  const deleteAllHistory = db.transaction(() => {
    const messages = db.prepare(`DELETE FROM messages`).run().changes;
    const conversations = db.prepare(`DELETE FROM conversations`).run().changes;
    const requestTexts = db
      .prepare(`UPDATE requests SET prompt = NULL, response = NULL WHERE prompt IS NOT NULL OR response IS NOT NULL`)
      .run().changes;
    // Cached answers are history too.
    db.prepare(`DELETE FROM response_cache`).run();
    return { conversations, messages, requestTexts };
  });
  const getSetting = db.prepare(`SELECT value FROM settings WHERE key = ?`);
  const setSetting = db.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);

  // Hot-path caches: every decision reads settings and spend-so-far. Settings change only through
  // setSetting; spend only through record(), so both stay exact without a query per request.
  const settingsCache = new Map<string, unknown>();
  let spendMemo: { day: number; month: number; spend: SpendSoFar } | undefined;

  return {
    ...createSqliteRoutingStore(db),
    record(r: RequestRecord): void {
      insert.run({ ...r, reasons: JSON.stringify(r.reasons), fallbackFrom: JSON.stringify(r.fallbackFrom), apiKeyId: r.apiKeyId ?? null });
      if (spendMemo && r.costMicros > 0) {
        if (r.ts >= Math.min(spendMemo.day, spendMemo.month)) spendMemo.spend.monthMicros += r.costMicros;
        if (r.ts >= spendMemo.day) spendMemo.spend.todayMicros += r.costMicros;
      }
    },
    stats(from: number, to: number): Stats {
      const t = totals.get(from, to) as Row;
      const s = slice(t);
      const local = Number(t.local ?? 0);
      const cloud = Number(t.cloud ?? 0);
      return {
        from,
        to,
        totals: {
          ...s,
          local,
          cloud,
          localShare: local + cloud === 0 ? 0 : local / (local + cloud),
          savingsPct: s.allCloudMicros === 0 ? 0 : s.savingsMicros / s.allCloudMicros,
          avgLatencyMs: Number(t.avgLatencyMs ?? 0),
        },
        byModel: (byModel.all(from, to) as Row[]).map((r) => ({ model: String(r.model), engine: String(r.engine ?? ''), ...slice(r) })),
        byRoute: (byRoute.all(from, to) as Row[]).map((r) => ({ route: String(r.route), ...slice(r) })),
        byDay: (byDay.all(from, to) as Row[]).map((r) => ({ day: String(r.day), ...slice(r) })),
        byApp: (byApp.all(from, to) as Row[]).map((r) => ({
          apiKeyId: (r.apiKeyId ?? null) as string | null,
          name: (r.name ?? null) as string | null,
          ...slice(r),
        })),
      };
    },
    spendSince(dayStart: number, monthStart: number): SpendSoFar {
      if (!spendMemo || spendMemo.day !== dayStart || spendMemo.month !== monthStart) {
        const r = spend.get({ day: dayStart, month: Math.min(dayStart, monthStart) }) as Row;
        spendMemo = { day: dayStart, month: monthStart, spend: { todayMicros: Number(r.today), monthMicros: Number(r.month) } };
      }
      return { ...spendMemo.spend };
    },
    recent(limit: number): RequestRecord[] {
      return (recent.all(limit) as Row[]).map(toRecord);
    },
    getSetting<T>(key: string): T | undefined {
      if (!settingsCache.has(key)) {
        const r = getSetting.get(key) as { value: string } | undefined;
        settingsCache.set(key, r ? (JSON.parse(r.value) as unknown) : undefined);
      }
      return settingsCache.get(key) as T | undefined;
    },
    setSetting(key: string, value: unknown): void {
      setSetting.run(key, JSON.stringify(value));
      settingsCache.set(key, value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown));
    },
    listConversations({ search, limit }) {
      const q = search?.trim();
      const rows = q ? (searchConversations.all({ q: likePattern(q), limit }) as Row[]) : (listConversations.all(limit) as Row[]);
      return rows.map(toConversation);
    },
    getConversation(id) {
      const r = getConversation.get(id) as Row | undefined;
      return r ? toConversation(r) : undefined;
    },
    createConversation(title, now) {
      const id = uuidv7();
      insertConversation.run(id, title, now, now);
      return { id, title, createdAt: now, updatedAt: now, messageCount: 0 };
    },
    renameConversation(id, title, now) {
      if (renameConversation.run(title, now, id).changes === 0) return undefined;
      return toConversation(getConversation.get(id) as Row);
    },
    deleteConversation(id) {
      return deleteConversation.run(id).changes > 0;
    },
    listMessages(conversationId) {
      return (listMessages.all(conversationId) as Row[]).map((r): StoredMessage => {
        let request: StoredMessage['request'] = null;
        if (r.id !== null && r.id !== undefined) {
          const { prompt: _prompt, response: _response, ...rest } = toRecord(r);
          request = rest;
        }
        return {
          id: String(r.m_id),
          conversationId: String(r.m_conversation_id),
          role: r.m_role as StoredMessage['role'],
          content: String(r.m_content),
          requestId: (r.m_request_id ?? null) as string | null,
          createdAt: Number(r.m_created_at),
          request,
        };
      });
    },
    appendMessages(conversationId, messages, now) {
      return appendMessages(conversationId, messages, now);
    },
    deleteMessagesFrom(conversationId, messageId) {
      return deleteMessagesFrom.run({ c: conversationId, m: messageId }).changes;
    },
    deleteAllHistory() {
      return deleteAllHistory();
    },
    createApiKey(key) {
      insertApiKey.run(key);
    },
    listApiKeys() {
      return (listApiKeys.all() as Row[]).map(toApiKey);
    },
    revokeApiKey(id, at) {
      return revokeApiKey.run(at, id).changes > 0;
    },
    spendByApiKeySince(since) {
      return Object.fromEntries((spendByApiKey.all(since) as Row[]).map((r) => [String(r.id), Number(r.spent)]));
    },
    close(): void {
      db.close();
    },
  };
}
