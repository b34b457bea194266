// PostgreSQL ledger (node-postgres Pool): the only file that imports pg. Same interface and migrations as SQLite, shared by gateway replicas.
//
// Nothing another replica can change (spend, reservations, settings, keys) is cached here: every read is a query.
// Budget reservations are rows, checked and taken under one advisory lock, so replicas cannot both spend the same
// headroom.
import pg from 'pg';
import { timeOrderedId } from '../ids.js';
import { budgetGuard, type SpendSoFar } from '../routing/budget.js';
import type { BudgetReservationRequest, Ledger, NewMessage, RequestRecord } from './ledger.js';
import { redactUrl } from './ledger-url.js';
import { migratePostgres } from './migrate.js';
import { activePath, type TreeNode } from './tree.js';
import { createPostgresRoutingStore } from './postgres-routing.js';
import {
  CLOUD_ENGINES_SQL,
  likePattern,
  MESSAGES_SQL,
  RECORD_COLUMNS,
  RECORD_PLACEHOLDERS,
  recordValues,
  statsFrom,
  toApiKey,
  notHelpful,
  toConversation,
  toRecord,
  toStoredMessage,
  type Row,
} from './rows.js';

/**
 * How long a budget reservation counts when its request never reports back. why: a replica killed mid-call leaves
 * its reservation behind; it must stop holding headroom eventually, but not while a live call may still be
 * streaming. 15 minutes is longer than any answer the cloud engine streams at its default limits (1,024 output
 * tokens take well under a minute; even a 32k-token answer at ~50 tokens/s is ~11 min), and short enough that a
 * crash blocks spend for a quarter of an hour at most.
 */
export const RESERVATION_TTL_MS = 15 * 60_000;

/**
 * Key of the advisory lock taken by every reservation (pg_advisory_xact_lock, released at commit): an arbitrary
 * 63-bit constant, distinct from the migration lock's; only this app takes it.
 */
export const BUDGET_LOCK_KEY = '4727305919829357681';

/** why: 10 connections per replica serve dozens of concurrent requests (each holds one for a millisecond or so). */
const POOL_SIZE = 10;
/** why: a request that cannot get a connection within 10 s is better answered with an error than left hanging. */
const CONNECT_TIMEOUT_MS = 10_000;

/** What {@link openPostgresLedger} needs. */
export interface PostgresLedgerOptions {
  /** postgres://user:password@host:port/db (the password is never logged or put into an error). */
  url: string;
  /** Errors of idle pooled connections (the server restarted, the network dropped); without a handler they crash the process. */
  onIdleError?: (message: string) => void;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/** The time zone days are counted in for byDay stats: this process's, like SQLite's 'localtime'. */
function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Replace the password (raw and URL-encoded) anywhere in `message`. */
function scrub(message: string, url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return message;
  }
  if (!password) return message;
  let out = message.split(password).join('***');
  try {
    const decoded = decodeURIComponent(password);
    if (decoded) out = out.split(decoded).join('***');
  } catch {
    // A malformed escape: the raw form was already replaced.
  }
  return out;
}

/** Why a connection failed, in words (pg and Node errors carry a code). */
function describeConnectError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const hints: Record<string, string> = {
    ECONNREFUSED: 'nothing listens there (is PostgreSQL running, and is the port right?)',
    ENOTFOUND: 'the host name does not resolve',
    ETIMEDOUT: 'the connection timed out',
    '28P01': 'the password was refused',
    '28000': 'the server refused this user or client address (pg_hba.conf)',
    '3D000': 'the database does not exist (create it first)',
  };
  const hint = err.code ? hints[err.code] : undefined;
  return hint ? `${hint}: ${err.message ?? err.code}` : (err.message ?? String(e));
}

/**
 * Connect, check the server answers and bring the schema up to date. Fails with a plain message naming the URL
 * (password hidden) and why, never a stack.
 */
