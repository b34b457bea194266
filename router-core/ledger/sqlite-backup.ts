// Online backup and safe restore of the SQLite ledger file (the driver is used here too: these are file-level operations on the same store).
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { fileStamp, newestVersion } from './migrate.js';

/** Why a file cannot be restored (or a backup could not be made); the message says what to do. */
export class LedgerFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerFileError';
  }
}

/** What a ledger file holds, as checked by inspectLedgerFile. */
export interface LedgerFileInfo {
  file: string;
  bytes: number;
  schemaVersion: number;
  requests: number;
}

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** Tables every ledger has had since schema version 1 (requests, settings): a file without them is not ours. */
const LEDGER_TABLES = ['requests', 'settings'];

function fsyncPath(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      unlinkSync(f);
    } catch {
      // Not there.
    }
  }
}

/**
 * Check that `file` is a whole, uncorrupted ledger this build can open: the SQLite header, PRAGMA integrity_check,
 * the ledger's tables and a schema version from 1 to this build's newest. Throws LedgerFileError naming the problem.
 */
export function inspectLedgerFile(file: string): LedgerFileInfo {
  let bytes: number;
  try {
    bytes = statSync(file).size;
  } catch (e) {
    throw new LedgerFileError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER))
    throw new LedgerFileError(`${file} is not a SQLite database (no SQLite header), so it is not a Hybrid AI ledger backup.`);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok')
      throw new LedgerFileError(`${file} is corrupt (SQLite integrity check: ${problems.slice(0, 3).join('; ')}).`);
    const tables = new Set(
      (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((r) => r.name),
    );
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const missing = LEDGER_TABLES.filter((t) => !tables.has(t));
    if (schemaVersion < 1 || missing.length > 0)
      throw new LedgerFileError(
        `${file} is a SQLite database but not a Hybrid AI ledger (schema version ${schemaVersion}${missing.length ? `, no ${missing.join(' or ')} table` : ''}).`,
      );
    if (schemaVersion > newestVersion)
      throw new LedgerFileError(
        `${file} holds a ledger of schema version ${schemaVersion}, made by a newer Hybrid AI than this one (newest ${newestVersion}): restore it with that version.`,
      );
    const requests = (db.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n;
    return { file, bytes, schemaVersion, requests };
  } catch (e) {
    if (e instanceof LedgerFileError) throw e;
    // SQLITE_CORRUPT, SQLITE_NOTADB and friends: the driver's message says which.
    throw new LedgerFileError(`${file} is corrupt or unreadable: ${(e as Error).message}.`);
  } finally {
    db?.close();
  }
}

/**
 * Copy the live ledger `source` to `dest` with `VACUUM INTO`: a consistent snapshot even while the server writes,
 * taken in one read transaction, so it finishes under any write rate. The copy is written to a temporary name, switched to a single-file journal
 * mode, checked (inspectLedgerFile), fsynced and only then renamed to `dest`: a crash leaves no half-written backup.
 */
export async function backupSqliteLedger(source: string, dest: string): Promise<LedgerFileInfo> {
  if (!existsSync(source)) throw new LedgerFileError(`There is no ledger at ${source} to back up (check --data-dir).`);
  const tmp = `${dest}.partial-${process.pid}`;
  removeQuietly(tmp);
  const src = new Database(source, { readonly: true, fileMustExist: true });
  try {
    // One statement in one read transaction: a consistent snapshot that finishes under any write rate. (The page-by-page
    // backup API restarts whenever another process commits between its steps, so a busy writer could keep it going.)
    src.prepare('VACUUM INTO ?').run(tmp);
  } catch (e) {
    removeQuietly(tmp);
    throw new LedgerFileError(`Backup of ${source} to ${dest} failed: ${(e as Error).message}.`);
  } finally {
    src.close();
  }
  try {
    const copy = new Database(tmp);
    try {
      // One self-contained file: no -wal beside it to forget when the backup is copied elsewhere.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    const info = inspectLedgerFile(tmp);
    fsyncPath(tmp);
    renameSync(tmp, dest);
    fsyncPath(path.dirname(dest));
    return { ...info, file: dest };
  } catch (e) {
    removeQuietly(tmp);
    throw e instanceof LedgerFileError ? e : new LedgerFileError(`Backup to ${dest} failed: ${(e as Error).message}.`);
  }
}

/** What restoreSqliteLedger did. */
export interface RestoreResult extends LedgerFileInfo {
  /** Where the ledger that was replaced now is (never deleted); undefined when there was none. */
  previous?: string;
}

/**
 * Replace the ledger at `target` with the backup `backup`. The backup is checked first (a corrupt, foreign or
 * too-new file is refused with LedgerFileError and nothing changes), copied beside the target under a temporary
 * name and checked again; the current ledger must not be open anywhere (an exclusive lock proves it: a running
 * server holds a shared one), is folded into one file and kept as `<target>.before-restore-<stamp>`; the copy then
 * takes its name in one rename. At every point (a kill -9 included) the target is the old ledger or the new one,
 * whole, never a mix and never missing.
 */
export function restoreSqliteLedger(backup: string, target: string, now: Date = new Date()): RestoreResult {
  const checked = inspectLedgerFile(backup);
  const tmp = `${target}.restoring-${process.pid}`;
  // What a restore killed midway left: only ever a temporary copy, never the ledger itself.
  const base = path.basename(target);
  for (const f of readdirSync(path.dirname(target)))
    if (f.startsWith(`${base}.restoring-`)) removeQuietly(path.join(path.dirname(target), f));
  let lock: Database.Database | undefined;
  try {
    // A page-by-page copy through SQLite would need the backup's WAL; the backup is one file, so copy its bytes.
    const src = new Database(backup, { readonly: true, fileMustExist: true });
    try {
      src.prepare('VACUUM INTO ?').run(tmp);
    } finally {
      src.close();
    }
    inspectLedgerFile(tmp);
    fsyncPath(tmp);
    let previous: string | undefined;
    if (existsSync(target)) {
      lock = new Database(target, { fileMustExist: true, timeout: 0 });
      lock.pragma('locking_mode = EXCLUSIVE');
      try {
        lock.exec('BEGIN EXCLUSIVE');
        lock.exec('COMMIT');
      } catch {
        throw new LedgerFileError(
          `The ledger ${target} is in use (a running server or another tool has it open). Stop the server first, then restore.`,
        );
      }
      // Fold the WAL into the file, so the kept copy is whole on its own.
      lock.pragma('wal_checkpoint(TRUNCATE)');
      lock.pragma('journal_mode = DELETE');
      // The old ledger gets its second name first (a hard link: no copy, no moment without it), then the new one
      // replaces the first name in one rename: a crash anywhere leaves ledger.db whole, old or new.
      previous = `${target}.before-restore-${fileStamp(now)}`;
      try {
        linkSync(target, previous);
      } catch {
        copyFileSync(target, previous);
        fsyncPath(previous);
      }
      renameSync(tmp, target);
    } else {
      // A WAL without its database must not be replayed into the restored one.
      removeQuietly(target);
      renameSync(tmp, target);
    }
    fsyncPath(path.dirname(target));
    return { ...checked, file: target, previous };
  } catch (e) {
    removeQuietly(tmp);
    throw e instanceof LedgerFileError ? e : new LedgerFileError(`Restore of ${backup} into ${target} failed: ${(e as Error).message}.`);
  } finally {
    lock?.close();
  }
}
