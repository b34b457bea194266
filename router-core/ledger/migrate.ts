// Applies pending migrations in order, each in its own transaction: SQLite tracks PRAGMA user_version, PostgreSQL a schema_migrations table.
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { migrationSql, migrations } from './migrations.js';

/** The newest schema this build knows. */
export const newestVersion = migrations.at(-1)?.version ?? 0;

function tooNew(current: number, where: string): Error {
  return new Error(
    `The ledger database has schema version ${current}, newer than this app supports (${newestVersion}). Update the app or use ${where}.`,
  );
}

/** Bring the SQLite database to the newest schema; refuses a database newer than this build. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > newestVersion) throw tooNew(current, 'another --data-dir');
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(migrationSql(m, 'sqlite'));
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return newestVersion;
}

/**
 * Key of the advisory lock that serialises migrations: gateway replicas starting at once would otherwise both see
 * a migration as pending and both apply it. An arbitrary 63-bit constant; only processes of this app take it.
 */
export const MIGRATION_LOCK_KEY = '7526668463286749545';

/**
 * Bring the PostgreSQL database to the newest schema. Each migration runs in one transaction that first takes
 * pg_advisory_xact_lock (released at commit), then re-reads the applied versions, so of two replicas starting at
 * once one applies and the other finds it done. Refuses a database newer than this build.
 */
export async function migratePostgres(pool: pg.Pool): Promise<number> {
  for (;;) {
    const client = await pool.connect();
    let applied: number | 'done';
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
      const r = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
      const current = Number(r.rows[0]?.v ?? 0);
      if (current > newestVersion) throw tooNew(current, 'another database');
      const next = migrations.find((m) => m.version > current);
      if (next) {
        await client.query(migrationSql(next, 'postgres'));
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [next.version, next.name]);
        applied = next.version;
      } else applied = 'done';
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
    if (applied === 'done') return newestVersion;
  }
}