export async function openPostgresLedger(opts: PostgresLedgerOptions): Promise<Ledger> {
  const shown = redactUrl(opts.url);
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: opts.applicationName ?? 'hybrid-ai',
  });
  pool.on('error', (e) => opts.onIdleError?.(scrub(e.message, opts.url)));
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`Cannot connect to the PostgreSQL ledger at ${shown}: ${scrub(describeConnectError(e), opts.url)}`);
  }
  try {
    await migratePostgres(pool);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`Cannot prepare the PostgreSQL ledger at ${shown}: ${scrub((e as Error).message, opts.url)}`);
  }
  return createPostgresLedger(pool);
}

/** The sums of a stats slice over `requests` (named `t` in the query); savings leave out answers that were no help. */
const slice = (t: string): string => `
  COUNT(*) AS requests,
  COUNT(*) FILTER (WHERE status <> 'ok') AS errors,
  COALESCE(SUM(input_tokens), 0) AS "inputTokens",
  COALESCE(SUM(output_tokens), 0) AS "outputTokens",
  COALESCE(SUM(cost_micros), 0) AS "costMicros",
  COALESCE(SUM(all_cloud_micros), 0) AS "allCloudMicros",
  COALESCE(SUM(CASE WHEN ${notHelpful(t)} THEN 0 ELSE GREATEST(all_cloud_micros - cost_micros, 0) END), 0) AS "savingsMicros"`;
const sliceColumns = slice('requests');

const conversationColumns = `c.id, c.title, c.created_at, c.updated_at, c.leaf_id,
  (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count`;

/**
 * Spend since the month start ($2) split by the day start ($1), and live reservations other than request $4 at
 * time $3: one statement, so one snapshot (a request recorded concurrently is seen either as its row or as its
 * reservation, never both or neither).
 */
const SPEND_SQL = `SELECT
    COALESCE(SUM(cost_micros) FILTER (WHERE ts >= $1), 0) AS today,
    COALESCE(SUM(cost_micros), 0) AS month,
    (SELECT COALESCE(SUM(micros), 0) FROM budget_reservations WHERE expires_at > $3 AND id <> $4) AS held
  FROM requests WHERE ts >= $2 AND cost_micros > 0`;

