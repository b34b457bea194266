// SQLite ledger (better-sqlite3, WAL): the only file that imports the driver. Synchronous inside, async outside.
import { timeOrderedId } from '../ids.js';
import Database from 'better-sqlite3';
import type { BudgetReservationRequest, Ledger, NewMessage, RequestRecord, Stats, SyncLedger } from './ledger.js';
import { migrate } from './migrate.js';
import {
  CLOUD_ENGINES_SQL,
  likePattern,
  MESSAGES_SQL,
  RECORD_COLUMNS,
  recordValues,
  statsFrom,
  toApiKey,
  toConversation,
  toRecord,
  notHelpful,
  toStoredMessage,
  type Row,
} from './rows.js';
import { createSqliteRoutingStore } from './sqlite-routing.js';
import { activePath, type TreeNode } from './tree.js';
import { budgetGuard, type SpendSoFar } from '../routing/budget.js';

/** The sums of a stats slice over `requests` (named `t` in the query); savings leave out answers that were no help. */
const slice = (t: string): string => `
  COUNT(*) AS requests,
  SUM(status != 'ok') AS errors,
  SUM(input_tokens) AS inputTokens,
  SUM(output_tokens) AS outputTokens,
  SUM(cost_micros) AS costMicros,
  SUM(all_cloud_micros) AS allCloudMicros,
  SUM(CASE WHEN ${notHelpful(t)} THEN 0 ELSE MAX(all_cloud_micros - cost_micros, 0) END) AS savingsMicros`;
const sliceColumns = slice('requests');

/** The SQLite ledger: the async Ledger, plus its synchronous inside for tools and tests that read a local file. */
export interface SqliteLedger extends Ledger {
  readonly kind: 'sqlite';
  /** The same store answering synchronously (no promise): shares its caches and reservations with the async face. */
  readonly sync: SyncLedger;
}

/** True when `l` is the SQLite store (and so has a synchronous face). */
export function isSqliteLedger(l: Ledger): l is SqliteLedger {
  return l.kind === 'sqlite' && 'sync' in l;
}

/**
 * Wrap every method of the synchronous store in a resolved (or rejected) promise: no queue, no extra work, so the
 * per-request hot path costs one promise per call more than before. `record` is the exception: see groupCommit.
 */
function asyncFace(store: SyncStore): SqliteLedger {
  const sync = store.ledger;
  const out: Record<string, unknown> = { kind: 'sqlite', shared: false, sync };
  for (const [name, fn] of Object.entries(sync)) {
    if (typeof fn !== 'function') continue;
    out[name] = (...args: unknown[]): Promise<unknown> => {
      try {
        return Promise.resolve((fn as (...a: unknown[]) => unknown)(...args));
      } catch (e) {
        return Promise.reject(e as Error);
      }
    };
  }
  const commit = groupCommit(store);
  out.record = commit.record;
  out.close = (): Promise<void> => {
    commit.flush();
    sync.close();
    return Promise.resolve();
  };
  return out as unknown as SqliteLedger;
}

/**
 * Group commit: rows recorded in one turn of the event loop are inserted in one transaction, and each promise resolves
 * only after that transaction committed, so an answer is still reported only once its row is durable (a kill -9 loses
 * no reported row). why: a commit is most of an insert's cost (~30 µs alone, ~10 µs a row in a transaction of 16), and
 * under concurrent load many requests finish in the same turn. A row the batch cannot take (a constraint) fails alone:
 * the batch is then written row by row.
 */
function groupCommit(store: SyncStore): { record(r: RequestRecord): Promise<void>; flush(): void } {
  let pending: Array<{ row: RequestRecord; resolve: () => void; reject: (e: Error) => void }> = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const batch = pending;
    if (batch.length === 0) return;
    pending = [];
    try {
      store.recordAll(batch.map((b) => b.row));
    } catch (e) {
      // A batch of one already failed on its own row: no second try.
      if (batch.length === 1) {
        batch[0]!.reject(e as Error);
        return;
      }
      for (const b of batch) {
        try {
          store.ledger.record(b.row);
          b.resolve();
        } catch (e) {
          b.reject(e as Error);
        }
      }
      return;
    }
    for (const b of batch) b.resolve();
  };
  return {
    record(row: RequestRecord): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        pending.push({ row, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // setImmediate: after the I/O callbacks of this turn, so every request that finished in it shares the commit.
          setImmediate(flush);
        }
      });
    },
    flush,
  };
}

