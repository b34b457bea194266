// Schema migrations as one ordered list for SQLite and PostgreSQL (kept in TS so a bundled server carries them without loose files).
//
// One SQL text serves both dialects wherever it can: BIGINT and DOUBLE PRECISION give SQLite the same INTEGER and
// REAL column affinities its first schema had, and give PostgreSQL the 64-bit integers that ms timestamps and
// micro-dollar sums need (its INTEGER is 32-bit) and 8-byte floats (its REAL is 4-byte). Only where the dialects
// truly differ does a migration carry a { sqlite, postgres } pair.

/** The SQL dialects the ledger runs on. */
export type Dialect = 'sqlite' | 'postgres';

/** One schema step: the same SQL for both dialects, or a pair where they differ. */
export interface Migration {
  version: number;
  name: string;
  sql: string | Readonly<Record<Dialect, string>>;
}

/** The SQL of `m` for `dialect`. */
export function migrationSql(m: Migration, dialect: Dialect): string {
  return typeof m.sql === 'string' ? m.sql : m.sql[dialect];
}

/** Response cache, routing events and feedback (migration 4); `blob` is the dialect's binary type for embeddings. */
const routingTables = (blob: string): string => `
      CREATE TABLE response_cache (
        key           TEXT PRIMARY KEY,
        scope         TEXT NOT NULL,
        created_at    BIGINT NOT NULL,
        expires_at    BIGINT NOT NULL,
        request_id    TEXT NOT NULL,
        route         TEXT NOT NULL,
        model         TEXT NOT NULL,
        engine        TEXT NOT NULL,
        complexity    DOUBLE PRECISION NOT NULL,
        response      TEXT NOT NULL,
        input_tokens  INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        finish_reason TEXT NOT NULL,
        cost_micros   BIGINT NOT NULL DEFAULT 0,
        embedding     ${blob}
      );
      CREATE INDEX response_cache_expires ON response_cache (expires_at);
      CREATE INDEX response_cache_scope ON response_cache (scope, created_at);
      CREATE TABLE routing_events (
        request_id    TEXT NOT NULL,
        ts            BIGINT NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('cache_hit', 'semantic_hit', 'privacy_local', 'cascade_kept', 'cascade_escalated')),
        model         TEXT,
        engine        TEXT,
        input_tokens  INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cost_micros   BIGINT NOT NULL DEFAULT 0,
        saved_micros  BIGINT NOT NULL DEFAULT 0,
        detail        TEXT
      );
      CREATE INDEX routing_events_ts ON routing_events (ts);
      CREATE INDEX routing_events_request ON routing_events (request_id);
      CREATE TABLE feedback (
        request_id TEXT PRIMARY KEY,
        ts         BIGINT NOT NULL,
        rating     TEXT NOT NULL CHECK (rating IN ('up', 'down', 'retry')),
        comment    TEXT
      );
      CREATE INDEX feedback_ts ON feedback (ts);
    `;