/** Build the ledger over a migrated pool. */
function createPostgresLedger(pool: pg.Pool): Ledger {
  const rows = async (text: string, values: unknown[] = []): Promise<Row[]> => (await pool.query<Row>(text, values)).rows;

  /** Run `fn` in one transaction on one pooled connection. */
  async function tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  const spendAndHeld = async (
    q: Pick<pg.Pool, 'query'>,
    dayStart: number,
    monthStart: number,
    now: number,
    exceptId: string,
  ): Promise<{ spend: SpendSoFar; held: number }> => {
    const r = (await q.query<Row>(SPEND_SQL, [dayStart, Math.min(dayStart, monthStart), now, exceptId])).rows[0]!;
    return { spend: { todayMicros: Number(r.today), monthMicros: Number(r.month) }, held: Number(r.held) };
  };

  const conversation = async (id: string) => {
    const [r] = await rows(`SELECT ${conversationColumns} FROM conversations c WHERE c.id = $1`, [id]);
    return r ? toConversation(r) : undefined;
  };

  return {
    kind: 'postgres',
    shared: true,
    ...createPostgresRoutingStore(pool),
    async record(r: RequestRecord) {
      // One statement: the row goes in and the request's reservation goes out atomically (a concurrent budget check
      // sees one or the other). It has committed when the promise resolves, so a reported answer survives kill -9.
      await pool.query(
        `WITH released AS (DELETE FROM budget_reservations WHERE id = $1)
         INSERT INTO requests (${RECORD_COLUMNS})
         VALUES (${RECORD_PLACEHOLDERS})`,
        recordValues(r),
      );
    },
    async stats(from, to) {
      const tz = localTimeZone();
      const [totals, byModel, byRoute, byDay, byApp] = await Promise.all([
        rows(
          `SELECT ${sliceColumns},
             COUNT(*) FILTER (WHERE engine IS NOT NULL AND engine NOT IN (${CLOUD_ENGINES_SQL}) AND status = 'ok') AS local,
             COUNT(*) FILTER (WHERE engine IN (${CLOUD_ENGINES_SQL}) AND status = 'ok') AS cloud,
             AVG(latency_ms) AS "avgLatencyMs"
           FROM requests WHERE ts >= $1 AND ts < $2`,
          [from, to],
        ),
        rows(
          `SELECT model, engine, ${sliceColumns} FROM requests WHERE ts >= $1 AND ts < $2 AND model IS NOT NULL
           GROUP BY model, engine ORDER BY requests DESC, model, engine`,
          [from, to],
        ),
        rows(
          `SELECT route, ${sliceColumns} FROM requests WHERE ts >= $1 AND ts < $2 AND route IS NOT NULL
           GROUP BY route ORDER BY requests DESC, route`,
          [from, to],
        ),
        rows(
          `SELECT to_char(to_timestamp(ts / 1000.0) AT TIME ZONE $3, 'YYYY-MM-DD') AS day, ${sliceColumns}
           FROM requests WHERE ts >= $1 AND ts < $2 GROUP BY 1 ORDER BY 1`,
          [from, to, tz],
        ),
        rows(
          `SELECT r.api_key_id AS "apiKeyId", k.name AS name, ${slice('r')}
           FROM requests r LEFT JOIN api_keys k ON k.id = r.api_key_id
           WHERE r.ts >= $1 AND r.ts < $2 GROUP BY r.api_key_id, k.name ORDER BY requests DESC, r.api_key_id NULLS FIRST`,
          [from, to],
        ),
      ]);
      return statsFrom(from, to, totals[0]!, byModel, byRoute, byDay, byApp);
    },
    async spendSince(dayStart, monthStart) {
      // Recorded rows only: at the end of time no reservation is live.
      return (await spendAndHeld(pool, dayStart, monthStart, Number.MAX_SAFE_INTEGER, '')).spend;
    },
    async budgetSpend(dayStart, monthStart, now) {
      const { spend, held } = await spendAndHeld(pool, dayStart, monthStart, now, '');
      return { todayMicros: spend.todayMicros + held, monthMicros: spend.monthMicros + held };
    },
    async reserveBudget(q: BudgetReservationRequest) {
      return tx(async (c) => {
        // Every replica's reservation takes this lock first, so the check below and the insert are one step for
        // all of them: the next one waits for this commit and then sees this reservation.
        await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [BUDGET_LOCK_KEY]);
        await c.query('DELETE FROM budget_reservations WHERE expires_at <= $1', [q.now]);
        const { spend, held } = await spendAndHeld(c, q.dayStart, q.monthStart, q.now, q.id);
        const seen = { todayMicros: spend.todayMicros + held, monthMicros: spend.monthMicros + held };
        if (!budgetGuard(seen, q.caps, q.micros).allowCloud) {
          // A refused request will not call the cloud: an earlier reservation of it goes too.
          await c.query('DELETE FROM budget_reservations WHERE id = $1', [q.id]);
          return { reserved: false, spend: seen };
        }
        await c.query(
          `INSERT INTO budget_reservations (id, micros, created_at, expires_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET micros = EXCLUDED.micros, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
          [q.id, q.micros, q.now, q.now + RESERVATION_TTL_MS],
        );
        return { reserved: true, spend: seen };
      });
    },
    async releaseBudget(id) {
      await pool.query('DELETE FROM budget_reservations WHERE id = $1', [id]);
    },
    async recent(limit) {
      return (await rows(`SELECT ${RECORD_COLUMNS} FROM requests ORDER BY ts DESC, seq DESC LIMIT $1`, [limit])).map(toRecord);
    },
    async getSetting<T>(key: string) {
      const [r] = await rows(`SELECT value FROM settings WHERE key = $1`, [key]);
      return r ? (JSON.parse(String(r.value)) as T) : undefined;
    },
    async allSettings() {
      return Object.fromEntries(
        (await rows(`SELECT key, value FROM settings`)).map((r) => [String(r.key), JSON.parse(String(r.value)) as unknown]),
      );
    },
    async setSetting(key, value) {
      await pool.query(`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
        key,
        JSON.stringify(value),
      ]);
    },
    async listConversations({ search, limit }) {
      const q = search?.trim();
      const found = q
        ? await rows(
            `SELECT ${conversationColumns},
               (SELECT m.content FROM messages m WHERE m.conversation_id = c.id AND m.content ILIKE $1 ESCAPE '\\'
                 ORDER BY m.created_at, m.seq LIMIT 1) AS match_content
             FROM conversations c
             WHERE c.title ILIKE $1 ESCAPE '\\'
                OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.content ILIKE $1 ESCAPE '\\')
             ORDER BY c.updated_at DESC, c.seq DESC LIMIT $2`,
            [likePattern(q), limit],
          )
        : await rows(`SELECT ${conversationColumns} FROM conversations c ORDER BY c.updated_at DESC, c.seq DESC LIMIT $1`, [limit]);
      return found.map(toConversation);
    },
    getConversation: conversation,
    async createConversation(title, now) {
      const id = timeOrderedId();
      await pool.query(`INSERT INTO conversations (id, title, created_at, updated_at) VALUES ($1, $2, $3, $3)`, [id, title, now]);
      return { id, title, createdAt: now, updatedAt: now, messageCount: 0, leafId: null };
    },
    async renameConversation(id, title, now) {
      const r = await pool.query(`UPDATE conversations SET title = $1, updated_at = $2 WHERE id = $3`, [title, now, id]);
      return r.rowCount === 0 ? undefined : conversation(id);
    },
    async deleteConversation(id) {
      // Messages go with it (ON DELETE CASCADE).
      return ((await pool.query(`DELETE FROM conversations WHERE id = $1`, [id])).rowCount ?? 0) > 0;
    },
    async listMessages(conversationId) {
      return (await rows(`${MESSAGES_SQL} WHERE m.conversation_id = $1 ORDER BY m.created_at, m.seq`, [conversationId])).map(
        toStoredMessage,
      );
    },
    async appendMessages(conversationId, messages: NewMessage[], now, parentId) {
      return tx(async (c) => {
        // The row lock serialises appends to one conversation (across gateways), so two cannot both follow the same leaf.
        const conv = (await c.query<Row>(`SELECT leaf_id FROM conversations WHERE id = $1 FOR UPDATE`, [conversationId])).rows[0];
        if (!conv) return false;
        const leafId = conv.leaf_id === null ? null : String(conv.leaf_id);
        let parent = parentId;
        if (parent === undefined) {
          const tree = await c.query<TreeNode>(
            `SELECT id, parent_id AS "parentId" FROM messages WHERE conversation_id = $1 ORDER BY created_at, seq`,
            [conversationId],
          );
          parent = activePath(tree.rows, leafId).at(-1)?.id ?? null;
        }
        for (const m of messages) {
          const id = timeOrderedId();
          await c.query(
            `INSERT INTO messages (id, conversation_id, role, content, request_id, created_at, retry_of, parent_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [id, conversationId, m.role, m.content, m.requestId, now, m.retryOf ?? null, parent],
          );
          parent = id;
        }
        await c.query(`UPDATE conversations SET updated_at = $1, leaf_id = $2 WHERE id = $3`, [
          now,
          messages.length > 0 ? parent : leafId,
          conversationId,
        ]);
        return true;
      });
    },
    async setLeaf(conversationId, leafId) {
      const r = await pool.query(
        `UPDATE conversations SET leaf_id = $2 WHERE id = $1
           AND EXISTS (SELECT 1 FROM messages WHERE id = $2 AND conversation_id = $1)`,
        [conversationId, leafId],
      );
      return (r.rowCount ?? 0) > 0;
    },
    async deleteMessage(conversationId, messageId) {
      return tx(async (c) => {
        const m = (
          await c.query<Row>(`SELECT parent_id FROM messages WHERE id = $1 AND conversation_id = $2 FOR UPDATE`, [
            messageId,
            conversationId,
          ])
        ).rows[0];
        if (!m) return 0;
        await c.query(`UPDATE messages SET parent_id = $1 WHERE parent_id = $2 AND conversation_id = $3`, [
          m.parent_id,
          messageId,
          conversationId,
        ]);
        await c.query(`UPDATE conversations SET leaf_id = $1 WHERE id = $2 AND leaf_id = $3`, [m.parent_id, conversationId, messageId]);
        return (await c.query(`DELETE FROM messages WHERE id = $1 AND conversation_id = $2`, [messageId, conversationId])).rowCount ?? 0;
      });
    },
    async deleteAllHistory() {
      return tx(async (c) => {
        const messages = (await c.query(`DELETE FROM messages`)).rowCount ?? 0;
        const conversations = (await c.query(`DELETE FROM conversations`)).rowCount ?? 0;
        const requestTexts =
          (await c.query(`UPDATE requests SET prompt = NULL, response = NULL WHERE prompt IS NOT NULL OR response IS NOT NULL`)).rowCount ??
          0;
        // Cached answers are history too.
        await c.query(`DELETE FROM response_cache`);
        await c.query(`DELETE FROM stored_responses`);
        await c.query(`DELETE FROM sealed_responses`);
        return { conversations, messages, requestTexts };
      });
    },
    async probeWrite() {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        try {
          await client.query(`INSERT INTO settings (key, value) VALUES ('health.writeProbe', '0')`);
        } finally {
          await client.query('ROLLBACK');
        }
      } finally {
        client.release();
      }
    },
    async saveResponse(id, createdAt, body, owner = '') {
      await pool.query(
        `INSERT INTO stored_responses (id, created_at, body, owner) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body WHERE stored_responses.owner = excluded.owner`,
        [id, createdAt, body, owner],
      );
    },
    async getResponse(id, owner = '') {
      return (await rows(`SELECT body FROM stored_responses WHERE id = $1 AND owner = $2`, [id, owner]))[0]?.body as string | undefined;
    },
    async deleteResponse(id, owner = '') {
      return ((await pool.query(`DELETE FROM stored_responses WHERE id = $1 AND owner = $2`, [id, owner])).rowCount ?? 0) > 0;
    },
    async saveSealedResponse(key, body, owner, expiresAt, now) {
      // Expired sealed responses go as new ones come (as the response cache purges on put): no timer needed.
      await pool.query(`DELETE FROM sealed_responses WHERE expires_at <= $1`, [now]);
      await pool.query(
        `INSERT INTO sealed_responses (key, owner, expires_at, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET body = excluded.body, expires_at = excluded.expires_at WHERE sealed_responses.owner = excluded.owner`,
        [key, owner, expiresAt, body],
      );
    },
    async getSealedResponse(key, owner, now) {
      return (await rows(`SELECT body FROM sealed_responses WHERE key = $1 AND owner = $2 AND expires_at > $3`, [key, owner, now]))[0]
        ?.body as string | undefined;
    },
    async deleteSealedResponse(key, owner) {
      return ((await pool.query(`DELETE FROM sealed_responses WHERE key = $1 AND owner = $2`, [key, owner])).rowCount ?? 0) > 0;
    },
    async clearSealedResponses() {
      return (await pool.query(`DELETE FROM sealed_responses`)).rowCount ?? 0;
    },
    async createApiKey(k) {
      await pool.query(
        `INSERT INTO api_keys (id, name, hash, prefix, created_at, revoked_at, rate_limit_per_min, monthly_budget_micros)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [k.id, k.name, k.hash, k.prefix, k.createdAt, k.revokedAt, k.rateLimitPerMin, k.monthlyBudgetMicros],
      );
    },
    async listApiKeys() {
      return (await rows(`SELECT * FROM api_keys ORDER BY created_at, seq`)).map(toApiKey);
    },
    async revokeApiKey(id, at) {
      return ((await pool.query(`UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, [at, id])).rowCount ?? 0) > 0;
    },
    async spendByApiKeySince(since) {
      return Object.fromEntries(
        (
          await rows(
            `SELECT api_key_id AS id, SUM(cost_micros) AS spent FROM requests
             WHERE api_key_id IS NOT NULL AND ts >= $1 AND cost_micros > 0 GROUP BY api_key_id`,
            [since],
          )
        ).map((r) => [String(r.id), Number(r.spent)]),
      );
    },
    async close() {
      await pool.end();
    },
  };
}