/** Open (creating if needed) the ledger at `file` (":memory:" for tests). */
export function openSqliteLedger(file: string): SqliteLedger {
  return asyncFace(openSyncSqliteLedger(file));
}

/** The synchronous store, and its many-rows insert for group commit. */
interface SyncStore {
  ledger: SyncLedger;
  /** Insert `rows` in one transaction (all or none), then settle their budget reservations. */
  recordAll(rows: RequestRecord[]): void;
}

/** Open (creating if needed) the database at `file` and bring its schema up to date. */
function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  // WAL: readers never block the writer. synchronous=NORMAL: a committed row survives a process crash
  // (kill -9); only an OS crash/power loss can lose the last commits, which is the usual desktop trade-off.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** The stats, spend and recent-requests queries. */
function statsStatements(db: Database.Database) {
  const totals = db.prepare(`SELECT ${sliceColumns},
      SUM(engine IS NOT NULL AND engine NOT IN (${CLOUD_ENGINES_SQL}) AND status = 'ok') AS local,
      SUM(engine IN (${CLOUD_ENGINES_SQL}) AND status = 'ok') AS cloud,
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
    `SELECT r.api_key_id AS apiKeyId, k.name AS name, ${slice('r')} FROM requests r LEFT JOIN api_keys k ON k.id = r.api_key_id
     WHERE r.ts >= ? AND r.ts < ? GROUP BY r.api_key_id ORDER BY requests DESC`,
  );
  return { totals, byModel, byRoute, byDay, spend, recent, byApp };
}

/** The app keys and their spend. */
function apiKeyStatements(db: Database.Database) {
  const insertApiKey = db.prepare(`INSERT INTO api_keys (id, name, hash, prefix, created_at, revoked_at, rate_limit_per_min,
      monthly_budget_micros) VALUES (@id, @name, @hash, @prefix, @createdAt, @revokedAt, @rateLimitPerMin, @monthlyBudgetMicros)`);
  const listApiKeys = db.prepare(`SELECT * FROM api_keys ORDER BY created_at, rowid`);
  const revokeApiKey = db.prepare(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`);
  const spendByApiKey = db.prepare(
    `SELECT api_key_id AS id, SUM(cost_micros) AS spent FROM requests WHERE api_key_id IS NOT NULL AND ts >= ? AND cost_micros > 0 GROUP BY api_key_id`,
  );
  return { insertApiKey, listApiKeys, revokeApiKey, spendByApiKey };
}

/** The conversations and their message trees (each answer's versions a branch). */
type SyncConversations = Pick<
  SyncLedger,
  | 'listConversations'
  | 'getConversation'
  | 'createConversation'
  | 'renameConversation'
  | 'deleteConversation'
  | 'listMessages'
  | 'appendMessages'
  | 'setLeaf'
  | 'deleteMessage'
  | 'deleteAllHistory'
>;