/**
 * Each migration runs once, in order, inside one transaction. SQLite records the last applied in PRAGMA
 * user_version; PostgreSQL in the schema_migrations table (see migrate.ts).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: `
      CREATE TABLE requests (
        id               TEXT PRIMARY KEY,
        ts               BIGINT NOT NULL,
        protocol         TEXT NOT NULL,
        route            TEXT,
        model            TEXT,
        engine           TEXT,
        complexity       DOUBLE PRECISION,
        reasons          TEXT NOT NULL DEFAULT '[]',
        input_tokens     INTEGER NOT NULL DEFAULT 0,
        output_tokens    INTEGER NOT NULL DEFAULT 0,
        cost_micros      BIGINT NOT NULL DEFAULT 0,
        all_cloud_micros BIGINT NOT NULL DEFAULT 0,
        latency_ms       DOUBLE PRECISION NOT NULL,
        ttft_ms          DOUBLE PRECISION,
        status           TEXT NOT NULL CHECK (status IN ('ok', 'error', 'aborted')),
        error_type       TEXT,
        fallback_from    TEXT NOT NULL DEFAULT '[]',
        prompt           TEXT,
        response         TEXT
      );
      CREATE INDEX requests_ts ON requests (ts);
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'conversations',
    sql: `
      CREATE TABLE conversations (
        id         TEXT PRIMARY KEY,
        title      TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX conversations_updated ON conversations (updated_at);
      CREATE TABLE messages (
        id              TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content         TEXT NOT NULL,
        request_id      TEXT,
        created_at      BIGINT NOT NULL
      );
      CREATE INDEX messages_conversation ON messages (conversation_id, created_at);
    `,
  },
  {
    version: 3,
    name: 'api-keys',
    // Keys are revoked, never deleted, so every request row can keep pointing at the key that made it.
    // hash: sha256 (hex) of a 256-bit random key; the key itself is shown once and never stored.
    sql: `
      CREATE TABLE api_keys (
        id                    TEXT PRIMARY KEY,
        name                  TEXT NOT NULL,
        hash                  TEXT NOT NULL UNIQUE,
        prefix                TEXT NOT NULL,
        created_at            BIGINT NOT NULL,
        revoked_at            BIGINT,
        rate_limit_per_min    INTEGER CHECK (rate_limit_per_min IS NULL OR rate_limit_per_min > 0),
        monthly_budget_micros BIGINT CHECK (monthly_budget_micros IS NULL OR monthly_budget_micros >= 0)
      );
      ALTER TABLE requests ADD COLUMN api_key_id TEXT REFERENCES api_keys (id);
      CREATE INDEX requests_api_key_ts ON requests (api_key_id, ts);
    `,
  },
  {
    version: 4,
    name: 'routing',
    // Response cache (keyed by a hash of the normalised request; the prompt is not stored), routing events
    // (cache hits, cascades with their first attempt's cost, privacy-kept requests) and feedback on answers.
    // The embedding column is the one true difference: BLOB in SQLite, BYTEA in PostgreSQL.
    sql: { sqlite: routingTables('BLOB'), postgres: routingTables('BYTEA') },
  },
  {
    version: 5,
    name: 'requests_api_key_partial_index',
    // Most requests come with the master token (api_key_id NULL): a partial index leaves them out, so their
    // insert touches one b-tree fewer (measured: ~10 µs of the ~50 µs CPU an insert costs on this VM), and the
    // per-key spend query (api_key_id IS NOT NULL AND ts >= ?) still uses it.
    sql: `
      DROP INDEX requests_api_key_ts;
      CREATE INDEX requests_api_key_ts ON requests (api_key_id, ts) WHERE api_key_id IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'budget_reservations',
    // Estimated cost of cloud calls in flight, shared by every gateway on one PostgreSQL (SQLite keeps them in the
    // one process's memory, where they are exact, and leaves this table empty). expires_at: a crashed gateway's
    // reservations stop counting (see RESERVATION_TTL_MS in postgres.ts).
    // requests_spend: the budget check sums this month's cloud cost on every request; a partial index over the
    // (few) rows that cost anything, holding ts and cost_micros, answers that without reading the table.
    sql: `
      CREATE TABLE budget_reservations (
        id         TEXT PRIMARY KEY,
        micros     BIGINT NOT NULL CHECK (micros >= 0),
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX budget_reservations_expires ON budget_reservations (expires_at);
      CREATE INDEX requests_spend ON requests (ts, cost_micros) WHERE cost_micros > 0;
    `,
  },
  {
    version: 7,
    name: 'insertion_order',
    // "Oldest first" and "this message and every later one" use SQLite's implicit rowid; PostgreSQL has none, so it
    // gets an explicit insertion counter on the tables that are ordered that way (ties in created_at/ts are common:
    // one request appends its prompt and its answer in the same millisecond).
    sql: {
      sqlite: `-- SQLite tables already have a rowid in insertion order.`,
      postgres: `
      ALTER TABLE requests ADD COLUMN seq BIGSERIAL;
      ALTER TABLE conversations ADD COLUMN seq BIGSERIAL;
      ALTER TABLE messages ADD COLUMN seq BIGSERIAL;
      ALTER TABLE api_keys ADD COLUMN seq BIGSERIAL;
      CREATE INDEX messages_seq ON messages (conversation_id, seq);
    `,
    },
  },
  {
    version: 8,
    name: 'message_retry_of',
    // An answer that replaced one the person retried with Claude keeps that answer's request id, so a reopened
    // conversation can say which model's answer it replaced and whether the miss was recorded (feedback table).
    sql: `ALTER TABLE messages ADD COLUMN retry_of TEXT;`,
  },
  {
    version: 9,
    name: 'experiment_arm',
    // Routing experiments: the experiment and the arm ('A' main policy, 'B' variant) whose policy decided the request
    // (NULL when none ran, or the router did not decide: a model named by the caller, a cache hit). The partial index
    // serves the per-arm comparison without touching the many rows outside any experiment; the one on retry_of finds
    // the answers a person replaced with Claude's ("retry with Claude") without reading every message.
    sql: `
      ALTER TABLE requests ADD COLUMN experiment_id TEXT;
      ALTER TABLE requests ADD COLUMN arm TEXT CHECK (arm IS NULL OR arm IN ('A', 'B'));
      CREATE INDEX requests_experiment ON requests (experiment_id, arm) WHERE experiment_id IS NOT NULL;
      CREATE INDEX messages_retry_of ON messages (retry_of) WHERE retry_of IS NOT NULL;
    `,
  },
  {
    version: 10,
    name: 'message_versions',
    // Versions instead of deletion: every message names the one it follows (parent_id), so regenerating, retrying
    // or editing a turn adds a sibling (a version) and the turns after the old version stay attached to it.
    // conversations.leaf_id: the end of the path on screen (NULL = the newest message). Existing chats were linear:
    // each message's parent becomes the message stored before it in the same conversation.
    sql: {
      sqlite: `
      ALTER TABLE messages ADD COLUMN parent_id TEXT;
      ALTER TABLE conversations ADD COLUMN leaf_id TEXT;
      UPDATE messages SET parent_id = (
        SELECT p.id FROM messages p WHERE p.conversation_id = messages.conversation_id AND p.rowid < messages.rowid
        ORDER BY p.rowid DESC LIMIT 1);
      CREATE INDEX messages_parent ON messages (parent_id);
    `,
      postgres: `
      ALTER TABLE messages ADD COLUMN parent_id TEXT;
      ALTER TABLE conversations ADD COLUMN leaf_id TEXT;
      UPDATE messages SET parent_id = (
        SELECT p.id FROM messages p WHERE p.conversation_id = messages.conversation_id AND p.seq < messages.seq
        ORDER BY p.seq DESC LIMIT 1);
      CREATE INDEX messages_parent ON messages (parent_id);
    `,
    },
  },
  {
    version: 11,
    name: 'stored_responses',
    // OpenAI Responses API objects kept for previous_response_id and GET /v1/responses/{id} (only while history is
    // on; "delete all history" empties the table). The body is the whole response plus the conversation it
    // continued, as JSON text: nothing queries inside it.
    sql: `
      CREATE TABLE stored_responses (
        id         TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL,
        body       TEXT NOT NULL
      );
    `,
  },
  {
    version: 12,
    name: 'stored_response_owner',
    // Who made each stored response: an app key's id, '' for the main API token. Reads, deletes and
    // previous_response_id match it, so one app cannot see another's answers. Rows from before were made by
    // someone unknown: they go to the main token, which could already see everything.
    sql: `ALTER TABLE stored_responses ADD COLUMN owner TEXT NOT NULL DEFAULT '';`,
  },
  {
    version: 13,
    name: 'sealed_responses',
    // Responses API objects kept while history is off (the caller asked to store them): the body is AES-256-GCM
    // ciphertext under a key derived from the response id's random secret, and `key` is a one-way hash of that id, so
    // the table holds neither the id nor anything readable (gateway/sealed-responses.ts). `owner` as in
    // stored_responses; `expires_at` (ms) bounds how long the ciphertext stays.
    sql: `
      CREATE TABLE sealed_responses (
        key        TEXT PRIMARY KEY,
        owner      TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        body       TEXT NOT NULL
      );
      CREATE INDEX sealed_responses_expires ON sealed_responses (expires_at);
    `,
  },
];
