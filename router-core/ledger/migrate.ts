// Applies pending migrations all-or-nothing: SQLite tracks PRAGMA user_version (after a backup of the old file), PostgreSQL a schema_migrations table.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { type Migration, migrationSql, migrations } from './migrations.js';

/** The newest schema this build knows. */
export const newestVersion = migrations.at(-1)?.version ?? 0;

function tooNew(current: number, newest: number, where: string): Error {
  return new Error(
    `The ledger database has schema version ${current}, newer than this app supports (${newest}). Update the app or use ${where}.`,
  );
}

/** A failed migration step, named, with what state the ledger was left in. */
function failed(m: Migration, current: number, cause: unknown, backup?: string): Error {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `Ledger migration ${m.version} (${m.name}) failed: ${why}. Nothing was changed: the ledger is still at schema version ${current}, ` +
      `which the previous version of the app keeps using${backup ? `; a copy taken before the attempt is at ${backup}` : ''}.`,
    { cause },
  );
}

/** `2026-12-07T04:50:01.123Z` → `20261207T045001123Z`: sortable, unique per millisecond, valid in a file name on every OS. */
export function fileStamp(d: Date): string {
  return d.toISOString().replace(/[-:.]/g, '');
}

/** Suffix of a pre-migration copy still being written: `<final name>.partial-<pid>`. */
const PARTIAL = /^ledger-pre-v\d+-from-v\d+-\w+\.db\.partial-(\d+)$/;

function fsyncPath(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function unlinkQuietly(file: string): void {
  for (const f of [file, `${file}-journal`]) {
    try {
      unlinkSync(f);
    } catch {
      // Not there.
    }
  }
}

/** Whether process `pid` still runs (a copy it is writing is not ours to remove). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove pre-migration copies that a start killed mid-copy left behind (their writer is gone). */
function removeAbandonedCopies(dir: string): void {
  for (const name of readdirSync(dir)) {
    const m = PARTIAL.exec(name);
    if (m && !alive(Number(m[1]))) unlinkQuietly(path.join(dir, name));
  }
}

/**
 * The newest copy in `dir` that a newer build made before migrating a ledger of version `from` (its name says so), or
 * undefined. why: a user who goes back to this version after an upgrade is refused the migrated ledger; that copy is
 * the way back, and the refusal names it with the command that restores it.
 */
function copyFromVersion(dir: string, from: number): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const mine = new RegExp(`^ledger-pre-v\\d+-from-v${from}-\\w+\\.db$`);
  // The stamp in the name sorts by time.
  const newest = names
    .filter((n) => mine.test(n))
    .sort((a, b) => (a.split('-').at(-1)! < b.split('-').at(-1)! ? -1 : 1))
    .at(-1);
  return newest ? path.join(dir, newest) : undefined;
}

/**
 * Copy of the SQLite ledger before it is migrated: `<dir>/backups/ledger-pre-v<to>-from-v<from>-<stamp>.db`, made with
 * VACUUM INTO (one read transaction, so a consistent snapshot even while another process writes; synchronous,
 * as opening the ledger is). Returns its path. A failure (a full disk) stops the migration before it starts.
 * The copy is written under a temporary name, fsynced, and only then renamed: a start killed mid-copy (the app quit,
 * a power cut, a container stopped while a large ledger is copied) leaves no truncated file under the name of a good
 * copy (a restore of it failed with "not a SQLite database"); the next start removes the abandoned part.
 */
function backupBeforeMigration(db: Database.Database, from: number, to: number, now: Date): string {
  const dir = path.join(path.dirname(db.name), 'backups');
  const file = path.join(dir, `ledger-pre-v${to}-from-v${from}-${fileStamp(now)}.db`);
  const tmp = `${file}.partial-${process.pid}`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    removeAbandonedCopies(dir);
    db.prepare('VACUUM INTO ?').run(tmp);
    fsyncPath(tmp);
    renameSync(tmp, file);
  } catch (e) {
    unlinkQuietly(tmp);
    throw new Error(
      `Cannot back up the ledger before migrating it from schema version ${from} to ${to} (${file}): ${(e as Error).message}. ` +
        'Nothing was migrated; free some disk space (or fix the folder permissions) and start again.',
      { cause: e },
    );
  }
  try {
    fsyncPath(dir);
  } catch {
    // Windows cannot open a folder to fsync it; the rename stands either way.
  }
  return file;
}

/** Options of migrate(): the list of migrations (tests add a failing one) and the clock for the backup's name. */
export interface MigrateOptions {
  migrations?: readonly Migration[];
  now?: () => Date;
}

/**
 * Bring the SQLite database to the newest schema; refuses a database newer than this build. A file that already
 * holds a ledger is first copied to `backups/` beside it; then every pending migration runs in ONE transaction, so
 * a failing step leaves the old schema (and its rows) exactly as they were, usable by the version that made them.
 */
export function migrate(db: Database.Database, opts: MigrateOptions = {}): number {
  const list = opts.migrations ?? migrations;
  const newest = list.at(-1)?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  const onDisk = db.name !== ':memory:' && db.name !== '' && !db.memory;
  if (current > newest) {
    const copy = onDisk ? copyFromVersion(path.join(path.dirname(db.name), 'backups'), newest) : undefined;
    const err = tooNew(current, newest, 'another --data-dir');
    if (copy)
      err.message += ` To go back to this version, restore the copy the newer one made before migrating (what was answered since is not in it): hybrid-ai restore ${copy}`;
    throw err;
  }
  const pending = list.filter((m) => m.version > current);
  if (pending.length === 0) return newest;
  const backup = current > 0 && onDisk ? backupBeforeMigration(db, current, newest, (opts.now ?? (() => new Date()))()) : undefined;
  db.transaction(() => {
    for (const m of pending) {
      try {
        db.exec(migrationSql(m, 'sqlite'));
      } catch (e) {
        throw failed(m, current, e, backup);
      }
      db.pragma(`user_version = ${m.version}`);
    }
  })();
  return newest;
}

/**
 * Key of the advisory lock that serialises migrations: gateway replicas starting at once would otherwise both see
 * a migration as pending and both apply it. An arbitrary 63-bit constant; only processes of this app take it.
 */
export const MIGRATION_LOCK_KEY = '7526668463286749545';

/**
 * Bring the PostgreSQL database to the newest schema. One transaction takes pg_advisory_xact_lock (released at
 * commit), re-reads the applied versions and applies every pending migration, so of two replicas starting at once
 * one applies and the other finds it done, and a failing step rolls every step back (PostgreSQL's DDL is
 * transactional): the old schema stays as it was for the replicas still running. Refuses a database newer than
 * this build. A pg_dump before an upgrade is the operator's (the Kubernetes migration Job takes one).
 */
export async function migratePostgres(pool: pg.Pool, opts: Pick<MigrateOptions, 'migrations'> = {}): Promise<number> {
  const list = opts.migrations ?? migrations;
  const newest = list.at(-1)?.version ?? 0;
  const client = await pool.connect();
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
    if (current > newest) throw tooNew(current, newest, 'another database');
    for (const m of list.filter((x) => x.version > current)) {
      try {
        await client.query(migrationSql(m, 'postgres'));
      } catch (e) {
        throw failed(m, current, e);
      }
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
  return newest;
}