/** Conversations and their message trees over `db`: their statements, the transactions over them, the store's methods. */
function sqliteConversations(db: Database.Database): SyncConversations {
  const conversationColumns = `c.id, c.title, c.created_at, c.updated_at, c.leaf_id,
    (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count`;
  const listConversations = db.prepare(
    `SELECT ${conversationColumns} FROM conversations c ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?`,
  );
  const searchConversations = db.prepare(`SELECT ${conversationColumns},
      (SELECT m.content FROM messages m WHERE m.conversation_id = c.id AND m.content LIKE @q ESCAPE '\\'
        ORDER BY m.created_at, m.rowid LIMIT 1) AS match_content
    FROM conversations c
    WHERE c.title LIKE @q ESCAPE '\\'
       OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.content LIKE @q ESCAPE '\\')
    ORDER BY c.updated_at DESC, c.rowid DESC LIMIT @limit`);
  const getConversation = db.prepare(`SELECT ${conversationColumns} FROM conversations c WHERE c.id = ?`);
  const insertConversation = db.prepare(`INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)`);
  const renameConversation = db.prepare(`UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?`);
  const deleteConversation = db.prepare(`DELETE FROM conversations WHERE id = ?`);
  const listMessages = db.prepare(`${MESSAGES_SQL} WHERE m.conversation_id = ? ORDER BY m.created_at, m.rowid`);
  const insertMessage = db.prepare(
    `INSERT INTO messages (id, conversation_id, role, content, request_id, created_at, retry_of, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const treeOf = db.prepare(`SELECT id, parent_id AS parentId FROM messages WHERE conversation_id = ? ORDER BY created_at, rowid`);
  const leafOf = db.prepare(`SELECT leaf_id FROM conversations WHERE id = ?`);
  const setLeaf = db.prepare(`UPDATE conversations SET leaf_id = ? WHERE id = ?`);
  const touchWithLeaf = db.prepare(`UPDATE conversations SET updated_at = ?, leaf_id = ? WHERE id = ?`);
  const messageIn = db.prepare(`SELECT id, parent_id FROM messages WHERE id = ? AND conversation_id = ?`);
  const reparent = db.prepare(`UPDATE messages SET parent_id = ? WHERE parent_id = ? AND conversation_id = ?`);
  const moveLeaf = db.prepare(`UPDATE conversations SET leaf_id = ? WHERE id = ? AND leaf_id = ?`);
  const deleteMessage = db.prepare(`DELETE FROM messages WHERE id = ? AND conversation_id = ?`);
  /** The end of the path on screen: where a message sent without a parent goes. */
  const pathEnd = (conversationId: string, leafId: string | null): string | null =>
    activePath(treeOf.all(conversationId) as TreeNode[], leafId).at(-1)?.id ?? null;
  const appendMessages = db.transaction((conversationId: string, messages: NewMessage[], now: number, parentId?: string | null) => {
    const c = leafOf.get(conversationId) as { leaf_id: string | null } | undefined;
    if (!c) return false;
    let parent = parentId === undefined ? pathEnd(conversationId, c.leaf_id) : parentId;
    for (const m of messages) {
      const id = timeOrderedId();
      insertMessage.run(id, conversationId, m.role, m.content, m.requestId, now, m.retryOf ?? null, parent);
      parent = id;
    }
    touchWithLeaf.run(now, messages.length > 0 ? parent : c.leaf_id, conversationId);
    return true;
  });
  const deleteOne = db.transaction((conversationId: string, messageId: string) => {
    const m = messageIn.get(messageId, conversationId) as { parent_id: string | null } | undefined;
    if (!m) return 0;
    reparent.run(m.parent_id, messageId, conversationId);
    moveLeaf.run(m.parent_id, conversationId, messageId);
    return deleteMessage.run(messageId, conversationId).changes;
  });
  const deleteAllHistory = db.transaction(() => {
    const messages = db.prepare(`DELETE FROM messages`).run().changes;
    const conversations = db.prepare(`DELETE FROM conversations`).run().changes;
    const requestTexts = db
      .prepare(`UPDATE requests SET prompt = NULL, response = NULL WHERE prompt IS NOT NULL OR response IS NOT NULL`)
      .run().changes;
    // Cached answers are history too.
    db.prepare(`DELETE FROM response_cache`).run();
    db.prepare(`DELETE FROM stored_responses`).run();
    db.prepare(`DELETE FROM sealed_responses`).run();
    return { conversations, messages, requestTexts };
  });
  return {
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
      const id = timeOrderedId();
      insertConversation.run(id, title, now, now);
      return { id, title, createdAt: now, updatedAt: now, messageCount: 0, leafId: null };
    },
    renameConversation(id, title, now) {
      if (renameConversation.run(title, now, id).changes === 0) return undefined;
      return toConversation(getConversation.get(id) as Row);
    },
    deleteConversation(id) {
      return deleteConversation.run(id).changes > 0;
    },
    listMessages(conversationId) {
      return (listMessages.all(conversationId) as Row[]).map(toStoredMessage);
    },
    appendMessages(conversationId, messages, now, parentId) {
      return appendMessages(conversationId, messages, now, parentId);
    },
    setLeaf(conversationId, leafId) {
      if (!messageIn.get(leafId, conversationId)) return false;
      return setLeaf.run(leafId, conversationId).changes > 0;
    },
    deleteMessage(conversationId, messageId) {
      return deleteOne(conversationId, messageId);
    },
    deleteAllHistory() {
      return deleteAllHistory();
    },
  };
}

/** Stored responses (the Responses API), settings and the write probe. */
function storedStatements(db: Database.Database) {
  const saveResponse = db.prepare(
    `INSERT INTO stored_responses (id, created_at, body, owner) VALUES (?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET body = excluded.body WHERE stored_responses.owner = excluded.owner`,
  );
  // Written only inside a savepoint that is rolled back (probeWrite): the key never reaches the table.
  const probeInsert = db.prepare(`INSERT INTO settings (key, value) VALUES ('health.writeProbe', '0')`);
  const getResponse = db.prepare(`SELECT body FROM stored_responses WHERE id = ? AND owner = ?`);
  const deleteResponse = db.prepare(`DELETE FROM stored_responses WHERE id = ? AND owner = ?`);
  const saveSealed = db.prepare(
    `INSERT INTO sealed_responses (key, owner, expires_at, body) VALUES (?, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET body = excluded.body, expires_at = excluded.expires_at WHERE sealed_responses.owner = excluded.owner`,
  );
  const purgeSealed = db.prepare(`DELETE FROM sealed_responses WHERE expires_at <= ?`);
  const getSealed = db.prepare(`SELECT body FROM sealed_responses WHERE key = ? AND owner = ? AND expires_at > ?`);
  const deleteSealed = db.prepare(`DELETE FROM sealed_responses WHERE key = ? AND owner = ?`);
  const clearSealed = db.prepare(`DELETE FROM sealed_responses`);
  const sealed = { saveSealed, purgeSealed, getSealed, deleteSealed, clearSealed };
  const getSetting = db.prepare(`SELECT value FROM settings WHERE key = ?`);
  const allSettings = db.prepare(`SELECT key, value FROM settings`);
  const setSetting = db.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
  return { saveResponse, probeInsert, getResponse, deleteResponse, sealed, getSetting, allSettings, setSetting };
}

/** The synchronous store over one better-sqlite3 connection. */
function openSyncSqliteLedger(file: string): SyncStore {
  const db = openDatabase(file);
  const insert = db.prepare(
    `INSERT INTO requests (${RECORD_COLUMNS}) VALUES (${RECORD_COLUMNS.split(',')
      .map(() => '?')
      .join(', ')})`,
  );
  const { totals, byModel, byRoute, byDay, spend, recent, byApp } = statsStatements(db);
  const { insertApiKey, listApiKeys, revokeApiKey, spendByApiKey } = apiKeyStatements(db);
  const conversations = sqliteConversations(db);
  const { saveResponse, probeInsert, getResponse, deleteResponse, sealed, getSetting, allSettings, setSetting } = storedStatements(db);

  // Hot-path caches: every decision reads settings and spend-so-far. Settings change only through
  // setSetting; spend only through record(), so both stay exact without a query per request.
  const settingsCache = new Map<string, unknown>();
  let spendMemo: { day: number; month: number; spend: SpendSoFar } | undefined;
  const spendSince = (dayStart: number, monthStart: number): SpendSoFar => {
    if (!spendMemo || spendMemo.day !== dayStart || spendMemo.month !== monthStart) {
      const r = spend.get({ day: dayStart, month: Math.min(dayStart, monthStart) }) as Row;
      spendMemo = { day: dayStart, month: monthStart, spend: { todayMicros: Number(r.today), monthMicros: Number(r.month) } };
    }
    return { ...spendMemo.spend };
  };

  // Budget reservations of cloud calls in flight. One process owns a SQLite ledger, so memory is exact here and
  // costs no query: a reservation is checked and taken in one synchronous step that no other request can interleave.
  const reserved = new Map<string, number>();
  let reservedTotal = 0;
  const release = (id: string): void => {
    const m = reserved.get(id);
    if (m === undefined) return;
    reserved.delete(id);
    reservedTotal -= m;
  };

  /** A committed row: its reservation goes and its cost joins the spend memo. */
  const recorded = (r: RequestRecord): void => {
    release(r.id);
    if (spendMemo && r.costMicros > 0) {
      if (r.ts >= Math.min(spendMemo.day, spendMemo.month)) spendMemo.spend.monthMicros += r.costMicros;
      if (r.ts >= spendMemo.day) spendMemo.spend.todayMicros += r.costMicros;
    }
  };
  const insertAll = db.transaction((rows: RequestRecord[]) => {
    for (const r of rows) insert.run(recordValues(r));
  });
  // Expired sealed responses go as new ones come (as the response cache purges on put): no timer needed.
  const purgeSealedAndSave = db.transaction((key: string, body: string, owner: string, expiresAt: number, now: number) => {
    sealed.purgeSealed.run(now);
    sealed.saveSealed.run(key, owner, expiresAt, body);
  });

  const ledger: SyncLedger = {
    kind: 'sqlite',
    shared: false,
    ...createSqliteRoutingStore(db),
    record(r: RequestRecord): void {
      insert.run(recordValues(r));
      recorded(r);
    },
    budgetSpend(dayStart: number, monthStart: number): SpendSoFar {
      const s = spendSince(dayStart, monthStart);
      return { todayMicros: s.todayMicros + reservedTotal, monthMicros: s.monthMicros + reservedTotal };
    },
    reserveBudget(q: BudgetReservationRequest) {
      const s = spendSince(q.dayStart, q.monthStart);
      const others = reservedTotal - (reserved.get(q.id) ?? 0);
      const seen = { todayMicros: s.todayMicros + others, monthMicros: s.monthMicros + others };
      // A refused request will not call the cloud: an earlier reservation of it goes too.
      release(q.id);
      if (!budgetGuard(seen, q.caps, q.micros).allowCloud) return { reserved: false, spend: seen };
      reserved.set(q.id, q.micros);
      reservedTotal += q.micros;
      return { reserved: true, spend: seen };
    },
    releaseBudget(id: string): void {
      release(id);
    },
    stats(from: number, to: number): Stats {
      return statsFrom(
        from,
        to,
        totals.get(from, to) as Row,
        byModel.all(from, to) as Row[],
        byRoute.all(from, to) as Row[],
        byDay.all(from, to) as Row[],
        byApp.all(from, to) as Row[],
      );
    },
    spendSince,
    recent(limit: number): RequestRecord[] {
      return (recent.all(limit) as Row[]).map(toRecord);
    },
    getSetting(key: string): unknown {
      if (!settingsCache.has(key)) {
        const r = getSetting.get(key) as { value: string } | undefined;
        settingsCache.set(key, r ? (JSON.parse(r.value) as unknown) : undefined);
      }
      return settingsCache.get(key);
    },
    allSettings(): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const r of allSettings.all() as Array<{ key: string; value: string }>) {
        out[r.key] = JSON.parse(r.value) as unknown;
        settingsCache.set(r.key, out[r.key]);
      }
      return out;
    },
    setSetting(key: string, value: unknown): void {
      setSetting.run(key, JSON.stringify(value));
      settingsCache.set(key, value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown));
    },
    ...conversations,
    probeWrite(): void {
      db.exec('SAVEPOINT write_probe');
      try {
        probeInsert.run();
      } finally {
        db.exec('ROLLBACK TO write_probe');
        db.exec('RELEASE write_probe');
      }
    },
    saveResponse(id, createdAt, body, owner = '') {
      saveResponse.run(id, createdAt, body, owner);
    },
    getResponse(id, owner = '') {
      return (getResponse.get(id, owner) as { body: string } | undefined)?.body;
    },
    deleteResponse(id, owner = '') {
      return deleteResponse.run(id, owner).changes > 0;
    },
    saveSealedResponse(key, body, owner, expiresAt, now) {
      purgeSealedAndSave(key, body, owner, expiresAt, now);
    },
    getSealedResponse(key, owner, now) {
      return (sealed.getSealed.get(key, owner, now) as { body: string } | undefined)?.body;
    },
    deleteSealedResponse(key, owner) {
      return sealed.deleteSealed.run(key, owner).changes > 0;
    },
    clearSealedResponses() {
      return sealed.clearSealed.run().changes;
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
      if (db.open) db.close();
    },
  };
  return {
    ledger,
    recordAll(rows: RequestRecord[]): void {
      if (rows.length === 1) insert.run(recordValues(rows[0]!));
      else insertAll(rows);
      for (const r of rows) recorded(r);
    },
  };
}
